"""Adaptive pooling beyond ``adaptive_avg_pool2d``: ``adaptive_avg_pool1d``,
``adaptive_max_pool1d``, ``adaptive_max_pool2d``, ``adaptive_avg_pool3d`` and
``adaptive_max_pool3d`` and their Modules, as PyTorch's.

Output position i of an axis of size n pooled to m covers the bin floor(i n / m) to
ceil((i + 1) n / m). The average is a product with a constant averaging matrix; the maximum
gathers each bin's positions (a shorter bin repeats its last one) and takes ``max`` over them,
so the gradient goes to the first largest element of the bin, as in PyTorch. A 2-D maximum is
taken along the width, then the height (then the depth): the same element as PyTorch's
row-major scan.
"""

from __future__ import annotations

import operator

import numpy as np

from ..autograd.node import new_tensor
from ..errors import ShapeError
from ..ops import functions as ops
from ..ops.pool_functions import _adaptive_matrix
from .module import Module


def _size(value, n: int, op: str) -> int:
    size = n if value is None else operator.index(value)
    if size < 1:
        raise ValueError(f"{op}: output_size must be positive, got {value!r}.")
    return size


def _check(input, dims: int, op: str):
    if input.ndim not in (dims + 1, dims + 2):
        raise ShapeError(f"{op}: expected a {dims + 1}-D or {dims + 2}-D input (unbatched or "
                         f"batched), got shape {tuple(input.shape)}.")
    if any(n == 0 for n in input.shape[-dims:]):
        raise ShapeError(f"{op}: the input of shape {tuple(input.shape)} has an empty "
                         "spatial axis.")


