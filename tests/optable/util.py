"""Op-table entries: grids and combinations of 1-D tensors (compositions of reshape, expand,
stack and indexing), each output gathered into one tensor."""

from __future__ import annotations

import itertools

import numpy as np

import tinygraph as tg

from .spec import OpSpec, _torch

_INDEXING = [{"indexing": "ij"}, {"indexing": "xy"}]


def _np_combinations(a, r=2, with_replacement=False):
    choose = itertools.combinations_with_replacement if with_replacement else (
        itertools.combinations)
    rows = list(choose(range(len(a)), r))
    return a[np.asarray(rows, dtype=np.int64).reshape(len(rows), r)]


OPS = [
    OpSpec("meshgrid", lambda a, b, indexing: tg.stack(tg.meshgrid(a, b, indexing=indexing)),
           lambda a, b, indexing: np.stack(np.meshgrid(a, b, indexing=indexing)),
           lambda a, b, indexing: _torch().stack(_torch().meshgrid(a, b, indexing=indexing)),
           2, [((2,), (3,)), ((), (3,)), ((4,), (1,))], kwargs=_INDEXING),
    OpSpec("meshgrid3", lambda a, b, c, indexing: tg.stack(tg.meshgrid(a, b, c,
                                                                       indexing=indexing)),
           lambda a, b, c, indexing: np.stack(np.meshgrid(a, b, c, indexing=indexing)),
           lambda a, b, c, indexing: _torch().stack(_torch().meshgrid(a, b, c,
                                                                      indexing=indexing)),
           3, [((2,), (3,), (2,))], kwargs=_INDEXING),
    OpSpec("cartesian_prod", lambda a, b: tg.cartesian_prod(a, b),
           lambda a, b: np.stack([g.ravel() for g in np.meshgrid(a, b, indexing="ij")], 1),
           lambda a, b: _torch().cartesian_prod(a, b), 2, [((2,), (3,)), ((1,), (4,))]),
    OpSpec("combinations", lambda a, **k: tg.combinations(a, **k), _np_combinations,
           lambda a, **k: _torch().combinations(a, **k), 1, [((4,),), ((2,),)],
           kwargs=[{}, {"r": 3}, {"r": 2, "with_replacement": True}, {"r": 1}]),
]
