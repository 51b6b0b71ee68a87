"""Op-table entries: broadcast_tensors (ops/arrange.py); cholesky, solve_triangular,
triangular_solve, cholesky_solve, cholesky_inverse and matrix_exp (ops/linalg_more.py,
tinygraph/linalg.py);
scatter_reduce and index_reduce (ops/scatter_reduce.py)."""

from __future__ import annotations

import warnings

import numpy as np

import tinygraph as tg

from .spec import OpSpec, _torch


def _spd(lib, a):
    """A well-conditioned symmetric positive-definite matrix from any square ``a``."""
    n = a.shape[-1]
    if isinstance(a, np.ndarray):
        return a @ np.swapaxes(a, -1, -2) + 3 * np.eye(n)
    return a @ a.mT + 3 * lib.eye(n, dtype=a.dtype)


def _np_cholesky(a, upper=False):
    lower = np.linalg.cholesky(_spd(np, a))
    return np.swapaxes(lower, -1, -2) if upper else lower


def _np_solve_triangular(a, b, upper, left=True):
    n = a.shape[-1]
    t = (np.triu(a) if upper else np.tril(a)) + 3 * np.eye(n)
    return np.linalg.solve(t, b) if left else np.swapaxes(
        np.linalg.solve(np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)


def _quietly(function, *args, **kwargs):
    """The deprecated triangular_solve, without its deprecation warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return function(*args, **kwargs)


def _np_triangular_solve(b, a, upper=True, transpose=False):
    t = (np.triu(a) if upper else np.tril(a)) + 3 * np.eye(a.shape[-1])
    return np.linalg.solve(np.swapaxes(t, -1, -2) if transpose else t, b)


def _shifted(lib, a):
    return a + 3 * lib.eye(a.shape[-1], dtype=a.dtype)


def _np_matrix_exp(a):
    out = np.eye(a.shape[-1]) + np.zeros_like(a)
    term = out
    for k in range(1, 30):
        term = term @ a / k
        out = out + term
    return out


# scatter_reduce: index [0, 1, 1, 2, 2, 2] along dim 0 of a (4,) input (repeats and a position
# no index names), and along dim 1 of a (2, 3) input
_INDEX_1D = np.array([0, 1, 1, 2, 2, 2])
_INDEX_2D = np.array([[0, 0, 2], [1, 1, 1]])


def _np_scatter_reduce(x, src, dim, reduce, include_self=True):
    index = _INDEX_1D if x.ndim == 1 else _INDEX_2D
    return _np_scatter_reduce_with(x, src, dim, reduce, include_self, index)


def _np_scatter_reduce_with(x, src, dim, reduce, include_self, index):
    out = x.copy()
    values = {}
    for pos in np.ndindex(index.shape):
        target = list(pos)
        target[dim] = index[pos]
        values.setdefault(tuple(target), []).append(src[pos])
    for target, vals in values.items():
        vals = ([x[target]] if include_self else []) + vals
        out[target] = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max,
                       "amin": np.min}[reduce](vals)
    return out


def _tg_scatter_reduce(x, src, dim, reduce, include_self=True):
    index = tg.tensor(_INDEX_1D if x.dim() == 1 else _INDEX_2D)
    return x.scatter_reduce(dim, index, src, reduce, include_self=include_self)


def _torch_scatter_reduce(x, src, dim, reduce, include_self=True):
    index = _torch().tensor(_INDEX_1D if x.dim() == 1 else _INDEX_2D)
    return x.scatter_reduce(dim, index, src, reduce, include_self=include_self)


def _index_reduce(lib):
    def fn(x, src, dim, reduce, include_self=True):
        index = lib().tensor(_INDEX_1D if x.dim() == 1 else _INDEX_2D[0])
        return x.index_reduce(dim, index, src, reduce, include_self=include_self)
    return fn


def _np_index_reduce(x, src, dim, reduce, include_self=True):
    index = _INDEX_1D if x.ndim == 1 else _INDEX_2D[0]
    spread = np.broadcast_to(index.reshape([-1 if d == dim % x.ndim else 1
                                           for d in range(x.ndim)]), src.shape)
    return _np_scatter_reduce_with(x, src, dim, reduce, include_self, spread)


_SR_SHAPES = [((4,), (6,)), ((2, 3), (2, 3))]
_SR_KWARGS = [{"dim": -1, "reduce": r, "include_self": i}
              for r in ("sum", "prod", "mean") for i in (True, False)]
_SR_EXTREME_KWARGS = [{"dim": -1, "reduce": r, "include_self": i}
                      for r in ("amax", "amin") for i in (True, False)]

OPS = [
    OpSpec("broadcast_tensors", lambda a, b: tg.stack(tg.broadcast_tensors(a, b)),
           lambda a, b: np.stack(np.broadcast_arrays(a, b)),
           lambda a, b: _torch().stack(_torch().broadcast_tensors(a, b)), 2,
           [((2, 1), (3,)), ((), (2, 2)), ((3,), (3,))], broadcasting=False),
    OpSpec("cholesky", lambda a, upper=False: tg.linalg.cholesky(_spd(tg, a), upper=upper),
           _np_cholesky,
           lambda a, upper=False: _torch().linalg.cholesky(_spd(_torch(), a), upper=upper), 1,
           [((3, 3),), ((2, 2, 2),), ((1, 1),)], kwargs=[{}, {"upper": True}],
           domains={0: (-1.0, 1.0)}),
    OpSpec("linalg_solve_triangular",
           lambda a, b, upper, left=True: tg.linalg.solve_triangular(
               _shifted(tg, a), b, upper=upper, left=left), _np_solve_triangular,
           lambda a, b, upper, left=True: _torch().linalg.solve_triangular(
               _shifted(_torch(), a), b, upper=upper, left=left), 2,
           [((3, 3), (3, 3)), ((2, 2, 2), (2, 2, 2))],
           kwargs=[{"upper": True}, {"upper": False}, {"upper": False, "left": False}],
           domains={0: (-1.0, 1.0)}),
    OpSpec("triangular_solve",
           lambda b, a, **k: _quietly(tg.triangular_solve, b, _shifted(tg, a), **k).solution,
           _np_triangular_solve,
           lambda b, a, **k: _quietly(_torch().triangular_solve, b, _shifted(_torch(), a),
                                      **k).solution,
           2, [((3, 2), (3, 3)), ((2, 3, 1), (2, 3, 3))],
           kwargs=[{}, {"upper": False}, {"transpose": True}], domains={1: (-1.0, 1.0)}),
    OpSpec("cholesky_solve",
           lambda b, a, upper=False: tg.cholesky_solve(b, tg.linalg.cholesky(_spd(tg, a),
                                                                          upper=upper), upper),
           lambda b, a, upper=False: np.linalg.solve(_spd(np, a), b),
           lambda b, a, upper=False: _torch().cholesky_solve(
               b, _torch().linalg.cholesky(_spd(_torch(), a), upper=upper), upper), 2,
           [((3, 2), (3, 3)), ((2, 3, 1), (2, 3, 3))], kwargs=[{}, {"upper": True}],
           domains={1: (-1.0, 1.0)}),
    # entries within ±0.15: no squaring (column sums under 1/2), so the recorded ops do not
    # depend on the values and the export runs; tests/test_parity_functions_more.py covers
    # larger matrices (squarings) against torch, second derivatives included
    OpSpec("matrix_exp", tg.matrix_exp, _np_matrix_exp, lambda a: _torch().matrix_exp(a), 1,
           [((3, 3),), ((2, 2, 2),), ((1, 1),)], domains={0: (-0.15, 0.15)}),
    OpSpec("scatter_reduce", _tg_scatter_reduce, _np_scatter_reduce, _torch_scatter_reduce, 2,
           _SR_SHAPES, kwargs=_SR_KWARGS),
    OpSpec("scatter_reduce_extreme", _tg_scatter_reduce, _np_scatter_reduce,
           _torch_scatter_reduce, 2, _SR_SHAPES, kwargs=_SR_EXTREME_KWARGS),
]

# Entries added after the table's random draws were settled: __init__.py puts them last, so
# that the values drawn for the entries before them stay as they were.
LATE_OPS = [
    OpSpec("cholesky_inverse",
           lambda a, upper=False: tg.cholesky_inverse(tg.linalg.cholesky(_spd(tg, a),
                                                                       upper=upper), upper),
           lambda a, upper=False: np.linalg.inv(_spd(np, a)),
           lambda a, upper=False: _torch().cholesky_inverse(
               _torch().linalg.cholesky(_spd(_torch(), a), upper=upper), upper), 1,
           [((3, 3),), ((2, 3, 3),)], kwargs=[{}, {"upper": True}],
           domains={0: (-1.0, 1.0)}),
    # index_reduce: the index [0, 1, 1, 2, 2, 2] along dim 0 of a (4,) input, and [0, 0, 2]
    # along dim 1 of a (2, 3) one
    OpSpec("index_reduce", _index_reduce(lambda: tg), _np_index_reduce, _index_reduce(_torch), 2,
           _SR_SHAPES, kwargs=[k for k in _SR_KWARGS if k["reduce"] != "sum"]),
    OpSpec("index_reduce_extreme", _index_reduce(lambda: tg), _np_index_reduce,
           _index_reduce(_torch), 2, _SR_SHAPES, kwargs=_SR_EXTREME_KWARGS),
]
