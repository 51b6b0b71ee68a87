"""Reductions (sum, mean, var, std, amax, amin) and the softmax family.

A reduction's backward first restores the reduced axes as length-1 axes (``keepdims``) and
then broadcasts the gradient back over them: every input element that fed an output element
receives that element's gradient, scaled as the formula says.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Op
from ..dtypes import as_dtype
from ..errors import DimError
from .args import data, dims, keepdims_shape, ndim, one_dim
from .registry import functions, public


def cast_first(input, dtype, op: str, widen: bool = False):
    """``input`` in ``dtype`` first: the ``dtype=`` of PyTorch's reductions and scans. With
    ``widen`` (sum, prod, cumsum, cumprod), bool and integer input without a ``dtype`` is
    summed in int64, as PyTorch (NumPy would keep uint8 sums unsigned); their forwards then
    keep an integer input's dtype, so ``dtype=tg.int32`` gives int32."""
    if dtype is None:
        if not widen or data(input).dtype.kind not in "uib" or data(input).dtype == np.int64:
            return input
        dtype = np.int64
    return functions["astype"](input, as_dtype(dtype, op))


class _Reduction(Op):
    __slots__ = ("axis", "keepdims", "in_shape")

    @classmethod
    def reduce_arguments(cls, input, dim, keepdim) -> tuple:
        """The inputs and attributes of a reduction over ``dim`` (None: every axis)."""
        return (input,), {"axis": dims(dim, ndim(input), cls.label), "keepdims": keepdim}

    def _expand(self, g):
        """The output gradient with reduced axes restored as length 1 (broadcastable)."""
        if not self.keepdims:
            g = g.reshape(keepdims_shape(self.in_shape, self.axis))
        return g


@public("sum")
class Sum(_Reduction):
    """y = sum(x, axis);  dx = g broadcast back over the summed axes."""

    __slots__ = ()
    label = "sum"

    @staticmethod
    def arguments(input, dim=None, keepdim=False, *, dtype=None):
        return Sum.reduce_arguments(cast_first(input, dtype, "sum", widen=True), dim, keepdim)

    def forward(self, x):
        self.in_shape = x.shape
        return self.xp.sum(x, axis=self.axis, keepdims=self.keepdims, dtype=integral(x))

    def backward(self, g):
        return (self.xp.broadcast_to(self._expand(g), self.in_shape),)


@public("mean")
class Mean(_Reduction):
    """y = mean(x, axis);  dx = g / n broadcast back, n the number of averaged elements."""

    __slots__ = ("count",)
    label = "mean"

    @staticmethod
    def arguments(input, dim=None, keepdim=False, *, dtype=None):
        if dtype is None and data(input).dtype.kind != "f":
            raise RuntimeError(f"mean: could not infer the output dtype of a "
                               f"{data(input).dtype} tensor (as PyTorch); give a floating "
                               "one, e.g. x.float().mean() or x.mean(dtype=tg.float32).")
        return Mean.reduce_arguments(cast_first(input, dtype, "mean"), dim, keepdim)

    def forward(self, x):
        self.in_shape = x.shape
        # sum / n is what ndarray.mean computes, without its Python-level wrapper
        wide = _wide(x)
        total = self.xp.sum(wide, axis=self.axis, keepdims=self.keepdims)
        # n: each output element sums x.size / total.size inputs (counted when x is empty)
        n = x.size // total.size if total.size else _count(x.shape, self.axis)
        self.count = n or 1  # the backward's divisor (a mean of nothing has no gradient)
        return total / n if wide is x else (total / n).astype(x.dtype)

    def backward(self, g):
        return (self.xp.broadcast_to(self._expand(g) / self.count, self.in_shape),)


