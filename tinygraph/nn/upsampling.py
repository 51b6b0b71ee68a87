"""Resizing feature maps as PyTorch's ``F.interpolate`` and ``nn.Upsample``: ``nearest``,
``nearest-exact``, ``linear``, ``bilinear``, ``bicubic``, ``trilinear`` and ``area``, over the
last one, two or three axes of (N, C, L), (N, C, H, W) or (N, C, D, H, W) inputs (``area`` is
adaptive average pooling to the output size).

Each spatial axis is resized on its own (the modes are separable): nearest picks one source
index per output position, linear blends two neighbours with fixed weights, cubic four (Keys'
cubic convolution with a = -0.75, as PyTorch, the taps clamped at the borders). So the result is
indexing and weighted sums of graph ops, whose gradients scatter back (repeated indices
accumulate) and export to ONNX. Source positions follow PyTorch: with ``scale_factor`` the
scale is 1 / scale_factor (unless ``recompute_scale_factor``), otherwise in / out;
``align_corners=True`` maps the corner pixels onto each other.
"""

from __future__ import annotations

import math

import numpy as np

from ..ops import functions as ops
from ..ops.pool_functions import adaptive_avg_pool2d
from .adaptive_pooling import adaptive_avg_pool1d, adaptive_avg_pool3d
from .module import Module

# mode -> the spatial dims it needs (None: any of 1, 2, 3)
MODES = {"nearest": None, "nearest-exact": None, "linear": 1, "bilinear": 2, "bicubic": 2,
         "trilinear": 3, "area": None}
CUBIC_A = -0.75


def _sizes(shape, size, scale_factor, spatial: int, recompute: bool):
    """Output sizes and the scales that map output positions to source positions."""
    inputs = shape[-spatial:]
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: either size or scale_factor should be defined, and "
                         "only one of them.")
    if size is not None:
        sizes = [size] * spatial if isinstance(size, (int, np.integer)) else list(size)
        if len(sizes) != spatial:
            raise ValueError(f"interpolate: size {size!r} has {len(sizes)} values for an input "
                             f"with {spatial} spatial dims (shape {tuple(shape)}).")
        return [int(s) for s in sizes], [n / s for n, s in zip(inputs, sizes)]
    factors = ([scale_factor] * spatial if isinstance(scale_factor, (int, float, np.number))
               else list(scale_factor))
    if len(factors) != spatial:
        raise ValueError(f"interpolate: scale_factor {scale_factor!r} has {len(factors)} values "
                         f"for an input with {spatial} spatial dims (shape {tuple(shape)}).")
    sizes = [int(math.floor(n * f)) for n, f in zip(inputs, factors)]
    scales = ([n / s for n, s in zip(inputs, sizes)] if recompute
              else [1.0 / f for f in factors])
    return sizes, scales


def _nearest(x, axis: int, n_in: int, n_out: int, scale: float, exact: bool):
    offset = 0.5 if exact else 0.0
    # float32 positions, as PyTorch computes them
    source = np.floor((np.arange(n_out, dtype=np.float32) + np.float32(offset))
                      * np.float32(scale)).astype(np.int64)
    index = np.minimum(source, n_in - 1)
    return ops.index_select(x, axis, index)


def _linear(x, axis: int, n_in: int, n_out: int, scale: float, align_corners: bool):
    position = np.arange(n_out, dtype=np.float64)
    if align_corners:
        source = position * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        source = np.maximum((position + 0.5) * scale - 0.5, 0.0)
    low = np.minimum(np.floor(source).astype(np.int64), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    weight = (source - low).astype(x.dtype)
    shape = [1] * x.ndim
    shape[axis] = n_out
    weight = weight.reshape(shape)
    return (ops.index_select(x, axis, low) * (1 - weight)
            + ops.index_select(x, axis, high) * weight)


def _cubic_weights(t: np.ndarray) -> list:
    """The four taps' weights at fractional offset ``t`` (taps at -1, 0, 1, 2)."""
    a = CUBIC_A

    def near(d):  # |d| <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d):  # 1 < |d| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _cubic(x, axis: int, n_in: int, n_out: int, scale: float, align_corners: bool):
    position = np.arange(n_out, dtype=np.float64)
    if align_corners:
        source = position * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:  # not clamped at 0, unlike linear: PyTorch's cubic source index
        source = (position + 0.5) * scale - 0.5
    base = np.floor(source).astype(np.int64)
    shape = [1] * x.ndim
    shape[axis] = n_out
    out = None
    for k, weight in zip(range(-1, 3), _cubic_weights(source - base)):
        tap = ops.index_select(x, axis, np.clip(base + k, 0, n_in - 1))
        term = tap * weight.astype(x.dtype).reshape(shape)
        out = term if out is None else out + term
    return out


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest",
                align_corners=None, recompute_scale_factor=None, antialias: bool = False):
    """``input`` (N, C, L), (N, C, H, W) or (N, C, D, H, W) resized to ``size`` or by
    ``scale_factor`` with ``mode`` ``"nearest"``, ``"nearest-exact"``, ``"linear"`` (3-D),
    ``"bilinear"`` or ``"bicubic"`` (4-D), ``"trilinear"`` (5-D) or ``"area"`` (adaptive
    average pooling to the output size)."""
    if mode not in MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not implemented in tinygraph; "
                                  f"it has {', '.join(map(repr, MODES))}.")
    spatial = input.ndim - 2
    if spatial < 1 or spatial > 3:
        raise ValueError(f"interpolate: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D "
                         f"(N, C, D, H, W) input, got shape {tuple(input.shape)}.")
    if MODES[mode] not in (None, spatial):
        raise NotImplementedError(f"interpolate: mode {mode!r} needs a {MODES[mode] + 2}-D input, "
                                  f"got shape {tuple(input.shape)}.")
    if align_corners is not None and (mode.startswith("nearest") or mode == "area"):
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented in tinygraph.")
    sizes, scales = _sizes(input.shape, size, scale_factor, spatial,
                           bool(recompute_scale_factor))
    if mode == "area":  # the mean over each output cell's window: adaptive average pooling
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[spatial - 1]
        return pool(input, tuple(sizes) if spatial > 1 else sizes[0])
    x = input
    for k, (n_out, scale) in enumerate(zip(sizes, scales)):
        axis = input.ndim - spatial + k
        n_in = input.shape[axis]
        if n_out <= 0:
            raise ValueError(f"interpolate: the output size {tuple(sizes)} must be positive "
                             f"(input of shape {tuple(input.shape)}).")
        if mode.startswith("nearest"):
            x = _nearest(x, axis, n_in, n_out, scale, mode == "nearest-exact")
        elif mode == "bicubic":
            x = _cubic(x, axis, n_in, n_out, scale, bool(align_corners))
        else:
            x = _linear(x, axis, n_in, n_out, scale, bool(align_corners))
    return x


def upsample(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None):
    """Deprecated PyTorch spelling of :func:`interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)


class Upsample(Module):
    """``F.interpolate`` as a layer: ``nn.Upsample(scale_factor=2, mode="nearest")``."""

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest",
                 align_corners=None, recompute_scale_factor=None) -> None:
        super().__init__()
        self.size = size
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, int) else (
            scale_factor)
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``nn.Upsample(..., mode="nearest")`` for (N, C, H, W)."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``nn.Upsample(..., mode="bilinear", align_corners=True)`` for (N, C, H, W)."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated PyTorch spelling of ``interpolate(..., mode="nearest")``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated PyTorch spelling of ``interpolate(..., mode="bilinear",
    align_corners=True)``."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
