"""Op-table entries: PyTorch's tensor utilities (ops/utilities.py, ops/pieces_more.py,
ops/index_put.py, ops/strided.py): nanmedian, aminmax, trapezoid/trapz/cumulative_trapezoid,
vander, diagflat, msort, take, select, narrow_copy, split_with_sizes, hsplit/vsplit/dsplit,
atleast_1d/2d/3d, row_stack, index_put, index_copy, put, as_strided.

Ops that return several pieces are checked through one tensor made of all of them (each
piece scaled differently, so a gradient sent to the wrong piece shows)."""

from __future__ import annotations

import numpy as np

import tinygraph as tg

from .spec import OpSpec, _torch


def _joined(lib, pieces):
    return lib.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(pieces)])


def _np_joined(pieces):
    return np.concatenate([p.reshape(-1) * (i + 1) for i, p in enumerate(pieces)])


def _lower_median(x, dim=None):
    if dim is None:
        flat = np.sort(x.reshape(-1))
        return flat[(flat.size - 1) // 2]
    if x.ndim == 0:
        return x
    s = np.sort(x, axis=dim)
    return np.take(s, (x.shape[dim] - 1) // 2, axis=dim)


def _median_dims(shapes):
    n = len(shapes[0])
    return [{"dim": d} for d in range(-max(n, 1), max(n, 1))]


def _aminmax_kwargs(shapes):
    n = len(shapes[0])
    return [{}, *({"dim": d, "keepdim": d % 2 == 0} for d in range(-max(n, 1), max(n, 1)))]


def _np_trapezoid(y, dx=1.0, dim=-1):
    upper = np.take(y, range(1, y.shape[dim]), axis=dim)
    lower = np.take(y, range(0, y.shape[dim] - 1), axis=dim)
    return ((upper + lower) * dx / 2).sum(axis=dim)


def _np_trapezoid_x(y, x, dim=-1):
    d = np.diff(x).reshape((-1,) + (1,) * (y.ndim - dim % y.ndim - 1))
    upper = np.take(y, range(1, y.shape[dim]), axis=dim)
    lower = np.take(y, range(0, y.shape[dim] - 1), axis=dim)
    return (d * (upper + lower) / 2).sum(axis=dim)


def _np_cumulative(y, dx=1.0, dim=-1):
    upper = np.take(y, range(1, y.shape[dim]), axis=dim)
    lower = np.take(y, range(0, y.shape[dim] - 1), axis=dim)
    return np.cumsum((upper + lower) * dx / 2, axis=dim)


_TRAPEZOID_SHAPES = [((5,),), ((2, 3),), ((3, 4, 2),), ((1,),)]
_TRAPEZOID_KWARGS = [{}, {"dx": 0.5}, {"dim": 0}, {"dx": 2.0, "dim": -1}]


def _torch_vander(x, N=None, increasing=False):  # noqa: N803
    # torch.vander's own backward fails (it changes a saved view in place): the same products
    n = x.shape[0] if N is None else N
    columns = [x ** 0]
    for _ in range(n - 1):
        columns.append(columns[-1] * x)
    return _torch().stack(columns[::1 if increasing else -1], 1)


def _np_as_strided(x, size, stride, offset=0):
    flat = x.reshape(-1)
    index = np.full(size, offset)
    for k, (n, s) in enumerate(zip(size, stride)):
        index = index + (np.arange(n) * s).reshape((n,) + (1,) * (len(size) - k - 1))
    return flat[index]


def _np_index_put(x, v, indices, accumulate=False):
    out = x.copy()
    where = tuple(np.asarray(i) for i in indices)
    if accumulate:
        np.add.at(out, where, np.broadcast_to(v, out[where].shape))
    else:
        out[where] = v
    return out


def _tg_index_put(x, v, indices, accumulate=False):
    return tg.index_put(x, tuple(tg.tensor(i) for i in indices), v, accumulate=accumulate)


def _torch_index_put(x, v, indices, accumulate=False):
    torch = _torch()
    return torch.index_put(x, tuple(torch.tensor(i) for i in indices), v, accumulate=accumulate)


_INDEX_PUT_KWARGS = [
    {"indices": [[0, 2]]},
    {"indices": [[1, 1, 0], [2, 2, 0]], "accumulate": True},
    {"indices": [[0, 2], [1, 1]]},
    {"indices": [[True, False, True]], "accumulate": True},
]


def _np_index_copy(x, source, dim, index):
    out = x.copy()
    where = (slice(None),) * dim + (np.asarray(index),)
    out[where] = source
    return out


def _np_put(x, source, index, accumulate=False):
    out = x.copy().reshape(-1)
    where = np.asarray(index) % out.size
    if accumulate:
        np.add.at(out, where, source.reshape(-1))
    else:
        out[where] = source.reshape(-1)
    return out.reshape(x.shape)


def _long(lib, index):
    return lib.tensor(index, dtype=lib.int64)


OPS = [
    OpSpec("nanmedian", fn=lambda x: tg.nanmedian(x), ref=lambda x: _lower_median(x),
           torch=lambda x: _torch().nanmedian(x), nargs=1,
           shapes=[((),), ((5,),), ((2, 3),), ((2, 3, 4),)]),
    OpSpec("nanmedian_dim", fn=lambda x, dim: tg.nanmedian(x, dim).values,
           ref=lambda x, dim: _lower_median(x, dim),
           torch=lambda x, dim: _torch().nanmedian(x, dim).values, nargs=1,
           shapes=[((5,),), ((2, 3),), ((2, 3, 4),)], kwargs=_median_dims),
    OpSpec("aminmax",
           fn=lambda x, **kw: tg.stack(list(tg.aminmax(x, **kw))),
           ref=lambda x, dim=None, keepdim=False: np.stack(
               [np.min(x, axis=dim, keepdims=keepdim) if x.ndim else x,
                np.max(x, axis=dim, keepdims=keepdim) if x.ndim else x]),
           torch=lambda x, **kw: _torch().stack(list(_torch().aminmax(x, **kw))), nargs=1,
           shapes=[((),), ((5,),), ((2, 3),), ((2, 3, 4),)], kwargs=_aminmax_kwargs),
    OpSpec("trapezoid", fn=lambda y, **kw: tg.trapezoid(y, **kw), ref=_np_trapezoid,
           torch=lambda y, **kw: _torch().trapezoid(y, **kw), nargs=1,
           shapes=_TRAPEZOID_SHAPES, kwargs=_TRAPEZOID_KWARGS),
    OpSpec("trapezoid_x", fn=lambda y, x, **kw: tg.trapezoid(y, x, **kw), ref=_np_trapezoid_x,
           torch=lambda y, x, **kw: _torch().trapezoid(y, x, **kw), nargs=2,
           shapes=[((5,), (5,)), ((2, 3), (3,)), ((3, 2), (3,))],
           kwargs=lambda shapes: [{"dim": len(shapes[0]) - 1 if shapes[1][0] == shapes[0][-1]
                                   else 0}]),
    OpSpec("trapz", fn=lambda y, **kw: tg.trapz(y, **kw), ref=_np_trapezoid,
           torch=lambda y, **kw: _torch().trapz(y, **kw), nargs=1,
           shapes=[((5,),), ((2, 3),)], kwargs=[{}, {"dx": 0.25, "dim": 0}]),
    OpSpec("cumulative_trapezoid", fn=lambda y, **kw: tg.cumulative_trapezoid(y, **kw),
           ref=_np_cumulative, torch=lambda y, **kw: _torch().cumulative_trapezoid(y, **kw),
           nargs=1, shapes=[*_TRAPEZOID_SHAPES, ((2, 0),)], kwargs=_TRAPEZOID_KWARGS),
    OpSpec("vander", fn=lambda x, **kw: tg.vander(x, **kw),
           ref=lambda x, N=None, increasing=False: np.vander(x, N, increasing),
           torch=_torch_vander, nargs=1, shapes=[((3,),), ((1,),), ((4,),)],
           kwargs=[{}, {"N": 2, "increasing": True}, {"N": 4}]),
    OpSpec("diagflat", fn=lambda x, **kw: tg.diagflat(x, **kw),
           ref=lambda x, offset=0: np.diagflat(x, offset),
           torch=lambda x, **kw: _torch().diagflat(x, **kw), nargs=1,
           shapes=[((),), ((3,),), ((2, 2),)], kwargs=[{}, {"offset": 1}, {"offset": -2}]),
    OpSpec("msort", fn=lambda x: tg.msort(x), ref=lambda x: np.sort(x, axis=0) if x.ndim else x,
           torch=lambda x: _torch().msort(x), nargs=1,
           shapes=[((),), ((5,),), ((4, 3),), ((0, 2),)]),
    OpSpec("take", fn=lambda x, index: tg.take(x, _long(tg, index)),
           ref=lambda x, index: x.reshape(-1)[np.asarray(index)],
           torch=lambda x, index: _torch().take(x, _long(_torch(), index)), nargs=1,
           shapes=[((2, 3),), ((6,),)], kwargs=[{"index": [0, -1, 3]},
                                                {"index": [[1, 1], [5, 0]]}]),
    OpSpec("select", fn=lambda x, dim, index: tg.select(x, dim, index),
           ref=lambda x, dim, index: np.take(x, index, axis=dim),
           torch=lambda x, dim, index: _torch().select(x, dim, index), nargs=1,
           shapes=[((3,),), ((2, 3),), ((2, 3, 4),)],
           kwargs=[{"dim": 0, "index": 1}, {"dim": -1, "index": -1}]),
    OpSpec("narrow_copy", fn=lambda x, **kw: tg.narrow_copy(x, **kw),
           ref=lambda x, dim, start, length: np.take(x, range(start, start + length), axis=dim),
           torch=lambda x, **kw: _torch().narrow_copy(x, **kw), nargs=1,
           shapes=[((4,),), ((2, 4),)], kwargs=[{"dim": -1, "start": 1, "length": 2},
                                                {"dim": 0, "start": 0, "length": 1}]),
    OpSpec("split_with_sizes",
           fn=lambda x, sizes, dim: _joined(tg, tg.split_with_sizes(x, sizes, dim)),
           ref=lambda x, sizes, dim: _np_joined(np.split(x, np.cumsum(sizes)[:-1], axis=dim)),
           torch=lambda x, sizes, dim: _joined(_torch(), _torch().split_with_sizes(x, sizes,
                                                                                   dim)),
           nargs=1, shapes=[((5,),), ((2, 5),)],
           kwargs=[{"sizes": [2, 0, 3], "dim": -1}]),
    OpSpec("hsplit", fn=lambda x, cuts: _joined(tg, tg.hsplit(x, cuts)),
           ref=lambda x, cuts: _np_joined(np.hsplit(x, cuts)),
           torch=lambda x, cuts: _joined(_torch(), _torch().hsplit(x, cuts)), nargs=1,
           shapes=[((4,),), ((3, 4),)], kwargs=[{"cuts": 2}, {"cuts": [1, 3]}]),
    OpSpec("vsplit", fn=lambda x, cuts: _joined(tg, tg.vsplit(x, cuts)),
           ref=lambda x, cuts: _np_joined(np.vsplit(x, cuts)),
           torch=lambda x, cuts: _joined(_torch(), _torch().vsplit(x, cuts)), nargs=1,
           shapes=[((4, 2),), ((2, 3, 2),)], kwargs=[{"cuts": 2}, {"cuts": [1]}]),
    OpSpec("dsplit", fn=lambda x, cuts: _joined(tg, tg.dsplit(x, cuts)),
           ref=lambda x, cuts: _np_joined(np.dsplit(x, cuts)),
           torch=lambda x, cuts: _joined(_torch(), _torch().dsplit(x, cuts)), nargs=1,
           shapes=[((2, 1, 4),)], kwargs=[{"cuts": 2}, {"cuts": [1, 3]}]),
    # (a tensor with enough dims comes back itself, as in PyTorch: tested on its own)
    OpSpec("atleast_1d", fn=lambda x: tg.atleast_1d(x), ref=np.atleast_1d,
           torch=lambda x: _torch().atleast_1d(x), nargs=1, shapes=[((),)]),
    OpSpec("atleast_2d", fn=lambda x: tg.atleast_2d(x), ref=np.atleast_2d,
           torch=lambda x: _torch().atleast_2d(x), nargs=1, shapes=[((),), ((3,),)]),
    OpSpec("atleast_3d", fn=lambda x: tg.atleast_3d(x), ref=np.atleast_3d,
           torch=lambda x: _torch().atleast_3d(x), nargs=1, shapes=[((),), ((3,),), ((2, 3),)]),
    OpSpec("row_stack", fn=lambda a, b: tg.row_stack([a, b]), ref=lambda a, b: np.vstack([a, b]),
           torch=lambda a, b: _torch().vstack([a, b]), nargs=2,
           shapes=[((3,), (3,)), ((2, 3), (3,)), ((1, 2), (4, 2))]),
    OpSpec("as_strided", fn=lambda x, **kw: tg.as_strided(x, **kw),
           ref=lambda x, size, stride, storage_offset=0: _np_as_strided(x, size, stride,
                                                                        storage_offset),
           torch=lambda x, **kw: _torch().as_strided(x, **kw), nargs=1,
           shapes=[((6,),), ((2, 3),)],
           kwargs=[{"size": (2, 2), "stride": (1, 2), "storage_offset": 1},
                   {"size": (3, 2), "stride": (1, 1)}, {"size": (2,), "stride": (3,)}]),
    OpSpec("index_put", fn=_tg_index_put, ref=_np_index_put, torch=_torch_index_put, nargs=2,
           shapes=[((3, 4), ())], kwargs=_INDEX_PUT_KWARGS[:2] + _INDEX_PUT_KWARGS[3:]),
    OpSpec("index_put_values", fn=_tg_index_put, ref=_np_index_put, torch=_torch_index_put,
           nargs=2, shapes=[((3, 4), (4,))], kwargs=_INDEX_PUT_KWARGS[:1]),
    OpSpec("index_put_pairs", fn=_tg_index_put, ref=_np_index_put, torch=_torch_index_put,
           nargs=2, shapes=[((3, 4), (2,))], kwargs=_INDEX_PUT_KWARGS[2:3]),
    OpSpec("index_copy", fn=lambda x, s, dim, index: tg.index_copy(x, dim, _long(tg, index), s),
           ref=_np_index_copy,
           torch=lambda x, s, dim, index: _torch().index_copy(x, dim, _long(_torch(), index), s),
           nargs=2, shapes=[((4, 3), (2, 3))], kwargs=[{"dim": 0, "index": [3, 1]}]),
    OpSpec("index_copy_dim1",
           fn=lambda x, s, dim, index: tg.index_copy(x, dim, _long(tg, index), s),
           ref=_np_index_copy,
           torch=lambda x, s, dim, index: _torch().index_copy(x, dim, _long(_torch(), index), s),
           nargs=2, shapes=[((2, 4), (2, 1))], kwargs=[{"dim": 1, "index": [2]}]),
    OpSpec("put", fn=lambda x, s, index, **kw: tg.put(x, _long(tg, index), s, **kw),
           ref=_np_put,
           torch=lambda x, s, index, **kw: _torch().put(x, _long(_torch(), index), s, **kw),
           nargs=2, shapes=[((2, 3), (3,)), ((6,), (3,))],
           kwargs=[{"index": [0, -1, 4]}, {"index": [1, 1, 5], "accumulate": True}]),
    # (last in the table, so that the values drawn for the entries before it stay put)
    # nanquantile without NaNs (the graph checks need finite values everywhere): with NaNs,
    # values, gradients and second derivatives against torch in tests/test_parity_structured.py
    OpSpec("nanquantile", tg.nanquantile,
           lambda x, q, dim=None, keepdim=False, interpolation="linear": np.nanquantile(
               x, q, axis=dim, keepdims=keepdim, method=interpolation),
           lambda x, **k: _torch().nanquantile(x, **k), 1, [((7,),), ((3, 5),)],
           kwargs=[{"q": 0.3}, {"q": 0.5, "dim": -1, "keepdim": True},
                   {"q": 0.6, "dim": 0, "interpolation": "nearest"}]),
]
