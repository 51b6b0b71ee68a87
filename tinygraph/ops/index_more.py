"""PyTorch's writing index ops along one dim, out of place: ``scatter`` (a src tensor or one
value), ``index_add`` and ``index_fill``. Each is a composition of differentiable ops
(``setitem``, ``scatter_add``, ``masked_fill``), so gradients, second derivatives and ONNX
export come from those; the in-place ``scatter_``, ``index_add_`` and ``index_fill_`` are
these run through the in-place machinery (``tinygraph/inplace.py``)."""

from __future__ import annotations

import numpy as np

from .. import autograd
from ..autograd.node import new_tensor
from .args import data, ndim, shape
from .indexing import (
    IndexOutOfBounds,
    _along,
    _axis,
    _check_bounds,
    _check_index_shape,
    _index_array,
)
from .registry import functions as _f
from .registry import public
from .shape import setitem


def _is_tensor(x) -> bool:
    return isinstance(x, (autograd.Tensor, np.ndarray))


@public("scatter")
def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """A copy of ``input`` with ``out[index[i][j]][j] = src[i][j]`` for dim 0 (likewise
    along any dim), or ``= value`` where a number is given (``scatter(x, dim, index, 2.0)``
    or ``value=2.0``). Where an index repeats, one of the values is kept. ``reduce='add'``
    adds instead, ``'multiply'`` multiplies. Differentiable in ``input`` and ``src``."""
    if src is not None and value is not None:
        raise TypeError("scatter(): give src (a Tensor) or value (a number), not both.")
    if src is None and value is None:
        raise TypeError("scatter(): missing the values: give src (a Tensor) or value "
                        "(a number).")
    fill = value if src is None else src
    if reduce is not None:
        return _scatter_reduce(input, dim, index, fill, reduce)
    if ndim(input) == 0:
        return _f["reshape"](scatter(_f["reshape"](input, (1,)), dim,
                                     _as_vector(index, "scatter"),
                                     _f["reshape"](fill, (-1,)) if _is_tensor(fill) else fill),
                             ())
    x_shape = shape(input)
    index = _index_array(index, "scatter")
    axis = _axis(dim, len(x_shape), "scatter")
    src_shape = shape(fill) if _is_tensor(fill) else None
    if _is_tensor(fill):
        if data(fill).dtype != data(input).dtype:
            raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype, got "
                               f"{data(input).dtype} and {data(fill).dtype}; convert src with "
                               ".to(input.dtype).")
        if len(src_shape) != index.ndim:
            raise RuntimeError(f"scatter(): Expected index (shape {index.shape}) and src "
                               f"(shape {src_shape}) to have the same number of dimensions.")
    _check_index_shape(index, x_shape, axis, "scatter", src_shape)
    _check_bounds(index, x_shape[axis], axis, "scatter")
    where = _along(index, axis)
    if _is_tensor(fill):
        if src_shape != index.shape:
            fill = fill[tuple(slice(0, n) for n in index.shape)]
        return setitem(input, where, fill)
    return setitem(input, where, np.asarray(fill, dtype=data(input).dtype))


def _scatter_reduce(input, dim, index, fill, reduce):
    if reduce == "add":
        if not _is_tensor(fill):
            fill = new_tensor(np.full(shape(index), fill, dtype=data(input).dtype), None)
        return _f["scatter_add"](input, dim, index, fill)
    if reduce == "multiply":  # repeated indices multiply together, as PyTorch
        if not _is_tensor(fill):
            fill = new_tensor(np.full(shape(index), fill, dtype=data(input).dtype), None)
        ones = new_tensor(np.ones(shape(input), data(input).dtype), None)
        factors = _f["scatter_reduce"](ones, dim, index, fill, "prod")
        return input * factors
    raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got "
                       f"{reduce!r}.")


def _as_vector(index, op: str):
    array = _index_array(index, op)
    return new_tensor(array.reshape(-1), None)


def _vector_index(index, op: str, dtypes=(np.int32, np.int64)) -> np.ndarray:
    array = data(index)
    if not isinstance(array, np.ndarray) or array.dtype.type not in dtypes:
        kind = getattr(array, "dtype", type(array).__name__)
        raise IndexOutOfBounds(f"{op}(): Expected dtype int64 for index, got {kind}.")
    if array.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector (0-d or 1-D), got shape "
                         f"{array.shape}.")
    return array.reshape(-1)


@public("index_add")
def index_add(input, dim, index, source, *, alpha=1):
    """A copy of ``input`` with ``alpha * source``'s slices added at the slices ``index``
    along ``dim`` (repeated indices accumulate). Differentiable in ``input`` and
    ``source``."""
    positions = _vector_index(index, "index_add")
    if ndim(input) == 0:
        _axis(dim, 0, "index_add")
        flat = index_add(_f["reshape"](input, (1,)), 0, new_tensor(positions, None),
                         _f["reshape"](source, (-1,)), alpha=alpha)
        return _f["reshape"](flat, ())
    x_shape, s_shape = shape(input), shape(source)
    axis = _axis(dim, len(x_shape), "index_add")
    expected = x_shape[:axis] + (positions.size,) + x_shape[axis + 1:]
    if s_shape != expected and not (s_shape == () and expected == (1,) * len(expected)):
        raise RuntimeError(f"index_add(): source (shape {s_shape}) must have the input's shape "
                           f"{x_shape} with dim {axis} of the index's length {positions.size}.")
    if s_shape != expected:
        source = _f["reshape"](source, expected)
    shaped = positions.reshape((1,) * axis + (-1,) + (1,) * (len(x_shape) - axis - 1))
    full = np.ascontiguousarray(np.broadcast_to(shaped, expected)).astype(np.int64)
    scaled = source if alpha == 1 else source * alpha
    return _f["scatter_add"](input, axis, new_tensor(full, None), scaled)


@public("index_fill")
def index_fill(input, dim, index, value):
    """A copy of ``input`` with the slices ``index`` along ``dim`` set to ``value`` (a
    number or a 0-d tensor, which gets the gradient of the slices it fills)."""
    positions = _vector_index(index, "index_fill", (np.int64,))
    n = ndim(input)
    axis = _axis(dim, n, "index_fill")
    size = shape(input)[axis] if n else 1
    if positions.size and (positions.min() < -size or positions.max() >= size):
        bad = positions[(positions < -size) | (positions >= size)][0]
        raise IndexError(f"index_fill(): index {bad} is out of bounds for dimension {axis} "
                         f"with size {size}.")
    picked = np.zeros(size, dtype=bool)
    picked[positions] = True  # negative indices count from the end, as in PyTorch
    mask = picked.reshape((1,) * axis + (-1,) + (1,) * (n - axis - 1)) if n else picked[0]
    return _f["masked_fill"](input, np.asarray(mask), value)
