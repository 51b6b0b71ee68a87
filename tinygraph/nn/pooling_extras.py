"""PyTorch's less common pooling and normalization forms, composed of the common ones:
``lp_pool1d/2d`` (the p-norm of each window: (sum x^p)^(1/p)), ``local_response_norm``
(each value divided by (k + alpha/size * sum of squares over neighbouring channels)^beta),
``channel_shuffle``, and the ``*_with_indices`` spellings of max pooling; with their Modules.
"""

from __future__ import annotations

from ..errors import ShapeError
from ..ops import functions as ops
from . import functional as F
from .adaptive_pooling import adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d
from .module import Module


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def lp_pool1d(input, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
    """(sum over each window of x^p)^(1/p) along the last axis of (N, C, L) or (C, L)."""
    k = kernel_size[0] if isinstance(kernel_size, (tuple, list)) else kernel_size
    out = F.avg_pool1d(input ** norm_type, k, stride, 0, ceil_mode)
    return (ops.sign(out) * F.relu(ops.abs(out)) * k) ** (1.0 / norm_type)


def lp_pool2d(input, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
    """(sum over each window of x^p)^(1/p) over the last two axes of (N, C, H, W)."""
    kh, kw = _pair(kernel_size)
    out = F.avg_pool2d(input ** norm_type, (kh, kw), stride, 0, ceil_mode)
    return (ops.sign(out) * F.relu(ops.abs(out)) * (kh * kw)) ** (1.0 / norm_type)


def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0):
    """x / (k + alpha / size * sum of x^2 over ``size`` neighbouring channels)^beta; the
    window runs from size // 2 channels before to (size - 1) // 2 after (zeros beyond)."""
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: expected a 3-D or higher input (N, C, ...), "
                         f"got shape {tuple(input.shape)}.")
    if input.shape[0] == 0:
        return input
    channels = input.shape[1]
    before, after = size // 2, (size - 1) // 2
    squares = input * input
    widths = [0, 0] * (input.ndim - 2) + [before, after]
    padded = F.pad(squares, widths)
    total = ops.narrow(padded, 1, 0, channels)
    for shift in range(1, size):
        total = total + ops.narrow(padded, 1, shift, channels)
    return input / (total * (alpha / size) + k) ** beta


def channel_shuffle(input, groups: int):
    """(N, C, *) with its C channels taken as ``groups`` groups and interleaved."""
    if input.ndim < 3 or input.shape[1] % groups:
        raise ShapeError(f"channel_shuffle: the number of channels must be divisible by groups "
                         f"({groups}), got an input of shape {tuple(input.shape)}.")
    n, c = input.shape[:2]
    rest = tuple(input.shape[2:])
    x = ops.reshape(input, (n, groups, c // groups) + rest)
    return ops.reshape(ops.transpose(x, 1, 2), (n, c) + rest)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = True):
    """``max_pool1d(..., return_indices=True)``."""
    return F.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode,
                        return_indices=True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = True):
    """``max_pool2d(..., return_indices=True)``."""
    return F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode,
                        return_indices=True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices: bool = True):
    """``adaptive_max_pool1d(..., return_indices=True)``."""
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices: bool = True):
    """``adaptive_max_pool2d(..., return_indices=True)``."""
    return adaptive_max_pool2d(input, output_size, return_indices=True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices: bool = True):
    """``adaptive_max_pool3d(..., return_indices=True)``."""
    return adaptive_max_pool3d(input, output_size, return_indices=True)


class _LPPool(Module):
    def __init__(self, norm_type: float, kernel_size, stride=None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPool):
    """``F.lp_pool1d`` as a layer."""

    def forward(self, input):
        return lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPool):
    """``F.lp_pool2d`` as a layer."""

    def forward(self, input):
        return lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LocalResponseNorm(Module):
    """``F.local_response_norm`` as a layer."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class ChannelShuffle(Module):
    """``F.channel_shuffle`` as a layer."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
