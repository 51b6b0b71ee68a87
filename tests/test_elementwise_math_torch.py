"""The elementwise math ops beyond the op table, against PyTorch: dtypes of integer inputs,
integer division and remainder, rounding halves, erf over its whole range, special values."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

FLOAT_RESULT = ["exp2", "expm1", "log2", "log10", "log1p", "rsqrt", "reciprocal", "erf", "sin",
                "cos", "tan", "asin", "acos", "atan", "sinh", "cosh"]
SAME_DTYPE = ["square", "sign", "floor", "ceil", "trunc", "round"]


def _dtype_name(t) -> str:
    return str(t.dtype).split(".")[-1]


@pytest.mark.parametrize("name, dtype", [
    (name, dtype) for name in FLOAT_RESULT + SAME_DTYPE
    for dtype in ["int64", "int32", "bool", "float32", "float64"]
    if dtype != "bool" or name not in ("square", "round", "floor", "ceil", "trunc")  # torch
])                                                                  # refuses these on bool
def test_dtype_of_the_result_matches_torch(torch, name, dtype):
    values = np.array([0, 1, 1, 0]).astype(dtype)
    ours = getattr(tg, name)(tg.tensor(values))
    theirs = getattr(torch, name)(torch.tensor(values))
    assert str(ours.dtype) == _dtype_name(theirs)
    np.testing.assert_allclose(ours.numpy().astype(float), theirs.numpy().astype(float),
                               rtol=1e-6)


SPECIAL = np.array([0.0, -0.0, 1e-300, -1e-10, 0.5, -0.75, 1.0, 2.5, -2.5, 3.5, 7.99, 8.0, 30.0,
                    -30.0, np.inf, -np.inf, np.nan])


@pytest.mark.parametrize("name", FLOAT_RESULT + SAME_DTYPE)
def test_special_values_match_torch(torch, name):
    with np.errstate(all="ignore"):
        ours = getattr(tg, name)(tg.tensor(SPECIAL)).numpy()
    theirs = getattr(torch, name)(torch.tensor(SPECIAL)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0, equal_nan=True)
    numbers = ~np.isnan(theirs)  # -0.0 where torch gives -0.0 (a NaN's sign bit is noise)
    assert np.array_equal(np.signbit(ours[numbers]), np.signbit(theirs[numbers]))


def test_erf_is_float64_accurate_over_its_range(torch):
    x = np.linspace(-7.0, 7.0, 20001)
    np.testing.assert_allclose(tg.erf(tg.tensor(x)).numpy(), torch.erf(torch.tensor(x)).numpy(),
                               rtol=1e-15, atol=0)
    x32 = x.astype(np.float32)
    np.testing.assert_allclose(tg.erf(tg.tensor(x32)).numpy(),
                               torch.erf(torch.tensor(x32)).numpy(), rtol=1e-6, atol=0)


def test_round_halves_to_even_and_with_decimals_as_torch(torch):
    v = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 1.2345, 1234.5678, -0.125, 2.675])
    for decimals in (0, 1, 2, 3, -1, -2):
        np.testing.assert_array_equal(tg.tensor(v).round(decimals=decimals).numpy(),
                                      torch.tensor(v).round(decimals=decimals).numpy())


@pytest.mark.parametrize("a, b", [([-7, 7, -8, 9, 0], [2, -2, 3, -4, 5]),
                                  ([-7.5, 7.25, -0.0, 5.0, 1e-20], [2.0, -2.0, 3.0, -0.5, 1.0])])
def test_floor_divide_and_remainder_match_torch(torch, a, b):
    for x, y in ((a, b), (a, b[0]), (a[0], b)):
        ours_x, ours_y = (tg.tensor(v) if isinstance(v, list) else v for v in (x, y))
        tx, ty = (torch.tensor(v) if isinstance(v, list) else v for v in (x, y))
        for ours, theirs in ((ours_x // ours_y, tx // ty), (ours_x % ours_y, tx % ty),
                             (tg.floor_divide(ours_x, ours_y), torch.floor_divide(tx, ty)),
                             (tg.remainder(ours_x, ours_y), torch.remainder(tx, ty))):
            assert str(ours.dtype) == _dtype_name(theirs)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_integer_division_by_zero_raises_as_torch():
    with pytest.raises(ZeroDivisionError, match="floor_divide"):
        tg.tensor([1, 2]) // tg.tensor([1, 0])
    with pytest.raises(ZeroDivisionError, match="remainder"):
        tg.tensor([1, 2]) % 0
    assert np.isinf((tg.tensor([1.0]) // 0.0).numpy()).all()  # floats: IEEE, as torch


def test_floor_divide_has_no_derivative_as_torch():
    x = tg.tensor([5.5, -3.2], requires_grad=True)
    y = x // 2.0
    assert y.requires_grad
    with pytest.raises(RuntimeError, match="floor_divide.*not implemented"):
        y.sum().backward()


def test_remainder_gradient_matches_torch(torch):
    a, b = np.array([5.5, -3.2, 7.0]), np.array([2.0, 1.5, -2.5])
    x, y = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (x % y).sum().backward()
    (tx % ty).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(y.grad.numpy(), ty.grad.numpy())


def test_rounding_ops_have_zero_gradient_as_torch(torch):
    for name in ("floor", "ceil", "trunc", "round", "sign"):
        x = tg.tensor([0.5, -1.5, 2.0], requires_grad=True)
        getattr(x, name)().sum().backward()
        assert x.grad.numpy().tolist() == [0.0, 0.0, 0.0], name


def test_numpy_ufuncs_run_the_new_ops():
    x = tg.tensor([0.5, 1.0], requires_grad=True)
    for ufunc, op in ((np.sin, tg.sin), (np.log1p, tg.log1p), (np.arctan, tg.atan),
                      (np.floor, tg.floor)):
        y = ufunc(x)
        assert y.grad_fn is not None and y.grad_fn.op_name() == op(x).grad_fn.op_name()
    assert (np.remainder(x, 0.3)).grad_fn.op_name() == "remainder"


def test_lerp_with_tensor_and_scalar_weights_matches_torch(torch):
    a, b, w = np.array([1.0, -2.0, 3.0]), np.array([4.0, 0.5, -1.0]), np.array([0.2, 0.5, 1.0])
    ours = tg.lerp(tg.tensor(a), tg.tensor(b), tg.tensor(w))
    np.testing.assert_array_equal(ours.numpy(), torch.lerp(torch.tensor(a), torch.tensor(b),
                                                           torch.tensor(w)).numpy())
    np.testing.assert_array_equal(tg.tensor(a).lerp(tg.tensor(b), 0.75).numpy(),
                                  torch.tensor(a).lerp(torch.tensor(b), 0.75).numpy())