@public("var")
class Var(_Reduction):
    """y = sum((x - mean)**2) / (n - correction);  dx = g * 2 (x - mean) / (n - correction)."""

    __slots__ = ("correction",)
    label = "var"

    @staticmethod
    def arguments(input, dim=None, unbiased=None, keepdim=False, *, correction=None,
                  ddof=None):
        return Var.spread_arguments(input, dim, unbiased, keepdim, correction, ddof)

    @classmethod
    def spread_arguments(cls, input, dim, unbiased, keepdim, correction, ddof) -> tuple:
        """PyTorch's overloads: ``var(x, dim, unbiased, keepdim)``, ``var(x, unbiased)``,
        ``var(x, dim, correction=c, keepdim=k)``; NumPy's ``ddof=`` is ``correction``."""
        if isinstance(dim, bool):  # var(x, True): the (input, unbiased) overload
            dim, unbiased = None, dim
        given = [name for name, value in (("unbiased", unbiased), ("correction", correction),
                                          ("ddof", ddof)) if value is not None]
        if len(given) > 1:
            raise TypeError(f"{cls.label}: got {' and '.join(given)}; give one of them "
                            "(unbiased=False is correction=0).")
        if unbiased is not None:
            correction = int(bool(unbiased))
        elif ddof is not None:
            correction = ddof
        elif correction is None:
            correction = 1
        if data(input).dtype.kind != "f":
            raise RuntimeError(f"{cls.label}: needs a floating-point tensor, got "
                               f"{data(input).dtype} (as PyTorch); convert first, e.g. "
                               f"x.float().{cls.label}().")
        inputs, attributes = cls.reduce_arguments(input, dim, keepdim)
        return inputs, {**attributes, "correction": correction}

    def forward(self, x):
        self.in_shape = x.shape
        self.save(x)
        wide = _wide(x)
        y = wide.var(axis=self.axis, ddof=self.correction, keepdims=self.keepdims)
        return y if wide is x else y.astype(x.dtype)

    def backward(self, g):
        (x,) = self.saved
        centered = x - x.mean(axis=self.axis, keepdims=True)
        denominator = _count(self.in_shape, self.axis) - self.correction
        return (self._expand(g) * centered * (2 / denominator if denominator else float("inf")),)


@public("std")
class Std(Var):
    """y = sqrt(var(x, axis, correction));  dx = g * (x - mean) / ((n - correction) * y)
    (0 where y == 0, as PyTorch)."""

    __slots__ = ()
    label = "std"

    @staticmethod
    def arguments(input, dim=None, unbiased=None, keepdim=False, *, correction=None,
                  ddof=None):
        return Std.spread_arguments(input, dim, unbiased, keepdim, correction, ddof)

    def forward(self, x):
        y = self.xp.sqrt(Var.forward(self, x))
        self.save(x, y)
        return y

    def backward(self, g):
        x, y = self.saved
        xp = self.xp
        y = self._expand(y)
        flat = data(y) == 0  # a constant slice: no spread, no gradient
        centered = x - x.mean(axis=self.axis, keepdims=True)
        denominator = _count(self.in_shape, self.axis) - self.correction
        scale = 1 / denominator if denominator else float("inf")
        return (xp.where(flat, 0, self._expand(g) * centered * scale / xp.where(flat, 1, y)),)


class _Extremum(_Reduction):
    """max/min over axes; the gradient is shared evenly among tied extreme elements."""

    __slots__ = ()

    @classmethod
    def extremum_arguments(cls, input, dim, keepdim) -> tuple:
        """As ``reduce_arguments``; an empty reduced axis raises (no max of nothing)."""
        inputs, attributes = cls.reduce_arguments(input, dim, keepdim)
        array, axes = data(input), attributes["axis"]
        if array.size == 0 and (axes is None or any(array.shape[a] == 0 for a in axes)):
            raise DimError(f"a{cls.label}: the tensor of shape {tuple(array.shape)} has no "
                           f"elements along the reduced dims; give a dim of non-zero size.")
        return inputs, attributes

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


