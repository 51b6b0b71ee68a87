"""More of PyTorch's ways to pick and cut: ``select`` (one index along a dim: a view),
``narrow_copy`` (``narrow``, copied), ``split_with_sizes``, ``hsplit``/``vsplit``/``dsplit``
(pieces along dim 1, 0, 2: views), ``atleast_1d``/``2d``/``3d`` (views with length-1 dims
added) and ``row_stack`` (``vstack``'s other name).

All are the view ops of ``shape.py`` and ``pieces.py`` under PyTorch's argument rules, so
views share memory with their input and gradients flow as through ``x[i]`` and ``split``.

    >>> tg.arange(6).reshape(2, 3).select(1, -1)
    tensor([2, 5])
"""

from __future__ import annotations

import operator

from .args import data, ndim, shape
from .pieces import _dim, split, tensor_split
from .registry import functions as _f
from .registry import public
from .shape import GetItem, Reshape


@public("select")
def select(input, dim: int, index: int):
    """``input[..., index, ...]`` with ``index`` at dim ``dim`` (that dim removed): a view."""
    n = ndim(input)
    if n == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    axis = _dim(dim, n, "select")
    size = shape(input)[axis]
    try:
        index = operator.index(data(index))
    except TypeError:
        raise TypeError(f"select(): index must be an int, got {index!r}.") from None
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(shape(input))} at dimension {axis}.")
    return GetItem.apply(input, index=(slice(None),) * axis + (index % size,))


@public("narrow_copy")
def narrow_copy(input, dim: int, start: int, length: int):
    """``narrow(input, dim, start, length)`` as a new tensor (not a view)."""
    return _f["clone"](_f["narrow"](input, dim, start, length))


@public("split_with_sizes")
def split_with_sizes(input, split_sizes, dim: int = 0) -> tuple:
    """``input`` cut along ``dim`` into pieces of the listed sizes (views), which must be
    non-negative and add up to the dim's size."""
    try:
        sizes = [operator.index(n) for n in split_sizes]
    except TypeError:
        raise TypeError(f"split_with_sizes(): split_sizes must be a sequence of ints, got "
                        f"{split_sizes!r}.") from None
    if ndim(input) == 0:
        raise RuntimeError("split_with_sizes expects at least a 1-dimensional tensor.")
    axis = _dim(dim, ndim(input), "split_with_sizes")
    length = shape(input)[axis]
    if any(n < 0 for n in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                           f"entries, but got split_sizes={sizes}")
    if sum(sizes) != length:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {length} "
                           f"(input tensor's size at dimension {axis}), but got "
                           f"split_sizes={sizes}")
    return split(input, sizes, axis)


def _directional(op: str, input, indices_or_sections, axis: int, least: int) -> tuple:
    n = ndim(input)
    if n < least:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {least} dimension, but "
                           f"got a tensor with {n} dimensions!")
    cuts = indices_or_sections
    if isinstance(cuts, (list, tuple)):
        return tensor_split(input, list(cuts), axis)
    try:
        sections = operator.index(data(cuts))
    except TypeError:
        raise TypeError(f"{op}(): indices_or_sections must be an int or a list of ints, got "
                        f"{cuts!r}.") from None
    size = shape(input)[axis]
    if sections == 0 or size % sections:
        raise RuntimeError(f"torch.{op} attempted to split along dimension {axis}, but the size "
                           f"of the dimension {size} is not divisible by the split_size "
                           f"{sections}!")
    return tensor_split(input, sections, axis)


@public("hsplit")
def hsplit(input, indices_or_sections) -> tuple:
    """Pieces along dim 1 (dim 0 of a 1-D tensor): an int is the number of equal pieces
    (it must divide the size), a list the indices to cut before (``tensor_split``)."""
    axis = 1 if ndim(input) > 1 else 0
    return _directional("hsplit", input, indices_or_sections, axis, 1)


@public("vsplit")
def vsplit(input, indices_or_sections) -> tuple:
    """Pieces along dim 0 of a tensor with at least 2 dims (see ``hsplit``)."""
    return _directional("vsplit", input, indices_or_sections, 0, 2)


@public("dsplit")
def dsplit(input, indices_or_sections) -> tuple:
    """Pieces along dim 2 of a tensor with at least 3 dims (see ``hsplit``)."""
    return _directional("dsplit", input, indices_or_sections, 2, 3)


def _at_least(op: str, k: int, tensors):
    """Each tensor viewed with at least ``k`` dims: one tensor in, one out; a sequence (or
    several tensors) in, a tuple out."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_at_least(op, k, (t,)) for t in tensors[0])
    if len(tensors) != 1:
        return tuple(_at_least(op, k, (t,)) for t in tensors)
    (t,) = tensors
    if not hasattr(data(t), "ndim"):
        raise TypeError(f"{op}(): expected a Tensor or a sequence of Tensors, got "
                        f"{type(t).__name__}.")
    old = shape(t)
    if len(old) >= k:
        return t
    if k == 3 and len(old) == 2:
        new = old + (1,)
    elif k == 3 and len(old) == 1:
        new = (1,) + old + (1,)
    else:
        new = (1,) * (k - len(old)) + old
    return Reshape.apply(t, shape_out=new)


@public("atleast_1d", method=False)
def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (a 0-d one viewed as shape (1,)); itself if it has."""
    return _at_least("atleast_1d", 1, tensors)


@public("atleast_2d", method=False)
def atleast_2d(*tensors):
    """Each tensor with at least 2 dims (a 1-D (n,) viewed as a row (1, n))."""
    return _at_least("atleast_2d", 2, tensors)


@public("atleast_3d", method=False)
def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: 0-d as (1, 1, 1), (n,) as (1, n, 1), (m, n) as
    (m, n, 1)."""
    return _at_least("atleast_3d", 3, tensors)


@public("row_stack", method=False)
def row_stack(tensors):
    """``vstack``: the tensors made at least 2-D, concatenated along dim 0."""
    return _f["vstack"](tensors)
