"""Op-table entries: shape, indexing, joining and selecting ops."""

from __future__ import annotations

import numpy as np

import tinygraph as tg
from tinygraph.ops import shape as shape_ops

from .spec import (
    OpSpec,
    Shapes,
    _torch,
)


def _torch_index(index):
    """A NumPy index with its arrays turned into torch tensors."""
    torch = _torch()
    parts = index if isinstance(index, tuple) else (index,)
    converted = tuple(torch.as_tensor(p) if isinstance(p, np.ndarray) else p for p in parts)
    return converted if isinstance(index, tuple) else converted[0]


def _torch_getitem(x, index):
    """x[index] in torch, which has no negative slice steps: flip those axes instead."""
    parts = index if isinstance(index, tuple) else (index,)
    flipped = tuple(i for i, p in enumerate(parts) if isinstance(p, slice) and p == slice(
        None, None, -1))
    if flipped:
        x = x.flip(flipped)
        parts = tuple(slice(None) if i in flipped else p for i, p in enumerate(parts))
        index = parts
    return x[_torch_index(index)]


def _np_setitem(x, v, index):
    out = x.copy()
    out[index] = v
    return out


def _torch_setitem(x, v, index):
    out = x.clone()
    out[_torch_index(index)] = v
    return out


def _where_kwargs(shapes: Shapes) -> list:
    shape = np.broadcast_shapes(*shapes)
    pattern = (np.arange(int(np.prod(shape))) % 3 == 0).reshape(shape)
    return [{"cond": pattern}, {"cond": np.array(True)}]


GETITEM_INDICES = [
    {"index": 1},
    {"index": -1},
    {"index": (1, 2)},
    {"index": slice(1, 3)},
    {"index": (slice(None), slice(None, None, 2))},
    {"index": (slice(None, None, -1), 0)},
    {"index": (None, 1)},
    {"index": (Ellipsis, 2)},
    {"index": (Ellipsis, None)},
    {"index": np.array([0, 2, 2, 3, 0])},                  # repeated rows accumulate
    {"index": (np.array([1, 1, 3]), np.array([0, 0, 4]))},  # repeated elements accumulate
    {"index": (slice(None), np.array([4, 4, 1]))},
    {"index": np.array([True, False, True, True])},
    {"index": np.arange(20).reshape(4, 5) % 3 == 0},
]

SETITEM_CASES = [
    (((4, 5), ()), {"index": (1, 2)}),
    (((4, 5), (5,)), {"index": 2}),
    (((4, 5), (4, 2)), {"index": (slice(None), slice(1, 3))}),
    (((4, 5), (3, 5)), {"index": np.array([0, 2, 3])}),
    (((4, 5), (1,)), {"index": np.arange(20).reshape(4, 5) % 3 == 0}),
]



