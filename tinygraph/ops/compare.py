"""Comparisons and value tests: boolean results, no gradient.

``eq, ne, lt, le, gt, ge`` (and PyTorch's long names ``greater``, ``less_equal``, ...) compare
elementwise with broadcasting, as the operators ``== != < <= > >=`` do; ``logical_and/or/xor/
not`` test truth, ``bitwise_and/or/xor/not`` are ``& | ^ ~`` (integers and bools); ``isclose``,
``isnan``, ``isinf`` and ``isfinite`` test each element; ``equal`` and ``allclose`` answer
with one Python bool. None of them is recorded: a boolean has no gradient.

    >>> tg.gt(tg.tensor([1.0, 3.0]), 2.0)
    tensor([False,  True])
"""

from __future__ import annotations

import numpy as np

from ..autograd.node import new_tensor
from ..autograd.promotion import promote
from ..backend import namespace_of
from ..errors import DtypeError, ShapeError
from .args import data, shape
from .registry import public


def _elementwise(op: str, ufunc: str, *inputs, **options):
    arrays = [data(x) for x in inputs]
    if len(arrays) == 2:  # compared in PyTorch's common dtype (float32 0.1 == float64 0.1)
        arrays = promote(arrays, True, op)
    xp = namespace_of(*arrays)
    try:
        result = getattr(xp, ufunc)(*arrays, **options)
    except ValueError:
        raise ShapeError(
            f"{op}: shapes {' and '.join(str(shape(x)) for x in inputs)} do not broadcast "
            "together; compare tensors of the same shape, or with dims of length 1 to stretch."
        ) from None
    return new_tensor(xp.asarray(result), None)


@public("eq")
def eq(input, other):
    """``input == other`` elementwise (bool, no gradient)."""
    return _elementwise("eq", "equal", input, other)


@public("ne", "not_equal")
def ne(input, other):
    """``input != other`` elementwise (bool, no gradient)."""
    return _elementwise("ne", "not_equal", input, other)


@public("lt", "less")
def lt(input, other):
    """``input < other`` elementwise (bool, no gradient)."""
    return _elementwise("lt", "less", input, other)


@public("le", "less_equal")
def le(input, other):
    """``input <= other`` elementwise (bool, no gradient)."""
    return _elementwise("le", "less_equal", input, other)


@public("gt", "greater")
def gt(input, other):
    """``input > other`` elementwise (bool, no gradient)."""
    return _elementwise("gt", "greater", input, other)


@public("ge", "greater_equal")
def ge(input, other):
    """``input >= other`` elementwise (bool, no gradient)."""
    return _elementwise("ge", "greater_equal", input, other)


@public("logical_and")
def logical_and(input, other):
    """Elementwise AND of the truth of each value (bool, any dtype, no gradient)."""
    return _elementwise("logical_and", "logical_and", input, other)


@public("logical_or")
def logical_or(input, other):
    """Elementwise OR of the truth of each value (bool, any dtype, no gradient)."""
    return _elementwise("logical_or", "logical_or", input, other)


@public("logical_xor")
def logical_xor(input, other):
    """Elementwise XOR of the truth of each value (bool, any dtype, no gradient)."""
    return _elementwise("logical_xor", "logical_xor", input, other)


@public("logical_not")
def logical_not(input):
    """Elementwise NOT of the truth of each value (bool, any dtype, no gradient)."""
    return _elementwise("logical_not", "logical_not", input)


@public("bitwise_and")
def bitwise_and(input, other):
    """``input & other``: bitwise on integers, logical on bools (floats are refused)."""
    return _bitwise("bitwise_and", input, other)


@public("bitwise_or")
def bitwise_or(input, other):
    """``input | other``: bitwise on integers, logical on bools (floats are refused)."""
    return _bitwise("bitwise_or", input, other)


@public("bitwise_xor")
def bitwise_xor(input, other):
    """``input ^ other``: bitwise on integers, logical on bools (floats are refused)."""
    return _bitwise("bitwise_xor", input, other)


@public("bitwise_not")
def bitwise_not(input):
    """``~input``: bitwise on integers, logical on bools (floats are refused)."""
    return _bitwise("bitwise_not", input)


def _bitwise(op: str, *inputs):
    dtype = np.result_type(*(data(x) for x in inputs))
    if dtype.kind not in "biu":
        raise DtypeError(f"{op}: needs integer or bool tensors, got {dtype}; for a condition "
                         f"on floats use tg.logical_{op[8:]} or compare first (x > 0).")
    return _elementwise(op, "invert" if op == "bitwise_not" else op, *inputs)


@public("isnan")
def isnan(input):
    """Which elements are NaN (bool)."""
    return _elementwise("isnan", "isnan", input)


@public("isinf")
def isinf(input):
    """Which elements are +inf or -inf (bool)."""
    return _elementwise("isinf", "isinf", input)


@public("isfinite")
def isfinite(input):
    """Which elements are neither NaN nor infinite (bool)."""
    return _elementwise("isfinite", "isfinite", input)


@public("isclose")
def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """``|input - other| <= atol + rtol * |other|`` elementwise (bool), as ``torch.isclose``."""
    _same_dtype("isclose", input, other)
    return _elementwise("isclose", "isclose", input, other, rtol=rtol, atol=atol,
                        equal_nan=equal_nan)


@public("allclose")
def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether ``isclose`` holds for every element (one Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@public("equal")
def equal(input, other) -> bool:
    """Whether both have the same shape and the same values (one Python bool; NaN is never
    equal)."""
    a, b = data(input), data(other)
    return shape(input) == shape(other) and bool(namespace_of(a, b).equal(a, b).all())


def _same_dtype(op: str, input, other) -> None:
    a, b = getattr(data(input), "dtype", None), getattr(data(other), "dtype", None)
    if a is not None and b is not None and a != b:
        raise TypeError(f"{op}: the tensors have different dtypes ({a} and {b}); convert one "
                        f"first, e.g. other.to(input.dtype).")
