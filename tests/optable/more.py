"""Op-table entries: the compositions of ops/combine.py, ops/math_more.py, ops/index_more.py
and ops/stats_more.py (PyTorch functions beyond the basic set)."""

from __future__ import annotations

import math

import numpy as np

import tinygraph as tg

from .spec import BINARY_SHAPES, REDUCE_SHAPES, UNARY_SHAPES, OpSpec, _torch

MAT = [((2, 3),), ((3, 4),), ((1, 5),)]
NONEMPTY = [((),), ((4,),), ((2, 3),), ((2, 1, 3),)]


def _t(name):
    """torch.<name>, looked up when called (torch is optional outside CI)."""
    return lambda *a, **k: getattr(_torch(), name)(*a, **k)


# -- references ----------------------------------------------------------------------------

def _np_repeat_interleave(x, repeats, dim=None):
    if dim is None:
        return np.repeat(x.reshape(-1), repeats)
    return np.repeat(x, repeats, axis=dim)


def _np_diff(x, n=1, dim=-1):
    return np.diff(x, n=n, axis=dim)


def _np_diag_embed(x, offset=0):
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n))
    idx = np.arange(x.shape[-1])
    rows, cols = (idx, idx + offset) if offset >= 0 else (idx - offset, idx)
    out[..., rows, cols] = x
    return out


def _np_diag(x, diagonal=0):
    return np.diag(x, diagonal)


def _np_logit(x, eps=None):
    if eps is not None:
        x = np.clip(x, eps, 1 - eps)
    return np.log(x / (1 - x))


def _np_erfc(x):
    return np.vectorize(math.erfc, otypes=[np.float64])(x) if x.size else x.copy()


def _np_cdist(a, b, p=2.0):
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == math.inf:
        return d.max(-1)
    if p == 1:
        return d.sum(-1)
    return (d ** p).sum(-1) ** (1 / p)


def _torch_cdist(a, b, p=2.0):
    """torch.cdist's values, differentiable twice (its own backward is not)."""
    torch = _torch()
    return torch.linalg.vector_norm(a[..., :, None, :] - b[..., None, :, :], p, dim=-1)


def _torch_pdist(a, p=2.0):
    """torch.pdist's values, differentiable twice (its own backward is not)."""
    rows, cols = np.triu_indices(len(a), 1)
    return _torch().linalg.vector_norm(a[rows] - a[cols], p, dim=-1)


