"""PyTorch's index ops along one dim: ``gather``, ``scatter_add``, ``index_select``,
``masked_fill``.

``gather`` and ``index_select`` pick elements, so they are ``getitem`` with an index built from
PyTorch's arguments (their backward puts the gradient back where the elements came from,
adding where an index repeats); ``scatter_add`` is the reverse move, and ``masked_fill``
replaces the masked elements with one value. Indices are constants of the op: int32 or int64
Tensors (or arrays), checked against the input's sizes where they enter.
"""

from __future__ import annotations

import numpy as np

from .. import autograd
from ..autograd import Op
from ..errors import ShapeError
from .args import data, shape
from .registry import public
from .shape import GetItem, Reshape


def _axis(dim, n: int, op: str) -> int:
    """``dim`` as a non-negative axis; a 0-d tensor takes dim 0 or -1, as in PyTorch."""
    span = max(n, 1)
    if not -span <= dim < span:
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor with {n} dimensions "
                         f"(expected to be in range of [{-span}, {span - 1}]).")
    return dim % span


def _index_array(index, op: str) -> np.ndarray:
    """The index as an int32/int64 array; anything else raises naming the op and the fix."""
    array = data(index)
    if not isinstance(array, np.ndarray) or array.dtype.type not in (np.int32, np.int64):
        kind = getattr(array, "dtype", type(array).__name__)
        raise RuntimeError(f"{op}(): expected an int64 (or int32) index Tensor, got {kind}; "
                           "make it with tg.tensor([...]) from ints, or convert with .long().")
    return array


class IndexOutOfBounds(IndexError, RuntimeError):
    """An index value outside the dim it indexes (or a class value outside ``one_hot``'s
    range): an IndexError (NumPy's) and a RuntimeError (what PyTorch's gather, scatter_add and
    one_hot raise)."""

    _tinygraph = True


def _check_bounds(index: np.ndarray, size: int, axis: int, op: str) -> None:
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index[(index < 0) | (index >= size)].flat[0]
        raise IndexOutOfBounds(f"{op}: index {bad} is out of bounds for dimension {axis} with "
                               f"size {size} (negative indices are not allowed here, as in "
                               "PyTorch).")


def _along(index: np.ndarray, axis: int) -> tuple:
    """The NumPy index that picks ``x[..., index[i, j, k], ...]`` (``index`` at ``axis``, the
    other axes counting through the index's shape): PyTorch's gather positions."""
    n = index.ndim
    parts = []
    for d in range(n):
        if d == axis:
            parts.append(index)
        else:
            parts.append(np.arange(index.shape[d]).reshape((1,) * d + (-1,) + (1,) * (n - d - 1)))
    return tuple(parts)


def _check_index_shape(index: np.ndarray, x_shape: tuple, axis: int, op: str,
                       src_shape: tuple | None = None) -> None:
    """PyTorch's rule: the index has the input's number of dims, and is no larger than the
    input on every dim but ``axis`` (and no larger than ``src`` anywhere, for a scatter)."""
    if index.ndim != len(x_shape):
        raise ShapeError(f"{op}: the index (shape {index.shape}) must have the same number of "
                         f"dimensions as the input (shape {x_shape}).")
    big = any(i > n for d, (i, n) in enumerate(zip(index.shape, x_shape)) if d != axis)
    if src_shape is not None:
        big = big or any(i > n for i, n in zip(index.shape, src_shape))
    if big:
        also = f" and no larger than src {src_shape}" if src_shape is not None else ""
        raise ShapeError(f"{op}: the index (shape {index.shape}) must be no larger than the "
                         f"input {x_shape} on every dimension but {axis}{also}.")


class Gather(GetItem):
    """y[i][j] = x[index[i][j]][j] (dim 0; likewise along any dim);  dx = zeros like x with g
    added at those positions (repeated indices accumulate)."""

    __slots__ = ("axis", "positions")
    label = "gather"

    @staticmethod
    def arguments(input, dim, index):
        x_shape = shape(input)
        index = _index_array(index, "gather")
        axis = _axis(dim, len(x_shape), "gather")
        _check_index_shape(index, x_shape, axis, "gather")
        _check_bounds(index, x_shape[axis], axis, "gather")
        where = _along(index, axis)
        return (input,), {"index": where, "axis": axis, "positions": index}


@public("index_select")
class IndexSelect(GetItem):
    """y = x with the slices ``index`` taken along ``dim``;  dx = zeros like x with g added at
    those slices (repeated indices accumulate)."""

    __slots__ = ("axis", "positions")
    label = "index_select"

    @staticmethod
    def arguments(input, dim, index):
        x_shape = shape(input)
        index = _index_array(index, "index_select")
        if index.ndim > 1:
            raise IndexError(f"index_select(): the index is supposed to be a vector (0-d or "
                             f"1-D), got shape {index.shape}; flatten it with .reshape(-1).")
        axis = _axis(dim, len(x_shape), "index_select")
        _check_bounds(index, x_shape[axis] if x_shape else 1, axis, "index_select")
        positions = index.reshape(-1)
        where = (slice(None),) * axis + (positions,) if x_shape else ()
        return (input,), {"index": where, "axis": axis, "positions": positions}


