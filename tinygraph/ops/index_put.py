"""PyTorch's writes at index positions, out of place: ``index_put`` (``x[indices] = values``,
or ``+=`` with ``accumulate``), ``index_copy`` (slices along one dim) and ``put`` (positions
of the flattened tensor). Each is ``setitem`` or an addition of ``scatter_add``'s result,
so gradients, second derivatives and ONNX export come from those; the in-place
``index_put_``, ``index_copy_`` and ``put_`` run these through the in-place machinery
(``tinygraph/inplace_more.py``).

    >>> tg.zeros(3).index_put((tg.tensor([0, 0]),), tg.tensor(1.0), accumulate=True)
    tensor([2., 0., 0.])
"""

from __future__ import annotations

import numpy as np

from .. import autograd
from ..dtypes import TYPE_NAMES
from .args import data, ndim, shape
from .indexing import _axis
from .registry import functions as _f
from .registry import public
from .shape import scatter_into, setitem

_INDEX_KINDS = (np.dtype(np.int64), np.dtype(np.int32), np.dtype(np.uint8), np.dtype(bool))


def _type_name(dtype) -> str:
    return TYPE_NAMES.get(np.dtype(dtype), f"torch.{np.dtype(dtype)}").split(".")[1][:-6]


def _values(op: str, input, values, position: int = 2):
    if not isinstance(values, autograd.Tensor):
        raise TypeError(f"{op}(): argument 'values' (position {position}) must be Tensor, not "
                        f"{type(values).__name__}.")
    if values.dtype != data(input).dtype:
        raise RuntimeError(f"{op}: Index put requires the source and destination dtypes "
                           f"match, got {_type_name(data(input).dtype)} for the destination "
                           f"and {_type_name(values.dtype)} for the source.")
    return values


def _indices(op: str, input, indices) -> tuple:
    if isinstance(indices, autograd.Tensor) or not isinstance(indices, (list, tuple)):
        raise TypeError(f"{op}(): argument 'indices' must be a tuple of Tensors, got "
                        f"{type(indices).__name__}; write (idx,) for one index tensor.")
    parts = []
    for part in indices:
        if part is None:
            parts.append(slice(None))
            continue
        array = data(part)
        if not isinstance(array, np.ndarray) or array.dtype not in _INDEX_KINDS:
            raise IndexError(f"{op}: tensors used as indices must be long, int, byte or bool "
                             f"tensors, got {getattr(array, 'dtype', type(part).__name__)}.")
        parts.append(array.astype(bool) if array.dtype == np.uint8 else array)
    used = sum(p.ndim if isinstance(p, np.ndarray) and p.dtype == bool else 1 for p in parts)
    if used > ndim(input):
        raise IndexError(f"{op}: too many indices for tensor of dimension {ndim(input)} "
                         f"({used} given).")
    return tuple(parts)


@public("index_put")
def index_put(input, indices, values, accumulate: bool = False):
    """A copy of ``input`` with ``input[indices] = values`` (``values`` broadcast to the
    indexed shape), or with ``values`` added there when ``accumulate`` (repeated positions
    add up). ``indices``: a tuple of int64/int32/bool index tensors, as ``x[i, j]``."""
    values = _values("index_put", input, values)
    where = _indices("index_put", input, indices)
    target = np.empty(shape(input), dtype=bool)[where].shape
    try:
        np.broadcast_shapes(shape(values), target)
        if np.broadcast_shapes(shape(values), target) != target:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"index_put: shape mismatch: value tensor of shape "
                           f"{list(shape(values))} cannot be broadcast to indexing result of "
                           f"shape {list(target)}.") from None
    if not accumulate:
        return setitem(input, where, values)
    spread = _f["broadcast_to"](values, target) if shape(values) != target else values
    return input + scatter_into(spread, where, shape(input))


def _long_vector(op: str, index) -> np.ndarray:
    array = data(index)
    if not isinstance(array, np.ndarray) or array.dtype != np.int64:
        kind = getattr(array, "dtype", type(index).__name__)
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got {kind}; "
                           "convert it with .long().")
    if array.ndim > 1:
        raise IndexError(f"{op}(): Index should have dimension 1 or 0 (got {array.ndim}).")
    return array.reshape(-1)


@public("index_copy")
def index_copy(input, dim: int, index, source):
    """A copy of ``input`` with the slices ``index`` along ``dim`` replaced by ``source``'s
    slices (``source`` has ``input``'s shape with ``len(index)`` at ``dim``)."""
    positions = _long_vector("index_copy", index)
    if not isinstance(source, autograd.Tensor):
        raise TypeError(f"index_copy(): argument 'source' must be Tensor, not "
                        f"{type(source).__name__}.")
    if source.dtype != data(input).dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, "
                           f"but got (self) {_type_name(data(input).dtype)} and (source) "
                           f"{_type_name(source.dtype)}.")
    x_shape, s_shape = shape(input), shape(source)
    if not x_shape:
        _axis(dim, 0, "index_copy")
        flat = index_copy(_f["reshape"](input, (1,)), 0, index, _f["reshape"](source, (-1,)))
        return _f["reshape"](flat, ())
    axis = _axis(dim, len(x_shape), "index_copy")
    count = s_shape[axis] if len(s_shape) == len(x_shape) else (1 if not s_shape else -1)
    if count != positions.size:
        raise IndexError(f"index_copy_(): Number of indices ({positions.size}) should be equal "
                         f"to source.size(dim) ({count}).")
    if len(s_shape) == len(x_shape) and any(a != b for d, (a, b) in
                                            enumerate(zip(x_shape, s_shape)) if d != axis):
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice "
                           f"shapes. Destination slice shape: {list(x_shape)} with dim {axis} "
                           f"dropped, source slice shape: {list(s_shape)}.")
    size = x_shape[axis]
    if positions.size and (positions.min() < 0 or positions.max() >= size):
        bad = positions[(positions < 0) | (positions >= size)][0]
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {axis} "
                         f"with size {size}.")
    return setitem(input, (slice(None),) * axis + (positions,), source)


@public("put")
def put(input, index, source, accumulate: bool = False):
    """A copy of ``input`` with ``source``'s elements written at the positions ``index`` of
    its flattened values (negative ones count from the end), or added there when
    ``accumulate``."""
    positions = data(index)
    if not isinstance(positions, np.ndarray) or positions.dtype != np.int64:
        kind = getattr(positions, "dtype", type(index).__name__)
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {kind}.")
    if not isinstance(source, autograd.Tensor):
        raise TypeError(f"put(): argument 'source' must be Tensor, not "
                        f"{type(source).__name__}.")
    if source.dtype != data(input).dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"{_type_name(data(input).dtype)} and {_type_name(source.dtype)}.")
    if source.numel() != positions.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source.numel()}, index.numel() "
                         f"= {positions.size}")
    size = int(np.prod(shape(input)))
    if positions.size and (positions.min() < -size or positions.max() >= size):
        bad = positions[(positions < -size) | (positions >= size)].flat[0]
        raise IndexError(f"put_(): out of range: tried to access index {bad} on a tensor of "
                         f"{size} elements.")
    where = (positions.reshape(-1) % max(size, 1),)
    flat = _f["reshape"](input, (-1,))
    values = _f["reshape"](source, (-1,))
    if accumulate:
        result = flat + scatter_into(values, where, (size,))
    else:
        result = setitem(flat, where, values)
    return _f["reshape"](result, shape(input))
