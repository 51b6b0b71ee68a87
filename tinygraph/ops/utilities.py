"""PyTorch's small tensor utilities, as compositions of public ops (so gradients, second
derivatives and ONNX export come from those) where they have a gradient: ``nanmedian``,
``aminmax``, ``trapezoid``/``trapz``/``cumulative_trapezoid``, ``vander``, ``diagflat``,
``msort``, ``take``; and the dtype tests ``isreal``/``is_complex`` (tinygraph has no complex
dtypes, so every tensor is real).

    >>> tg.trapezoid(tg.tensor([1.0, 2.0, 3.0]), dx=2.0)
    tensor(8.)
"""

from __future__ import annotations

import operator

import numpy as np

from .. import return_types
from ..autograd import Op
from ..autograd.node import new_tensor
from ..creation import get_default_dtype
from .args import axis as _axis
from .args import data, ndim, shape
from .indexing import Gather
from .registry import functions as _f
from .registry import public


def _tensor_array(input, op: str) -> np.ndarray:
    array = data(input)
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, got "
                        f"{type(input).__name__}.")
    return array


# -- nanmedian -----------------------------------------------------------------------------


class NanMedianAll(Op):
    """y = the lower median of the non-NaN elements of x (NaN if all are);
    dx = g / k at the k elements equal to y (PyTorch spreads it evenly over ties)."""

    __slots__ = ("mask", "count")
    label = "nanmedian"

    def forward(self, x):
        flat = x.reshape(-1)
        valid = flat[~np.isnan(flat)] if flat.dtype.kind == "f" else flat
        if valid.size == 0:
            value = np.asarray(np.nan, dtype=x.dtype)
            self.mask = np.zeros(x.shape, bool)
            self.count = 1
            return value
        value = np.sort(valid, kind="stable")[(valid.size - 1) // 2]
        self.mask = x == value
        self.count = int(self.mask.sum())
        return np.asarray(value, dtype=x.dtype)

    def backward(self, g):
        return (self.xp.where(self.mask, g / self.count, 0),)


class NanMedianGather(Gather):
    """y = x at the median's index along a dim (found in NumPy);  dx = g at that index. Its
    own class: the index is a constant of one input's values, so export refuses it by name."""

    __slots__ = ()
    label = "nanmedian"


@public("nanmedian")
def nanmedian(input, dim=None, keepdim: bool = False):
    """The lower median ignoring NaNs: without ``dim`` a 0-d tensor (NaN only when every
    element is NaN); with ``dim`` ``(values, indices)`` along it
    (``torch.return_types.nanmedian``). The gradient goes to the chosen element (without
    ``dim``: shared evenly by the elements equal to the median, as PyTorch)."""
    array = _tensor_array(input, "nanmedian")
    if array.dtype.kind == "b":
        raise NotImplementedError("nanmedian: \"median_cpu\" not implemented for 'Bool'; "
                                  "convert first (x.float() or x.long()).")
    if dim is None:
        if array.size == 0 and array.dtype.kind != "f":
            return new_tensor(np.zeros((), array.dtype), None)
        return NanMedianAll.apply(input)
    n = array.ndim
    axis = _axis(dim, n, "nanmedian")
    if n == 0:
        return return_types.nanmedian(_f["clone"](input),
                                      new_tensor(np.zeros((), np.int64), None))
    size = array.shape[axis]
    if size == 0:
        raise IndexError(f"nanmedian(): Expected reduction dim {axis} to have non-zero size.")
    order = np.argsort(array, axis=axis, kind="stable")  # NaNs last, ties in index order
    valid = (~np.isnan(array)).sum(axis=axis, keepdims=True) if array.dtype.kind == "f" \
        else np.full(array.shape[:axis] + (1,) + array.shape[axis + 1:], size)
    where = np.maximum(valid - 1, 0) // 2
    index = np.take_along_axis(order, where, axis=axis).astype(np.int64)
    inputs, attributes = Gather.arguments(input, axis, index)
    values = NanMedianGather.apply(*inputs, **attributes)
    if not keepdim:
        index = index.squeeze(axis)
        values = _f["squeeze"](values, axis)
    return return_types.nanmedian(values, new_tensor(index, None))


# -- aminmax ---------------------------------------------------------------------------------


@public("aminmax")
def aminmax(input, *, dim=None, keepdim: bool = False):
    """``(min, max)`` of all elements, or along ``dim`` (``torch.return_types.aminmax``); the
    gradient of each is shared evenly by the elements equal to it, as ``amin``/``amax``."""
    array = _tensor_array(input, "aminmax")
    if dim is None:
        if array.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        low, high = _f["amin"](input), _f["amax"](input)
        if keepdim:
            low = _f["reshape"](low, (1,) * array.ndim)
            high = _f["reshape"](high, (1,) * array.ndim)
        return return_types.aminmax(low, high)
    axis = _axis(dim, array.ndim, "aminmax")
    if array.ndim and array.shape[axis] == 0:
        raise IndexError(f"aminmax(): Expected reduction dim {axis} to have non-zero size.")
    if array.ndim == 0:
        return return_types.aminmax(_f["clone"](input), _f["clone"](input))
    return return_types.aminmax(_f["amin"](input, axis, keepdim),
                                _f["amax"](input, axis, keepdim))


# -- integration -----------------------------------------------------------------------------


def _floating(input):
    """An integer or bool ``y`` as the default float dtype (PyTorch's trapezoid result)."""
    if data(input).dtype.kind != "f":
        return _f["astype"](new_tensor(data(input), None), get_default_dtype())
    return input


def _trapezoid_args(op: str, y, x, dx, dim):
    array = _tensor_array(y, op)
    if x is not None and dx is not None:
        raise TypeError(f"{op}(): give the sample points x or the spacing dx, not both.")
    if array.ndim == 0:
        raise IndexError(f"{op}(): Dimension specified as {dim} but tensor has no dimensions.")
    axis = _axis(dim, array.ndim, op)
    return _floating(y), axis


def _spacing(op: str, y, x, axis: int):
    """The intervals x[i+1] - x[i] along ``axis`` of y (x 1-D, or broadcastable with y)."""
    n = shape(y)[axis]
    if not isinstance(data(x), np.ndarray):
        raise TypeError(f"{op}(): argument 'x' must be a Tensor of sample points, got "
                        f"{type(x).__name__}; use dx= for a constant spacing.")
    xs = _floating(x)
    if ndim(xs) == 1:
        if shape(xs)[0] != n:
            raise RuntimeError(f"{op}: There must be one `x` value for each sample point "
                               f"(x has {shape(xs)[0]}, y has {n} along dim {axis}).")
        d = _f["diff"](xs)
        return _f["reshape"](d, (-1,) + (1,) * (ndim(y) - axis - 1))
    return _f["diff"](xs, dim=axis - ndim(y))


def _pairs(y, axis: int):
    n = shape(y)[axis]
    return _f["narrow"](y, axis, 1, n - 1), _f["narrow"](y, axis, 0, n - 1)


@public("trapezoid", method=False)
def trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """The trapezoid rule along ``dim``: ``sum((x[i+1] - x[i]) * (y[i+1] + y[i]) / 2)`` with
    sample points ``x`` (1-D of ``y``'s length along ``dim``, or broadcastable with ``y``),
    or with a constant spacing ``dx`` (default 1). Integer ``y`` gives the default float."""
    y, axis = _trapezoid_args("trapezoid", y, x, dx, dim)
    n = shape(y)[axis]
    if n == 0:  # zeros, outside the graph (as PyTorch)
        return new_tensor(np.zeros(np.sum(data(y), axis).shape, data(y).dtype), None)
    if x is None:
        step = 1 if dx is None else dx
        ends = _f["select"](y, axis, 0) + _f["select"](y, axis, -1)
        return (_f["sum"](y, axis) - ends * 0.5) * step
    upper, lower = _pairs(y, axis)
    return _f["sum"](_spacing("trapezoid", y, x, axis) * (upper + lower), axis) * 0.5


@public("trapz", method=False)
def trapz(y, x=None, *, dx=None, dim: int = -1):
    """``trapezoid`` under its older name (``torch.trapz``)."""
    return trapezoid(y, x, dx=dx, dim=dim)


@public("cumulative_trapezoid", method=False)
def cumulative_trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """The running trapezoid rule along ``dim``: one element fewer than ``y`` there, the
    i-th the integral from the first sample point to the (i+1)-th."""
    y, axis = _trapezoid_args("cumulative_trapezoid", y, x, dx, dim)
    n = shape(y)[axis]
    if n == 0:
        return _f["clone"](y)
    upper, lower = _pairs(y, axis)
    if x is None:
        areas = (upper + lower) * ((1 if dx is None else dx) / 2)
    else:
        areas = _spacing("cumulative_trapezoid", y, x, axis) * (upper + lower) * 0.5
    return _f["cumsum"](areas, axis)


# -- matrices --------------------------------------------------------------------------------


@public("vander", method=False)
def vander(x, N=None, increasing: bool = False):  # noqa: N803 - PyTorch's name
    """The Vandermonde matrix of the 1-D ``x``: columns ``x**(N-1), ..., x, 1`` (or the
    other way round with ``increasing``); ``N`` defaults to ``len(x)``. Integer and bool
    ``x`` give int64, as PyTorch."""
    array = _tensor_array(x, "vander")
    if array.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor, got shape "
                           f"{tuple(array.shape)}.")
    count = array.shape[0] if N is None else operator.index(N)
    if count < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {count}.")
    if array.dtype.kind in "biu":
        x = new_tensor(array.astype(np.int64), None)
    if count == 0:
        return new_tensor(np.zeros((array.shape[0], 0), data(x).dtype), None)
    column = _f["masked_fill"](x, np.ones(array.shape, bool), 1)  # ones, in x's graph
    columns = [column]
    for _ in range(count - 1):  # one product per column, not per element
        column = column * x
        columns.append(column)
    if not increasing:
        columns.reverse()
    return _f["stack"](columns, 1)


