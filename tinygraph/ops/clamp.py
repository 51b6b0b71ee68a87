"""Clamping: ``clamp``/``clip`` with number or Tensor bounds (the ``Clip`` op for constant
bounds; ``ClampBounds``, in rounding.py, when a bound requires grad)."""

from __future__ import annotations

import numpy as np

from ..autograd import Op
from ..autograd.promotion import result_dtype
from .args import data
from .elementwise import Cast
from .registry import public
from .rounding import ClampBounds


class Clip(Op):
    """y = min(max(x, min), max);  dx = g where min <= x <= max, else 0."""

    __slots__ = ("min", "max")
    label = "clip"

    @staticmethod
    def arguments(input, min=None, max=None):  # noqa: A002 - PyTorch's argument names
        if min is None and max is None:
            raise RuntimeError("clamp (clip): give at least one of min and max.")
        low, high = data(min), data(max)
        bounds = [b for b in (low, high) if b is not None]
        x = data(input)
        if x.dtype.kind != "f" or any(type(b) is np.ndarray for b in bounds):
            target = result_dtype([x, *bounds])  # PyTorch's: clamp(ints, 0.5) is float
            if target is not None and target != x.dtype:
                input = Cast.apply(input, dtype_out=target)
            if target is not None:  # a 0-d float64 bound keeps a float32 input float32
                low, high = (b.astype(target) if type(b) is np.ndarray else b
                             for b in (low, high))
        return (input,), {"min": low, "max": high}

    def forward(self, x):
        self.save(x)
        return self.xp.clip(x, self.min, self.max)

    def backward(self, g):
        (x,) = self.saved
        xp = self.xp
        if self.min is not None:
            g = xp.keep_where(x >= self.min, g)
        if self.max is not None:
            g = xp.keep_where(x <= self.max, g)
        return (g,)


@public("clip", "clamp")
def clip(input, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    """``min(max(input, min), max)``; ``min``/``max`` numbers or Tensors (broadcast), either
    one may be None. Tensor bounds that require grad get their gradients (ClampBounds)."""
    if not (getattr(min, "requires_grad", False) or getattr(max, "requires_grad", False)):
        inputs, attributes = Clip.arguments(input, min, max)
        return Clip.apply(*inputs, **attributes)
    bounds = tuple(b for b in (min, max) if b is not None)
    return ClampBounds.apply(input, *bounds, has_min=min is not None, has_max=max is not None)
