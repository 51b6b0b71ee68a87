"""``F.unfold`` / ``nn.Unfold`` (sliding local blocks as columns, im2col) and ``F.fold`` /
``nn.Fold`` (columns summed back into an image, col2im), as PyTorch's.

Both are the linear graph ops the convolutions are built from (``Im2Col`` and ``Col2Im`` in
tinygraph/ops/conv.py), each the other's backward, so gradients of any order are exact. The
checks below are ATen's ``im2col``/``col2im`` shape checks, with their messages.
"""

from __future__ import annotations

import operator

import numpy as np

from ..errors import ArgumentError, DimError, ShapeError
from ..ops import functions as ops
from ..ops.conv import Col2Im, Im2Col, out_size
from .module import Module

__all__ = ["unfold", "fold", "Unfold", "Fold"]


def _pair(value, name: str, op: str) -> tuple:
    """An int or a pair of ints (ATen's IntArrayRef of size 2)."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * 2
    try:
        values = tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}.") from None
    if len(values) != 2:
        raise ArgumentError(f"{op}: It is expected {name} equals to 2, but got size "
                            f"{len(values)}.")
    return values


def _geometry(op, kernel_size, dilation, padding, stride):
    kernel, dilation, padding, stride = (_pair(v, n, op) for v, n in (
        (kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"),
        (stride, "stride")))
    for values, what, floor, names in (
            (kernel, "kernel size should be greater than zero", 1, ("kernel_height",
                                                                   "kernel_width")),
            (stride, "stride should be greater than zero", 1, ("dH", "dW")),
            (dilation, "dilation should be greater than zero", 1, ("dilation_height",
                                                                  "dilation_width")),
            (padding, "padding should be non-negative", 0, ("pad_height", "pad_width"))):
        if min(values) < floor:
            raise ArgumentError(f"{op}: {what}, but got {names[0]}: {values[0]} {names[1]}: "
                                f"{values[1]}.")
    return kernel, dilation, padding, stride


def _blocks(spatial, kernel, dilation, padding, stride):
    return tuple(out_size(s, k, st, d, p, p) for s, k, st, d, p in zip(
        spatial, kernel, stride, dilation, padding))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of a batched (N, C, H, W) or unbatched (C, H, W) ``input`` as columns:
    (N, C * kH * kW, L), L the number of block positions; channel-major rows as PyTorch.

    >>> F.unfold(tg.ones(1, 3, 4, 4), kernel_size=2).shape
    tinygraph.Size([1, 12, 9])
    """
    op = "unfold"
    kernel, dilation, padding, stride = _geometry(op, kernel_size, dilation, padding, stride)
    shape = tuple(input.shape)
    if len(shape) not in (3, 4) or any(n == 0 for n in shape[-3:]):
        # an IndexError too: what PyTorch raises for a 2-D input
        raise DimError(f"{op}: Expected 3D or 4D (batch mode) tensor with possibly 0 batch "
                       "size and other non-zero dimensions for input, but got: "
                       f"{list(shape)} (an (N, C, H, W) or (C, H, W) image).")
    blocks = _blocks(shape[-2:], kernel, dilation, padding, stride)
    if min(blocks) < 1:
        raise ShapeError(
            f"{op}: Given input with spatial size {shape[-2:]}, kernel_size={kernel}, "
            f"dilation={dilation}, padding={padding}, calculated shape of the array of "
            f"sliding blocks as {blocks}, but its components must be at least one.")
    batched = len(shape) == 4
    x = input if batched else ops.unsqueeze(input, 0)
    cols = Im2Col.apply(x, kernel=kernel, stride=stride, dilation=dilation,
                        pads=tuple((p, p) for p in padding))
    return cols if batched else ops.squeeze(cols, 0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of :func:`unfold`: columns (N, C * kH * kW, L) or (C * kH * kW, L) summed
    into an (N, C, *output_size) (or (C, *output_size)) image; overlapping blocks add up.

    >>> F.fold(F.unfold(x, 2), output_size=x.shape[-2:], kernel_size=2)  # x times overlap
    """
    op = "fold"
    output_size = _pair(output_size, "output_size", op)
    kernel, dilation, padding, stride = _geometry(op, kernel_size, dilation, padding, stride)
    shape = tuple(input.shape)
    if len(shape) not in (2, 3) or any(n == 0 for n in shape[-2:]):
        raise ShapeError(f"{op}: Expected 2D or 3D (batch mode) tensor for input with "
                         f"possibly 0 batch size and non-zero dimensions for input, but got: "
                         f"{list(shape)}.")
    rows, length = shape[-2:]
    k = int(np.prod(kernel))
    if rows % k:
        raise ShapeError(f"{op}: Expected size of input's dimension 1 to be divisible by the "
                         f"product of kernel_size, but got input.size(1)={rows} and "
                         f"kernel_size={kernel}.")
    blocks = _blocks(output_size, kernel, dilation, padding, stride)
    if min(blocks) < 1:
        raise ShapeError(
            f"{op}: Given output_size={output_size}, kernel_size={kernel}, dilation={dilation}"
            f", padding={padding}, stride={stride}, calculated shape of the array of sliding "
            f"blocks as {blocks}, but its components must be at least one.")
    if blocks[0] * blocks[1] != length:
        raise ShapeError(
            f"{op}: Given output_size={output_size}, kernel_size={kernel}, dilation={dilation}"
            f", padding={padding}, stride={stride}, expected size of input's dimension 2 to "
            f"match the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
            f"{blocks[0] * blocks[1]}, but got input.size(2)={length}.")
    batched = len(shape) == 3
    cols = input if batched else ops.unsqueeze(input, 0)
    y = Col2Im.apply(cols, channels=rows // k, spatial=output_size, kernel=kernel,
                     stride=stride, dilation=dilation, pads=tuple((p, p) for p in padding),
                     out_shape=blocks)
    return y if batched else ops.squeeze(y, 0)


class Unfold(Module):
    """``F.unfold`` as a layer: (N, C, H, W) -> (N, C * prod(kernel_size), L)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input):
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """``F.fold`` as a layer: (N, C * prod(kernel_size), L) -> (N, C, *output_size)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input):
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
