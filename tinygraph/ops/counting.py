"""Counting, as PyTorch: ``bincount`` (occurrences of each non-negative integer),
``count_nonzero`` (along dims) and ``histc`` (a histogram of equal-width bins).

Counts are new tensors without gradient: int64, except ``bincount`` with ``weights`` (the
weights' float dtype, float64 for integer weights) and ``histc`` (the input's dtype), as in
PyTorch.

    >>> tg.bincount(tg.tensor([0, 2, 2]))
    tensor([1, 0, 2])
"""

from __future__ import annotations

import operator

import numpy as np

from ..autograd.node import new_tensor
from .args import data
from .registry import public
from .selection import _array


@public("bincount")
def bincount(input, weights=None, minlength: int = 0):
    """How often each value 0, 1, ..., max occurs in the 1-D non-negative integer ``input``
    (at least ``minlength`` counts); with ``weights`` (same length), the sum of the weights
    of each value instead."""
    array = _array(input, "bincount")
    if array.dtype.kind not in "iu":
        raise NotImplementedError(f"bincount: input must hold integers, got dtype "
                                  f"{array.dtype}; pass input.long().")
    if array.ndim != 1 or (array.size and array.min() < 0):
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs, got "
                           f"shape {tuple(array.shape)}.")
    minlength = operator.index(minlength)
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}.")
    if weights is None:
        return new_tensor(np.bincount(array, minlength=minlength).astype(np.int64), None)
    w = np.asarray(data(weights))
    if w.ndim != 1 or w.shape != array.shape:
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as "
                           f"input, got shapes {tuple(w.shape)} and {tuple(array.shape)}.")
    dtype = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)
    return new_tensor(np.bincount(array, w, minlength=minlength).astype(dtype), None)


@public("count_nonzero")
def count_nonzero(input, dim=None):
    """The number of non-zero elements of ``input`` (int64), along ``dim`` (an int or a
    tuple of ints; all dims when None), which is removed."""
    array = _array(input, "count_nonzero")
    if dim is None:
        return new_tensor(np.asarray(np.count_nonzero(array), dtype=np.int64), None)
    size = max(array.ndim, 1)
    axes = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    result = []
    for a in axes:
        a = operator.index(a)
        if not -size <= a < size:
            raise IndexError(f"count_nonzero: dim {a} is out of range for a tensor with "
                             f"{array.ndim} dimensions (expected to be in range of "
                             f"[{-size}, {size - 1}]).")
        if a % size in result:
            raise RuntimeError(f"count_nonzero: dim {a % size} appears multiple times in the "
                               f"list of dims {list(axes)}.")
        result.append(a % size)
    if array.ndim == 0:
        return new_tensor(np.asarray(int(bool(array)), dtype=np.int64), None)
    counts = np.count_nonzero(array, axis=tuple(result))
    return new_tensor(np.asarray(counts, dtype=np.int64), None)


@public("histc")
def histc(input, bins: int = 100, min: float = 0, max: float = 0, *, out=None):  # noqa: A002
    """A histogram of ``input``'s elements: ``bins`` equal-width bins from ``min`` to
    ``max`` (when they are equal, the data's smallest and largest element), counted in the
    input's float dtype; elements outside the range are ignored."""
    array = _array(input, "histc")
    if array.dtype.kind != "f":
        raise NotImplementedError(f"histc: input must be floating point, got dtype "
                                  f"{array.dtype}; pass input.float().")
    bins = operator.index(bins)
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins}.")
    low, high = float(min), float(max)
    if low > high:
        raise RuntimeError(f"torch.histc: max must be larger than min, got min={low} and "
                           f"max={high}.")
    if low == high and array.size:
        low, high = float(array.min()), float(array.max())
    if low == high:
        low, high = low - 1, high + 1
    if not (np.isfinite(low) and np.isfinite(high)):
        raise RuntimeError(f"torch.histc: range of [{low}, {high}] is not finite.")
    values = array.reshape(-1)
    values = values[(values >= low) & (values <= high)]
    # the bin as PyTorch computes it, in the input's dtype; the top edge joins the last bin
    low_, high_ = array.dtype.type(low), array.dtype.type(high)
    position = ((values - low_) * bins / (high_ - low_)).astype(np.int64)
    position = np.minimum(position, bins - 1)
    result = new_tensor(np.bincount(position, minlength=bins).astype(array.dtype), None)
    if out is not None:
        from .outarg import write_out

        return write_out("histc", out, result)
    return result
