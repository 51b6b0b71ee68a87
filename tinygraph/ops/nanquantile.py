"""``nanquantile``: ``quantile`` that leaves NaNs out, as PyTorch's. Each slice has its own
count k of values that are not NaN, so its position q (k - 1) in the sorted slice (NaNs sort
last) is its own, read with ``gather``; a slice of NaNs only gives NaN. Differentiable through
the sort, the gradient going to the neighbours, as ``quantile``'s."""

from __future__ import annotations

import numpy as np

from .args import axis as _axis
from .args import data, ndim, shape
from .registry import functions as _f
from .registry import public


@public("nanquantile")
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-th quantiles (a number, or a 1-D tensor of them) along ``dim`` (of all
    elements when None) of the values that are not NaN; a 1-D ``q`` is the result's first
    dim. Arguments and errors as ``quantile``'s."""
    plain = _f["quantile"](input, q, dim, keepdim, interpolation=interpolation)  # the checks
    array = data(input)
    if not np.isnan(array).any():
        return plain
    qs = np.asarray(data(q))
    x = _f["reshape"](input, (-1,)) if dim is None or array.ndim == 0 else input
    axis = 0 if dim is None or array.ndim == 0 else _axis(dim, array.ndim, "nanquantile")
    ordered = _f["sort"](x, axis).values  # NaN last
    count = (~np.isnan(data(x))).sum(axis=axis, keepdims=True)  # 1 along axis
    along = [1] * ndim(x)
    along[axis] = -1
    rank = qs.reshape(along).astype(np.float64) * (count - 1)  # Q along axis
    low, high = np.floor(rank), np.ceil(rank)
    if interpolation == "nearest":
        low = high = np.round(rank)  # half to even, as PyTorch
    elif interpolation in ("lower", "higher"):
        low = high = low if interpolation == "lower" else high
    low, high = (np.clip(i, 0, None).astype(np.int64) for i in (low, high))
    below = _f["gather"](ordered, axis, low)
    if low is high:
        result = below
    else:
        weight = np.full(rank.shape, 0.5) if interpolation == "midpoint" else rank - low
        result = _f["lerp"](below, _f["gather"](ordered, axis, high),
                            weight.astype(array.dtype))
    result = _f["where"](np.broadcast_to(count == 0, shape(result)),
                         np.asarray(np.nan, array.dtype), result)
    if keepdim:
        lead = shape(result)[:axis + 1]
        rest = (1,) * array.ndim if dim is None else (1,) + shape(result)[axis + 1:]
        result = _f["reshape"](result, lead + rest)
    result = _f["movedim"](result, axis, 0)
    return _f["squeeze"](result, 0) if qs.ndim == 0 else result
