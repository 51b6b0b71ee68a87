"""The reductions beyond the op table, against PyTorch: max/min's three overloads and their
named tuples, argmax/argmin, all/any, zeros in prod and cumprod, var/std's overloads, norm."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygraph as tg

X = [[1.0, 3.0, 3.0], [2.0, 0.0, 2.0], [-1.0, 5.0, 5.0]]


def _pair(torch, values):
    return (tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True),
            torch.tensor(np.asarray(values, dtype=np.float64), requires_grad=True))


@pytest.mark.parametrize("which", ["max", "min"])
@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, True), (-1, False)])
def test_max_min_over_a_dim_return_values_and_indices_with_torchs_gradient(torch, which, dim,
                                                                          keepdim):
    x, t = _pair(torch, X)
    ours, theirs = getattr(x, which)(dim, keepdim), getattr(t, which)(dim, keepdim)
    assert type(ours).__name__ == which and ours._fields == ("values", "indices")
    values, indices = ours  # unpacks like torch.return_types.max
    assert indices.dtype == np.int64 and not indices.requires_grad
    np.testing.assert_array_equal(indices.numpy(), theirs.indices.numpy())
    np.testing.assert_array_equal(values.numpy(), theirs.values.detach().numpy())
    values.sum().backward()
    theirs.values.sum().backward()  # ties: the gradient goes to the index alone
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    assert repr(ours).startswith(f"tinygraph.return_types.{which}(\nvalues=tensor(")


@pytest.mark.parametrize("which", ["max", "min"])
def test_max_min_without_dim_with_a_tensor_and_with_numpy_axis(torch, which):
    x, t = _pair(torch, X)
    whole = getattr(x, which)()
    assert isinstance(whole, tg.Tensor) and whole.shape == ()
    whole.backward()
    getattr(t, which)().backward()  # ties split evenly
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())
    y = tg.tensor(np.ones((3, 3)))
    np.testing.assert_array_equal(getattr(tg, which)(x, y).numpy(),
                                  getattr(torch, which)(t, torch.ones(3, 3)).detach().numpy())
    np.testing.assert_array_equal(getattr(x, which)(other=y).numpy(),
                                  getattr(tg, which)(x, y).numpy())
    values = getattr(x, which)(axis=1)  # NumPy's spelling: the values alone
    assert isinstance(values, tg.Tensor)
    np.testing.assert_array_equal(values.numpy(),
                                  getattr(t, "a" + which)(1).detach().numpy())
    kept = getattr(x, which)(axis=1, keepdims=True)
    assert isinstance(kept, tg.Tensor) and kept.shape == (3, 1)
    assert getattr(x, which)(dim=1, keepdims=True).values.shape == (3, 1)
    assert getattr(x, which)(keepdims=True).shape == (1, 1)
    scalar = getattr(tg.tensor(3.0), which)(0)
    assert scalar.values.item() == 3.0 and scalar.indices.item() == 0


def test_max_over_a_dim_refuses_empty_dims_and_several_dims():
    with pytest.raises(tg.ShapeError, match=r"max\(dim=0\): dim 0 .* is empty"):
        tg.zeros(0, 3).max(0)
    assert tg.zeros(0, 3).max(1).values.shape == (0,)
    with pytest.raises(TypeError, match="tg.amax"):
        tg.ones(2, 3).max(dim=(0, 1))


@pytest.mark.parametrize("which", ["argmax", "argmin"])
@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"dim": 1, "keepdim": True},
                                    {"keepdim": True}, {"dim": -1}])
def test_argmax_argmin_match_torch(torch, which, kwargs):
    values = np.array([[1.0, 3.0, 3.0], [np.nan, 0.0, 2.0], [-1.0, 5.0, 5.0]])
    for v in (values, values[1:] * 0 + 1, np.arange(6).reshape(2, 3) % 2):
        ours = getattr(tg, which)(tg.tensor(v), **kwargs)
        theirs = getattr(torch, which)(torch.tensor(v), **kwargs)
        assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert tg.argmax(tg.tensor(2.0), 0).item() == 0
    with pytest.raises(tg.ShapeError, match="no elements"):
        getattr(tg, which)(tg.zeros(0))


@pytest.mark.parametrize("which", ["all", "any"])
@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"dim": 1, "keepdim": True}])
@pytest.mark.parametrize("dtype", ["float64", "int64", "bool", "uint8"])
def test_all_any_return_tensors_as_torch(torch, which, kwargs, dtype):
    v = np.array([[0, 1, 2], [3, 4, 5]]).astype(dtype)
    ours = getattr(tg.tensor(v), which)(**kwargs)
    theirs = getattr(torch.tensor(v), which)(**kwargs)
    assert isinstance(ours, tg.Tensor) and str(ours.dtype) == str(theirs.dtype).split(".")[1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


ZEROS = [[2.0, 0.0, 3.0, 4.0], [0.0, 1.5, 0.0, 2.0], [1.0, 2.0, 3.0, 0.0], [0.5, 2.0, -1.0, 3.0]]


@pytest.mark.parametrize("op", ["prod", "cumprod"])
@pytest.mark.parametrize("dim", [0, 1])
def test_prod_and_cumprod_gradients_at_zeros_match_torch(torch, op, dim):
    x, t = _pair(torch, ZEROS)
    ours, theirs = getattr(x, op)(dim), getattr(t, op)(dim)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy())
    w = np.random.default_rng(0).standard_normal(tuple(theirs.shape))
    (g,) = tg.grad((ours * tg.tensor(w)).sum(), [x], create_graph=True)
    (gt,) = torch.autograd.grad((theirs * torch.tensor(w)).sum(), [t], create_graph=True)
    np.testing.assert_allclose(g.numpy(), gt.detach().numpy(), rtol=1e-12, atol=1e-12)
    (gg,) = tg.grad((g * g).sum(), [x])
    (ggt,) = torch.autograd.grad((gt * gt).sum(), [t])
    np.testing.assert_allclose(gg.numpy(), ggt.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", ["int32", "bool", "float32"])
def test_prod_cumsum_cumprod_dtypes_match_torch(torch, dtype):
    v = np.array([[1, 2], [3, 1]]).astype(dtype)
    for name, args in (("prod", ()), ("prod", (1,)), ("cumsum", (0,)), ("cumprod", (1,))):
        ours = getattr(tg.tensor(v), name)(*args)
        theirs = getattr(torch.tensor(v), name)(*args)
        assert str(ours.dtype) == str(theirs.dtype).split(".")[1], name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert tg.tensor(v).sum(dtype=None).dtype == tg.tensor(v).sum().dtype
    assert tg.tensor(v).cumsum(0, dtype=tg.float64).dtype == np.float64


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("args, kwargs", [((), {}), ((True,), {}), ((False,), {}),
                                          ((1,), {}), ((1, False), {}), ((0, True, True), {}),
                                          ((1,), {"correction": 0, "keepdim": True}),
                                          ((), {"unbiased": False}), ((), {"dim": (0, 1)})])
def test_var_std_overloads_match_torch(torch, name, args, kwargs):
    x, t = _pair(torch, X)
    ours, theirs = getattr(x, name)(*args, **kwargs), getattr(t, name)(*args, **kwargs)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_std_and_norm_of_constant_slices_have_torchs_zero_gradient(torch):
    rows = [[0.0, 0.0], [1.0, 1.0]]
    for fn, values in ((lambda v: v.std(1), rows), (lambda v: v.norm(dim=1), rows),
                       (lambda v: v.norm(), [0.0, 0.0])):
        x, t = _pair(torch, values)
        fn(x).sum().backward()
        fn(t).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_var_std_refuse_two_spellings_and_norm_refuses_integers():
    x = tg.ones(3)
    with pytest.raises(TypeError, match="std: got unbiased and correction"):
        x.std(unbiased=True, correction=0)
    assert tg.tensor([1.0, 2.0, 4.0]).var(ddof=0).item() == pytest.approx(14 / 9)
    for name in ("norm", "std", "var"):
        with pytest.raises(RuntimeError, match=f"{name}: needs a floating-point tensor"):
            getattr(tg.tensor([1, 2]), name)()
    assert tg.eye(2).norm("nuc").item() == pytest.approx(2.0)  # the sum of singular values
    with pytest.raises(ValueError, match="p='spectral' is not supported"):
        tg.ones(2, 2).norm("spectral")


@pytest.mark.parametrize("p", [0, 0.5, 4, -math.inf])
def test_norm_of_other_orders_matches_torch(torch, p):
    v = [[1.0, -2.0, 0.0], [3.0, 0.5, -1.0]]
    for kwargs in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}):
        ours = tg.norm(tg.tensor(v, dtype=tg.float64), p, **kwargs)
        theirs = torch.norm(torch.tensor(v, dtype=torch.float64), p, **kwargs)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
