"""Pooling layers with ``torch.nn``'s names and arguments: MaxPool1d/2d, AvgPool1d/2d,
AdaptiveAvgPool2d."""

from __future__ import annotations

from ..errors import ShapeError
from ..ops import functions as ops
from ..ops.pool import MaxPool
from ..ops.pool_functions import _max_pool
from . import functional as F
from .conv import _layer_error, _tuple
from .module import Module


class _Pool(Module):
    def _call(self, fn, x, *args):
        try:
            return fn(x, *args)
        except (ShapeError, ValueError) as exc:
            raise _layer_error(self, exc) from None


class _MaxPoolNd(_Pool):
    """What MaxPool1d/2d/3d share (siblings, as in torch): the maximum over each window
    (``stride`` defaults to ``kernel_size``)."""

    nd = 2

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        shape = ops._shape(input)
        plan = self.__dict__.get("_plan")
        key = (shape, self.kernel_size, self.stride, self.padding, self.dilation,
               self.ceil_mode)
        if plan is not None and plan[0] == key:  # checked before: straight to the op
            return MaxPool.apply(input, **plan[1])
        nd = self.nd
        attributes = {}
        y = self._call(_max_pool, input, self.kernel_size, self.stride, self.padding,
                       self.dilation, self.ceil_mode, self.return_indices, nd,
                       f"max_pool{nd}d", attributes)
        if attributes:
            object.__setattr__(self, "_plan", (key, attributes))
        return y

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling over (N, C, L) input."""

    nd = 1


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling over (N, C, H, W) input (``stride`` defaults to ``kernel_size``)."""

    nd = 2


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling over (N, C, D, H, W) input."""

    nd = 3


class _AvgPoolNd(_Pool):
    """What AvgPool2d/3d share (siblings, as in torch): the mean over each window
    (``count_include_pad``: zero padding counts)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """2-D average pooling over (N, C, H, W) input."""

    def forward(self, input):
        return self._call(F.avg_pool2d, input, self.kernel_size, self.stride, self.padding,
                          self.ceil_mode, self.count_include_pad, self.divisor_override)


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling over (N, C, D, H, W) input."""

    def forward(self, input):
        return self._call(F.avg_pool3d, input, self.kernel_size, self.stride, self.padding,
                          self.ceil_mode, self.count_include_pad, self.divisor_override)


class AvgPool1d(_Pool):
    """1-D average pooling over (N, C, L) input."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True) -> None:
        super().__init__()
        self.kernel_size = _tuple(kernel_size, 1, "kernel_size", "AvgPool1d")
        self.stride = self.kernel_size if stride is None else _tuple(stride, 1, "stride",
                                                                      "AvgPool1d")
        self.padding = _tuple(padding, 1, "padding", "AvgPool1d")
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):
        return self._call(F.avg_pool1d, input, self.kernel_size, self.stride, self.padding,
                          self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(_Pool):
    """Average pooling to a fixed output size (an int, or a pair with None for "keep")."""

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return self._call(F.adaptive_avg_pool2d, input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _MaxUnpoolNd(_Pool):
    """The partial inverse of max pooling: ``forward(input, indices, output_size=None)``
    writes each value back at the index max pooling returned for it, zeros elsewhere."""

    nd = 2

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = _tuple(kernel_size, self.nd, "kernel_size", name)
        self.stride = self.kernel_size if stride is None else _tuple(stride, self.nd,
                                                                      "stride", name)
        self.padding = _tuple(padding, self.nd, "padding", name)

    def forward(self, input, indices, output_size=None):
        function = (F.max_unpool1d, F.max_unpool2d, F.max_unpool3d)[self.nd - 1]
        return function(input, indices, self.kernel_size, self.stride, self.padding,
                        output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d over (N, C, L) input."""

    nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of MaxPool2d over (N, C, H, W) input."""

    nd = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d over (N, C, D, H, W) input."""

    nd = 3
