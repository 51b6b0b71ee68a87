"""PyTorch's type promotion for the operands of an op, in one place.

PyTorch ranks operands twice: by category (bool < integer < floating) and by kind
(tensors with dimensions > 0-d tensors > Python scalars). The result dtype is that of the
highest kind, unless a lower kind brings a higher category, which then wins at that kind's
dtype (a Python float counts as the default float dtype). So ``int_tensor * 1.5`` is float32,
``float32_tensor + float64_0d_tensor`` stays float32, ``int32_tensor + 2`` stays int32,
``bool_tensor + 1`` is int64, and ``int64_tensor + float32_tensor`` is float32 (where NumPy
would answer float64, float64, int32, int64 and float64).

Ops that combine operands elementwise set ``promotes = True`` on their class; ``Op.apply``
then calls :func:`promote` on the unwrapped arrays. When the operands already agree (the
common case: equal dtypes, or a scalar of the tensor's own category) it returns them untouched
after a couple of type checks; otherwise it converts the arrays to the result dtype, and
Python scalars stay Python scalars (NumPy treats them as weak, so they no longer change it).
"""

from __future__ import annotations

import numpy as np

from ..dtypes import get_default_dtype

_ndarray = np.ndarray
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
_BOOL, _INT64 = np.dtype(bool), np.dtype(np.int64)
_SCALAR_TYPES = (float, int, bool)


def promote(arrays: list, mode: bool | str = True, op: str = "op") -> list:
    """The arrays converted to the dtype PyTorch gives ``op(*arrays)``; with ``mode="float"``
    (true division, exp, sin, ...), an integer or bool result becomes the default float
    dtype. Returns ``arrays`` itself when nothing changes (checked first, cheaply)."""
    if len(arrays) == 2:
        a, b = arrays
        if type(a) is _ndarray:
            kind = a.dtype.kind
            if type(b) is _ndarray:
                if (a.dtype is b.dtype or a.dtype == b.dtype) and (kind == "f" or mode is True):
                    return arrays
            elif type(b) in _SCALAR_TYPES and _scalar_agrees(kind, b, mode):
                return arrays
        elif type(b) is _ndarray and type(a) in _SCALAR_TYPES \
                and _scalar_agrees(b.dtype.kind, a, mode):
            return arrays
    elif len(arrays) == 1:  # a function with a floating result (exp, sin, ...)
        a = arrays[0]
        if type(a) is not _ndarray or a.dtype.kind == "f":
            return arrays
    target = result_dtype(arrays)
    if target is None:
        for x in arrays:
            if isinstance(x, (list, tuple)):  # NumPy would take it as an array; PyTorch refuses
                raise TypeError(f"{op}: unsupported operand of type {type(x).__name__} (a "
                                "Tensor, an ndarray or a number is expected); convert it "
                                "first with tg.tensor(...).")
        return arrays
    if mode == "float" and target.kind != "f":
        target = _default_float()
    return [x.astype(target) if type(x) is _ndarray and x.dtype != target else x
            for x in arrays]


def _scalar_agrees(kind: str, scalar, mode) -> bool:
    """Whether NumPy's weak-scalar result for an array of ``kind`` with a Python scalar is
    PyTorch's."""
    if kind == "f":
        return True
    if mode is not True or type(scalar) is float:
        return False  # an integer result to make floating, or an int array with a float
    return kind != "b" or type(scalar) is bool  # bool array + int: int64 in both


def result_dtype(values) -> np.dtype | None:
    """PyTorch's ``result_type`` of arrays and Python scalars (None: nothing to decide, such
    as an operand of a type this does not know)."""
    dimensioned = zero_dim = scalars = None
    for v in values:
        if type(v) is _ndarray:
            if v.dtype.kind not in _CATEGORY:
                return None
            if v.ndim:
                dimensioned = _promote(dimensioned, v.dtype)
            else:
                zero_dim = _promote(zero_dim, v.dtype)
        elif type(v) is bool:
            scalars = _promote(scalars, _BOOL)
        elif type(v) is int:
            scalars = _promote(scalars, _INT64)
        elif type(v) is float:
            scalars = _promote(scalars, _default_float())
        else:
            return None
    return _combine(dimensioned, _combine(zero_dim, scalars))


def _promote(a, b):
    """PyTorch's ``promote_types``: NumPy's within a category; across, the higher one's
    dtype (int64 with float32 is float32; NumPy would widen to float64)."""
    if a is None or a == b:
        return b
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def _combine(higher, lower):
    """The dtype of a higher-ranked kind of operand, unless the lower-ranked one brings a
    higher category (PyTorch's ``combine_categories``)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.kind == "f":
        return higher
    if higher.kind == "b" or _CATEGORY[lower.kind] > _CATEGORY[higher.kind]:
        return _promote(higher, lower)
    return higher


def _default_float() -> np.dtype:
    return get_default_dtype()
