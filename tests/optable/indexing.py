"""Op-table entries: cutting into pieces (split, chunk, unbind) and PyTorch's index ops along
a dim (gather, scatter_add, index_select, masked_fill).

Ops that return several pieces are checked through one Tensor: the pieces joined again in
reverse order, so every piece's gradient reaches a different place.
"""

from __future__ import annotations

import numpy as np

import tinygraph as tg

from .spec import OpSpec, Shapes, _torch


def _np_split(x, size, dim):
    n = x.shape[dim]
    sizes = size if isinstance(size, list) else [min(size, n - s) for s in range(0, n, size)]
    return np.split(x, np.cumsum(sizes)[:-1], axis=dim)


def _np_chunk(x, chunks, dim):
    return _np_split(x, -(-x.shape[dim] // chunks), dim)


def _along(index, dim):
    """NumPy positions of PyTorch's gather/scatter: ``index`` at dim, the rest counting."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


def _np_gather(x, dim, index):
    return x[_along(index, dim % x.ndim)]


def _np_scatter_add(x, src, dim, index):
    out = x.copy()
    np.add.at(out, _along(index, dim % x.ndim), src[tuple(slice(0, n) for n in index.shape)])
    return out


def _gather_kwargs(shapes: Shapes) -> list:
    """Per dim: an index with repeats, one reaching past the input on the gathered dim, and one
    smaller than the input on the other dims."""
    shape = shapes[0]
    rng = np.random.default_rng(len(shape))
    out = []
    for dim in range(-len(shape), len(shape)):
        axis = dim % len(shape)
        for extra in (0, 2):
            size = tuple(n + extra if d == axis else max(n - 1, 1) if extra else n
                         for d, n in enumerate(shape))
            out.append({"dim": dim, "index": rng.integers(0, shape[axis], size)})
    return out


def _scatter_kwargs(shapes: Shapes) -> list:
    """Every dim the src (= index) shape allows: no larger than the input on the other dims.
    (An index smaller than src is tested in test_index_ops.py: PyTorch's own backward
    refuses that case.)"""
    x_shape, src_shape = shapes
    rng = np.random.default_rng(0)
    out = []
    for dim in range(len(x_shape)):
        if all(s <= n for d, (s, n) in enumerate(zip(src_shape, x_shape)) if d != dim):
            index = rng.integers(0, x_shape[dim], src_shape)
            out += [{"dim": dim, "index": index}, {"dim": dim - len(x_shape), "index": index}]
    return out


def _mask_kwargs(shapes: Shapes) -> list:
    shape = shapes[0]
    pattern = (np.arange(int(np.prod(shape))) % 3 == 0).reshape(shape)
    return [{"mask": pattern, "value": 1.5},
            {"mask": pattern[..., :1], "value": -2},  # broadcast over the input
            {"mask": np.stack([pattern, ~pattern]), "value": 0.25}]  # the input broadcast


def _np_masked_fill(x, mask, value):
    return np.where(mask, value, x).astype(x.dtype)


def _torch_masked_fill(x, mask, value):
    return x.masked_fill(_torch().as_tensor(mask), value)


def _fill_value(x, v, mask):
    return tg.masked_fill(x, tg.tensor(mask), v)


OPS = [
    OpSpec("split", lambda x, size, dim: tg.cat(tg.split(x, size, dim)[::-1], dim),
           lambda x, size, dim: np.concatenate(_np_split(x, size, dim)[::-1], dim),
           lambda x, size, dim: _torch().cat(_torch().split(x, size, dim)[::-1], dim), 1,
           [((5, 4),)],
           kwargs=[{"size": 2, "dim": 0}, {"size": [1, 3], "dim": 1}, {"size": 3, "dim": -1},
                   {"size": [2, 0, 3], "dim": 0}, {"size": 5, "dim": 0}]),
    OpSpec("split_method", lambda x: tg.cat(x.split(2, dim=1)[::-1], 1),
           lambda x: np.concatenate(_np_split(x, 2, 1)[::-1], 1),
           lambda x: _torch().cat(x.split(2, dim=1)[::-1], 1), 1, [((2, 5),)]),
    OpSpec("tensor_split",
           lambda x, cuts, dim: tg.cat(tg.tensor_split(x, cuts, dim)[::-1], dim),
           lambda x, cuts, dim: np.concatenate(np.array_split(x, cuts, dim)[::-1], dim),
           lambda x, cuts, dim: _torch().cat(x.tensor_split(cuts, dim)[::-1], dim), 1,
           [((5, 4),), ((7,),)],
           kwargs=[{"cuts": 3, "dim": 0}, {"cuts": [1, 3], "dim": 0}, {"cuts": 2, "dim": -1},
                   {"cuts": [2], "dim": -1}]),
    OpSpec("chunk", lambda x, chunks, dim: tg.cat(tg.chunk(x, chunks, dim)[::-1], dim),
           lambda x, chunks, dim: np.concatenate(_np_chunk(x, chunks, dim)[::-1], dim),
           lambda x, chunks, dim: _torch().cat(x.chunk(chunks, dim)[::-1], dim), 1,
           [((5, 4),), ((6,),)],
           kwargs=[{"chunks": 3, "dim": 0}, {"chunks": 2, "dim": -1}, {"chunks": 4, "dim": 0}]),
    OpSpec("unbind", lambda x, dim: tg.stack(tg.unbind(x, dim)[::-1], dim),
           lambda x, dim: np.flip(x, dim).copy(),
           lambda x, dim: _torch().stack(x.unbind(dim)[::-1], dim), 1,
           [((3, 4),), ((2, 3, 2),)], kwargs=[{"dim": 0}, {"dim": 1}, {"dim": -1}]),
    OpSpec("gather", lambda x, dim, index: tg.gather(x, dim, tg.tensor(index)), _np_gather,
           lambda x, dim, index: _torch().gather(x, dim, _torch().as_tensor(index)), 1,
           [((4, 5),), ((3, 4, 2),), ((6,),)], kwargs=_gather_kwargs),
    OpSpec("scatter_add",
           lambda x, src, dim, index: tg.scatter_add(x, dim, tg.tensor(index), src),
           _np_scatter_add,
           lambda x, src, dim, index: _torch().scatter_add(x, dim, _torch().as_tensor(index),
                                                           src),
           2, [((4, 5), (3, 5)), ((4, 5), (4, 7)), ((5,), (8,))], kwargs=_scatter_kwargs),
    # a 0-d input acts as a vector of one element
    OpSpec("gather_0d", lambda x, index: tg.gather(x, 0, tg.tensor(index)),
           lambda x, index: np.broadcast_to(x, index.shape).copy(),
           lambda x, index: _torch().gather(x, 0, _torch().as_tensor(index)), 1, [((),)],
           kwargs=[{"index": np.array([0, 0, 0])}, {"index": np.array(0)}]),
    OpSpec("scatter_add_0d", lambda x, src: tg.scatter_add(x, 0, tg.tensor([0, 0]), src),
           lambda x, src: x + src[:2].sum(),
           lambda x, src: _torch().scatter_add(x, 0, _torch().tensor([0, 0]), src), 2,
           [((), (2,))]),
    OpSpec("index_select", lambda x, dim, index: x.index_select(dim, tg.tensor(index)),
           lambda x, dim, index: np.take(x, index.reshape(-1), axis=dim),
           lambda x, dim, index: x.index_select(dim, _torch().as_tensor(index)), 1,
           [((4, 5),)],
           kwargs=[{"dim": 0, "index": np.array([0, 2, 2, 3])}, {"dim": 1, "index": np.array(
               [4, 0])}, {"dim": -1, "index": np.array(1)}, {"dim": 0, "index": np.zeros(
                   0, np.int64)}]),
    OpSpec("index_select_0d", lambda x: tg.index_select(x, 0, tg.tensor([0])),
           lambda x: x.copy(), lambda x: _torch().index_select(x, 0, _torch().tensor([0])), 1,
           [((),)]),
    OpSpec("masked_fill", lambda x, mask, value: x.masked_fill(tg.tensor(mask), value),
           _np_masked_fill, _torch_masked_fill, 1, [((2, 3),), ((4,),)], kwargs=_mask_kwargs),
    # the value a 0-d tensor: differentiable too (its gradient sums g where the mask holds)
    OpSpec("masked_fill_tensor_value", _fill_value,
           lambda x, v, mask: _np_masked_fill(x, mask, v),
           lambda x, v, mask: x.masked_fill(_torch().as_tensor(mask), v), 2,
           [((2, 3), ())],
           kwargs=[{"mask": np.array([True, False, True])},
                   {"mask": np.array([[True, False, False], [False, True, True]])}]),
]
