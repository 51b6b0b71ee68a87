"""Op-table entries: PyTorch's views and rearrangements (view, permute, expand, narrow,
diagonal, repeat, flip, roll, tril, triu, ...)."""

from __future__ import annotations

import numpy as np

import tinygraph as tg

from .spec import OpSpec, _torch


def _np_expand(x, sizes):
    lead = len(sizes) - x.ndim
    return np.broadcast_to(x, tuple(x.shape[i - lead] if n == -1 else n
                                    for i, n in enumerate(sizes)))


def _np_narrow(x, dim, start, length):
    start = start % x.shape[dim]
    return np.take(x, range(start, start + length), axis=dim)


def _np_repeat(x, sizes):
    return np.tile(x, sizes)


def _np_roll(x, shifts, dims=None):
    return np.roll(x, shifts, dims)


def _np_unflatten(x, dim, sizes):
    dim %= x.ndim
    sizes = list(sizes)
    if -1 in sizes:
        sizes[sizes.index(-1)] = x.shape[dim] // -int(np.prod(sizes))
    return x.reshape(x.shape[:dim] + tuple(sizes) + x.shape[dim + 1:])


OPS = [
    OpSpec("view", lambda x, size: x.view(*size), lambda x, size: x.reshape(size),
           lambda x, size: x.view(*size), 1, [((2, 3, 4),)],
           kwargs=[{"size": (6, 4)}, {"size": (-1,)}, {"size": (2, -1, 2)}, {"size": (24, 1)}]),
    OpSpec("view_0d", lambda x, size: x.view(size), lambda x, size: x.reshape(size),
           lambda x, size: x.view(size), 1, [((),), ((1,),)],
           kwargs=[{"size": (1, 1)}, {"size": ()}]),
    OpSpec("unflatten", tg.unflatten, _np_unflatten,
           lambda x, dim, sizes: x.unflatten(dim, sizes), 1, [((2, 12),)],
           kwargs=[{"dim": 1, "sizes": (3, 4)}, {"dim": -1, "sizes": (2, -1, 3)},
                   {"dim": 0, "sizes": (1, 2)}]),
    OpSpec("permute", lambda x, dims: x.permute(*dims), lambda x, dims: np.transpose(x, dims),
           lambda x, dims: x.permute(*dims), 1, [((2, 3, 4),)],
           kwargs=[{"dims": (2, 0, 1)}, {"dims": (0, 1, 2)}, {"dims": (-1, 0, -2)}]),
    OpSpec("permute_tuple", lambda x, dims: tg.permute(x, dims),
           lambda x, dims: np.transpose(x, dims),
           lambda x, dims: x.permute(dims), 1, [((2, 3),)], kwargs=[{"dims": (1, 0)}]),
    OpSpec("t", tg.t, lambda x: x.T, lambda x: x.t(), 1, [((2, 3),), ((4,),), ((),)]),
    OpSpec("expand", lambda x, sizes: x.expand(*sizes), _np_expand,
           lambda x, sizes: x.expand(*sizes), 1, [((3, 1),)],
           kwargs=[{"sizes": (3, 4)}, {"sizes": (-1, 2)}, {"sizes": (2, -1, 5)},
                   {"sizes": (3, 1)}]),
    OpSpec("expand_as", lambda x, y: x.expand_as(y), lambda x, y: np.broadcast_to(x, y.shape),
           lambda x, y: x.expand(*y.shape), 1, [((1, 3),)],
           kwargs=[{"y": np.zeros((2, 4, 3))}]),
    OpSpec("view_as", lambda x, y: x.view_as(tg.tensor(y)), lambda x, y: x.reshape(y.shape),
           lambda x, y: x.view_as(_torch().tensor(y)), 1, [((2, 6),), ((12,),)],
           kwargs=[{"y": np.zeros((3, 4))}, {"y": np.zeros((4, 1, 3))}]),
    OpSpec("reshape_as", lambda x, y: tg.reshape_as(x.T, tg.tensor(y)),
           lambda x, y: x.T.reshape(y.shape), lambda x, y: x.T.reshape_as(_torch().tensor(y)),
           1, [((2, 6),)], kwargs=[{"y": np.zeros((3, 4))}]),
    OpSpec("narrow", tg.narrow, _np_narrow, lambda x, dim, start, length: x.narrow(
        dim, start, length), 1, [((4, 5),)],
           kwargs=[{"dim": 0, "start": 1, "length": 2}, {"dim": -1, "start": -3, "length": 3},
                   {"dim": 1, "start": 0, "length": 0}]),
    OpSpec("diagonal", tg.diagonal, lambda x, offset=0, dim1=0, dim2=1: np.diagonal(
        x, offset, dim1, dim2), lambda x, offset=0, dim1=0, dim2=1: x.diagonal(
        offset, dim1, dim2), 1, [((3, 4),), ((2, 3, 4),)],
           kwargs=[{}, {"offset": 1}, {"offset": -2}, {"offset": 5}, {"offset": 1, "dim1": -1,
                                                                      "dim2": 0}]),
    OpSpec("repeat", lambda x, sizes: x.repeat(*sizes), _np_repeat,
           lambda x, sizes: x.repeat(*sizes), 1, [((2, 3),)],
           kwargs=[{"sizes": (2, 1)}, {"sizes": (1, 3)}, {"sizes": (2, 2, 2)}, {"sizes": (1, 1)},
                   {"sizes": (0, 2)}]),
    OpSpec("repeat_0d", lambda x, sizes: x.repeat(*sizes), _np_repeat,
           lambda x, sizes: x.repeat(*sizes), 1, [((),)], kwargs=[{"sizes": (3,)},
                                                                 {"sizes": (2, 2)}]),
    OpSpec("flip", lambda x, dims: tg.flip(x, dims), lambda x, dims: np.flip(x, dims),
           lambda x, dims: x.flip(dims), 1, [((2, 3, 4),)],
           kwargs=[{"dims": (0,)}, {"dims": (-1, 1)}, {"dims": ()}]),
    OpSpec("roll", tg.roll, _np_roll, lambda x, shifts, dims=None: x.roll(shifts, dims), 1,
           [((3, 4),)], kwargs=[{"shifts": 1}, {"shifts": -5}, {"shifts": 2, "dims": 1},
                                {"shifts": (1, -1), "dims": (0, 1)}]),
    OpSpec("tril", tg.tril, lambda x, diagonal=0: np.tril(x, diagonal),
           lambda x, diagonal=0: x.tril(diagonal), 1, [((3, 4),), ((2, 3, 3),)],
           kwargs=[{}, {"diagonal": 1}, {"diagonal": -1}]),
    OpSpec("triu", tg.triu, lambda x, diagonal=0: np.triu(x, diagonal),
           lambda x, diagonal=0: x.triu(diagonal), 1, [((3, 4),), ((2, 3, 3),)],
           kwargs=[{}, {"diagonal": 2}, {"diagonal": -1}]),
]
