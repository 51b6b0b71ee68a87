"""torch's top-level spellings that programs use (``torch.cosine_similarity``,
``torch.pairwise_distance``, ``torch.pixel_shuffle``, ``torch.selu`` ..., ``torch.asarray``,
``torch.unravel_index``, ``torch.inner``, ``torch.ger``, ``torch.rsub``,
``torch.scalar_tensor``, ``torch.get_rng_state``/``set_rng_state``), checked against torch:
values, dtypes and gradients in float64, and a checkpoint-and-resume script that saves and
restores the generator state. Then the in-place forms hand-written optimizers and masks use
(``addcmul_``, ``addcdiv_``, ``triu_``, ``clamp_min_``, ``cos_`` ...), with a hand-written
Adam on a causal attention layer run on both."""

from __future__ import annotations

import math

import numpy as np
import pytest
from twins import raises_as_torch, randomize, same_as_torch, same_run, weights

import tinygraph

X = "x = torch.tensor(np.linspace(-2, 2, 24).reshape(2, 3, 4), requires_grad=True); "
Y = "y = torch.tensor(np.cos(np.arange(24.)).reshape(2, 3, 4), requires_grad=True); "

CASES = [
    X + Y + "r = torch.cosine_similarity(x, y)",
    X + Y + "r = torch.cosine_similarity(x, y, dim=-1, eps=1e-6)",
    X + Y + "r = torch.pairwise_distance(x, y, p=1.5, keepdim=True)",
    "x = torch.tensor(np.arange(32.).reshape(1, 8, 2, 2)); r = torch.pixel_shuffle(x, 2)",
    "x = torch.tensor(np.arange(32.).reshape(1, 2, 4, 4)); r = torch.pixel_unshuffle(x, 2)",
    "x = torch.tensor(np.arange(24.).reshape(1, 6, 2, 2)); r = torch.channel_shuffle(x, 3)",
    X + "r = torch.selu(x)",
    X + "r = torch.celu(x, 0.7)",
    X + "r = torch.threshold(x, 0.5, -1.0)",
    X + "r = torch.prelu(x, torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64))",
    X + "r = torch.hardshrink(x, 0.6)",
    X + "r = torch.rrelu(x)",
    X + "r = torch.group_norm(x, 3)",
    X + "r = torch.adaptive_avg_pool1d(x, 3)",
    X + "r = torch.adaptive_max_pool1d(x, 3)[0]",
    X + "r = torch.adaptive_max_pool1d(x, 3)[1]",
    X + "r = torch.rms_norm(x, (4,))",
    X + "r = torch.bilinear(x, x, torch.ones(2, 4, 4, dtype=torch.float64))",
    X + Y + "r = torch.inner(x, y)",
    "r = torch.inner(torch.tensor([1., 2.]), torch.tensor([3., 4.]))",
    "r = torch.inner(torch.tensor(2.), torch.tensor([3., 4.]))",
    "r = torch.ger(torch.tensor([1., 2.]), torch.tensor([3., 4., 5.]))",
    X + "r = torch.rsub(x, 5.0, alpha=2)",
    X + "r = torch.rsub(x, torch.ones(4, dtype=torch.float64))",
    "r = torch.scalar_tensor(3)",
    "r = torch.scalar_tensor(3, dtype=torch.int64)",
    "r = torch.asarray([1, 2, 3])",
    "r = torch.asarray(np.arange(3.), dtype=torch.float32)",
    "r = torch.unravel_index(torch.tensor([5, 7, -1]), (3, 4))[1]",
    "r = torch.stack(torch.unravel_index(torch.tensor([12, -13, 0]), (3, 4)))",
    "r = torch.stack(torch.unravel_index(torch.tensor(7), (2, 2, 2)))",
    X + "r = torch.detach(x)",
]


@pytest.mark.parametrize("code", CASES)
def test_top_level_spellings_are_torchs(torch, code):
    same_as_torch(torch, code)
    # (torch's celu gradient rounds 1 / alpha to float32: a 1e-8 difference, left alone)
    if "requires_grad=True" in code and "max_pool1d(x, 3)[1]" not in code and "celu" not in code:
        grads = []
        for lib in (torch, tinygraph):
            env = {"torch": lib, "np": np}
            exec(code, env)
            out = env["r"]
            if not out.requires_grad:
                return
            out.backward(lib.tensor(np.sin(np.arange(out.numel())).reshape(tuple(out.shape))))
            grads.append(env["x"].grad.numpy().copy())
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("code", [
    "r = torch.unravel_index(torch.tensor([1.5]), (3, 4))",
    "r = torch.asarray(np.arange(3.), dtype=torch.float32, copy=False)",
])
def test_top_level_refusals_are_torchs(torch, code):
    raises_as_torch(torch, code)


