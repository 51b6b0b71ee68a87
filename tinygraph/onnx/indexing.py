"""NumPy indexing as ONNX: ``x[index]`` (getitem), ``x[index] = v`` (setitem), scatter_add.

An index is a constant of the op (the export checks that it does not change with the inputs).
Common indices keep every axis they do not touch free to change size: ints, slices, None and
``...`` become Gather/Slice/Unsqueeze along their axis, and one integer array (or 1-D mask) on
one axis among slices becomes one Gather. Any other index (several arrays, n-D masks) is
spelled out as the coordinates of the elements it picks: exact for the traced shape, and
the export's second trace refuses it where an axis it covers is dynamic.
"""

from __future__ import annotations

import numpy as np

from .errors import unsupported

_BIG = np.iinfo(np.int64).max  # an open end of a Slice (ONNX clamps it, as Python does)


def getitem(g, node, x):
    parts = node.index if isinstance(node.index, tuple) else (node.index,)
    ndim = len(node.in_shape)
    if all(_is_int(p) or p is None or p is Ellipsis or isinstance(p, slice) for p in parts):
        return _basic(g, x, _expanded(parts, ndim))
    arrays = [p for p in parts if isinstance(p, np.ndarray)]
    if (len(arrays) == 1 and (arrays[0].dtype != bool or arrays[0].ndim == 1)
            and all(isinstance(p, (slice, np.ndarray)) or p is Ellipsis for p in parts)):
        return _one_array(g, x, _expanded(parts, ndim))
    return g.op("GatherND", x, g.const(_coordinates(node.in_shape, node.index)))


def setitem(g, node, x, v):
    """ScatterND of ``v`` (broadcast to the indexed shape) at the index's coordinates; where
    an element is assigned twice the last value wins, as in NumPy."""
    shape = g.input_shape(node, 0)
    coords = _coordinates(shape, node.index)
    updates = g.op("Expand", g.cast(v, node.dtype), g.ints(coords.shape[:-1]))
    flat = coords.reshape(-1, len(shape))
    positions = np.ravel_multi_index(tuple(flat.T), shape) if len(flat) else np.zeros(0, int)
    _, last_reversed = np.unique(positions[::-1], return_index=True)
    if len(last_reversed) < len(positions):  # repeats: keep each element's last assignment
        keep = np.sort(len(positions) - 1 - last_reversed)
        coords = flat[keep]
        updates = g.op("Gather", g.op("Reshape", updates, g.ints([-1])), g.ints(keep), axis=0)
    return g.op("ScatterND", x, g.const(coords), updates)


def scatter_add(g, node, x):
    """zeros(shape_out) with ``x`` added at the index (GetItem's backward)."""
    if g.opset < 16:
        raise unsupported(node, "ScatterND adds (reduction='add') from opset 16 on; export "
                                "with opset_version=16 or later.")
    zeros = g.const(np.zeros(node.shape_out, node.dtype))
    coords = g.const(_coordinates(node.shape_out, node.index))
    return g.op("ScatterND", zeros, coords, x, reduction="add")


def _is_int(part) -> bool:
    return isinstance(part, (int, np.integer)) and not isinstance(part, (bool, np.bool_))


def _expanded(parts: tuple, ndim: int) -> list:
    """The index with ``...`` replaced by the full slices it stands for."""
    used = sum(1 for p in parts if p is not None and p is not Ellipsis)
    result = []
    for p in parts:
        result.extend([slice(None)] * (ndim - used) if p is Ellipsis else [p])
    return result


def _basic(g, x, parts: list):
    """Ints, slices and None, one ONNX node each, left to right (``axis`` is the position in
    the result so far: an int removes its axis, None adds one). ``x[:]`` is ``x`` itself."""
    axis = 0
    for part in parts:
        if part is None:
            x = g.op("Unsqueeze", x, g.ints([axis]))
        elif isinstance(part, slice):
            if part != slice(None):
                x = _slice(g, x, part, axis)
        else:
            x = g.op("Gather", x, g.const(int(part), np.int64), axis=axis)
            continue
        axis += 1
    return x


def _slice(g, x, part: slice, axis: int):
    step = 1 if part.step is None else part.step
    start = part.start if part.start is not None else (0 if step > 0 else _BIG)
    stop = part.stop if part.stop is not None else (_BIG if step > 0 else -_BIG)
    return g.op("Slice", x, g.ints([start]), g.ints([stop]), g.ints([axis]), g.ints([step]))


def _one_array(g, x, parts: list):
    """Slices around one integer array (or 1-D mask) on one axis: the slices, then a Gather
    along that axis, where the array's own axes take its place (as in NumPy)."""
    axis = next(i for i, p in enumerate(parts) if isinstance(p, np.ndarray))
    array = parts[axis]
    if array.dtype == bool:
        array = np.flatnonzero(array)
    sliced = _basic(g, x, [slice(None) if i == axis else p for i, p in enumerate(parts)])
    return g.op("Gather", sliced, g.const(array.astype(np.int64)), axis=axis)


def _coordinates(shape: tuple, index) -> np.ndarray:
    """The coordinates (..., ndim) of the elements ``x[index]`` picks from an x of ``shape``."""
    positions = np.arange(int(np.prod(shape))).reshape(shape)[index]
    return np.stack(np.unravel_index(positions, shape), axis=-1).astype(np.int64)
