"""The public convolutions with PyTorch's signatures: argument checking in one place, then
one ``Conv`` or ``ConvTranspose`` node (tinygraph/ops/conv.py)."""

from __future__ import annotations

import operator

from ..errors import DtypeError, ShapeError
from .args import data, shape
from .conv import Conv, ConvTranspose, out_size
from .registry import public


def same_dtypes(op: str, input, weight, bias) -> None:
    """PyTorch's convolutions take input, weight and bias of one dtype (no promotion): a
    float64 batch into a float32 layer is refused, not silently promoted."""
    for name, other in (("weight", weight), ("bias", bias)):
        if other is not None and data(input).dtype != data(other).dtype:
            raise DtypeError(f"{op}: the input ({data(input).dtype}) and the {name} "
                             f"({data(other).dtype}) must have the same dtype; convert the "
                             "input with .to(weight.dtype), or the layer with .double() or "
                             ".float().")


def tuple_arg(value, nd: int, name: str, op: str, minimum: int = 0) -> tuple:
    """An int or a sequence of ``nd`` ints as a tuple of ``nd`` ints, each >= ``minimum``."""
    try:
        values = (operator.index(value),) * nd if not hasattr(value, "__len__") else tuple(
            operator.index(v) for v in value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {nd} ints, got "
                        f"{value!r}.") from None
    if len(values) == 1 and nd > 1:
        values = values * nd
    if len(values) != nd:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {nd} ints, got {value!r}.")
    if any(v < minimum for v in values):
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value!r}.")
    return values


def spatial_input(x, nd: int, op: str):
    """(batched, shape): an unbatched (C, *spatial) input counts as a batch of one."""
    s = shape(x)
    if len(s) not in (nd + 1, nd + 2):
        raise ShapeError(
            f"{op}: expected a {nd + 2}-D (N, C, {', '.join('HW'[-nd:] if nd <= 2 else 'D')}) "
            f"input (or {nd + 1}-D without the batch axis), got shape {s}.")
    return len(s) == nd + 2, s


def _batched(x, batched):
    from . import registry

    return x if batched else registry.functions["unsqueeze"](x, 0)


def _unbatched(y, batched):
    from . import registry

    return y if batched else registry.functions["squeeze"](y, 0)


