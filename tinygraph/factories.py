"""Tensor factories, with PyTorch's signatures and dtypes: ``zeros(2, 3)`` and ``zeros((2, 3))``
alike, ``dtype=``, ``device=`` (the CPU), ``requires_grad=``; plus ``as_tensor`` and
``from_numpy``, which share memory with a NumPy array instead of copying it.

Without ``dtype`` the float factories give the default float dtype (``set_default_dtype``),
``arange`` of ints int64, ``full`` the dtype of its fill value. Random factories: random.py.
"""

from __future__ import annotations

import math

import numpy as np

from .creation import get_default_dtype, to_array
from .device import as_device
from .dtypes import as_dtype, check_dtype
from .errors import ArgumentError
from .layouts import check_memory_format
from .ops.args import size_args
from .tensor import Tensor, leaf


def make(array: np.ndarray, requires_grad: bool, device, what: str) -> Tensor:
    """The new leaf of factory ``what`` (``array`` is fresh: no copy)."""
    as_device(device, what)
    return leaf(array, requires_grad, None, what)


def float_dtype(dtype, what: str) -> np.dtype:
    """``dtype=``, or the default float dtype when None."""
    return get_default_dtype() if dtype is None else as_dtype(dtype, what)


def shape_of(sizes: tuple, size, what: str) -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` or ``f(size=(2, 3))`` as a shape."""
    if size is not None:
        if sizes:
            raise TypeError(f"{what}: give the sizes positionally or as size=, not both.")
        sizes = (size,)
    if not sizes:
        raise TypeError(f"{what}: missing the size, e.g. tg.{what}(2, 3) (tg.{what}(()) for a "
                        "0-d tensor).")
    return size_args(sizes, what)


# -- from data ---------------------------------------------------------------------------

def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a Tensor, without a copy when possible: a Tensor of that dtype is returned
    itself, a NumPy array of that dtype is shared (changes show through); anything else is
    converted as ``tg.tensor`` does."""
    as_device(device, "as_tensor")
    target = None if dtype is None else as_dtype(dtype, "as_tensor")
    if isinstance(data, Tensor):
        return data if target is None else data.to(target)
    if (isinstance(data, np.ndarray) and not isinstance(data, np.ma.MaskedArray)
            and (target is None or target == data.dtype)):
        check_dtype(data.dtype, "as_tensor")
        return leaf(data, what="as_tensor")
    return leaf(to_array(data, target, "as_tensor"), what="as_tensor")


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A Tensor sharing ``ndarray``'s memory and dtype: a change through one shows in the
    other.

    >>> a = np.zeros(3); t = tg.from_numpy(a); a[0] = 1; t[0].item()
    1.0
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected a np.ndarray, got {type(ndarray).__name__}; "
                        "use tg.tensor(data) for other data.")
    if isinstance(ndarray, np.ma.MaskedArray):
        to_array(ndarray, None, "from_numpy")  # raises: the mask would be lost
    check_dtype(ndarray.dtype, "from_numpy")
    return leaf(ndarray, what="from_numpy")


# -- filled ------------------------------------------------------------------------------

def empty(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False,
          memory_format=None) -> Tensor:
    """A tensor of the given shape (tinygraph fills it with zeros: no stale memory)."""
    check_memory_format(memory_format, len(shape_of(sizes, size, "empty")), "empty")
    return _filled(np.zeros, "empty", sizes, size, dtype, device, requires_grad)


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``tg.zeros(2, 3)``."""
    return _filled(np.zeros, "zeros", sizes, size, dtype, device, requires_grad)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``tg.ones(2, 3)``."""
    return _filled(np.ones, "ones", sizes, size, dtype, device, requires_grad)


def _filled(fill, what: str, sizes, size, dtype, device, requires_grad) -> Tensor:
    shape = shape_of(sizes, size, what)
    return make(fill(shape, float_dtype(dtype, what)), requires_grad, device, what)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``; the dtype follows the value (bool,
    int64, or the default float dtype) unless given."""
    if not isinstance(size, (tuple, list)):  # as PyTorch: full(2, 7) is not full((2,), 7)
        raise TypeError(f"full(): argument 'size' must be a tuple of ints, not "
                        f"{type(size).__name__}; write tg.full(({size!r},), {fill_value!r}).")
    shape = size_args((size,), "full")
    value = _fill_value(fill_value, "full")
    dtype = _value_dtype(value) if dtype is None else as_dtype(dtype, "full")
    return make(np.full(shape, value, dtype), requires_grad, device, "full")


def _fill_value(value, what: str):
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise TypeError(f"{what}: fill_value must be a number, got a tensor of shape "
                            f"{tuple(value.shape)}.")
        return value.item()
    if not isinstance(value, (int, float, bool, np.number, np.bool_)):
        raise TypeError(f"{what}: fill_value must be a number, got {type(value).__name__}.")
    return value


def _value_dtype(value) -> np.dtype:
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, (int, np.integer)):
        return np.dtype(np.int64)
    return get_default_dtype()


# -- like another tensor -----------------------------------------------------------------

def like_input(input, dtype, what: str, memory_format=None) -> tuple:
    """The shape of ``input`` and the dtype to use (``input``'s unless given);
    ``memory_format`` is checked and otherwise ignored (see tinygraph/layouts.py)."""
    if not isinstance(input, (Tensor, np.ndarray)):
        raise TypeError(f"{what}: input must be a Tensor, got {type(input).__name__}.")
    check_memory_format(memory_format, input.ndim, what)
    return input.shape, input.dtype if dtype is None else as_dtype(dtype, what)


def empty_like(input, *, dtype=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """A tensor shaped like ``input`` (filled with zeros)."""
    shape, dtype = like_input(input, dtype, "empty_like", memory_format)
    return make(np.zeros(shape, dtype), requires_grad, device, "empty_like")


def zeros_like(input, *, dtype=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of ``input``."""
    shape, dtype = like_input(input, dtype, "zeros_like", memory_format)
    return make(np.zeros(shape, dtype), requires_grad, device, "zeros_like")


def ones_like(input, *, dtype=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of ``input``."""
    shape, dtype = like_input(input, dtype, "ones_like", memory_format)
    return make(np.ones(shape, dtype), requires_grad, device, "ones_like")


def full_like(input, fill_value, *, dtype=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """``fill_value`` with the shape (and, unless given, the dtype) of ``input``."""
    shape, dtype = like_input(input, dtype, "full_like", memory_format)
    value = _fill_value(fill_value, "full_like")
    return make(np.full(shape, value, dtype), requires_grad, device, "full_like")


# -- ranges ------------------------------------------------------------------------------

def arange(start=0, end=None, step=1, *, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` by ``step``: ``arange(5)``,
    ``arange(1, 4)``, ``arange(0, 1, 0.25)``. All-integer arguments give int64, any float the
    default float dtype."""
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, "arange") for v in (start, end, step))
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.dtype(np.int64) if ints else get_default_dtype()
    else:
        dtype = as_dtype(dtype, "arange")
    integral = dtype.kind in "iub"  # PyTorch steps by the integer parts for integer dtypes
    if step == 0 or (integral and int(step) == 0):
        raise ArgumentError("arange: step must be nonzero.")
    if not all(math.isfinite(v) for v in (start, end, step)):
        raise ArgumentError(f"arange: unsupported range {start} to {end} (step {step}): the "
                            "bounds must be finite.")
    if (end - start) * step < 0:
        raise ArgumentError(f"arange: the range {start} to {end} goes against step {step}; "
                            f"use a step of sign {'+' if end > start else '-'}.")
    count = max(math.ceil((end - start) / step), 0)  # from the values given, as PyTorch
    if dtype == np.int64:  # PyTorch counts int64 ranges from the truncated values instead
        first, last, by = int(start), int(end), int(step)
        span = last - first + by - (1 if by > 0 else -1)
        count = max(abs(span) // abs(by) * (1 if (span >= 0) == (by > 0) else -1), 0)
    if integral:
        values = int(start) + np.arange(count, dtype=np.int64) * int(step)
    else:  # each value from the start in float64: no drift
        values = start + np.arange(count, dtype=np.float64) * step
    return make(values.astype(dtype, copy=False), requires_grad, device, "arange")


def _number(value, what: str):
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{what}: expected a number, got {value!r}.")
    return value


def linspace(start, end, steps: int, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` (both included)."""
    dtype = float_dtype(dtype, "linspace")
    values = _spaced(start, end, steps, "linspace", dtype)
    return make(_convert(values, dtype), requires_grad, device, "linspace")


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    dtype = float_dtype(dtype, "logspace")
    values = np.power(float(base), _spaced(start, end, steps, "logspace", None))
    return make(_convert(values, dtype), requires_grad, device, "logspace")


