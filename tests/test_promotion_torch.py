"""Type promotion as PyTorch's, over a grid: every pair of dtypes, as tensors with
dimensions, 0-d tensors and Python scalars, through the arithmetic operators, maximum and
minimum, comparisons, where and the other elementwise ops of several operands."""

from __future__ import annotations

import itertools
import operator

import numpy as np
import pytest

import tinygraph as tg

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 2, 2.5]
VALUES = {"bool": [True, True, True], "float": [1.5, 2.0, 3.25], "int": [1, 2, 3]}


def _values(dtype: str):
    kind = "bool" if dtype == "bool" else "float" if dtype.startswith("float") else "int"
    return np.array(VALUES[kind], dtype=dtype)


def _operands():
    """(description, tinygraph operand, torch operand factory) for every kind of operand."""
    for dtype in DTYPES:
        yield f"{dtype}[3]", (lambda d=dtype: tg.tensor(_values(d))), \
            (lambda torch, d=dtype: torch.tensor(_values(d)))
        yield f"{dtype}[]", (lambda d=dtype: tg.tensor(_values(d)[0])), \
            (lambda torch, d=dtype: torch.tensor(_values(d)[0]))
    for scalar in SCALARS:
        yield repr(scalar), (lambda s=scalar: s), (lambda torch, s=scalar: s)


OPS = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
    "pow": operator.pow, "floordiv": operator.floordiv, "mod": operator.mod,
    "eq": operator.eq, "lt": operator.lt, "ge": operator.ge,
    "maximum": lambda lib, a, b: lib.maximum(a, b), "minimum": lambda lib, a, b: lib.minimum(a, b),
    "atan2": lambda lib, a, b: lib.atan2(a, b),
    "where": lambda lib, a, b: lib.where(_condition(lib), a, b),
}
NEEDS_LIBRARY = {"maximum", "minimum", "atan2", "where"}


def _condition(lib):
    return lib.tensor([True, False, True])


@pytest.mark.parametrize("name", OPS)
def test_result_dtype_and_values_match_torch_over_the_dtype_grid(torch, name):
    op = OPS[name]
    checked = 0
    for (left, ours_a, theirs_a), (right, ours_b, theirs_b) in itertools.product(
            list(_operands()), repeat=2):
        if left[0] not in "bfiu" and right[0] not in "bfiu":
            continue  # two Python scalars: not a tensor op
        try:
            if name in NEEDS_LIBRARY:
                expected = op(torch, theirs_a(torch), theirs_b(torch))
            else:
                expected = op(theirs_a(torch), theirs_b(torch))
        except (RuntimeError, TypeError, ZeroDivisionError):
            continue  # PyTorch refuses the combination (bool - bool, maximum with a scalar)
        got = op(tg, ours_a(), ours_b()) if name in NEEDS_LIBRARY else op(ours_a(), ours_b())
        want = str(expected.dtype).split(".")[-1]
        assert str(got.dtype) == want, f"{name}({left}, {right}): {got.dtype}, torch {want}"
        tolerance = 2e-3 if want == "float16" else 1e-6
        np.testing.assert_allclose(got.numpy().astype(float), expected.numpy().astype(float),
                                   rtol=tolerance, err_msg=f"{name}({left}, {right})")
        checked += 1
    assert checked > 150


@pytest.mark.parametrize("left, right, expected", [
    ("int64", 1.5, "float32"), ("float32", ("float64", ()), "float32"), ("bool", 1, "int64"),
    ("int32", 7, "int32"), ("int64", ("float32", (3,)), "float32"), ("uint8", ("int64", ()),
                                                                    "uint8"),
    ("int32", ("float64", ()), "float64"), ("float16", 2.5, "float16"),
])
def test_the_rules_the_issue_names(left, right, expected):
    a = tg.ones(3, dtype=getattr(tg, left))
    b = tg.ones(right[1], dtype=getattr(tg, right[0])) if isinstance(right, tuple) else right
    assert (a * b).dtype == np.dtype(expected) and (b + a).dtype == np.dtype(expected)


def test_true_division_of_integers_is_the_default_float_dtype():
    assert (tg.tensor([1, 2]) / tg.tensor([2, 2])).dtype == np.float32
    assert (tg.tensor([1, 2]) / 2).dtype == np.float32
    tg.set_default_dtype(tg.float64)
    try:
        assert (tg.tensor([1, 2]) / 2).dtype == np.float64
        assert (tg.tensor([1, 2]) * 0.5).dtype == np.float64
    finally:
        tg.set_default_dtype(tg.float32)


def test_gradients_keep_each_inputs_dtype_when_promoted():
    x = tg.ones(3, requires_grad=True)                               # float32
    y = tg.tensor(2.0, dtype=tg.float64, requires_grad=True)         # 0-d float64
    z = x * y
    assert z.dtype == np.float32
    z.sum().backward()
    assert x.grad.dtype == np.float32 and y.grad.dtype == np.float64
    assert y.grad.item() == 3.0


def test_same_dtypes_are_not_copied():
    a, b = np.ones(3, dtype=np.float32), np.ones(3, dtype=np.float32)
    from tinygraph.autograd.promotion import promote

    arrays = [a, b]
    assert promote(arrays) is arrays
    assert promote([a, 2.0])[0] is a and promote([3, a])[1] is a


@pytest.mark.parametrize("dtype", ["int64", "int32", "float16", "float32"])
@pytest.mark.parametrize("bounds", [{"min": 0.5}, {"min": 1}, {"max": 2.5}, {"min": 0, "max": 2}])
def test_clamp_promotes_as_torch(torch, dtype, bounds):
    values = np.array([0, 1, 3]).astype(dtype)
    ours = tg.clamp(tg.tensor(values), **bounds)
    theirs = torch.clamp(torch.tensor(values), **bounds)
    assert str(ours.dtype) == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("op", ["__iadd__", "__itruediv__", "__imul__"])
def test_in_place_results_that_do_not_fit_the_dtype_raise_as_torch(torch, op):
    other = 1.5 if op != "__itruediv__" else 2
    with pytest.raises(RuntimeError):
        getattr(torch.tensor([1, 2]), op)(other)
    with pytest.raises(RuntimeError, match=r"cannot be stored in this tensor .* int64"):
        getattr(tg.tensor([1, 2]), op)(other)
    x = tg.tensor([1, 2], dtype=tg.int32)
    x += tg.tensor([1, 1])  # int64 into int32: allowed, as torch
    assert x.dtype == np.int32 and x.tolist() == [2, 3]