def _bins(n: int, m: int) -> np.ndarray:
    """(m, longest bin) source positions; a shorter bin repeats its last position."""
    starts = (np.arange(m) * n) // m
    ends = -(-(np.arange(1, m + 1) * n) // m)
    width = int((ends - starts).max())
    return np.minimum(starts[:, None] + np.arange(width), ends[:, None] - 1)


def _max_along(x, axis: int, m: int):
    """Maximum over the bins of ``axis`` (which becomes size ``m``), and the winners'
    positions along that axis."""
    n = x.shape[axis]
    bins = _bins(n, m)
    picked = ops.index_select(x, axis, bins.reshape(-1))
    shape = list(x.shape)
    shape[axis:axis + 1] = [m, bins.shape[1]]
    found = ops.max(ops.reshape(picked, tuple(shape)), axis + 1)
    where = np.take_along_axis(
        np.broadcast_to(bins.reshape([1] * axis + list(bins.shape)
                                     + [1] * (x.ndim - axis - 1)), shape),
        np.expand_dims(found.indices.numpy(), axis + 1), axis + 1).squeeze(axis + 1)
    return found.values, where


def adaptive_avg_pool1d(input, output_size):
    """The mean over each of ``output_size`` bins of the last axis of (N, C, L) or (C, L)."""
    _check(input, 1, "adaptive_avg_pool1d")
    n = input.shape[-1]
    m = _size(output_size[0] if isinstance(output_size, (tuple, list)) else output_size, n,
              "adaptive_avg_pool1d")
    if m == n:
        return ops.clone(input)
    return ops.matmul(input, _adaptive_matrix(n, m).T.astype(input.dtype))


def adaptive_max_pool1d(input, output_size, return_indices: bool = False):
    """The maximum over each of ``output_size`` bins of the last axis; with
    ``return_indices`` also where each came from (int64)."""
    _check(input, 1, "adaptive_max_pool1d")
    n = input.shape[-1]
    m = _size(output_size[0] if isinstance(output_size, (tuple, list)) else output_size, n,
              "adaptive_max_pool1d")
    values, where = _max_along(input, input.ndim - 1, m)
    if not return_indices:
        return values
    return values, new_tensor(where.astype(np.int64), None)


def adaptive_max_pool2d(input, output_size, return_indices: bool = False):
    """The maximum over each bin of the last two axes of (N, C, H, W) or (C, H, W); with
    ``return_indices`` also each winner's flat position h * W + w (int64)."""
    _check(input, 2, "adaptive_max_pool2d")
    h, w = input.shape[-2:]
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    oh, ow = (_size(s, n, "adaptive_max_pool2d") for s, n in zip(sizes, (h, w)))
    across, cols = _max_along(input, input.ndim - 1, ow)
    values, rows = _max_along(across, input.ndim - 2, oh)
    if not return_indices:
        return values
    winners = np.take_along_axis(cols, rows, input.ndim - 2)  # each winner's column
    return values, new_tensor((rows * w + winners).astype(np.int64), None)


def _sizes3(output_size, shape, op: str) -> tuple:
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 3
    if len(sizes) != 3:
        raise ValueError(f"{op}: output_size must be an int or 3 ints, got {output_size!r}.")
    return tuple(_size(s, n, op) for s, n in zip(sizes, shape))


def adaptive_avg_pool3d(input, output_size):
    """The mean over each bin of the last three axes of (N, C, D, H, W) or (C, D, H, W): a
    product with a constant averaging matrix per axis."""
    _check(input, 3, "adaptive_avg_pool3d")
    d, h, w = input.shape[-3:]
    od, oh, ow = _sizes3(output_size, (d, h, w), "adaptive_avg_pool3d")
    if (od, oh, ow) == (d, h, w):
        return ops.clone(input)
    y = ops.matmul(input, _adaptive_matrix(w, ow).T.astype(input.dtype))
    y = ops.matmul(_adaptive_matrix(h, oh).astype(input.dtype), y)
    lead = tuple(input.shape[:-3])
    y = ops.matmul(_adaptive_matrix(d, od).astype(input.dtype), ops.reshape(y, lead + (d, -1)))
    return ops.reshape(y, lead + (od, oh, ow))


def adaptive_max_pool3d(input, output_size, return_indices: bool = False):
    """The maximum over each bin of the last three axes of (N, C, D, H, W) or (C, D, H, W);
    with ``return_indices`` also each winner's flat position (d * H + h) * W + w (int64)."""
    _check(input, 3, "adaptive_max_pool3d")
    d, h, w = input.shape[-3:]
    od, oh, ow = _sizes3(output_size, (d, h, w), "adaptive_max_pool3d")
    nd = input.ndim
    across, cols = _max_along(input, nd - 1, ow)    # cols: (..., D, H, oW) winning w
    down, rows = _max_along(across, nd - 2, oh)      # rows: (..., D, oH, oW) winning h
    values, depths = _max_along(down, nd - 3, od)    # depths: (..., oD, oH, oW) winning d
    if not return_indices:
        return values
    cols = np.take_along_axis(cols, rows, nd - 2)    # (..., D, oH, oW)
    rows = np.take_along_axis(rows, depths, nd - 3)
    cols = np.take_along_axis(cols, depths, nd - 3)
    return values, new_tensor(((depths * h + rows) * w + cols).astype(np.int64), None)


class _AdaptivePool(Module):
    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveAvgPoolNd(Module):
    """What AdaptiveAvgPool1d and 3d share (siblings, as in torch)."""

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """``F.adaptive_avg_pool1d`` as a layer."""

    def forward(self, input):
        return adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool1d(_AdaptivePool):
    """``F.adaptive_max_pool1d`` as a layer."""

    def forward(self, input):
        return adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptivePool):
    """``F.adaptive_max_pool2d`` as a layer."""

    def forward(self, input):
        return adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """``F.adaptive_avg_pool3d`` as a layer."""

    def forward(self, input):
        return adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptivePool):
    """``F.adaptive_max_pool3d`` as a layer."""

    def forward(self, input):
        return adaptive_max_pool3d(input, self.output_size, self.return_indices)
