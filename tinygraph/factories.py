"""Tensor factories: ``zeros(2, 3)`` and ``zeros((2, 3))`` alike, all with ``dtype=`` and
``requires_grad=``. Without a dtype they produce the default float dtype."""

from __future__ import annotations

import numpy as np

from . import random
from .autograd import _new_tensor
from .creation import check_float, get_default_dtype
from .ops.args import size_args
from .tensor import Tensor


def _make(array: np.ndarray, requires_grad: bool, what: str) -> Tensor:
    if requires_grad:
        check_float(array.dtype, what)
    t = _new_tensor(array, None)  # the array is fresh: no copy needed
    t.requires_grad = bool(requires_grad)
    return t


def _dtype(dtype):
    return get_default_dtype() if dtype is None else np.dtype(dtype)


def zeros(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return _make(np.zeros(size_args(shape, "zeros"), _dtype(dtype)), requires_grad, "zeros")


def ones(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _make(np.ones(size_args(shape, "ones"), _dtype(dtype)), requires_grad, "ones")


def full(shape, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value``."""
    shape = size_args((shape,) if isinstance(shape, int) else tuple(shape), "full")
    return _make(np.full(shape, fill_value, _dtype(dtype)), requires_grad, "full")


def zeros_like(t, dtype=None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of ``t``."""
    data = t._data if isinstance(t, Tensor) else np.asarray(t)
    return _make(np.zeros(data.shape, dtype or data.dtype), requires_grad, "zeros_like")


def ones_like(t, dtype=None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of ``t``."""
    data = t._data if isinstance(t, Tensor) else np.asarray(t)
    return _make(np.ones(data.shape, dtype or data.dtype), requires_grad, "ones_like")


def arange(start, stop=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, stop); integers give int64 (as torch), floats the
    default float dtype."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        all_ints = all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
        dtype = np.int64 if all_ints else get_default_dtype()
    return _make(np.arange(start, stop, step, dtype=dtype), requires_grad, "arange")


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (n x m)."""
    return _make(np.eye(n, m, dtype=_dtype(dtype)), requires_grad, "eye")


def randn(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the library's seeded generator."""
    sample = random.generator().standard_normal(size_args(shape, "randn"))
    return _make(sample.astype(_dtype(dtype)), requires_grad, "randn")


def rand(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the library's seeded generator."""
    sample = random.generator().random(size_args(shape, "rand"))
    return _make(sample.astype(_dtype(dtype)), requires_grad, "rand")
