"""What a new Tensor holds: the default float dtype, and turning user data into an array.

The dtype rules are PyTorch's: Python floats become the default float dtype (float32 unless
``set_default_dtype`` changed it), Python ints int64, bools bool; NumPy arrays and scalars
(also inside lists) keep their dtype. Data a tensor cannot hold is refused here, where it
enters, with the fix in the message: complex numbers, strings and Python objects, masked arrays
(whose mask would be lost silently), ragged lists (naming the level where rows differ).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import autograd
from .dtypes import as_dtype, check_dtype, get_default_dtype, set_default_dtype  # noqa: F401
from .errors import ArgumentError, DtypeError
from .ops.args import size_args
from .size import Size

_FLOAT64 = np.dtype(np.float64)


def to_array(data, dtype=None, what: str = "tensor") -> np.ndarray:
    """The array ``tg.tensor(data, dtype)`` holds: always a copy, dtype as PyTorch infers it."""
    if dtype is not None:
        dtype = as_dtype(dtype, what)
    if isinstance(data, np.ma.MaskedArray):
        raise TypeError(
            f"{what}: got a NumPy masked array; its mask would be lost. Fill the masked values "
            "first (data.filled(value)) or pass data.data to ignore the mask."
        )
    if isinstance(data, (np.ndarray, np.generic)):
        check_dtype(data.dtype, what)
        if dtype is None or dtype == data.dtype:
            return np.array(data, copy=True)
        return _cast(np.asarray(data), dtype, what)  # astype copies: the dtype differs
    array = _from_python(data, what, infer=dtype is None)
    if dtype is not None and dtype.kind in "iu" and array.size:
        _check_fits(array, dtype, what)
    return array if dtype is None else _cast(array, dtype, what)


def legacy_array(args: tuple, dtype, what: str = "tg.Tensor") -> np.ndarray:
    """The array of ``tg.Tensor(*args)`` (``torch.Tensor``'s constructor): sizes give zeros,
    one sequence gives its values; either way the default float dtype unless ``dtype``."""
    dtype = get_default_dtype() if dtype is None else as_dtype(dtype, what)
    if not args:
        return np.zeros(0, dtype)
    if all(_is_int(a) for a in args) or (len(args) == 1 and isinstance(args[0], Size)):
        # Tensor(2, 3) and Tensor(x.size()) are sizes; a plain tuple (2, 3) is data, as in torch
        return np.zeros(size_args(args, what), dtype)
    if len(args) == 1 and (isinstance(args[0], (list, tuple, np.ndarray)) or np.ndim(args[0]) > 0):
        return _cast(to_array(args[0], None, what), dtype, what)
    raise TypeError(
        f"{what}({', '.join(map(repr, args))}): pass integer sizes (tg.Tensor(2, 3) is a (2, 3) "
        "tensor of zeros) or one sequence of values; for a 0-d tensor use tg.tensor(value)."
    )


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _from_python(data, what: str, infer: bool = True) -> np.ndarray:
    """An array from Python numbers and (nested) lists, with PyTorch's dtype (``infer``), or
    NumPy's when a dtype to convert to follows (Python floats stay float64 until then)."""
    try:
        array = np.array(data)
    except ValueError:
        where = ragged_level(data)
        if where is None:
            raise
        raise ValueError(f"{what}: the nested lists are ragged: {where}; every list of a level "
                         "needs the same length (pad the short ones).") from None
    default = get_default_dtype()
    if (infer and array.dtype == _FLOAT64 and default != _FLOAT64
            and not _has_float64(data)):
        with np.errstate(over="ignore"):  # beyond float32's range: inf, silently, as torch
            return array.astype(default)  # Python floats: the default dtype
    if array.dtype.kind == "O" and _all_ints(array):
        raise OverflowError(f"{what}: an integer does not fit in int64 (-2**63 to 2**63 - 1); "
                            "pass it as a float.")
    if array.dtype == np.uint64 and not _has_numpy_number(data):
        raise OverflowError(f"{what}: an integer does not fit in int64 (-2**63 to 2**63 - 1); "
                            "pass it as a float.")
    check_dtype(array.dtype, what)
    return array


def _check_fits(array: np.ndarray, dtype: np.dtype, what: str) -> None:
    """Python numbers outside an integer dtype's range are refused, as PyTorch refuses them
    (it lets a negative integer wrap into an unsigned dtype: -1 is 255 as uint8)."""
    info = np.iinfo(dtype)
    low = -info.max if dtype.kind == "u" and array.dtype.kind in "iu" else info.min
    if array.dtype.kind in "iuf" and (array.min() < low or array.max() > info.max):
        raise ArgumentError(f"{what}: a value cannot be converted to {dtype} without overflow "
                            f"(its range is {info.min} to {info.max}); choose a wider dtype.")


def _cast(array: np.ndarray, dtype: np.dtype, what: str) -> np.ndarray:
    if dtype.kind in "iu" and array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"{what}: NaN or infinity cannot be converted to {dtype}.")
    with np.errstate(over="ignore"):  # a float beyond a narrower float's range is inf, as torch
        return array.astype(dtype, copy=False)


def _leaves(data):
    """The non-list items of nested lists and tuples (depth first, no recursion)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            yield item


def _has_float64(data) -> bool:
    """Whether float64 data sits among Python floats: a NumPy float64 scalar or array, or a
    float64 tensor, which keeps its dtype (as in PyTorch)."""
    return any(isinstance(leaf, (np.float64, np.ndarray, autograd.Tensor))
               and leaf.dtype == _FLOAT64 for leaf in _leaves(data))


def _has_numpy_number(data) -> bool:
    return any(hasattr(leaf, "dtype") for leaf in _leaves(data))


def _all_ints(array: np.ndarray) -> bool:
    return array.size > 0 and all(isinstance(v, numbers.Integral) for v in array.flat)


def ragged_level(data) -> str | None:
    """Where nested lists stop being rectangular, in words, or None if they are not ragged."""
    level, paths = [data], ["data"]
    for dim in range(64):
        nested = [_is_sequence(item) for item in level]
        if not any(nested):
            return None
        if not all(nested):
            i, j = nested.index(True), nested.index(False)
            return (f"at dim {dim}, {paths[i]} is a sequence of length {len(level[i])} but "
                    f"{paths[j]} is a number")
        lengths = [len(item) for item in level]
        for i, n in enumerate(lengths):
            if n != lengths[0]:
                return (f"at dim {dim}, {paths[0]} has length {lengths[0]} but {paths[i]} "
                        f"has length {n}")
        paths = [f"{p}[{k}]" for p, item in zip(paths, level) for k in range(len(item))]
        level = [child for item in level for child in item]
    return None


def _is_sequence(item) -> bool:
    return isinstance(item, (list, tuple, range)) or getattr(item, "ndim", 0) > 0


def check_float(dtype, what: str) -> None:
    """Refuse ``requires_grad=True`` on a dtype without gradients (ints, bool)."""
    if np.dtype(dtype).kind != "f":
        raise DtypeError(
            f"{what}: only Tensors of floating point dtype can require gradients, but the "
            f"dtype is {np.dtype(dtype)}. Convert first, e.g. tg.tensor(x, dtype=tg.float32, "
            "requires_grad=True)."
        )
