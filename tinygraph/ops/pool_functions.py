"""The public pooling and padding functions with PyTorch's signatures (tinygraph/ops/pool.py
holds the ops)."""

from __future__ import annotations

import itertools
import operator

import numpy as np

from ..autograd import new_tensor
from ..errors import ArgumentError, ShapeError
from .args import data, shape
from .conv import pad_spatial, slab
from .conv_functions import _batched, _unbatched, spatial_input, tuple_arg
from .pool import AvgPool, MaxPool, Pad, avg_divisor, pool_geometry
from .registry import functions, public


def _pool_args(x, kernel_size, stride, padding, dilation, ceil_mode, nd, op):
    batched, in_shape = spatial_input(x, nd, op)
    kernel = tuple_arg(kernel_size, nd, "kernel_size", op, 1)
    stride = kernel if stride is None or stride == [] or stride == () else tuple_arg(
        stride, nd, "stride", op, 1)
    padding = tuple_arg(padding, nd, "padding", op)
    dilation = tuple_arg(dilation, nd, "dilation", op, 1)
    spatial = in_shape[-nd:]
    for p, k, d in zip(padding, kernel, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise ShapeError(f"{op}: padding should be at most half of the effective kernel "
                             f"size, got padding={padding}, kernel_size={kernel} and "
                             f"dilation={dilation}.")
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(s + 2 * p < k for s, p, k in zip(spatial, padding, span)):
        raise ShapeError(
            f"{op}: the kernel of size {kernel} (dilated: {span}) is larger than the padded "
            f"input of size {tuple(s + 2 * p for s, p in zip(spatial, padding))} (input shape "
            f"{in_shape}, padding {padding}). Use a smaller kernel, more padding or a larger "
            "input.")
    out_shape, pads = pool_geometry(spatial, kernel, stride, padding, dilation, ceil_mode)
    return batched, kernel, stride, padding, dilation, out_shape, pads


def _max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd, op,
              plan=None):
    batched, kernel, stride, _, dilation, out_shape, pads = _pool_args(
        x, kernel_size, stride, padding, dilation, ceil_mode, nd, op)
    attributes = {"kernel": kernel, "stride": stride, "dilation": dilation, "pads": pads,
                  "out_shape": out_shape}
    if plan is not None and batched:
        plan.update(attributes)
    y = _unbatched(MaxPool.apply(_batched(x, batched), **attributes), batched)
    if not return_indices:
        return y
    where = _max_indices(np.asarray(data(x)), **attributes)
    return y, new_tensor(where, None)


def _max_indices(x, kernel, stride, dilation, pads, out_shape):
    """torch's ``return_indices``: where each window's maximum is, as an int64 flat index into
    its channel's (unpadded) spatial axes; the first maximum wins, and the last NaN."""
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    padded = pad_spatial(x, pads, low)
    offsets = list(itertools.product(*map(range, kernel)))
    best = slab(padded, offsets[0], stride, dilation, out_shape).copy()
    arg = np.zeros(best.shape, np.intp)
    for k, offset in enumerate(offsets[1:], 1):
        values = slab(padded, offset, stride, dilation, out_shape)
        better = (values > best) | (np.isnan(values) if x.dtype.kind == "f" else False)
        best = np.where(better, values, best)
        arg[better] = k
    nd, table = len(kernel), np.array(offsets, np.int64)
    flat = np.zeros(arg.shape, np.int64)
    for axis in range(nd):  # the winner's coordinate on each axis, row-major
        starts = np.arange(out_shape[axis]).reshape((-1,) + (1,) * (nd - 1 - axis))
        coord = starts * stride[axis] - pads[axis][0] + table[arg, axis] * dilation[axis]
        flat = flat * x.shape[-nd + axis] + coord
    return flat


@public("max_pool2d", method=False)
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum over each kH x kW window of (N, C, H, W) ``input`` (``stride`` defaults to
    the kernel size; padding counts as -inf); the gradient goes to each window's maximum."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     2, "max_pool2d")


@public("max_pool1d", method=False)
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum over each window of (N, C, L) ``input``."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     1, "max_pool1d")


@public("max_pool3d", method=False)
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum over each kD x kH x kW window of (N, C, D, H, W) ``input``."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     3, "max_pool3d")


def _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
              nd, op):
    batched, kernel, stride, padding, _, out_shape, pads = _pool_args(
        x, kernel_size, stride, padding, 1, ceil_mode, nd, op)
    spatial = shape(x)[-nd:]
    if divisor_override:
        divisor = np.full(out_shape, float(divisor_override))
    else:
        divisor = avg_divisor(spatial, kernel, stride, padding, pads, out_shape,
                              count_include_pad)
    y = AvgPool.apply(_batched(x, batched), kernel=kernel, stride=stride, pads=pads,
                      out_shape=out_shape, divisor=divisor)
    return _unbatched(y, batched)


