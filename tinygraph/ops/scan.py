"""Products and running totals: ``prod``, ``cumsum``, ``cumprod``.

Their gradients divide by the input, so zeros need care, as PyTorch takes it: an element's
gradient is the product of the *other* factors, which is ``y / x`` only where ``x`` is not 0.
The backwards take a fast path when the input has no zero and an exact, still differentiable
one when it has.
"""

from __future__ import annotations

from ..autograd import Op
from ..backend import namespace_of
from .args import data, ndim, one_dim
from .reduce import _Reduction, cast_first, integral
from .registry import public


@public("prod")
class Prod(_Reduction):
    """y = prod(x, axis);  dx = g * (product of the other elements of the slice): y / x where
    x != 0; at a slice's only zero the product of the rest; 0 where a slice has two zeros."""

    __slots__ = ()
    label = "prod"

    @staticmethod
    def arguments(input, dim=None, keepdim=False, *, dtype=None):
        return Prod.reduce_arguments(cast_first(input, dtype, "prod", widen=True), dim, keepdim)

    def forward(self, x):
        self.in_shape = x.shape
        y = self.xp.prod(x, axis=self.axis, keepdims=self.keepdims, dtype=integral(x))
        self.save(x, y)
        return y

    def backward(self, g):
        x, y = self.saved
        xp = self.xp
        g, y = self._expand(g), self._expand(y)
        zero = data(x) == 0
        if not zero.any():
            return (g * y / x,)
        zeros = namespace_of(zero).sum(zero, axis=self.axis, keepdims=True)
        others = xp.prod(xp.where(zero, 1, x), axis=self.axis, keepdims=True)
        lone_zero = zero & (zeros == 1)
        return (xp.where(zeros == 0, g * y / xp.where(zero, 1, x),
                         xp.where(lone_zero, g * others, 0)),)


def _reversed(x, axis: int):
    """``x`` reversed along ``axis`` (an indexing view; recorded on Tensors)."""
    return x[(slice(None),) * axis + (slice(None, None, -1),)]


def _reverse_cumsum(x, axis: int, xp):
    """``out_i = sum_{j >= i} x_j`` along ``axis``: cumsum's gradient."""
    return _reversed(xp.cumsum(_reversed(x, axis), axis=axis), axis)


class _Scan(Op):
    __slots__ = ("axis",)

    @classmethod
    def scan_arguments(cls, input, dim, dtype) -> tuple:
        input = cast_first(input, dtype, cls.label, widen=True)
        return (input,), {"axis": one_dim(dim, ndim(input), cls.label)}

    def scan(self, x, accumulate):
        if x.ndim == 0:  # a 0-d tensor scans as one element
            return accumulate(x.reshape(1), axis=0, dtype=integral(x)).reshape(())
        return accumulate(x, axis=self.axis, dtype=integral(x))


@public("cumsum")
class CumSum(_Scan):
    """y_i = sum_{j <= i} x_j along ``dim``;  dx_i = sum_{j >= i} g_j."""

    __slots__ = ()
    label = "cumsum"

    @staticmethod
    def arguments(input, dim, *, dtype=None):
        return CumSum.scan_arguments(input, dim, dtype)

    def forward(self, x):
        return self.scan(x, self.xp.cumsum)

    def backward(self, g):
        if g.ndim == 0:
            return (g,)
        return (_reverse_cumsum(g, self.axis, self.xp),)


@public("cumprod")
class CumProd(_Scan):
    """y_i = prod_{j <= i} x_j along ``dim``;  dx_i = sum_{j >= i} g_j y_j / x_i before a
    slice's first zero, the same sum with that zero taken as 1 at it, and 0 after it."""

    __slots__ = ()
    label = "cumprod"

    @staticmethod
    def arguments(input, dim, *, dtype=None):
        return CumProd.scan_arguments(input, dim, dtype)

    def forward(self, x):
        y = self.scan(x, self.xp.cumprod)
        self.save(x, y)
        return y

    def backward(self, g):
        x, y = self.saved
        xp = self.xp
        if g.ndim == 0:
            return (g,)
        axis = self.axis
        zero = data(x) == 0
        if not zero.any():
            return (_reverse_cumsum(g * y, axis, xp) / x,)
        seen = namespace_of(zero).cumsum(zero, axis=axis)  # zeros up to and including i
        before = seen == 0  # before the slice's first zero
        first = zero & (seen == 1)
        at_first = _reverse_cumsum(g * xp.cumprod(xp.where(first, 1, x), axis=axis), axis, xp)
        return (xp.where(before, _reverse_cumsum(g * y, axis, xp) / xp.where(before, x, 1),
                         xp.where(first, at_first, 0)),)