def convolution(input, weight, bias, stride, padding, dilation, groups, nd: int, op: str,
                plan: dict | None = None):
    """The checked convolution; ``plan``, if given, receives the op's attributes (a layer
    keeps them and calls ``Conv.apply`` directly while its input shape stays the same)."""
    batched, in_shape = spatial_input(input, nd, op)
    w_shape = shape(weight)
    if len(w_shape) != nd + 2:
        raise ShapeError(f"{op}: the weight must be {nd + 2}-D (C_out, C_in / groups, "
                         f"*kernel), got shape {w_shape}.")
    stride = tuple_arg(stride, nd, "stride", op, 1)
    dilation = tuple_arg(dilation, nd, "dilation", op, 1)
    groups = operator.index(groups)
    kernel = w_shape[2:]
    channels = in_shape[-nd - 1]
    if groups < 1 or w_shape[0] % groups:
        raise ValueError(f"{op}: groups={groups} must be positive and divide the "
                         f"{w_shape[0]} output channels of the weight of shape {w_shape}.")
    if channels != w_shape[1] * groups:
        raise ShapeError(
            f"{op}: the weight of shape {w_shape} with groups={groups} expects input with "
            f"{w_shape[1] * groups} channels, got input of shape {in_shape} with {channels} "
            f"channels (axis {-nd - 1}). Give the layer in_channels={channels}, or feed it "
            f"{w_shape[1] * groups}-channel input.")
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided "
                                 f"convolutions (stride={stride}), as in PyTorch.")
            total = [d * (k - 1) for d, k in zip(dilation, kernel)]
            pads = tuple((t // 2, t - t // 2) for t in total)
        else:
            raise ValueError(f"{op}: padding must be 'valid', 'same', an int or a tuple, got "
                             f"{padding!r}.")
    else:
        pads = tuple((p, p) for p in tuple_arg(padding, nd, "padding", op))
    spatial = in_shape[-nd:]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    span = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    if any(p < k for p, k in zip(padded, span)):
        raise ShapeError(
            f"{op}: the kernel of size {tuple(kernel)} (dilated: {span}) is larger than the "
            f"padded input of size {padded} (input {spatial}, padding {pads}). Use a larger "
            "input, more padding or a smaller kernel.")
    if bias is not None and shape(bias) != (w_shape[0],):
        raise ShapeError(f"{op}: the bias must have shape ({w_shape[0]},), one per output "
                         f"channel, got {shape(bias)}.")
    same_dtypes(op, input, weight, bias)
    args = (_batched(input, batched), weight) + ((bias,) if bias is not None else ())
    attributes = {"stride": stride, "dilation": dilation, "pads": pads, "groups": groups}
    if plan is not None and batched:
        plan.update(attributes)
    return _unbatched(Conv.apply(*args, **attributes), batched)


@public("conv2d", method=False)
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation, as PyTorch) of (N, C_in, H, W) ``input`` with
    ``weight`` (C_out, C_in / groups, kH, kW): one ``conv`` node (im2col + one matmul).

    ``padding``: an int, a pair, ``"valid"`` (none) or ``"same"`` (output size = input size,
    stride 1)."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


@public("conv1d", method=False)
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of (N, C_in, L) ``input`` with ``weight`` (C_out, C_in / groups, k)."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


@public("conv3d", method=False)
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution of (N, C_in, D, H, W) ``input`` with ``weight``
    (C_out, C_in / groups, kD, kH, kW)."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def transposed(input, weight, bias, stride, padding, output_padding, groups, dilation,
               nd: int, op: str):
    batched, in_shape = spatial_input(input, nd, op)
    w_shape = shape(weight)
    if len(w_shape) != nd + 2:
        raise ShapeError(f"{op}: the weight must be {nd + 2}-D (C_in, C_out / groups, "
                         f"*kernel), got shape {w_shape}.")
    stride = tuple_arg(stride, nd, "stride", op, 1)
    dilation = tuple_arg(dilation, nd, "dilation", op, 1)
    padding = tuple_arg(padding, nd, "padding", op)
    output_padding = tuple_arg(output_padding, nd, "output_padding", op)
    groups = operator.index(groups)
    channels = in_shape[-nd - 1]
    if groups < 1 or w_shape[0] % groups:
        raise ValueError(f"{op}: groups={groups} must be positive and divide the {w_shape[0]} "
                         f"input channels of the weight of shape {w_shape}.")
    if channels != w_shape[0]:
        raise ShapeError(
            f"{op}: the weight of shape {w_shape} expects input with {w_shape[0]} channels, "
            f"got input of shape {in_shape} with {channels} channels (axis {-nd - 1}).")
    if any(o >= s for o, s in zip(output_padding, stride)):
        raise ValueError(f"{op}: output_padding {output_padding} must be smaller than the "
                         f"stride {stride}.")
    kernel = w_shape[2:]
    spatial = tuple((i - 1) * s - 2 * p + d * (k - 1) + o + 1 for i, s, p, d, k, o in zip(
        in_shape[-nd:], stride, padding, dilation, kernel, output_padding))
    if any(n <= 0 for n in spatial):
        raise ShapeError(f"{op}: input of shape {in_shape} with padding {padding} gives an "
                         f"output of size {spatial}; use less padding or a larger input.")
    pads = tuple((p, p) for p in padding)
    # the adjoint convolution sees the output (padded by pads) and gives back the input size
    assert all(out_size(s, k, st, d, lo, hi) == i for s, k, st, d, (lo, hi), i in zip(
        spatial, kernel, stride, dilation, pads, in_shape[-nd:]))
    if bias is not None and shape(bias) != (w_shape[1] * groups,):
        raise ShapeError(f"{op}: the bias must have shape ({w_shape[1] * groups},), one per "
                         f"output channel, got {shape(bias)}.")
    same_dtypes(op, input, weight, bias)
    args = (_batched(input, batched), weight) + ((bias,) if bias is not None else ())
    y = ConvTranspose.apply(*args, stride=stride, dilation=dilation, pads=pads, groups=groups,
                            spatial=spatial)
    return _unbatched(y, batched)


@public("conv_transpose2d", method=False)
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """2-D transposed convolution ("deconvolution"): the gradient of ``conv2d`` with respect to
    its input, as an op. ``weight`` is (C_in, C_out / groups, kH, kW), as in PyTorch."""
    return transposed(input, weight, bias, stride, padding, output_padding, groups, dilation,
                      2, "conv_transpose2d")


@public("conv_transpose1d", method=False)
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """1-D transposed convolution; ``weight`` is (C_in, C_out / groups, k)."""
    return transposed(input, weight, bias, stride, padding, output_padding, groups, dilation,
                      1, "conv_transpose1d")


@public("conv_transpose3d", method=False)
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """3-D transposed convolution; ``weight`` is (C_in, C_out / groups, kD, kH, kW)."""
    return transposed(input, weight, bias, stride, padding, output_padding, groups, dilation,
                      3, "conv_transpose3d")


__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "data"]