class ScatterAddAlong(Op):
    """y = x with src[i][j] added at [index[i][j]][j] (dim 0; likewise along any dim);
    dx = g,  dsrc = g[index[i][j]][j] where the index reaches, 0 elsewhere."""

    __slots__ = ("index", "axis", "positions", "block", "src_shape")
    label = "scatter_add"

    @staticmethod
    def arguments(input, dim, index, src):
        x_shape, src_shape = shape(input), shape(src)
        index = _index_array(index, "scatter_add")
        if not isinstance(src, (autograd.Tensor, np.ndarray)):
            raise TypeError(f"scatter_add: src must be a Tensor, got {type(src).__name__} "
                            "(scatter_add adds a tensor of values; use tg.full_like for one).")
        if data(src).dtype != data(input).dtype:
            raise RuntimeError(f"scatter_add(): expected self.dtype to be equal to src.dtype, "
                               f"got {data(input).dtype} and {data(src).dtype}; convert one "
                               "with .to(other.dtype).")
        axis = _axis(dim, len(x_shape), "scatter_add")
        _check_index_shape(index, x_shape, axis, "scatter_add", src_shape)
        _check_bounds(index, x_shape[axis], axis, "scatter_add")
        where = _along(index, axis)
        # the part of src the index reaches (src may be larger): sliced, a view
        block = tuple(slice(0, n) for n in index.shape) if index.shape != src_shape else None
        return (input, src), {"index": where, "axis": axis, "positions": index, "block": block,
                              "src_shape": src_shape}

    def forward(self, x, src):
        if self.block is not None:
            src = src[self.block]
        return x + self.xp.scatter_add(src, self.index, x.shape)

    def backward(self, g):
        need_x, need_src = self.needs_grad
        gsrc = None
        if need_src:
            gsrc = g[self.index]
            if self.block is not None:  # src is larger than the index: zeros beyond it
                gsrc = self.xp.scatter_add(gsrc, self.block, self.src_shape)
        return (g if need_x else None), gsrc


@public("gather")
def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j] = input[index[i][j]][j]`` for dim 0 (likewise along any dim): picks one
    element per index position along ``dim``; the index has the input's number of dims and
    is no larger than it on the others. ``sparse_grad`` is accepted; the gradient is dense.

        tg.gather(tg.tensor([[1., 2.], [3., 4.]]), 1, tg.tensor([[0, 0], [1, 0]]))
        # tensor([[1., 1.], [4., 3.]])
    """
    if shape(input):
        inputs, attributes = Gather.arguments(input, dim, index)
        return Gather.apply(*inputs, **attributes)
    flat, out_shape = _as_vector_index(dim, index, "gather")
    return Reshape.apply(gather(Reshape.apply(input, shape_out=(1,)), 0, flat),
                         shape_out=out_shape)


@public("scatter_add")
def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src[i][j]`` added at ``[index[i][j]][j]`` for dim 0
    (likewise along any dim); repeated indices accumulate. Differentiable in ``input`` and
    ``src``; ``x.scatter_add(dim, index, src)`` is the same, out of place."""
    if shape(input):
        inputs, attributes = ScatterAddAlong.arguments(input, dim, index, src)
        return ScatterAddAlong.apply(*inputs, **attributes)
    flat, _ = _as_vector_index(dim, index, "scatter_add")
    if isinstance(src, (autograd.Tensor, np.ndarray)) and data(src).ndim > 1:
        raise ShapeError(f"scatter_add: src (shape {shape(src)}) must have as many dims as the "
                         "0-d input.")
    vector = Reshape.apply(src, shape_out=(-1,)) if isinstance(
        src, (autograd.Tensor, np.ndarray)) else src
    return Reshape.apply(scatter_add(Reshape.apply(input, shape_out=(1,)), 0, flat, vector),
                         shape_out=())


def _as_vector_index(dim, index, op: str):
    """A 0-d input is taken as a vector of one element: its index (0-d or 1-D) flattened, and
    the shape the result gets back."""
    _axis(dim, 0, op)
    array = _index_array(index, op)
    if array.ndim > 1:
        raise ShapeError(f"{op}: the index (shape {array.shape}) must have the same number of "
                         "dimensions as the 0-d input (0 or 1).")
    return array.reshape(-1), array.shape


@public("masked_fill")
class MaskedFill(Op):
    """y = value where mask, x elsewhere (mask broadcast; y keeps x's dtype);
    dx = g where not mask,  dvalue = sum of g where mask."""

    __slots__ = ("mask", "keep")
    label = "masked_fill"

    @staticmethod
    def arguments(input, mask, value):
        mask = data(mask)
        if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
            kind = getattr(mask, "dtype", type(mask).__name__)
            raise RuntimeError(f"masked_fill: only boolean masks are supported, got a mask of "
                               f"{kind}; pass a comparison (x > 0) or mask.bool().")
        if isinstance(value, (autograd.Tensor, np.ndarray)) and data(value).ndim != 0:
            raise RuntimeError(f"masked_fill: only a 0-dimensional value tensor is supported, "
                               f"got one of shape {tuple(data(value).shape)}; pass a number or "
                               "value.reshape(()).")
        try:
            np.broadcast_shapes(shape(input), mask.shape)
        except ValueError:
            raise ShapeError(f"masked_fill: the mask (shape {mask.shape}) cannot be broadcast "
                             f"with the input (shape {shape(input)}).") from None
        return (input, value), {"mask": mask, "keep": ~mask}

    def forward(self, x, value):
        y = self.xp.where(self.mask, value, x)
        return y if y.dtype == x.dtype else y.astype(x.dtype)

    def backward(self, g):
        xp = self.xp
        need_x, need_value = self.needs_grad
        gx = xp.keep_where(self.keep, g) if need_x else None
        gvalue = xp.keep_where(self.mask, g) if need_value else None
        return gx, gvalue