def _np_median(x, dim=None, keepdim=False):
    if dim is None:
        flat = np.sort(x.reshape(-1))
        return flat[(flat.size - 1) // 2]
    if x.ndim == 0:
        return x
    s = np.sort(x, axis=dim)
    return np.take(s, [(x.shape[dim] - 1) // 2], axis=dim) if keepdim else np.take(
        s, (x.shape[dim] - 1) // 2, axis=dim)


def _np_kthvalue(x, k, dim=-1):
    if x.ndim == 0:
        return x
    return np.take(np.sort(x, axis=dim), k - 1, axis=dim)


def _np_mode(x, dim=-1):
    """The most frequent value along ``dim``, the smallest of equally frequent ones."""
    if x.ndim == 0:
        return x

    def row(r):
        values, counts = np.unique(r, return_counts=True)
        return values[np.argmax(counts)]

    return np.apply_along_axis(row, dim, x)


def _np_scatter(x, src, index, dim):
    out = x.copy()
    np.put_along_axis(out, index, src[tuple(slice(0, n) for n in index.shape)], axis=dim)
    return out


def _np_index_add(x, src, index, dim, alpha=1):
    out = x.copy()
    moved = np.moveaxis(out, dim, 0)
    np.add.at(moved, index, alpha * np.moveaxis(src, dim, 0))
    return out


SCATTER_INDEX = np.array([[1, 0, 2], [2, 1, 0]])
ADD_INDEX = np.array([2, 0, 2])


OPS = [
    # ops/combine.py
    OpSpec("clamp_min", lambda x: tg.clamp_min(x, -0.5), lambda x: np.maximum(x, -0.5),
           lambda x: x.clamp_min(-0.5), 1, UNARY_SHAPES),
    OpSpec("clamp_max", lambda x: x.clamp_max(0.5), lambda x: np.minimum(x, 0.5),
           lambda x: x.clamp_max(0.5), 1, UNARY_SHAPES),
    OpSpec("tile", lambda x, dims: tg.tile(x, dims), lambda x, dims: np.tile(x, dims),
           lambda x, dims: x.tile(dims), 1, UNARY_SHAPES,
           kwargs=[{"dims": (2,)}, {"dims": (2, 1, 3)}]),
    OpSpec("repeat_interleave", tg.repeat_interleave, _np_repeat_interleave,
           _t("repeat_interleave"), 1, NONEMPTY,
           kwargs=lambda s: [{"repeats": 2}] + [{"repeats": 3, "dim": d}
                                                 for d in range(len(s[0]))]),
    OpSpec("movedim", tg.movedim, lambda x, source, destination: np.moveaxis(
        x, source, destination), _t("movedim"), 1, [((2, 3, 4),)],
           kwargs=[{"source": 0, "destination": -1}, {"source": (0, 1), "destination": (2, 0)}]),
    OpSpec("ravel", tg.ravel, np.ravel, lambda x: x.ravel(), 1, UNARY_SHAPES),
    OpSpec("take_along_dim", lambda x, dim: tg.take_along_dim(x, tg.tensor([[1], [0]]), dim),
           lambda x, dim: np.take_along_axis(x, np.array([[1], [0]]), dim),
           lambda x, dim: _torch().take_along_dim(x, _torch().tensor([[1], [0]]), dim), 1,
           [((2, 3),)], kwargs=[{"dim": 1}, {"dim": 0}]),
    OpSpec("hstack", lambda a, b: tg.hstack([a, b]), lambda a, b: np.hstack([a, b]),
           lambda a, b: _torch().hstack([a, b]), 2, [((3,), (2,)), ((2, 3), (2, 1))]),
    OpSpec("vstack", lambda a, b: tg.vstack((a, b)), lambda a, b: np.vstack([a, b]),
           lambda a, b: _torch().vstack([a, b]), 2, [((3,), (3,)), ((2, 3), (3,))]),
    OpSpec("dstack", lambda a, b: tg.dstack([a, b]), lambda a, b: np.dstack([a, b]),
           lambda a, b: _torch().dstack([a, b]), 2, [((3,), (3,)), ((2, 3), (2, 3, 2))]),
    OpSpec("column_stack", lambda a, b: tg.column_stack([a, b]),
           lambda a, b: np.column_stack([a, b]), lambda a, b: _torch().column_stack([a, b]),
           2, [((3,), (3, 2)), ((), ())]),
    OpSpec("fliplr", tg.fliplr, np.fliplr, lambda x: x.fliplr(), 1, [((2, 3),), ((2, 3, 4),)]),
    OpSpec("flipud", lambda x: x.flipud(), np.flipud, _t("flipud"), 1, [((4,),), ((2, 3),)]),
    OpSpec("rot90", tg.rot90, lambda x, k=1, dims=(0, 1): np.rot90(x, k, dims), _t("rot90"),
           1, [((2, 3),), ((2, 3, 4),)],
           kwargs=[{}, {"k": 2}, {"k": 3}, {"k": -1, "dims": (1, 0)}, {"k": 0}]),
    OpSpec("diff", tg.diff, _np_diff, _t("diff"), 1, [((5,),), ((3, 4),)],
           kwargs=[{}, {"n": 2}, {"dim": 0}, {"n": 3, "dim": -1}]),
    OpSpec("diff_prepend", lambda x, p, a: tg.diff(x, prepend=p, append=a),
           lambda x, p, a: np.diff(x, prepend=p, append=a),
           lambda x, p, a: _torch().diff(x, prepend=p, append=a), 3,
           [((4,), (2,), (1,)), ((2, 3), (2, 1), (2, 2))]),
    # ops/math_more.py
    OpSpec("addmm", lambda c, a, b: tg.addmm(c, a, b, beta=0.5, alpha=2.0),
           lambda c, a, b: 0.5 * c + 2.0 * (a @ b),
           lambda c, a, b: _torch().addmm(c, a, b, beta=0.5, alpha=2.0), 3,
           [((2, 4), (2, 3), (3, 4)), ((4,), (2, 3), (3, 4)), ((), (1, 2), (2, 1))]),
    OpSpec("addcmul", lambda x, a, b: tg.addcmul(x, a, b, value=0.5),
           lambda x, a, b: x + 0.5 * a * b, lambda x, a, b: _torch().addcmul(x, a, b, value=0.5),
           3, [((2, 3), (2, 3), (3,)), ((), (3,), (2, 1))]),
    OpSpec("addcdiv", lambda x, a, b: x.addcdiv(a, b, value=-2),
           lambda x, a, b: x - 2 * a / b, lambda x, a, b: x.addcdiv(a, b, value=-2),
           3, [((2, 3), (2, 3), (3,)), ((), (3,), (2, 1))], domains={2: (0.5, 2.0)}),
    OpSpec("mv", tg.mv, lambda a, v: a @ v, _t("mv"), 2, [((2, 3), (3,)), ((1, 2), (2,))]),
    OpSpec("tensordot", tg.tensordot, lambda a, b, dims: np.tensordot(a, b, dims),
           _t("tensordot"), 2, [((2, 3, 4), (3, 4, 2))],
           kwargs=[{"dims": 2}, {"dims": 0}, {"dims": ([1, 0], [0, 2])}, {"dims": ([2], [1])}]),
    OpSpec("cross", tg.cross, lambda a, b, dim: np.cross(a, b, axis=dim),
           lambda a, b, dim: _torch().cross(a, b, dim=dim), 2,
           [((2, 3), (2, 3)), ((3, 2), (3, 1))], kwargs=lambda s: [
               {"dim": d} for d in range(-2, 2) if np.broadcast_shapes(*s)[d] == 3]),
    OpSpec("diag", tg.diag, _np_diag, _t("diag"), 1, [((3,),), ((3, 4),)],
           kwargs=[{}, {"diagonal": 1}, {"diagonal": -2}]),
    OpSpec("diag_embed", tg.diag_embed, _np_diag_embed, _t("diag_embed"), 1,
           [((3,),), ((2, 3),)], kwargs=[{}, {"offset": 1}, {"offset": -2}]),
    OpSpec("trace", tg.trace, np.trace, _t("trace"), 1, [((3, 3),), ((2, 4),), ((0, 2),)]),
    OpSpec("logaddexp", tg.logaddexp, np.logaddexp, _t("logaddexp"), 2, BINARY_SHAPES,
           broadcasting=True),
    OpSpec("xlogy", tg.xlogy, lambda x, y: x * np.log(y), _t("xlogy"), 2, BINARY_SHAPES,
           domains={1: (0.5, 2.0)}, broadcasting=True),
    OpSpec("hypot", tg.hypot, np.hypot, _t("hypot"), 2, BINARY_SHAPES,
           domains={0: (0.5, 2.0)}, broadcasting=True),
    OpSpec("logit", tg.logit, _np_logit, _t("logit"), 1, UNARY_SHAPES,
           kwargs=[{}, {"eps": 0.25}], domains={0: (0.05, 0.95)}),
    OpSpec("erfc", tg.erfc, _np_erfc, _t("erfc"), 1, UNARY_SHAPES),
    OpSpec("deg2rad", tg.deg2rad, np.deg2rad, _t("deg2rad"), 1, UNARY_SHAPES),
    OpSpec("rad2deg", lambda x: x.rad2deg(), np.rad2deg, _t("rad2deg"), 1, UNARY_SHAPES),
    OpSpec("nansum", tg.nansum, lambda x, dim=None, keepdim=False: np.nansum(
        x, axis=dim, keepdims=keepdim), _t("nansum"), 1, REDUCE_SHAPES[1:],
           kwargs=[{}, {"dim": 0, "keepdim": True}]),
    OpSpec("nanmean", tg.nanmean, lambda x, dim=None, keepdim=False: np.nanmean(
        x, axis=dim, keepdims=keepdim), _t("nanmean"), 1, REDUCE_SHAPES[1:],
           kwargs=[{}, {"dim": -1}]),
    OpSpec("nan_to_num", tg.nan_to_num, np.nan_to_num, _t("nan_to_num"), 1, UNARY_SHAPES),
    OpSpec("masked_select", lambda x: tg.masked_select(x, tg.tensor([True, False, True])),
           lambda x: x[..., [True, False, True]].reshape(-1),
           lambda x: _torch().masked_select(x, _torch().tensor([True, False, True])), 1,
           [((3,),), ((2, 3),)]),
    # ops/index_more.py
    OpSpec("scatter", lambda x, s: tg.scatter(x, 0, tg.tensor(SCATTER_INDEX), s),
           lambda x, s: _np_scatter(x, s, SCATTER_INDEX, 0),
           lambda x, s: x.scatter(0, _torch().tensor(SCATTER_INDEX), s), 2,
           [((3, 3), (2, 3)), ((4, 3), (2, 3))]),
    OpSpec("scatter_value", lambda x: x.scatter(1, tg.tensor(SCATTER_INDEX), 1.5),
           lambda x: _np_scatter(x, np.full((2, 3), 1.5), SCATTER_INDEX, 1),
           lambda x: x.scatter(1, _torch().tensor(SCATTER_INDEX), 1.5), 1, [((2, 3),)]),
    OpSpec("index_add", lambda x, s, dim: tg.index_add(x, dim, tg.tensor(ADD_INDEX), s,
                                                       alpha=2),
           lambda x, s, dim: _np_index_add(x, s, ADD_INDEX, dim, 2),
           lambda x, s, dim: x.index_add(dim, _torch().tensor(ADD_INDEX), s, alpha=2), 2,
           [((3, 3), (3, 3)), ((3, 4), (3, 4))], kwargs=[{"dim": 0}]),
    OpSpec("index_fill", lambda x, v: x.index_fill(1, tg.tensor([0, 2]), v),
           lambda x, v: np.where(np.isin(np.arange(x.shape[1]), [0, 2]), v, x),
           lambda x, v: x.index_fill(1, _torch().tensor([0, 2]), v), 2, [((2, 3), ())]),
    # ops/stats_more.py
    OpSpec("median", tg.median, _np_median, lambda x, **k: x.median() if not k else
           x.median(**k).values, 1, REDUCE_SHAPES),
    OpSpec("median_dim", lambda x, dim, keepdim=False: x.median(dim, keepdim).values,
           lambda x, dim, keepdim=False: _np_median(x, dim, keepdim),
           lambda x, dim, keepdim=False: x.median(dim, keepdim).values, 1, REDUCE_SHAPES,
           kwargs=lambda s: [{"dim": d, "keepdim": d % 2 == 0}
                             for d in range(-len(s[0]), len(s[0]))] or [{"dim": 0}]),
    OpSpec("kthvalue", lambda x, k, dim: tg.kthvalue(x, k, dim)[0], _np_kthvalue,
           lambda x, k, dim: x.kthvalue(k, dim)[0], 1, [((5,),), ((3, 4),)],
           kwargs=[{"k": 1, "dim": -1}, {"k": 2, "dim": 0}]),
    OpSpec("mode", lambda x, dim: tg.mode(x, dim)[0], _np_mode,
           lambda x, dim: x.mode(dim)[0], 1, [((5,),), ((3, 4),)],
           kwargs=[{"dim": -1}, {"dim": 0}]),
    OpSpec("std_mean", lambda x, **k: sum(tg.std_mean(x, **k)),
           lambda x, dim=None, keepdim=False: np.std(x, axis=dim, ddof=1, keepdims=keepdim)
           + np.mean(x, axis=dim, keepdims=keepdim),
           lambda x, **k: sum(_torch().std_mean(x, **k)), 1, [((5,),), ((3, 4),)],
           kwargs=[{}, {"dim": 0, "keepdim": True}]),
    OpSpec("var_mean", lambda x, **k: sum(tg.var_mean(x, **k)),
           lambda x, dim=None, correction=1: np.var(x, axis=dim, ddof=correction)
           + np.mean(x, axis=dim),
           lambda x, **k: sum(_torch().var_mean(x, **k)), 1, [((5,),), ((3, 4),)],
           kwargs=[{}, {"dim": -1, "correction": 0}]),
    OpSpec("cdist", tg.cdist, _np_cdist, _torch_cdist, 2,
           [((3, 2), (4, 2)), ((2, 3, 2), (4, 2))],
           kwargs=[{}, {"p": 1.0}, {"p": 3.0}, {"p": math.inf}]),
    OpSpec("quantile", tg.quantile,
           lambda x, q, dim=None, keepdim=False, interpolation="linear": np.quantile(
               x, q, axis=dim, keepdims=keepdim, method=interpolation),
           lambda x, **k: _torch().quantile(x, **k), 1, [((7,),), ((3, 5),)],
           kwargs=[{"q": 0.3}, {"q": 0.5, "dim": 0, "keepdim": True},
                   {"q": 0.75, "dim": -1, "interpolation": "midpoint"},
                   {"q": 0.6, "interpolation": "nearest"}, {"q": 0.2, "interpolation": "lower"},
                   {"q": 0.2, "interpolation": "higher"}]),
    OpSpec("pdist", tg.pdist, lambda a, p=2.0: _np_cdist(a, a, p)[np.triu_indices(len(a), 1)],
           lambda a, p=2.0: _torch_pdist(a, p), 1, [((4, 3),), ((2, 5),)],
           kwargs=[{}, {"p": 1.0}, {"p": 3.0}]),
    OpSpec("cummax", lambda x, dim: tg.cummax(x, dim).values,
           lambda x, dim: np.maximum.accumulate(x, axis=dim),
           lambda x, dim: _torch().cummax(x, dim).values, 1, [((6,),), ((3, 4),)],
           kwargs=[{"dim": 0}, {"dim": -1}]),
    OpSpec("cummin", lambda x, dim: tg.cummin(x, dim)[0],
           lambda x, dim: np.minimum.accumulate(x, axis=dim),
           lambda x, dim: _torch().cummin(x, dim)[0], 1, [((6,),), ((3, 4),)],
           kwargs=[{"dim": 0}, {"dim": -1}]),
    OpSpec("cov", tg.cov, lambda x, correction=1: np.cov(x, ddof=correction), _t("cov"), 1,
           [((5,),), ((2, 5),), ((3, 4),)], kwargs=[{}, {"correction": 0}]),
    OpSpec("cov_weighted",
           lambda x: tg.cov(x, fweights=tg.tensor([1, 3, 2, 1]),
                            aweights=tg.tensor([0.5, 1.0, 2.0, 1.5])),
           lambda x: np.cov(x, fweights=[1, 3, 2, 1], aweights=[0.5, 1.0, 2.0, 1.5]),
           lambda x: _torch().cov(x, fweights=_torch().tensor([1, 3, 2, 1]),
                                  aweights=_torch().tensor([0.5, 1.0, 2.0, 1.5],
                                                           dtype=_torch().float64)),
           1, [((3, 4),)]),
    OpSpec("corrcoef", tg.corrcoef, np.corrcoef, _t("corrcoef"), 1, [((2, 5),), ((3, 6),)]),
    OpSpec("dist", tg.dist, lambda a, b, p=2: np.linalg.norm(
        (a - b).reshape(-1), p), _t("dist"), 2, [((3,), (3,)), ((2, 3), (3,))],
           kwargs=[{}, {"p": 1}, {"p": 3}]),
]


# ops/linalg_more.py and tg.linalg: well-conditioned matrices (3 I plus draws from ±1)
def _conditioned(lib):
    def shift(a):
        eye = np.eye(a.shape[-1]) * 3.0
        return a + (eye if isinstance(a, np.ndarray) else lib(eye).to(a.dtype))
    return shift


_np_shift = _conditioned(np.asarray)
_tg_shift = _conditioned(tg.tensor)


def _torch_shift(a):
    return _conditioned(_torch().tensor)(a)


SQUARE = [((3, 3),), ((2, 2, 2),), ((1, 1),)]
_UNIT = {0: (-1.0, 1.0), 1: (-1.0, 1.0)}

OPS += [
    OpSpec("inverse", lambda a: tg.inverse(_tg_shift(a)), lambda a: np.linalg.inv(_np_shift(a)),
           lambda a: _torch().inverse(_torch_shift(a)), 1, SQUARE, domains=_UNIT),
    OpSpec("det", lambda a: _tg_shift(a).det(), lambda a: np.linalg.det(_np_shift(a)),
           lambda a: _torch().det(_torch_shift(a)), 1, SQUARE, domains=_UNIT),
    OpSpec("linalg_solve", lambda a, b: tg.linalg.solve(_tg_shift(a), b),
           lambda a, b: np.linalg.solve(_np_shift(a), b),
           lambda a, b: _torch().linalg.solve(_torch_shift(a), b), 2,
           [((3, 3), (3, 2)), ((2, 2, 2), (2, 2, 1))], domains=_UNIT),
    OpSpec("linalg_matrix_norm", tg.linalg.matrix_norm,
           lambda a, ord="fro": np.linalg.norm(a, ord),
           lambda a, **k: _torch().linalg.matrix_norm(a, **k), 1, [((3, 4),)],
           kwargs=[{}, {"ord": 1}, {"ord": -math.inf}], domains={0: (0.2, 2.0)}),
]
