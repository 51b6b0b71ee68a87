"""Convolutional layers and their companions, with ``torch.nn``'s names, parameter shapes,
init and ``state_dict`` keys: Conv1d, Conv2d, ConvTranspose1d/2d, BatchNorm2d, GroupNorm,
Bilinear, Unflatten (the pooling layers are in pooling.py).

>>> model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ShapeError
from ..ops import functions as ops
from ..ops.conv import Conv
from ..ops.conv_functions import convolution
from ..tensor import get_default_dtype
from . import functional as F
from . import init
from .layers import _BatchNorm, size_argument
from .module import Module, Parameter


def _tuple(value, nd: int, name: str, owner: str) -> tuple:
    values = (value,) * nd if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != nd or not all(isinstance(v, (int, np.integer)) and not isinstance(
            v, bool) for v in values):
        raise TypeError(f"{owner}: {name} must be an int or a tuple of {nd} ints, got "
                        f"{value!r}.")
    return tuple(int(v) for v in values)


def _layer_error(layer, exc):
    """The op's message, prefixed with the layer that raised it."""
    return type(exc)(f"{layer!r}: {exc}")


class _ConvNd(Module):
    transposed = False
    nd = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", output_padding=0,
                 device=None, dtype=None) -> None:
        super().__init__()
        owner, nd = type(self).__name__, self.nd
        self.in_channels = size_argument(in_channels, "in_channels", owner)
        self.out_channels = size_argument(out_channels, "out_channels", owner)
        self.groups = size_argument(groups, "groups", owner, minimum=1)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(f"{owner}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups}).")
        self.kernel_size = _tuple(kernel_size, nd, "kernel_size", owner)
        self.stride = _tuple(stride, nd, "stride", owner)
        self.dilation = _tuple(dilation, nd, "dilation", owner)
        if isinstance(padding, str):
            if padding not in ("same", "valid") or self.transposed:
                raise ValueError(f"{owner}: padding must be 'same', 'valid', an int or a "
                                 f"tuple, got {padding!r}.")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{owner}: padding='same' is not supported for strided "
                                 "convolutions.")
            self.padding = padding
        else:
            self.padding = _tuple(padding, nd, "padding", owner)
        self.output_padding = _tuple(output_padding, nd, "output_padding", owner)
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"{owner}: padding_mode must be 'zeros', 'reflect', 'replicate' "
                             f"or 'circular', got {padding_mode!r}.")
        if padding_mode != "zeros" and self.transposed:
            raise ValueError(f"{owner}: padding_mode={padding_mode!r} needs a non-transposed "
                             "convolution (PyTorch's transposed layers pad with zeros only).")
        self.padding_mode = padding_mode
        dtype = dtype or get_default_dtype()
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype))
        self.bias = Parameter(np.empty(self.out_channels, dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # PyTorch's: kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the same
        # bound for the bias (fan_in from the weight's axis 1 and the kernel)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def _check_channels(self, x) -> None:
        shape = ops._shape(x)
        if len(shape) not in (self.nd + 1, self.nd + 2):
            dims = ", ".join("HW"[-self.nd:]) if self.nd <= 2 else "D"
            raise ShapeError(
                f"{self!r}: expected a {self.nd + 2}-D (N, {self.in_channels}, {dims}) input "
                f"(or {self.nd + 1}-D without the batch axis), got shape {shape}.")
        channels = shape[-self.nd - 1]
        if channels != self.in_channels:
            raise ShapeError(
                f"{self!r}: expected input with {self.in_channels} channels on axis "
                f"{len(shape) - self.nd - 1}, got shape {shape} with {channels}. Set "
                f"in_channels={channels} or fix the layer before it.")

    def forward(self, input):
        shape = ops._shape(input)
        plan = self.__dict__.get("_plan")
        weight = self.weight  # read once: a parametrized weight is computed on each read
        key = (shape, weight.shape, self.stride, self.padding, self.dilation, self.groups)
        if plan is not None and plan[0] == key:
            # the same input shape as last time: its checks passed, its geometry is known
            args = (input, weight) if self.bias is None else (input, weight, self.bias)
            return Conv.apply(*args, **plan[1])
        self._check_channels(input)
        try:
            if self.transposed:
                fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[self.nd - 1]
                return fn(input, weight, self.bias, self.stride, self.padding,
                          self.output_padding, self.groups, self.dilation)
            padding = self.padding
            if self.padding_mode != "zeros":
                input = F.pad(input, self._mode_widths(), mode=self.padding_mode)
                padding = 0
            attributes = {}
            y = convolution(input, weight, self.bias, self.stride, padding, self.dilation,
                            self.groups, self.nd, f"conv{self.nd}d",
                            plan=attributes)
            if attributes and self.padding_mode == "zeros":
                object.__setattr__(self, "_plan", (key, attributes))
            return y
        except (ShapeError, ValueError) as exc:
            raise _layer_error(self, exc) from None

    def _mode_widths(self) -> tuple:
        """F.pad's widths for a padding_mode other than zeros, last axis first: ``padding``
        on both sides, or for "same" the total dilation * (kernel - 1) split with the odd one
        on the right, as PyTorch."""
        if self.padding == "valid":
            return (0, 0) * self.nd
        if self.padding == "same":
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            return tuple(w for t in reversed(totals) for w in (t // 2, t - t // 2))
        return tuple(p for p in reversed(self.padding) for _ in (0, 1))

    def extra_repr(self) -> str:
        def short(v):
            return v

        text = (f"{self.in_channels}, {self.out_channels}, "
                f"kernel_size={short(self.kernel_size)}, stride={short(self.stride)}")
        if self.padding != (0,) * self.nd:
            text += f", padding={short(self.padding)}"
        if self.dilation != (1,) * self.nd:
            text += f", dilation={short(self.dilation)}"
        if self.output_padding != (0,) * self.nd:
            text += f", output_padding={short(self.output_padding)}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _ConvForwardNd(_ConvNd):
    """The constructor Conv1d, Conv2d and Conv3d share (siblings, as in torch: none of them
    is an instance of another, so ``isinstance(m, nn.Conv2d)`` picks out 2-D layers only)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, dtype=dtype)


class Conv1d(_ConvForwardNd):
    """1-D convolution: ``weight`` (out_channels, in_channels / groups, k); (N, C, L) input."""

    nd = 1


class Conv2d(_ConvForwardNd):
    """2-D convolution: ``weight`` (out_channels, in_channels / groups, kH, kW), ``bias``
    (out_channels,); input (N, C_in, H, W) -> (N, C_out, H_out, W_out)."""

    nd = 2


class Conv3d(_ConvForwardNd):
    """3-D convolution: ``weight`` (out_channels, in_channels / groups, kD, kH, kW);
    (N, C, D, H, W) input."""

    nd = 3


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d/2d/3d share (siblings, as in torch)."""

    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, dtype=dtype)

    def forward(self, input, output_size=None):
        """``output_size``: the spatial size wanted (PyTorch's argument), when a stride makes
        several sizes possible; it chooses the output padding."""
        if output_size is None:
            return super().forward(input)
        self._check_channels(input)
        size = tuple(output_size)[-self.nd:]
        natural = [(i - 1) * s - 2 * p + d * (k - 1) + 1 for i, s, p, d, k in zip(
            ops._shape(input)[-self.nd:], self.stride, self.padding, self.dilation,
            self.kernel_size)]
        extra = tuple(o - n for o, n in zip(size, natural))
        if len(size) != self.nd or any(not 0 <= e < s for e, s in zip(extra, self.stride)):
            raise ValueError(f"{self!r}: output_size {tuple(output_size)} is not reachable "
                             f"from input of shape {ops._shape(input)}: each size must lie between "
                             f"{tuple(natural)} and that plus stride - 1.")
        fn = getattr(F, f"conv_transpose{self.nd}d")
        return fn(input, self.weight, self.bias, self.stride, self.padding, extra, self.groups,
                  self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution: ``weight`` (in_channels, out_channels / groups, k)."""

    nd = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution: ``weight`` (in_channels, out_channels / groups, kH, kW)."""

    nd = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution: ``weight`` (in_channels, out_channels / groups, kD, kH,
    kW)."""

    nd = 3


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of each channel of (N, C, H, W) input over the batch and the
    positions; ``weight``/``bias`` (C,), running statistics as ``BatchNorm1d``."""

    _input_ranks = (4,)
    _layout = "(N, {c}, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of each channel of (N, C, D, H, W) input over the batch and the
    positions; ``weight``/``bias`` (C,), running statistics as ``BatchNorm1d``."""

    _input_ranks = (5,)
    _layout = "(N, {c}, D, H, W)"


class GroupNorm(Module):
    """Normalise each sample over groups of channels; ``weight``/``bias`` (num_channels,)."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_groups = size_argument(num_groups, "num_groups", "GroupNorm", minimum=1)
        self.num_channels = size_argument(num_channels, "num_channels", "GroupNorm")
        if self.num_channels % self.num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups}).")
        self.eps, self.affine = float(eps), affine
        dtype = dtype or get_default_dtype()
        self.register_parameter(
            "weight", Parameter(np.ones(self.num_channels, dtype)) if affine else None)
        self.register_parameter(
            "bias", Parameter(np.zeros(self.num_channels, dtype)) if affine and bias else None)

    def forward(self, input):
        shape = ops._shape(input)
        if len(shape) < 2 or shape[1] != self.num_channels:
            raise ShapeError(f"{self!r}: expected input of shape (N, {self.num_channels}, "
                             f"...), got shape {shape}.")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """y = x1^T A x2 + b: ``weight`` (out, in1, in2), ``bias`` (out,), PyTorch's init
    U(-1/sqrt(in1), 1/sqrt(in1))."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = size_argument(in1_features, "in1_features", "Bilinear", 1)
        self.in2_features = size_argument(in2_features, "in2_features", "Bilinear", 1)
        self.out_features = size_argument(out_features, "out_features", "Bilinear")
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(np.empty((out_features, in1_features, in2_features), dtype))
        self.bias = Parameter(np.empty(out_features, dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        s1, s2 = ops._shape(input1), ops._shape(input2)
        if s1[-1:] != (self.in1_features,) or s2[-1:] != (self.in2_features,) or \
                s1[:-1] != s2[:-1]:
            raise ShapeError(f"{self!r}: expected inputs (..., {self.in1_features}) and (..., "
                             f"{self.in2_features}) with the same leading axes, got {s1} and "
                             f"{s2}.")
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``: (N, C * H * W) -> (N, C, H, W)."""

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, unflattened_size  # shown as given, as torch

    def forward(self, input):
        shape = ops._shape(input)
        dim = self.dim % len(shape) if shape else 0
        sizes = tuple(self.unflattened_size)
        if not shape or math.prod(sizes) not in (shape[dim], -shape[dim]) and -1 not in sizes:
            raise ShapeError(f"{self!r}: cannot split axis {self.dim} of the input of shape "
                             f"{shape} into {sizes}.")
        return ops.reshape(input, shape[:dim] + sizes + shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
