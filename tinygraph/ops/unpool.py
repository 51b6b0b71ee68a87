"""Max unpooling, the partial inverse of max pooling with ``return_indices=True``
(``F.max_unpool1d/2d/3d``, ``nn.MaxUnpool1d/2d/3d``), and the multi-label margin loss's op
(``F.multilabel_margin_loss``: first derivatives only, as PyTorch's).

Each value is written at its index, a flat position in its channel's output plane (the
indices max_pool returns), into zeros of the output's size; the gradient reads g back at the
same positions.
"""

from __future__ import annotations

import operator

import numpy as np

from ..autograd import Op
from ..autograd.function import _DelayedError
from ..errors import ShapeError
from .args import data, shape


class MaxUnpool(Op):
    """y = zeros(N, C, *out) with y[n, c].flat[i[n, c, p]] = x[n, c, p] (the last write wins
    where indices repeat);  dx[n, c, p] = g[n, c].flat[i[n, c, p]]. Linear in x."""

    __slots__ = ("rows", "index", "out_shape", "in_spatial")
    label = "max_unpool"

    def forward(self, x):
        nd = len(self.out_shape)
        lead, self.in_spatial = x.shape[:-nd], x.shape[-nd:]
        length = int(np.prod(self.out_shape))
        out = np.zeros((self.rows.shape[0], length), dtype=x.dtype)
        out[self.rows, self.index] = x.reshape(self.index.shape)
        return out.reshape(lead + tuple(self.out_shape))

    def backward(self, g):
        flat = g.reshape((self.rows.shape[0], int(np.prod(self.out_shape))))
        lead = g.shape[:len(g.shape) - len(self.out_shape)]
        return (flat[self.rows, self.index].reshape(tuple(lead) + self.in_spatial),)


def _tuple(value, nd, name):
    if isinstance(value, int) or np.ndim(value) == 0:
        return (operator.index(value),) * nd
    value = tuple(operator.index(v) for v in value)
    if len(value) != nd:
        raise ValueError(f"max_unpool{nd}d: {name} must be an int or {nd} ints, got {value}.")
    return value


def unpool_output_size(in_spatial, kernel, stride, padding, output_size, nd):
    """PyTorch's output size: (in - 1) stride - 2 padding + kernel per axis, or
    ``output_size`` (nd or nd + 2 numbers) when it lies strictly within a stride of that."""
    default = [(i - 1) * s + k - 2 * p for i, k, s, p in zip(in_spatial, kernel, stride,
                                                              padding)]
    if output_size is None:
        out = default
    else:
        output_size = [int(v) for v in output_size]
        if len(output_size) == nd + 2:
            output_size = output_size[2:]
        if len(output_size) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                             f"elements, but it has a length of '{len(output_size)}'")
        for d in range(nd):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < output_size[d] < high:
                raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d} must be '
                                 f"between {low} and {high})")
        out = output_size
    for d, size in enumerate(out):
        if size < 0:
            raise ValueError(f"max_unpooling: output_size must contain non-negative spatial "
                             f"dimensions, but got output_size[{d}]={size}")
    return tuple(out)


def max_unpool(input, indices, kernel_size, stride, padding, output_size, nd):
    op = f"max_unpool{nd}d"
    kernel = _tuple(kernel_size, nd, "kernel_size")
    stride = kernel if stride is None else _tuple(stride, nd, "stride")
    padding = _tuple(padding, nd, "padding")
    s = tuple(shape(input))
    if len(s) not in (nd + 1, nd + 2):
        raise ShapeError(f"{op}: expected a {nd + 1}-D or {nd + 2}-D input (with or without "
                         f"the batch axis), got shape {s}.")
    index = np.asarray(data(indices))
    if index.dtype != np.int64:
        raise RuntimeError(f"{op}: elements in indices should be type int64 but got: "
                           f"{index.dtype}; pass the indices max_pool{nd}d returned.")
    if tuple(index.shape) != s:
        raise ShapeError(f"{op}: Expected shape of indices to be same as that of the input "
                         f"tensor ({list(s)}) but got indices tensor with shape: "
                         f"{list(index.shape)}")
    out = unpool_output_size(s[-nd:], kernel, stride, padding, output_size, nd)
    length = int(np.prod(out))
    rows = int(np.prod(s[:-nd]))
    flat = index.reshape(rows, -1)
    bad = (flat < 0) | (flat >= length)
    if bad.any():
        raise RuntimeError(f"{op}: Found an invalid max index: {int(flat[bad][0])} (output "
                           f"volumes are of size {'x'.join(map(str, out))}); the indices must "
                           "come from the max pooling this unpooling inverts.")
    return MaxUnpool.apply(input, rows=np.arange(rows)[:, None], index=flat, out_shape=out)


class MultilabelMargin(Op):
    """y[n] = sum_{j, i} P[n, j, i] max(0, 1 - x[n, j] + x[n, i]) / C (P: how often j is a
    target, where i is not one);  dx[n, i] = g[n] (sum_j P A[n, j, i] - sum_k P A[n, i, k])
    / C with A = [1 - x_j + x_i > 0]. Like PyTorch's, the backward is not differentiable: a
    second derivative raises."""

    __slots__ = ("pairs",)
    label = "multilabel_margin_loss"

    def forward(self, x):
        self.save(x)
        return (self.pairs * np.maximum(0, 1 - x[:, :, None] + x[:, None, :])).sum(
            (1, 2)) / x.shape[1]

    def backward(self, g):
        (x,) = self.saved
        raw, grad = np.asarray(data(x)), np.asarray(data(g))
        active = self.pairs * (1 - raw[:, :, None] + raw[:, None, :] > 0)
        gx = (active.sum(1) - active.sum(2)) * (grad / raw.shape[1])[:, None]
        gx = gx.astype(raw.dtype, copy=False)
        if isinstance(g, np.ndarray):
            return (gx,)
        return (_DelayedError.apply(gx, g, x, message=(
            "derivative for aten::multilabel_margin_loss_backward is not implemented "
            "(tinygraph follows PyTorch: F.multilabel_margin_loss has first derivatives "
            "only)")),)