@public("diagflat")
def diagflat(input, offset: int = 0):
    """``input`` flattened onto the ``offset``-th diagonal of a square matrix (zeros
    elsewhere)."""
    _tensor_array(input, "diagflat")
    return _f["diag_embed"](_f["reshape"](input, (-1,)), offset)


@public("msort")
def msort(input):
    """``input`` sorted along dim 0 (``sort(input, dim=0).values``)."""
    if ndim(input) == 0:
        return _f["clone"](input)
    return _f["sort"](input, 0).values


@public("take")
def take(input, index):
    """The elements of ``input`` at the positions ``index`` of its flattened values
    (negative ones count from the end), in ``index``'s shape; repeated positions share
    the gradient."""
    array = _tensor_array(input, "take")
    positions = data(index)
    if not isinstance(positions, np.ndarray) or positions.dtype != np.int64:
        kind = getattr(positions, "dtype", type(index).__name__)
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {kind}; "
                           "convert it with .long().")
    size = array.size
    if positions.size and (positions.min() < -size or positions.max() >= size):
        bad = positions[(positions < -size) | (positions >= size)].flat[0]
        raise IndexError(f"take(): out of range: tried to access index {bad} on a tensor of "
                         f"{size} elements.")
    return _f["reshape"](input, (-1,))[new_tensor(positions % max(size, 1), None)]


# -- dtype tests -----------------------------------------------------------------------------


@public("isreal")
def isreal(input):
    """Whether each element is real (imaginary part 0): all True, as tinygraph's dtypes are
    all real (bool, ``input``'s shape)."""
    array = _tensor_array(input, "isreal")
    return new_tensor(np.ones(array.shape, dtype=bool), None)


@public("is_complex")
def is_complex(input) -> bool:
    """Whether ``input`` has a complex dtype: never (tinygraph has none)."""
    _tensor_array(input, "is_complex")
    return False