def _spaced(start, end, steps, what: str, dtype: np.dtype | None) -> np.ndarray:
    """linspace as PyTorch's CPU kernel computes it: in the dtype's own precision (float32 for
    float16 and float32, float64 for float64 and, from truncated ends, for integers), the step
    ``(end - start) / (steps - 1)``, the first half counted up from ``start`` and the second
    down from ``end`` (so both ends are exact), each value one fused multiply-add (one
    rounding), as torch's compiled kernel does. With ``dtype=None`` (logspace's exponents,
    which torch's pow then rounds its own way), in float64 with two roundings each."""
    start, end = _number(start, what), _number(end, what)
    (steps,) = size_args((steps,), what)
    if dtype is None:
        start, end = float(start), float(end)
        step = (end - start) / (steps - 1) if steps > 1 else 0.0
        i = np.arange(steps, dtype=np.float64)
        return np.where(i < steps // 2, start + i * step, end - (steps - 1 - i) * step)
    work = np.float64 if dtype.kind in "iu" or dtype.itemsize >= 8 else np.float32
    if dtype.kind in "iu":
        start, end = int(start), int(end)  # the ends are cast to the integer dtype first
    start, end = work(start), work(end)
    if steps == 1:
        return np.array([start])
    step = (end - start) / work(steps - 1)
    i = np.arange(steps, dtype=np.float64)
    up = _fma(np.float64(step), i, np.float64(start))
    down = _fma(-np.float64(step), steps - 1 - i, np.float64(end))
    return np.where(i < steps // 2, up, down).astype(work)


def _fma(a, b, c):
    """``a * b + c`` rounded once, in float64 (Dekker's exact product and Knuth's exact sum;
    where a part overflows, the plain rounded expression)."""
    product = a * b
    with np.errstate(over="ignore", invalid="ignore"):
        a_hi = a * 134217729.0 - (a * 134217729.0 - a)
        b_hi = b * 134217729.0 - (b * 134217729.0 - b)
        a_lo, b_lo = a - a_hi, b - b_hi
        product_error = ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
        total = product + c
        part = total - product
        sum_error = (product - (total - part)) + (c - part)
        fused = total + (sum_error + product_error)
    return np.where(np.isfinite(fused), fused, product + c)


def _convert(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if dtype.kind in "iu":
        values = np.trunc(values)  # toward zero, as a C cast
    return values.astype(dtype)


def eye(n: int, m: int | None = None, *, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """The ``n`` x ``m`` identity matrix (``m`` defaults to ``n``)."""
    n, m = size_args((n, n if m is None else m), "eye")
    return make(np.eye(n, m, dtype=float_dtype(dtype, "eye")), requires_grad, device, "eye")
