"""``max``/``min`` as PyTorch overloads them, ``argmax`` and ``argmin``.

``x.max()`` is the largest element (a 0-d tensor; tied elements share the gradient, as
``amax``); ``x.max(dim)`` is a named tuple ``(values, indices)`` (``torch.return_types.max``)
whose values send their gradient to the one element each index names; ``tg.max(a, b)`` with a
tensor ``b`` is ``maximum``. NumPy's ``axis=`` gives the values alone (``amax``).

    >>> x = tg.tensor([[1.0, 3.0], [4.0, 2.0]])
    >>> x.max(1)
    tinygraph.return_types.max(
    values=tensor([3., 4.]),
    indices=tensor([1, 0]))
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import autograd, return_types
from ..autograd import Op
from ..autograd.node import new_tensor
from ..backend import namespace_of
from ..errors import DimError
from .args import axis as one_axis
from .args import data, ndim
from .registry import functions, public


class _AtIndices(Op):
    """y = x at ``indices`` along ``axis`` (the values of max/min over a dim);
    dx = g at those positions, 0 elsewhere."""

    __slots__ = ("axis", "keepdims", "indices", "in_shape")

    def forward(self, x):
        self.in_shape = x.shape
        if x.ndim == 0:
            return x
        (axis,) = self.axis
        y = self.xp.take_along_axis(x, self.indices, axis=axis)
        return y if self.keepdims else y.squeeze(axis)

    def backward(self, g):
        xp = self.xp
        if not self.in_shape:
            return (g,)
        (axis,) = self.axis
        if not self.keepdims:
            g = g.reshape(self.indices.shape)
        positions = namespace_of(self.indices).arange(self.in_shape[axis])
        positions = positions.reshape((-1,) + (1,) * (len(self.in_shape) - axis - 1))
        return (xp.where(positions == self.indices, g, 0),)


class MaxDim(_AtIndices):
    __doc__ = _AtIndices.__doc__
    __slots__ = ()
    label = "max"


class MinDim(_AtIndices):
    __doc__ = _AtIndices.__doc__
    __slots__ = ()
    label = "min"


def _extremum(op, which: str, input, dim, keepdim, other, axis, keepdims):
    if isinstance(dim, (autograd.Tensor, np.ndarray)) or other is not None:  # max(a, b)
        return functions["maximum" if which == "max" else "minimum"](
            input, other if other is not None else dim)
    if keepdims is not None:
        keepdim = keepdims
    if axis is not None:  # NumPy's spelling: the values alone
        if dim is not None:
            raise TypeError(f"{which}() got both 'dim' and its NumPy spelling 'axis'; "
                            "give one.")
        return functions["a" + which](input, axis, keepdim)
    if dim is None:
        return functions["a" + which](input, None, keepdim)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{which}(dim): dim must be one int (PyTorch's max/min reduce one dim "
                        f"and return indices), got {dim!r}; for several dims use "
                        f"tg.a{which}(x, dim).")
    axis = one_axis(dim, ndim(input), which)
    array = data(input)
    if array.ndim and array.shape[axis] == 0:
        raise DimError(f"{which}(dim={dim}): dim {dim} of a tensor of shape "
                       f"{tuple(array.shape)} is empty; there is no {which} to take.")
    xp = namespace_of(array)
    if array.ndim:
        picked = (xp.argmax if which == "max" else xp.argmin)(array, axis=axis, keepdims=True)
    else:
        picked = xp.zeros((), dtype=xp.int64)
    values = op.apply(input, axis=(axis,), keepdims=keepdim, indices=picked)
    indices = picked if keepdim or not array.ndim else picked.squeeze(axis)
    return getattr(return_types, which)(values, new_tensor(indices.astype(xp.int64), None))


@public("max")
def max(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):  # noqa: A001
    """The largest element (``x.max()``: a 0-d tensor), ``(values, indices)`` along one
    ``dim`` (``x.max(1)``), or the elementwise maximum with a tensor (``tg.max(a, b)``);
    NumPy's ``axis=`` gives the values alone."""
    return _extremum(MaxDim, "max", input, dim, keepdim, other, axis, keepdims)


@public("min")
def min(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):  # noqa: A001
    """The smallest element (``x.min()``: a 0-d tensor), ``(values, indices)`` along one
    ``dim`` (``x.min(1)``), or the elementwise minimum with a tensor (``tg.min(a, b)``);
    NumPy's ``axis=`` gives the values alone."""
    return _extremum(MinDim, "min", input, dim, keepdim, other, axis, keepdims)


def _arg(which: str, input, dim, keepdim):
    array = data(input)
    xp = namespace_of(array)
    pick = xp.argmax if which == "argmax" else xp.argmin
    if array.dtype == xp.bool_:
        raise RuntimeError(f"{which}: does not support bool input (as PyTorch); convert "
                           f"first, e.g. x.int().{which}().")
    if dim is not None:
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise TypeError(f"{which}: dim must be one int or None, got {dim!r}.")
        axis = one_axis(dim, array.ndim, which)
    if array.size == 0 and (dim is None or array.ndim == 0 or array.shape[axis] == 0):
        raise DimError(f"{which}: the tensor of shape {tuple(array.shape)} has no elements "
                       "along the reduced dim; there is no index to return.")
    if dim is None:
        result = pick(array.reshape(-1), axis=0)
        if keepdim:
            result = xp.reshape(result, (1,) * array.ndim)
    elif array.ndim == 0:
        result = xp.zeros((), dtype=xp.int64)
    else:
        result = pick(array, axis=axis, keepdims=builtins.bool(keepdim))
    return new_tensor(xp.asarray(result, dtype=xp.int64), None)


@public("argmax")
def argmax(input, dim=None, keepdim=False):
    """Index of the largest value along ``dim`` (of the flattened tensor when None; the first
    one on ties, NaN counting as largest); int64, no gradient."""
    return _arg("argmax", input, dim, keepdim)


@public("argmin")
def argmin(input, dim=None, keepdim=False):
    """Index of the smallest value along ``dim`` (of the flattened tensor when None; the first
    one on ties, NaN counting as smallest); int64, no gradient."""
    return _arg("argmin", input, dim, keepdim)

