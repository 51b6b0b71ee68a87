"""tg.igamma / tg.igammac (tg.special.gammainc / gammaincc) against torch: values over a wide
range of (a, x) and at the edges (0, inf, NaN, negatives), dtypes, the gradient in x (first
and second order), the refused gradient in a, and the refusals of integer and number
arguments (error types as torch's)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from twins import raises_as_torch

import tinygraph as tg

EDGE_A = [0.0, 0.0, 1.0, -1.0, math.nan, math.inf, 1.0, 2.0, 0.0, 1.0, math.inf, 0.5, 1e-5,
          3.0, 1e-300, 50.0, 0.3]
EDGE_X = [0.0, 1.0, 0.0, 1.0, 1.0, 1.0, math.inf, -1.0, math.inf, math.inf, math.inf, 1e-300,
          1e-10, math.nan, 2.0, 1e-3, 700.0]


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_edges_are_torchs(torch, name):
    ours = getattr(tg, name)(tg.tensor(EDGE_A, dtype=tg.float64),
                             tg.tensor(EDGE_X, dtype=tg.float64)).numpy()
    theirs = getattr(torch, name)(torch.tensor(EDGE_A, dtype=torch.float64),
                                  torch.tensor(EDGE_X, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)


def _wide_range(lo, hi, n=4000, seed=0):
    rng = np.random.default_rng(seed)
    a = np.exp(rng.uniform(math.log(lo), math.log(hi), n))
    x = a * np.exp(rng.uniform(-2.5, 2.5, n))
    x[: n // 5] = rng.uniform(0, 2, n // 5)  # the small-x branches
    return a, x


@pytest.mark.parametrize("name", ["igamma", "igammac"])
@pytest.mark.parametrize("lo,hi", [(1e-3, 1.0), (0.1, 5.0), (1.0, 20.0)])
def test_values_over_a_wide_range_are_torchs(torch, name, lo, hi):
    a, x = _wide_range(lo, hi)
    ours = getattr(tg, name)(tg.tensor(a), tg.tensor(x)).numpy()
    theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-300)


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_large_shapes_agree_with_torchs_asymptotic_expansion_to_its_accuracy(torch, name):
    # for 20 < a < 200 near x = a torch uses Temme's expansion, itself about 1e-9 from the
    # exact value; tinygraph's series and fraction are about 1e-14 from it (see the kernel)
    a, x = _wide_range(20.0, 2000.0, seed=1)
    ours = getattr(tg, name)(tg.tensor(a), tg.tensor(x)).numpy()
    theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-12)
    # and P + Q = 1 to rounding
    other = tg.igammac if name == "igamma" else tg.igamma
    total = ours + other(tg.tensor(a), tg.tensor(x)).numpy()
    np.testing.assert_allclose(total, 1.0, rtol=1e-13)


def test_known_values():
    # P(1, x) = 1 - exp(-x); P(1/2, x) = erf(sqrt(x)); Q(n, x) = exp(-x) sum_k<n x^k / k!
    x = np.array([1e-8, 0.1, 0.7, 1.0, 2.5, 10.0, 40.0])
    np.testing.assert_allclose(tg.igamma(tg.ones(7, dtype=tg.float64), tg.tensor(x)).numpy(),
                               -np.expm1(-x), rtol=1e-14)
    np.testing.assert_allclose(tg.igamma(tg.full((7,), 0.5, dtype=tg.float64),
                                         tg.tensor(x)).numpy(),
                               [math.erf(math.sqrt(v)) for v in x], rtol=1e-14)
    # Q(1e-10, 1e-10) = 2.2448635240024109e-09 (mpmath); torch's is 2e-9 off
    tiny = tg.tensor([1e-10], dtype=tg.float64)
    np.testing.assert_allclose(tg.igammac(tiny, tiny).numpy(), 2.2448635240024109e-09,
                               rtol=1e-14)
    # large a near x (mpmath at 30 digits), where torch's expansion is 1e-9 to 5e-11 off
    a = tg.tensor([12.0, 1e4, 1e6, 3e4], dtype=tg.float64)
    x = tg.tensor([11.0, 9950.0, 999500.0, 29000.0], dtype=tg.float64)
    np.testing.assert_allclose(tg.igamma(a, x).numpy(), [
        0.42073323707828797, 0.3094178848611826, 0.30862555689081533, 2.6574573752766593e-09],
        rtol=1e-13)
    x = np.array([1e-8, 0.1, 0.7, 1.0, 2.5, 10.0, 40.0])
    q3 = np.exp(-x) * (1 + x + x * x / 2)
    np.testing.assert_allclose(tg.igammac(tg.full((7,), 3.0, dtype=tg.float64),
                                          tg.tensor(x)).numpy(), q3, rtol=1e-13)


def test_dtypes_broadcasting_and_float32_are_torchs(torch):
    def run(lib, a_dtype, x_dtype):
        a = lib.tensor([[0.5], [2.0], [7.0]], dtype=getattr(lib, a_dtype))
        x = lib.tensor([0.3, 1.0, 4.0, 12.0], dtype=getattr(lib, x_dtype))
        return lib.igamma(a, x), lib.special.gammaincc(a, x)

    for a_dtype, x_dtype in [("float32", "float32"), ("float32", "float64"),
                             ("float64", "int64"), ("int64", "float32")]:
        for ours, theirs in zip(run(tg, a_dtype, x_dtype), run(torch, a_dtype, x_dtype)):
            assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
            assert tuple(ours.shape) == tuple(theirs.shape) == (3, 4)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=2e-6)


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_gradient_in_x_and_its_derivative_are_torchs(torch, name):
    a = np.array([0.3, 1.0, 2.5, 6.0, 0.7])
    x = np.array([0.2, 1.5, 2.0, 9.0, 3.0])

    def run(lib):
        xs = lib.tensor(x, requires_grad=True)
        y = getattr(lib, name)(lib.tensor(a), xs)
        (g,) = lib.autograd.grad(y.sum(), xs, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), xs)
        return y.detach().numpy(), g.detach().numpy(), gg.numpy()

    for mine, want in zip(run(tg), run(torch)):
        np.testing.assert_allclose(mine, want, rtol=1e-12)


def test_the_gradient_in_a_is_refused_as_torch_refuses_it(torch):
    for name in ["igamma", "igammac"]:
        raises_as_torch(torch, f"a = torch.tensor([1.0, 2.0], requires_grad=True)\n"
                        f"torch.{name}(a, torch.tensor([0.5, 3.0])).sum().backward()")
    with pytest.raises(NotImplementedError, match="igamma: input"):
        a = tg.tensor([1.0], requires_grad=True)
        tg.igamma(a, tg.tensor([0.5])).sum().backward()


@pytest.mark.parametrize("code", [
    "torch.igamma(torch.tensor([1, 2]), torch.tensor([1, 2]))",
    "torch.igamma(torch.tensor([1.0]), 2.0)",
    "torch.igammac(1.0, torch.tensor([2.0]))",
    "torch.special.gammainc(torch.ones(2), torch.ones(3))",
])
def test_refusals_have_torchs_error_types(torch, code):
    raises_as_torch(torch, code)


def test_methods_in_place_and_out_are_torchs(torch):
    def run(lib):
        a = lib.tensor([0.5, 2.0, 4.0], dtype=lib.float64)
        x = lib.tensor([1.0, 1.0, 8.0], dtype=lib.float64)
        out = lib.empty(3, dtype=lib.float64)
        lib.igammac(a, x, out=out)
        b = a.clone()
        b.igamma_(x)
        c = a.clone()
        c.igammac_(x)
        return [a.igamma(x), a.igammac(x), out, b, c, lib.special.gammainc(a, x)]

    for mine, want in zip(run(tg), run(torch)):
        np.testing.assert_allclose(mine.numpy(), want.numpy(), rtol=1e-13)
