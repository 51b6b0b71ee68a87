"""Op-table entries: max/min over one dim (values and indices), prod, std, norm, cumsum,
cumprod."""

from __future__ import annotations

import math

import numpy as np

import tinygraph as tg

from .spec import REDUCE_SHAPES, OpSpec, axes_for


def one_dim_for(shapes) -> list:
    """max/min/cumsum keywords: each dim, positive and negative, with and without keepdim."""
    ndim = len(shapes[0])
    return [{"dim": d, "keepdim": d % 2 == 0} for d in range(-ndim, ndim)] or [{"dim": 0}]


def scan_dims_for(shapes) -> list:
    ndim = len(shapes[0])
    return [{"dim": d} for d in range(-ndim, ndim)] or [{"dim": 0}]


def _torch_dims(x, axis):
    return tuple(range(x.ndim)) if axis is None else axis


def _torch_prod(x, axis=None, keepdims=False):
    """torch.prod reduces one dim at a time."""
    if axis is None:
        out = x.prod()
        return out.reshape((1,) * x.ndim) if keepdims else out
    for a in sorted((axis,) if isinstance(axis, int) else axis, key=lambda a: -(a % x.ndim)):
        x = x.prod(dim=a, keepdim=True)
    return x if keepdims else x.squeeze(_torch_dims(x, axis))


def _torch_std(x, axis=None, keepdims=False):
    return x.std(dim=_torch_dims(x, axis) if x.ndim else None, keepdim=keepdims)


def _norm_cases(shapes) -> list:
    ndim = len(shapes[0])
    out = []
    for p in (2, "fro", 1, math.inf, -math.inf, 3, 0.5):
        out.append({"p": p})
        if ndim:
            out.append({"p": p, "dim": ndim - 1, "keepdim": True})
        if ndim >= 2 and p != "fro":
            out.append({"p": p, "dim": (0, -1)})
    return out


def _np_norm(x, p="fro", dim=None, keepdim=False):
    a = np.abs(x)
    if p in ("fro", 2):
        return np.sqrt(np.sum(a * a, axis=dim, keepdims=keepdim))
    if p == math.inf:
        return np.max(a, axis=dim, keepdims=keepdim)
    if p == -math.inf:
        return np.min(a, axis=dim, keepdims=keepdim)
    return np.sum(a**p, axis=dim, keepdims=keepdim) ** (1 / p)


def _np_dim(fn):
    def ref(x, dim, keepdim=False):
        if x.ndim == 0:
            return x
        return fn(x, axis=dim, keepdims=keepdim)

    return ref


def _np_scan(fn):
    def ref(x, dim):
        return x if x.ndim == 0 else fn(x, axis=dim)

    return ref


OPS = [
    OpSpec("max", lambda x, dim, keepdim=False: tg.max(x, dim, keepdim).values,
           _np_dim(np.max), lambda x, dim, keepdim=False: x.max(dim, keepdim).values, 1,
           REDUCE_SHAPES, kwargs=one_dim_for),
    OpSpec("min", lambda x, dim, keepdim=False: x.min(dim=dim, keepdim=keepdim)[0],
           _np_dim(np.min), lambda x, dim, keepdim=False: x.min(dim, keepdim)[0], 1,
           REDUCE_SHAPES, kwargs=one_dim_for),
    OpSpec("max_all", lambda x: x.max(), np.max, lambda x: x.max(), 1, REDUCE_SHAPES),
    OpSpec("prod", tg.prod, lambda x, axis=None, keepdims=False: np.prod(
        x, axis=axis, keepdims=keepdims), _torch_prod, 1, REDUCE_SHAPES, kwargs=axes_for,
           domains={0: (0.5, 1.5)}),
    OpSpec("std", tg.std, lambda x, axis=None, keepdims=False: np.std(
        x, axis=axis, keepdims=keepdims, ddof=1), _torch_std, 1, [((5,),), ((3, 4),),
                                                                  ((2, 3, 4),)],
           kwargs=axes_for),
    OpSpec("norm", tg.norm, _np_norm, lambda x, **kw: x.norm(**kw), 1, REDUCE_SHAPES,
           kwargs=_norm_cases, domains={0: (0.2, 2.0)}),
    OpSpec("norm_signed", lambda x, p: x.norm(p), lambda x, p: _np_norm(x, p),
           lambda x, p: x.norm(p), 1, [((5,),), ((2, 3),)],
           kwargs=[{"p": 1}, {"p": 3}, {"p": math.inf}, {"p": 2}, {"p": 1.5}]),
    OpSpec("cumsum", tg.cumsum, _np_scan(np.cumsum), lambda x, dim: x.cumsum(dim), 1,
           REDUCE_SHAPES, kwargs=scan_dims_for),
    OpSpec("cumprod", lambda x, dim: x.cumprod(dim), _np_scan(np.cumprod),
           lambda x, dim: x.cumprod(dim), 1, REDUCE_SHAPES, kwargs=scan_dims_for),
]


def _sort_cases(shapes) -> list:
    ndim = len(shapes[0])
    return [{"dim": d, "descending": d % 2 == 0} for d in range(-ndim, ndim)] or [{"dim": 0}]


def _np_sort(x, dim=-1, descending=False):
    if x.ndim == 0:
        return x
    y = np.sort(x, axis=dim)
    return np.flip(y, axis=dim) if descending else y


def _topk_cases(shapes) -> list:
    shape = shapes[0]
    return ([{"k": min(2, n), "dim": d, "largest": d % 2 == 0} for d, n in enumerate(shape)]
            or [{"k": 1}])


def _np_topk(x, k, dim=-1, largest=True):
    if x.ndim == 0:
        return x
    y = _np_sort(x, dim, descending=largest)
    return y[(slice(None),) * (dim % x.ndim) + (slice(0, k),)]


OPS += [
    OpSpec("sort", lambda x, **k: tg.sort(x, **k).values, _np_sort,
           lambda x, **k: x.sort(**k).values, 1, REDUCE_SHAPES, kwargs=_sort_cases),
    OpSpec("topk", lambda x, k, **kw: x.topk(k, **kw).values, _np_topk,
           lambda x, k, **kw: x.topk(k, **kw).values, 1, REDUCE_SHAPES, kwargs=_topk_cases),
]
