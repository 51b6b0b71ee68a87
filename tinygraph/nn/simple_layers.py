"""Layers that are one function of their input, as PyTorch's: the padding layers
(``ZeroPad2d``, ``ConstantPad1d``, ``ReflectionPad2d``, ``ReplicationPad2d``,
``CircularPad2d``, ... over 1 to 3 trailing axes), channel dropout (``Dropout1d/2d/3d``: whole
channels zeroed), ``PixelShuffle``/``PixelUnshuffle`` (depth to space and back) and
``RMSNorm`` (x / sqrt(mean(x^2) + eps), times a learned weight). Each is a composition of
graph ops, whose gradients and ONNX export it inherits.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import random
from ..errors import ShapeError
from ..ops import functions as ops
from ..tensor import get_default_dtype
from . import functional as F
from .layers import _DropoutNd
from .module import Module, Parameter

# -- channel dropout --------------------------------------------------------------------------


def _feature_dropout(input, p: float, training: bool, inplace: bool, spatial: int, op: str):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}.")
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{op}: Expected {spatial + 1}D or {spatial + 2}D input, but "
                           f"received a {input.ndim}D input of shape {tuple(input.shape)}.")
    if not training or p == 0.0:
        return input
    batched = input.ndim == spatial + 2
    channels = input.shape[:2] if batched else input.shape[:1]
    shape = tuple(channels) + (1,) * spatial
    keep = random.generator().random(shape) >= p
    scale = (keep / (1.0 - p) if p < 1.0 else keep * 0.0).astype(input.dtype)
    result = input * scale
    return input.copy_(result) if inplace else result


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, L) or (C, L) with probability ``p``, scale the rest."""
    return _feature_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, H, W) or (C, H, W) with probability ``p``. A 3-D input is
    taken as (N, C, L), with PyTorch's warning."""
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. Use dropout1d for that.",
                      UserWarning, stacklevel=2)
        return _feature_dropout(input, p, training, inplace, 1, "dropout2d")
    return _feature_dropout(input, p, training, inplace, 2, "dropout2d")


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability ``p``."""
    return _feature_dropout(input, p, training, inplace, 3, "dropout3d")


class _ChannelDropout(_DropoutNd):
    function = staticmethod(dropout1d)

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout probability has to be between 0 "
                             f"and 1, but got {p}.")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return type(self).function(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_ChannelDropout):
    """``F.dropout1d`` as a layer (identity in eval mode)."""

    function = staticmethod(dropout1d)


class Dropout2d(_ChannelDropout):
    """``F.dropout2d`` as a layer (identity in eval mode)."""

    function = staticmethod(dropout2d)


class Dropout3d(_ChannelDropout):
    """``F.dropout3d`` as a layer (identity in eval mode)."""

    function = staticmethod(dropout3d)


# -- padding layers ---------------------------------------------------------------------------


class _Pad(Module):
    dims = 1
    mode = "constant"

    def __init__(self, padding, value: float = 0.0) -> None:
        super().__init__()
        if isinstance(padding, (int, np.integer)):
            padding = (int(padding),) * (2 * self.dims)
        padding = tuple(padding)
        if len(padding) != 2 * self.dims:
            raise ValueError(f"{type(self).__name__}: padding must be an int or "
                             f"{2 * self.dims} ints, got {padding!r}.")
        self.padding, self.value = padding, value

    def forward(self, input):
        if self.mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """Pad the last axis with ``value``."""

    dims, mode = 1, "constant"

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding, value)


class ConstantPad2d(_ConstantPad):
    """Pad the last 2 axes with ``value``."""

    dims, mode = 2, "constant"

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding, value)


class ConstantPad3d(_ConstantPad):
    """Pad the last 3 axes with ``value``."""

    dims, mode = 3, "constant"

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding, value)


class ZeroPad1d(ConstantPad1d):
    """Pad the last axis with zeros (a ConstantPad1d of value 0, as in torch)."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last 2 axes with zeros (a ConstantPad2d of value 0, as in torch)."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last 3 axes with zeros (a ConstantPad3d of value 0, as in torch)."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_Pad):
    """Pad the last axis with their reflection (the edge not repeated)."""

    dims, mode = 1, "reflect"


class ReflectionPad2d(_Pad):
    """Pad the last 2 axes with their reflection (the edge not repeated)."""

    dims, mode = 2, "reflect"


class ReflectionPad3d(_Pad):
    """Pad the last 3 axes with their reflection (the edge not repeated)."""

    dims, mode = 3, "reflect"


class ReplicationPad1d(_Pad):
    """Pad the last axis by repeating the edge values."""

    dims, mode = 1, "replicate"


class ReplicationPad2d(_Pad):
    """Pad the last 2 axes by repeating the edge values."""

    dims, mode = 2, "replicate"


