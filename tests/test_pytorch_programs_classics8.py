"""torch's top-level spellings that programs use (``torch.cosine_similarity``,
``torch.pairwise_distance``, ``torch.pixel_shuffle``, ``torch.selu`` ..., ``torch.asarray``,
``torch.unravel_index``, ``torch.inner``, ``torch.ger``, ``torch.rsub``,
``torch.scalar_tensor``, ``torch.get_rng_state``/``set_rng_state``), checked against torch:
values, dtypes and gradients in float64, and a checkpoint-and-resume script that saves and
restores the generator state."""

from __future__ import annotations

import numpy as np
import pytest
from twins import raises_as_torch, same_as_torch

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
    back: the draws after the resume repeat (tinygraph's state is NumPy's, a dict)."""
    torch = tinygraph
    torch.manual_seed(0)
    torch.randn(3)
    state = torch.get_rng_state()
    first = torch.randn(4).tolist()
    torch.randn(10)
    torch.set_rng_state(state)
    assert torch.randn(4).tolist() == first