def test_top_level_predicates_are_torchs(torch):
    for lib in (torch, tinygraph):
        a, b = lib.ones(2, 3), lib.zeros(2, 3)
        assert lib.is_same_size(a, b) and not lib.is_same_size(a, lib.ones(3, 2))
        assert lib.is_signed(a) and lib.is_signed(lib.tensor([1]))
        assert not lib.is_signed(lib.tensor([1], dtype=lib.uint8))
        assert not lib.is_signed(lib.tensor([True]))
        source = np.arange(3.0)
        shared = lib.asarray(source)
        source[0] = 7.0
        assert shared[0].item() == 7.0
        assert lib.asarray(source, copy=True)[0].item() == 7.0
        source[0] = 0.0
        leaf = lib.ones(2, requires_grad=True)
        copied = lib.asarray(leaf, copy=True, requires_grad=True)
        assert copied.requires_grad and copied.grad_fn is not None
        assert not lib.asarray(leaf, requires_grad=False).requires_grad
        assert not lib.asarray(np.ones(2)).requires_grad


def test_a_checkpoint_restores_the_generator_state():
    """A training script saves torch.get_rng_state() with the weights and, on resume, puts it
    back: the draws after the resume repeat (tinygraph's state: NumPy's, as uint8 bytes)."""
    torch = tinygraph
    torch.manual_seed(0)
    torch.randn(3)
    state = torch.get_rng_state()
    first = torch.randn(4).tolist()
    torch.randn(10)
    torch.set_rng_state(state)
    assert torch.randn(4).tolist() == first