class ReplicationPad3d(_Pad):
    """Pad the last 3 axes by repeating the edge values."""

    dims, mode = 3, "replicate"


class CircularPad1d(_Pad):
    """Pad the last axis by wrapping around."""

    dims, mode = 1, "circular"


class CircularPad2d(_Pad):
    """Pad the last 2 axes by wrapping around."""

    dims, mode = 2, "circular"


class CircularPad3d(_Pad):
    """Pad the last 3 axes by wrapping around."""

    dims, mode = 3, "circular"


# -- pixel shuffle ----------------------------------------------------------------------------


def pixel_shuffle(input, upscale_factor: int):
    """(*, C r^2, H, W) -> (*, C, H r, W r): each group of r^2 channels tiles an r x r block."""
    r = int(upscale_factor)
    *lead, c, h, w = input.shape
    if input.ndim < 3 or c % (r * r):
        raise ShapeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                         f"divisible by the square of upscale_factor ({r * r}), but the input "
                         f"has shape {tuple(input.shape)}.")
    x = ops.reshape(input, (*lead, c // (r * r), r, r, h, w))
    n = len(lead)
    x = ops.permute(x, (*range(n), n, n + 3, n + 1, n + 4, n + 2))
    return ops.reshape(x, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor: int):
    """(*, C, H r, W r) -> (*, C r^2, H, W): the inverse of ``pixel_shuffle``."""
    r = int(downscale_factor)
    *lead, c, h, w = input.shape
    if input.ndim < 3 or h % r or w % r:
        raise ShapeError(f"pixel_unshuffle expects height and width to be divisible by "
                         f"downscale_factor ({r}), but the input has shape "
                         f"{tuple(input.shape)}.")
    x = ops.reshape(input, (*lead, c, h // r, r, w // r, r))
    n = len(lead)
    x = ops.permute(x, (*range(n), n, n + 2, n + 4, n + 1, n + 3))
    return ops.reshape(x, (*lead, c * r * r, h // r, w // r))


class PixelShuffle(Module):
    """``F.pixel_shuffle`` as a layer."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``F.pixel_unshuffle`` as a layer."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


# -- RMSNorm ----------------------------------------------------------------------------------


def rms_norm(input, normalized_shape, weight=None, eps: float | None = None):
    """x / sqrt(mean(x^2 over the last len(normalized_shape) axes) + eps), times ``weight``;
    ``eps`` None is the dtype's machine epsilon, as PyTorch."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(
        normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise ShapeError(f"rms_norm: the input of shape {tuple(input.shape)} does not end with "
                         f"normalized_shape {shape}.")
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    y = input * ops.rsqrt(ops.mean(input * input, axes, True) + eps)
    return y if weight is None else y * weight


class RMSNorm(Module):
    """``F.rms_norm`` with a learned ``weight`` of ``normalized_shape`` (starting at ones)."""

    def __init__(self, normalized_shape, eps: float | None = None,
                 elementwise_affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(
            normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.weight = Parameter(np.ones(shape, dtype)) if elementwise_affine else None

    def forward(self, x):
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


# -- alpha dropout (keeps SELU's mean and variance) -------------------------------------------

_SELU_NEGATIVE = -1.7580993408473766  # -scale * alpha of SELU: where a dropped unit goes


def _alpha_dropout(input, p: float, training: bool, inplace: bool, feature: bool, op: str):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}.")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    shape = (tuple(input.shape[:2]) + (1,) * (input.ndim - 2)) if feature else tuple(
        input.shape)
    keep = (random.generator().random(shape) >= p).astype(input.dtype)
    a = ((1 - p) * (1 + p * _SELU_NEGATIVE ** 2)) ** -0.5
    b = (1 - keep) * (_SELU_NEGATIVE * a) - _SELU_NEGATIVE * a * p  # a alpha' (1 - k - p)
    result = input * (keep * a) + b.astype(input.dtype)
    return input.copy_(result) if inplace else result


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Dropout for SELU networks: dropped units take SELU's negative saturation value, and an
    affine map keeps the mean and variance."""
    return _alpha_dropout(input, p, training, inplace, False, "alpha_dropout")


def feature_alpha_dropout(input, p: float = 0.5, training: bool = False,
                          inplace: bool = False):
    """``alpha_dropout`` of whole channels."""
    return _alpha_dropout(input, p, training, inplace, True, "feature_alpha_dropout")


class AlphaDropout(_ChannelDropout):
    """``F.alpha_dropout`` as a layer (identity in eval mode)."""

    function = staticmethod(alpha_dropout)


class FeatureAlphaDropout(_ChannelDropout):
    """``F.feature_alpha_dropout`` as a layer (identity in eval mode)."""

    function = staticmethod(feature_alpha_dropout)