@public("amax")
class Max(_Extremum):
    """y = max(x, axis);  dx = g at the maximal elements (split among ties), 0 elsewhere."""

    __slots__ = ()
    label = "max"

    @staticmethod
    def arguments(input, dim=None, keepdim=False):
        return Max.extremum_arguments(input, dim, keepdim)

    def reduce(self, x):
        return self.xp.max(x, axis=self.axis, keepdims=self.keepdims)


@public("amin")
class Min(_Extremum):
    """y = min(x, axis);  dx = g at the minimal elements (split among ties), 0 elsewhere."""

    __slots__ = ()
    label = "min"

    @staticmethod
    def arguments(input, dim=None, keepdim=False):
        return Min.extremum_arguments(input, dim, keepdim)

    def reduce(self, x):
        return self.xp.min(x, axis=self.axis, keepdims=self.keepdims)


def integral(x):
    """An integer ``x``'s own dtype, for NumPy's sums and products to keep (None: NumPy's)."""
    return x.dtype if x.dtype.kind in "iu" else None


def _wide(x):
    """``x`` to accumulate in: float16 as float32, as PyTorch does (a float16 sum of values
    near 1000 loses their units); any other dtype as it is."""
    return x.astype(_SINGLE) if x.dtype == _HALF else x


_HALF, _SINGLE = np.dtype(np.float16), np.dtype(np.float32)


def _count(shape: tuple, axes) -> int:
    count = 1
    for i, n in enumerate(shape):
        if axes is None or i in axes:
            count *= n
    return count


@public("softmax")
class Softmax(Op):
    """y = exp(x - logsumexp(x));  dx = y * (g - sum(g * y)) along ``axis``."""

    __slots__ = ("axis",)
    label = "softmax"

    @staticmethod
    def arguments(input, dim=-1, dtype=None):
        input = cast_first(input, dtype, "softmax")  # dtype=: cast first, as torch
        return (input,), {"axis": one_dim(dim, ndim(input), "softmax")}

    def forward(self, x):
        xp = self.xp
        if x.size == 0:  # an empty axis (or batch): nothing to normalise, as PyTorch
            self.save(x)
            return x.copy()
        e = xp.exp(x - xp.max(x, axis=self.axis, keepdims=True))
        y = e / xp.sum(e, axis=self.axis, keepdims=True)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return (y * (g - self.xp.sum(g * y, axis=self.axis, keepdims=True)),)


@public("log_softmax")
class LogSoftmax(Op):
    """y = x - logsumexp(x);  dx = g - exp(y) * sum(g) along ``axis``."""

    __slots__ = ("axis",)
    label = "log_softmax"

    @staticmethod
    def arguments(input, dim=-1, dtype=None):
        input = cast_first(input, dtype, "log_softmax")  # dtype=: cast first, as torch
        return (input,), {"axis": one_dim(dim, ndim(input), "log_softmax")}

    def forward(self, x):
        xp = self.xp
        if x.size == 0:  # an empty axis (or batch): nothing to normalise, as PyTorch
            self.save(x)
            return x.copy()
        shifted = x - xp.max(x, axis=self.axis, keepdims=True)
        y = shifted - xp.log(xp.sum(xp.exp(shifted), axis=self.axis, keepdims=True))
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        xp = self.xp
        return (g - xp.exp(y) * xp.sum(g, axis=self.axis, keepdims=True),)


@public("logsumexp")
class LogSumExp(_Reduction):
    """y = log(sum(exp(x), axis));  dx = g * exp(x - y) (softmax of x)."""

    __slots__ = ()
    label = "logsumexp"
    promotes = "float"  # an integer tensor's logsumexp is in the default float dtype

    @staticmethod
    def arguments(input, dim=None, keepdim=False):
        return LogSumExp.reduce_arguments(input, dim, keepdim)

    def forward(self, x):
        xp = self.xp
        self.in_shape = x.shape
        if x.size == 0:  # a sum of no exps is 0, and its log -inf, as PyTorch
            y = xp.sum(x, axis=self.axis, keepdims=True) - xp.inf
        else:
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
