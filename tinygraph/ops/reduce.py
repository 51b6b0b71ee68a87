"""Reductions (sum, mean, var, max, min) and the softmax family.

A reduction's backward first restores the reduced axes as length-1 axes (``keepdims``) and
then broadcasts the gradient back over them: every input element that fed an output element
receives that element's gradient, scaled as the formula says.
"""

from __future__ import annotations

from ..autograd import Op
from ..errors import ShapeError


def normalize_axes(axis, ndim: int, op: str):
    """``None`` stays ``None``; an int or tuple becomes a sorted tuple of non-negative axes."""
    if axis is None:
        return None
    if type(axis) is int and 0 <= axis < ndim:
        return (axis,)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    result = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ShapeError(
                f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions "
                f"(valid: {-ndim} to {ndim - 1})."
            )
        result.append(a % ndim if ndim else 0)
    if len(set(result)) != len(result):
        raise ShapeError(f"{op}: axis {axis} repeats an axis.")
    return tuple(sorted(result))


def keepdims_shape(shape: tuple, axes) -> tuple:
    """``shape`` with the reduced ``axes`` (None = all) kept as length 1."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class _Reduction(Op):
    __slots__ = ("axis", "keepdims", "in_shape")

    def _expand(self, g):
        """The output gradient with reduced axes restored as length 1 (broadcastable)."""
        if not self.keepdims:
            g = g.reshape(keepdims_shape(self.in_shape, self.axis))
        return g


class Sum(_Reduction):
    """y = sum(x, axis);  dx = g broadcast back over the summed axes."""

    __slots__ = ()
    label = "sum"

    def forward(self, x):
        self.in_shape = x.shape
        return self.xp.sum(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, g):
        return (self.xp.broadcast_to(self._expand(g), self.in_shape),)


class Mean(_Reduction):
    """y = mean(x, axis);  dx = g / n broadcast back, n the number of averaged elements."""

    __slots__ = ("count",)
    label = "mean"

    def forward(self, x):
        self.in_shape = x.shape
        # sum / n is what ndarray.mean computes, without its Python-level wrapper
        total = self.xp.sum(x, axis=self.axis, keepdims=self.keepdims)
        # n: each output element sums x.size / total.size inputs (counted when x is empty)
        n = x.size // total.size if total.size else _count(x.shape, self.axis)
        self.count = n or 1  # the backward's divisor (a mean of nothing has no gradient)
        return total / n

    def backward(self, g):
        return (self.xp.broadcast_to(self._expand(g) / self.count, self.in_shape),)


class Var(_Reduction):
    """y = sum((x - mean)**2) / (n - correction);  dx = g * 2 (x - mean) / (n - correction)."""

    __slots__ = ("correction",)
    label = "var"

    def forward(self, x):
        self.in_shape = x.shape
        self.save(x)
        return x.var(axis=self.axis, ddof=self.correction, keepdims=self.keepdims)

    def backward(self, g):
        (x,) = self.saved
        centered = x - x.mean(axis=self.axis, keepdims=True)
        denominator = _count(self.in_shape, self.axis) - self.correction
        return (self._expand(g) * centered * (2 / denominator if denominator else float("inf")),)


class _Extremum(_Reduction):
    """max/min over axes; the gradient is shared evenly among tied extreme elements."""

    __slots__ = ()

    def forward(self, x):
        self.in_shape = x.shape
        y = self.reduce(x)
        self.save(x, y)
        return y

    def backward(self, g):
        x, y = self.saved
        xp = self.xp
        hit = x == self._expand(y)
        count = xp.sum(hit, axis=self.axis, keepdims=True).astype(g.dtype)
        return (xp.where(hit, self._expand(g) / count, 0),)


class Max(_Extremum):
    """y = max(x, axis);  dx = g at the maximal elements (split among ties), 0 elsewhere."""

    __slots__ = ()
    label = "max"

    def reduce(self, x):
        return self.xp.max(x, axis=self.axis, keepdims=self.keepdims)


class Min(_Extremum):
    """y = min(x, axis);  dx = g at the minimal elements (split among ties), 0 elsewhere."""

    __slots__ = ()
    label = "min"

    def reduce(self, x):
        return self.xp.min(x, axis=self.axis, keepdims=self.keepdims)


def _count(shape: tuple, axes) -> int:
    count = 1
    for i, n in enumerate(shape):
        if axes is None or i in axes:
            count *= n
    return count


class Softmax(Op):
    """y = exp(x - logsumexp(x));  dx = y * (g - sum(g * y)) along ``axis``."""

    __slots__ = ("axis",)
    label = "softmax"

    def forward(self, x):
        xp = self.xp
        e = xp.exp(x - xp.max(x, axis=self.axis, keepdims=True))
        y = e / xp.sum(e, axis=self.axis, keepdims=True)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return (y * (g - self.xp.sum(g * y, axis=self.axis, keepdims=True)),)


class LogSoftmax(Op):
    """y = x - logsumexp(x);  dx = g - exp(y) * sum(g) along ``axis``."""

    __slots__ = ("axis",)
    label = "log_softmax"

    def forward(self, x):
        xp = self.xp
        shifted = x - xp.max(x, axis=self.axis, keepdims=True)
        y = shifted - xp.log(xp.sum(xp.exp(shifted), axis=self.axis, keepdims=True))
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        xp = self.xp
        return (g - xp.exp(y) * xp.sum(g, axis=self.axis, keepdims=True),)


class LogSumExp(_Reduction):
    """y = log(sum(exp(x), axis));  dx = g * exp(x - y) (softmax of x)."""

    __slots__ = ()
    label = "logsumexp"

    def forward(self, x):
        xp = self.xp
        self.in_shape = x.shape
        peak = xp.max(x, axis=self.axis, keepdims=True)
        peak = xp.where(xp.isfinite(peak), peak, 0)  # all -inf (or inf) rows: no shift
        y = xp.log(xp.sum(xp.exp(x - peak), axis=self.axis, keepdims=True)) + peak
        if not self.keepdims:
            y = y.reshape(tuple(n for i, n in enumerate(y.shape)
                                if self.axis is not None and i not in self.axis))
        self.save(x, y)
        return y

    def backward(self, g):
        x, y = self.saved
        return (self._expand(g) * self.xp.exp(x - self._expand(y)),)