def hand_written_adam(torch):
    """An Adam written as in papers' reference code: exp_avg.mul_(b1).add_(g, alpha=1 - b1),
    exp_avg_sq.mul_(b2).addcmul_(g, g, value=1 - b2), p.addcdiv_(exp_avg, denom,
    value=-step_size), weight decay by p.mul_; on a causal attention whose mask is built
    with triu_ and whose scores are clamped with clamp_min_."""
    nn, F = torch.nn, torch.nn.functional

    class AdamByHand(torch.optim.Optimizer):
        def __init__(self, params, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
            super().__init__(params, dict(lr=lr, betas=betas, eps=eps,
                                          weight_decay=weight_decay))

        @torch.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                beta1, beta2 = group["betas"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    grad = p.grad
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = 0
                        state["exp_avg"] = torch.zeros_like(
                            p, memory_format=torch.preserve_format)
                        state["exp_avg_sq"] = torch.zeros_like(
                            p, memory_format=torch.preserve_format)
                    state["step"] += 1
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                    state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
                    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                    bias1 = 1 - beta1 ** state["step"]
                    bias2 = 1 - beta2 ** state["step"]
                    denom = (state["exp_avg_sq"].sqrt() / math.sqrt(bias2)).add_(group["eps"])
                    p.addcdiv_(state["exp_avg"], denom, value=-group["lr"] / bias1)

    class Attention(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.qkv = nn.Linear(dim, 3 * dim)
            self.out = nn.Linear(dim, dim)

        def forward(self, x):
            q, k, v = self.qkv(x).chunk(3, dim=-1)
            t = x.shape[1]
            mask = torch.ones(t, t, dtype=torch.bool).triu_(1)
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
            scores = scores.masked_fill(mask, float("-inf"))
            weights_ = scores.softmax(-1)
            return self.out(weights_ @ v).clamp_min_(-3.0)

    model = Attention(4).double()
    randomize(torch, model, 90)
    rng = np.random.default_rng(91)
    x = torch.tensor(rng.standard_normal((3, 5, 4)))
    target = torch.tensor(rng.standard_normal((3, 5, 4)))
    opt = AdamByHand(model.parameters())
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = F.mse_loss(model(x), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [], weights(model)


def test_a_hand_written_adam_gives_the_same_numbers_on_both(torch):
    same_run(hand_written_adam(tinygraph), hand_written_adam(torch))


IN_PLACE = ["cos", "sin", "tan", "sinh", "cosh", "asin", "acos", "atan", "exp2", "expm1",
            "log1p", "log10", "log2", "erf", "erfc", "reciprocal", "rsqrt", "square",
            "deg2rad", "rad2deg", "logit", "nan_to_num"]


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_unary_forms_are_torchs(torch, name):
    """x.<name>_() through a non-leaf: the values, and the gradient through the in-place op."""
    results = []
    for lib in (torch, tinygraph):
        w = lib.tensor(np.linspace(0.1, 0.9, 6).reshape(2, 3), requires_grad=True)
        x = w * 1
        assert getattr(x, f"{name}_")() is x
        x.sum().backward()
        results.append((x.detach().numpy().copy(), w.grad.numpy().copy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("call", [
    "atan2_(y)", "arctan2_(y)", "hypot_(y)", "xlogy_(y)", "divide_(y)", "multiply_(y)",
    "subtract_(y, alpha=2)", "true_divide_(y)", "clamp_min_(0.4)", "clamp_max_(0.4)",
    "tril_()", "triu_(1)", "cumsum_(1)", "cumprod_(0)", "addcmul_(y, y + 1, value=-0.3)",
    "addcdiv_(y, y + 1, value=0.5)", "remainder_(y)", "floor_divide_(y)", "eq_(y)",
    "lt_(y)", "ge_(y)", "not_equal_(y)", "swapaxes_(0, 1)", "swapdims_(1, 0)"])
def test_in_place_forms_with_arguments_are_torchs(torch, call):
    same_as_torch(torch, "w = torch.tensor(np.linspace(0.1, 0.9, 6).reshape(2, 3)); "
                         "y = torch.tensor(np.linspace(0.5, 0.2, 6).reshape(2, 3)); "
                         f"x = w * 1; r = x.{call}; assert r is x")


@pytest.mark.parametrize("code", [
    "x = torch.tensor([1, 2]); x.cos_()",
    "w = torch.ones(2, requires_grad=True); w.addcmul_(w, w)",
    "x = torch.tensor([1.0, 2.0]); x.addcmul_(torch.ones(3), torch.ones(3))",
])
def test_in_place_forms_refuse_as_torch(torch, code):
    raises_as_torch(torch, code)


def test_in_place_logical_and_bitwise_forms_are_torchs(torch):
    for lib in (torch, tinygraph):
        x = lib.tensor([True, False])
        assert x.logical_not_().tolist() == [False, True]
        assert x.logical_or_(lib.tensor([True, False])).tolist() == [True, True]
        assert x.logical_xor_(lib.tensor([True, False])).tolist() == [False, True]
        n = lib.tensor([1, 5])
        assert n.bitwise_and_(lib.tensor([3, 4])).tolist() == [1, 4]
        assert n.bitwise_or_(lib.tensor([2, 2])).tolist() == [3, 6]
        assert n.bitwise_xor_(lib.tensor([1, 1])).tolist() == [2, 7]
        assert n.bitwise_not_().tolist() == [-3, -8]


def test_what_library_code_asks_a_tensor_is_answered_as_torch_on_cpu(torch):
    for lib in (torch, tinygraph):
        x = lib.ones(2, 3)
        assert x.get_device() == -1 and x.layout is lib.strided
        assert isinstance(lib.strided, lib.layout)
        assert not (x.is_sparse or x.is_quantized or x.is_meta or x.is_mps or x.is_nested)
        assert not x.is_conj() and not x.is_neg()
        assert x.is_signed() and not lib.tensor([True]).is_signed()
        assert x.is_same_size(lib.zeros(2, 3)) and not x.is_same_size(lib.zeros(3))


@pytest.mark.parametrize("size", ["1, 3", "(2, 1)", "[1, 1]", "3", "2, 3"])
def test_sum_to_size_and_its_gradient_are_torchs(torch, size):
    code = ("x = torch.tensor(np.arange(6.).reshape(2, 3), requires_grad=True); "
            f"r = x.sum_to_size({size}); (r ** 2).sum().backward(); r = torch.cat("
            "[r.detach().flatten(), x.grad.flatten()])")
    same_as_torch(torch, code)


def test_sum_to_size_refuses_as_torch(torch):
    raises_as_torch(torch, "r = torch.ones(2, 3).sum_to_size(2)")
