"""nn.init (gains, fans, bounds and distributions; torch's RNG cannot be matched, its rules
can) and nn.utils (clipping and flat vectors, equal to torch's)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn

GAINS = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
         ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 0), ("selu", None)]


@pytest.mark.parametrize("nonlinearity, param", GAINS)
def test_calculate_gain_equals_torch(torch, nonlinearity, param):
    ours = nn.init.calculate_gain(nonlinearity, param)
    assert ours == torch.nn.init.calculate_gain(nonlinearity, param)


def test_calculate_gain_refuses_unknown_names_and_bad_slopes(torch):
    for lib in (nn, torch.nn):
        with pytest.raises(ValueError):
            lib.init.calculate_gain("swish")
        with pytest.raises(ValueError):
            lib.init.calculate_gain("leaky_relu", "0.1")


# (function, kwargs, shape, expected bound of a uniform / std of a normal)
FAN_IN, FAN_OUT = 40 * 9, 30 * 9  # a (30, 40, 3, 3) convolution weight
UNIFORM = [
    (nn.init.uniform_, dict(a=-0.3, b=0.7), None),
    (nn.init.xavier_uniform_, dict(), math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (nn.init.xavier_uniform_, dict(gain=2.0), 2 * math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (nn.init.kaiming_uniform_, dict(), math.sqrt(6 / FAN_IN)),
    (nn.init.kaiming_uniform_, dict(a=math.sqrt(5)), 1 / math.sqrt(FAN_IN)),  # torch's Linear
    (nn.init.kaiming_uniform_, dict(mode="fan_out", nonlinearity="relu"), math.sqrt(6 / FAN_OUT)),
]
NORMAL = [
    (nn.init.normal_, dict(mean=1.0, std=0.5), 0.5),
    (nn.init.xavier_normal_, dict(), math.sqrt(2 / (FAN_IN + FAN_OUT))),
    (nn.init.kaiming_normal_, dict(), math.sqrt(2 / FAN_IN)),
    (nn.init.kaiming_normal_, dict(mode="fan_out", nonlinearity="tanh"),
     5 / 3 / math.sqrt(FAN_OUT)),
]


@pytest.mark.parametrize("fn, kwargs, bound", UNIFORM)
def test_uniform_initializers_fill_their_bounds_in_place(fn, kwargs, bound):
    w = nn.Parameter(tg.zeros(30, 40, 3, 3))
    version = w._version
    assert fn(w, **kwargs) is w and w.requires_grad and w.grad_fn is None
    low, high = (kwargs["a"], kwargs["b"]) if bound is None else (-bound, bound)
    values = w.numpy()
    assert values.min() >= low and values.max() <= high
    assert values.min() < low + 0.01 * (high - low) and values.max() > high - 0.01 * (high - low)
    np.testing.assert_allclose(values.var(), (high - low) ** 2 / 12, rtol=0.05)
    assert w._version > version  # an in-place change the engine can see


@pytest.mark.parametrize("fn, kwargs, std", NORMAL)
def test_normal_initializers_have_torch_standard_deviations(fn, kwargs, std):
    w = fn(nn.Parameter(tg.zeros(30, 40, 3, 3)), **kwargs)
    np.testing.assert_allclose(w.numpy().std(), std, rtol=0.03)
    np.testing.assert_allclose(w.numpy().mean(), kwargs.get("mean", 0.0), atol=0.03 * std)


def test_constant_zeros_ones_and_dtype_kept():
    w = tg.zeros(2, 3, dtype=np.float64)
    assert nn.init.constant_(w, 0.25).numpy().tolist() == [[0.25] * 3] * 2
    assert nn.init.ones_(w).numpy().sum() == 6 and nn.init.zeros_(w).numpy().sum() == 0
    assert w.dtype == np.float64


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (7, 3), (4, 2, 3)])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    w = nn.init.orthogonal_(tg.zeros(*shape, dtype=np.float64), gain=2.0)
    flat = w.numpy().reshape(shape[0], -1) / 2.0
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)


def test_errors_match_torch(torch):
    for lib, make in ((nn, lambda *s: tg.zeros(*s)), (torch.nn, lambda *s: torch.zeros(*s))):
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            lib.init.xavier_uniform_(make(5))
        with pytest.raises(ValueError, match="Mode"):
            lib.init.kaiming_normal_(make(2, 2), mode="fan_avg")
        with pytest.raises(ValueError):
            lib.init.orthogonal_(make(3))
    with pytest.warns(UserWarning, match="zero-element"):
        nn.init.kaiming_uniform_(tg.zeros(0, 3))


def test_generator_argument_and_manual_seed_make_draws_reproducible():
    a = nn.init.normal_(tg.zeros(4), generator=np.random.default_rng(3)).numpy()
    b = nn.init.normal_(tg.zeros(4), generator=np.random.default_rng(3)).numpy()
    np.testing.assert_array_equal(a, b)
    tg.manual_seed(1)
    c = nn.init.xavier_uniform_(tg.zeros(3, 3)).numpy()
    tg.manual_seed(1)
    np.testing.assert_array_equal(nn.init.xavier_uniform_(tg.zeros(3, 3)).numpy(), c)


# -- nn.utils -----------------------------------------------------------------------------


def grads_pair(torch, rng, dtype=np.float64):
    """Three parameters with gradients, in both libraries (one without a gradient)."""
    shapes = [(3, 4), (4,), (2, 2, 2)]
    grads = [rng.standard_normal(s).astype(dtype) * 3 for s in shapes]
    ours = [tg.tensor(np.zeros(s, dtype), requires_grad=True) for s in shapes + [(2,)]]
    theirs = [torch.zeros(s, dtype=getattr(torch, str(np.dtype(dtype))), requires_grad=True)
              for s in shapes + [(2,)]]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = tg.tensor(g), torch.tensor(g)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_equals_torch(torch, rng, norm_type, max_norm):
    ours, theirs = grads_pair(torch, rng)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, tg.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-12)
    for p, q in zip(ours, theirs):
        if q.grad is not None:
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_float32_one_tensor_and_nonfinite(torch, rng):
    ours, theirs = grads_pair(torch, rng, np.float32)
    total = nn.utils.clip_grad_norm_(ours[0], 1.0)
    expected = torch.nn.utils.clip_grad_norm_(theirs[0], 1.0)
    assert total.dtype == np.float32
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-6)
    np.testing.assert_allclose(ours[0].grad.numpy(), theirs[0].grad.numpy(), rtol=1e-6)
    ours[1].grad = tg.tensor(np.array([np.inf, 0, 0, 0], np.float32))
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    with pytest.warns(UserWarning, match="empty generator"):
        nn.utils.clip_grad_norm_((p for p in []), 1.0)


def test_clip_grad_value_equals_torch(torch, rng):
    ours, theirs = grads_pair(torch, rng)
    assert nn.utils.clip_grad_value_(ours, 1.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, q in zip(ours[:3], theirs):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_clipping_is_seen_by_the_version_check():
    w = tg.tensor(np.ones(3), requires_grad=True)
    w.grad = tg.tensor(np.full(3, 10.0))
    g = w.grad * 2  # mul saved the gradient's array
    h = tg.tensor(np.ones(3), requires_grad=True)
    loss = (g * h).sum()
    nn.utils.clip_grad_norm_([w], 1.0)
    assert np.linalg.norm(w.grad.numpy()) == pytest.approx(1.0, rel=1e-5)
    loss.backward()  # the product saved g's array, which clipping left alone
    np.testing.assert_array_equal(h.grad.numpy(), np.full(3, 20.0))


def test_parameters_to_vector_and_back_equal_torch(torch):
    tg.set_default_dtype(np.float64)
    model, tmodel = nn.Linear(3, 2), torch.nn.Linear(3, 2).double()
    tmodel.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    vec = nn.utils.parameters_to_vector(model.parameters())
    tvec = torch.nn.utils.parameters_to_vector(tmodel.parameters())
    np.testing.assert_array_equal(vec.numpy(), tvec.detach().numpy())
    vec.sum().backward()  # in the graph, as torch's
    assert model.weight.grad.numpy().tolist() == [[1.0] * 3] * 2
    new = tg.tensor(np.arange(8.0))
    nn.utils.vector_to_parameters(new, model.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(8.0, dtype=torch.float64),
                                        tmodel.parameters())
    np.testing.assert_array_equal(model.weight.numpy(), tmodel.weight.detach().numpy())
    np.testing.assert_array_equal(model.bias.numpy(), [6.0, 7.0])
    with pytest.raises(ValueError, match=r"shape \(9,\).*8 values"):
        nn.utils.vector_to_parameters(tg.tensor(np.zeros(9)), model.parameters())
    with pytest.raises(TypeError, match="expected a Tensor"):
        nn.utils.vector_to_parameters(np.zeros(8), model.parameters())


# -- eye_, dirac_, sparse_ and the deprecated spellings -------------------------------------


@pytest.mark.parametrize("shape, dtype",
                         [((2, 3), "float64"), ((3, 2), "int64"), ((4, 4), "float32")])
def test_eye_is_torchs(torch, shape, dtype):
    ours = nn.init.eye_(tg.zeros(*shape, dtype=getattr(tg, dtype), requires_grad=dtype != "int64"))
    theirs = torch.nn.init.eye_(torch.zeros(*shape, dtype=getattr(torch, dtype),
                                            requires_grad=dtype != "int64"))
    assert ours.dtype == np.dtype(dtype) and ours.requires_grad == theirs.requires_grad
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("shape, groups", [((6, 2, 3, 3), 2), ((5, 3, 2), 1), ((2, 4, 3, 2, 5), 1),
                                           ((4, 4, 1, 1), 4), ((6, 1, 3, 3), 3)])
def test_dirac_is_torchs(torch, shape, groups):
    ours = nn.init.dirac_(tg.ones(*shape, dtype=tg.float64), groups=groups)
    theirs = torch.nn.init.dirac_(torch.ones(*shape, dtype=torch.float64), groups=groups)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_a_dirac_convolution_passes_its_input_through(torch):
    conv = nn.Conv2d(3, 3, 3, padding=1, bias=False).double()
    nn.init.dirac_(conv.weight)
    x = tg.tensor(np.random.default_rng(0).standard_normal((2, 3, 5, 5)))
    np.testing.assert_array_equal(conv(x).detach().numpy(), x.numpy())


def test_sparse_zeroes_the_same_number_in_every_column():
    w = nn.init.sparse_(tg.empty(10, 200, dtype=tg.float64), sparsity=0.35, std=0.5,
                        generator=np.random.default_rng(1)).numpy()
    assert ((w == 0).sum(axis=0) == 4).all()  # ceil(0.35 * 10)
    assert abs(w[w != 0].std() - 0.5) < 0.05


@pytest.mark.parametrize("code", ["nn.init.eye_(lib.zeros(2, 3, 4))",
                                  "nn.init.dirac_(lib.zeros(2, 3))",
                                  "nn.init.dirac_(lib.zeros(3, 3, 3), groups=2)",
                                  "nn.init.sparse_(lib.zeros(2, 3, 4), 0.5)"])
def test_eye_dirac_sparse_refuse_as_torch(torch, code):
    for lib in (tg, torch):
        with pytest.raises(ValueError):
            eval(code, {"nn": lib.nn, "lib": lib})


def test_deprecated_spellings_warn_and_fill(torch):
    for lib in (tg, torch):
        w = lib.zeros(2, 3, dtype=lib.float64)
        with pytest.warns(FutureWarning, match="deprecated in favor of `nn.init.constant_`"):
            out = lib.nn.init.constant(w, 0.5)
        assert out is w and float(w.sum()) == 3.0
        with pytest.warns(FutureWarning):
            lib.nn.init.eye(w)
        assert float(w.sum()) == 2.0