@public("avg_pool2d", method=False)
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean over each kH x kW window of (N, C, H, W) ``input``; zero padding counts in the
    mean unless ``count_include_pad=False``."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2, "avg_pool2d")


@public("avg_pool1d", method=False)
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """The mean over each window of (N, C, L) ``input``."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None,
                     1, "avg_pool1d")


@public("avg_pool3d", method=False)
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean over each kD x kH x kW window of (N, C, D, H, W) ``input``."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 3, "avg_pool3d")


def _adaptive_matrix(size: int, out: int) -> np.ndarray:
    """(out, size): row i averages input[floor(i * size / out) : ceil((i + 1) * size / out)]."""
    m = np.zeros((out, size))
    for i in range(out):
        start, end = (i * size) // out, -(-((i + 1) * size) // out)
        m[i, start:end] = 1.0 / (end - start)
    return m


@public("adaptive_avg_pool2d", method=False)
def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed (oH, oW) output (PyTorch's bins: floor(i H / oH) to
    ceil((i + 1) H / oH)), as two products with constant averaging matrices: P_H x P_W^T."""
    op = "adaptive_avg_pool2d"
    _, in_shape = spatial_input(input, 2, op)
    h, w = in_shape[-2:]
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size, output_size)
    oh, ow = (h if o is None else operator.index(o) for o in output_size)
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}.")
    dtype = np.asarray(input._data if hasattr(input, "_data") else input).dtype
    matmul = functions["matmul"]
    if (oh, ow) == (h, w):
        return functions["clone"](input)
    y = input if ow == w else matmul(input, _adaptive_matrix(w, ow).T.astype(dtype))
    return y if oh == h else matmul(_adaptive_matrix(h, oh).astype(dtype), y)


@public("pad", method=False)
def pad(input, pad, mode="constant", value=None):
    """``input`` padded by ``pad`` in PyTorch's order: (left, right) of the last axis, then
    (top, bottom) of the one before, ... ``mode``: "constant" (with ``value``, default 0),
    "reflect", "replicate" or "circular". A negative width cuts that many off the edge."""
    op = "pad"
    s = shape(input)
    pad = tuple(operator.index(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > len(s):
        raise ArgumentError(f"{op}: the padding must be pairs for at most the {len(s)} axes of "
                            f"the input of shape {s}, got {pad}.")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"{op}: mode must be 'constant', 'reflect', 'replicate' or "
                         f"'circular', got {mode!r}.")
    widths = [(0, 0)] * len(s)
    for i in range(len(pad) // 2):
        widths[len(s) - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if any(p < 0 for p in pad):
        return _pad_and_crop(input, widths, mode, value, pad)
    for (lo, hi), n in zip(widths, s):
        if mode == "reflect" and (lo >= n or hi >= n) and (lo or hi):
            raise ArgumentError(f"{op}: reflect padding {pad} must be smaller than the size "
                                f"of the axis it pads, input shape {s}.")
        if mode == "circular" and (lo > n or hi > n):
            raise ArgumentError(f"{op}: circular padding {pad} must be at most the size of "
                                f"the axis it pads, input shape {s}.")
    if mode != "constant" and value:
        raise ValueError(f"{op}: value={value} only applies to mode='constant'.")
    return Pad.apply(input, widths=tuple(widths), mode=mode,
                     value=0.0 if value is None else value)


def _pad_and_crop(input, widths, mode, value, spec):
    """Padding with negative widths, as PyTorch: those edges are cut off. "circular" cuts
    first and wraps what is left; the other modes pad first (a reflection still reads the
    uncut input) and then cut."""
    s = shape(input)
    out = [n + lo + hi for (lo, hi), n in zip(widths, s)]
    cut = [n + min(lo, 0) + min(hi, 0) for (lo, hi), n in zip(widths, s)]
    if min(cut) < 0 or (mode in ("reflect", "replicate") and min(out) <= 0):
        raise RuntimeError(f"pad: the padding {spec} leaves an axis of the input of shape "
                           f"{s} with size {min(min(out), min(cut))} (mode={mode!r}); pad "
                           "less negatively.")
    cuts = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(widths, s))
    flat = tuple(p for (lo, hi) in reversed(widths) for p in (max(lo, 0), max(hi, 0)))
    if mode == "circular":
        return pad(input[cuts], flat, mode, value)
    padded = pad(input, flat, mode, value)
    return padded[tuple(slice(max(-lo, 0), max(-lo, 0) + o)
                        for (lo, hi), o in zip(widths, out))]