OPS = [
    OpSpec("reshape", lambda x, shape: x.reshape(shape), lambda x, shape: x.reshape(shape),
           lambda x, shape: x.reshape(shape), 1, [((2, 3),)],
           kwargs=[{"shape": (3, 2)}, {"shape": (6,)}, {"shape": (-1, 2)}, {"shape": (1, 6, 1)}]),
    OpSpec("reshape_0d", lambda x, shape: x.reshape(shape), lambda x, shape: x.reshape(shape),
           lambda x, shape: x.reshape(shape), 1, [((),), ((1, 1),)],
           kwargs=[{"shape": (1,)}, {"shape": ()}]),
    OpSpec("transpose", lambda x, axes: tg.transpose(x, *axes),
           lambda x, axes: np.transpose(x, axes or None),
           lambda x, axes: x.permute(*axes) if axes else x.permute(*reversed(range(x.ndim))),
           1, [((2, 3, 4),)],
           kwargs=[{"axes": ()}, {"axes": (2, 0, 1)}, {"axes": (0, 2, 1)}, {"axes": (-1, 0, 1)}]),
    OpSpec("T", lambda x: x.T, lambda x: x.T, lambda x: x.permute(*reversed(range(x.ndim))), 1,
           [((2, 3),), ((4,),), ((2, 3, 4),)]),
    OpSpec("swapaxes", lambda x, dims: tg.swapaxes(x, *dims),
           lambda x, dims: np.swapaxes(x, *dims), lambda x, dims: x.swapaxes(*dims), 1,
           [((2, 3, 4),)], kwargs=[{"dims": (0, 2)}, {"dims": (-1, 1)}, {"dims": (1, 1)}]),
    OpSpec("flatten", tg.flatten,
           lambda x, start_dim=0, end_dim=-1: x.reshape(
               x.shape[:start_dim % max(x.ndim, 1)] + (-1,)
               + x.shape[end_dim % max(x.ndim, 1) + 1:]) if x.ndim else x.reshape(1),
           lambda x, start_dim=0, end_dim=-1: x.flatten(start_dim, end_dim), 1,
           [((2, 3, 4),)],
           kwargs=[{}, {"start_dim": 1}, {"end_dim": 1}, {"start_dim": -2, "end_dim": -1}]),
    OpSpec("flatten_0d", tg.flatten, lambda x: x.reshape(1), lambda x: x.flatten(), 1, [((),)]),
    OpSpec("squeeze", tg.squeeze, lambda x, axis=None: np.squeeze(x, axis),
           lambda x, axis=None: x.squeeze() if axis is None else x.squeeze(axis), 1,
           [((1, 3, 1, 2),)], kwargs=[{}, {"axis": 0}, {"axis": -2}, {"axis": (0, 2)}]),
    OpSpec("unsqueeze", tg.unsqueeze, np.expand_dims, lambda x, axis: x.unsqueeze(axis), 1,
           [((),), ((2, 3),)], kwargs=[{"axis": 0}, {"axis": -1}]),
    OpSpec("broadcast_to", lambda x, shape: tg.broadcast_to(x, shape), np.broadcast_to,
           lambda x, shape: x.broadcast_to(shape), 1, [((3,),), ((2, 1),), ((),)],
           kwargs=lambda s: [{"shape": (4,) + tuple(n if n != 1 else 3 for n in s[0])},
                             {"shape": (2, 2) + tuple(n if n != 1 else 3 for n in s[0])}]),
    OpSpec("getitem", lambda x, index: x[index], lambda x, index: x[index],
           _torch_getitem, 1, [((4, 5),)], kwargs=GETITEM_INDICES),
    OpSpec("getitem_positive", lambda x: x[x > 0], lambda x: x[x > 0], lambda x: x[x > 0], 1,
           [((4, 5),), ((6,),)]),
    OpSpec("setitem", lambda x, v, index: shape_ops.setitem(x, index, v), _np_setitem,
           _torch_setitem, 2, [], kwargs=[]),  # cases below: the value's shape depends on the index
    OpSpec("concatenate", lambda a, b, c, axis=0: tg.concatenate([a, b, c], axis=axis),
           lambda a, b, c, axis=0: np.concatenate([a, b, c], axis=axis),
           lambda a, b, c, axis=0: _torch().cat([a, b, c], dim=axis), 3,
           [((2, 3), (1, 3), (4, 3)), ((2,), (0,), (3,))], kwargs=[{"axis": 0}]),
    OpSpec("concatenate_last", lambda a, b, axis: tg.cat([a, b], axis=axis),
           lambda a, b, axis: np.concatenate([a, b], axis=axis),
           lambda a, b, axis: _torch().cat([a, b], dim=axis), 2, [((2, 3), (2, 1))],
           kwargs=[{"axis": 1}, {"axis": -1}]),
    OpSpec("stack", lambda a, b, axis=0: tg.stack([a, b], axis=axis),
           lambda a, b, axis=0: np.stack([a, b], axis=axis),
           lambda a, b, axis=0: _torch().stack([a, b], dim=axis), 2,
           [((2, 3), (2, 3)), ((), ())],
           kwargs=lambda s: [{"axis": a} for a in range(-len(s[0]) - 1, len(s[0]) + 1)]),
    OpSpec("where", lambda a, b, cond: tg.where(cond, a, b),
           lambda a, b, cond: np.where(cond, a, b),
           lambda a, b, cond: _torch().where(_torch().as_tensor(cond), a, b), 2,
           [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), ()), ((2, 1), (1, 3))],
           kwargs=_where_kwargs),
]


def _setitem_spec() -> OpSpec:
    spec = next(s for s in OPS if s.name == "setitem")
    spec.shapes = [shapes for shapes, _ in SETITEM_CASES]
    by_shapes: dict = {}
    for shapes, kwargs in SETITEM_CASES:
        by_shapes.setdefault(shapes, []).append(kwargs)
    spec.kwargs = lambda shapes: by_shapes[shapes]
    return spec


_setitem_spec()
