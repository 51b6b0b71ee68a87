"""Sorting along a dim, as PyTorch: ``sort`` and ``topk`` (named tuples ``(values,
indices)``) and ``argsort``.

The values are the input's elements picked at the sorted positions, one ``sort``/``topk`` node
whose backward puts each gradient back where its element came from (a ``gather`` whose index
the op computes itself; the ONNX export maps it to ``TopK``, so an exported model sorts its
own inputs). The indices are int64 and carry no gradient.

    >>> tg.tensor([3.0, 1.0, 2.0]).sort(descending=True)
    tinygraph.return_types.sort(
    values=tensor([3., 2., 1.]),
    indices=tensor([0, 2, 1]))

NaN sorts as the largest value (last ascending, first descending), as in PyTorch. Among equal
elements ``stable=True`` keeps their order; the other orders are PyTorch's too where PyTorch
documents them (a stable sort is used throughout).
"""

from __future__ import annotations

import operator

import numpy as np

from .. import return_types
from ..autograd.node import new_tensor
from ..backend import namespace_of
from .args import axis as _axis
from .args import data, ndim
from .indexing import Gather, _along
from .registry import public


class Sort(Gather):
    """y = x at the positions that sort it along ``axis`` (y[..., j] = x[..., p_j]);
    dx = g added back at those positions (0 at the elements topk leaves out)."""

    __slots__ = ("largest",)  # the order (for the ONNX export)
    label = "sort"


class TopK(Sort):
    __doc__ = Sort.__doc__
    __slots__ = ()
    label = "topk"


def _order(array, axis: int, descending: bool):
    """Stable argsort along ``axis`` (NaN largest); descending keeps equal elements in order."""
    xp = namespace_of(array)
    if array.dtype == np.bool_:
        array = array.view(np.uint8)
    if not descending:
        return xp.argsort(array, axis=axis, kind="stable")
    n = array.shape[axis]
    # sort the reversed array ascending: equal elements come out latest-first, so reading the
    # result backwards gives descending order with equal elements earliest-first
    ascending = xp.argsort(xp.flip(array, axis), axis=axis, kind="stable")
    return (n - 1) - xp.flip(ascending, axis)


def _pick(op, input, axis: int, order, largest: bool):
    array = data(input)
    if array.ndim == 0:
        values = op.apply(input, index=(), axis=0, positions=order, largest=largest)  # itself
        return values, new_tensor(np.zeros((), dtype=np.int64), None)
    values = op.apply(input, index=_along(order, axis), axis=axis, positions=order,
                      largest=largest)
    return values, new_tensor(order.astype(np.int64), None)


@public("sort")
def sort(input, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """``(values, indices)``: ``input`` sorted along ``dim`` (ascending unless
    ``descending``) and where each value came from (``torch.return_types.sort``)."""
    axis = _axis(dim, ndim(input), "sort")
    array = data(input)
    descending = bool(descending)
    order = _order(array, axis, descending) if array.ndim else None
    return return_types.sort(*_pick(Sort, input, axis, order, descending))


@public("argsort")
def argsort(input, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """The int64 positions that sort ``input`` along ``dim`` (``sort(...).indices``)."""
    axis = _axis(dim, ndim(input), "argsort")
    array = data(input)
    if array.ndim == 0:
        return new_tensor(np.zeros((), dtype=np.int64), None)
    return new_tensor(_order(array, axis, bool(descending)).astype(np.int64), None)


@public("topk")
def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """``(values, indices)`` of the ``k`` largest elements along ``dim`` (the smallest with
    ``largest=False``), largest first (``torch.return_types.topk``)."""
    axis = _axis(dim, ndim(input), "topk")
    array = data(input)
    size = array.shape[axis] if array.ndim else 1
    try:
        k = operator.index(k)
    except TypeError:
        raise TypeError(f"topk: k must be an int, got {k!r}.") from None
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: k ({k}) is out of range for dim {dim} of size {size} "
                           f"(tensor of shape {tuple(array.shape)}); k must be in [0, {size}].")
    if array.ndim == 0:  # itself, for k 0 or 1, as PyTorch
        return return_types.topk(*_pick(TopK, input, axis, None, bool(largest)))
    order = _order(array, axis, bool(largest))
    order = order[(slice(None),) * axis + (slice(0, k),)]
    return return_types.topk(*_pick(TopK, input, axis, order, bool(largest)))
