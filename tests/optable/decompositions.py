"""Op-table entries: the decompositions svd, qr, eigh and what is built on them (slogdet,
logdet, pinv, lstsq, cond), matrix_power, chain_matmul/multi_dot, vecdot, kron, block_diag,
baddbmm, addbmm and addr (ops/decompositions.py, ops/linalg_functions.py, ops/products.py,
tinygraph/linalg_decompositions.py).

Singular vectors and eigenvectors are defined up to sign, so the entries differentiate
functions that do not depend on the signs: |U|, |V| and the values themselves; full U/V
columns past min(m, n) are not unique either and are left out (their gradient is ignored,
as in PyTorch)."""

from __future__ import annotations

import warnings

import numpy as np

import tinygraph as tg

from .spec import OpSpec, _torch


def _flat(lib, *parts):
    if lib is np:
        return np.concatenate([np.ravel(p) for p in parts])
    return lib.cat([p.reshape(-1) for p in parts])


def _k(a) -> int:
    return min(a.shape[-2:])


def _eye(lib, a, scale):
    n = a.shape[-1]
    return scale * (np.eye(n) if lib is np else lib.eye(n, dtype=a.dtype))


def _shift(lib, a):
    """A well-conditioned square matrix from ``a`` (entries within ±1)."""
    return a + _eye(lib, a, 4.0)


def _sym(lib, a):
    return a + np.swapaxes(a, -1, -2) if lib is np else a + a.mT


def _spd(lib, a):
    return a @ np.swapaxes(a, -1, -2) + _eye(lib, a, 1.0) if lib is np else \
        a @ a.mT + _eye(lib, a, 1.0)


def _quietly(function, *args, **kwargs):
    """chain_matmul and qr, without their deprecation warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return function(*args, **kwargs)


# -- the decompositions, as gauge-free flat vectors ------------------------------------------


def _svd_linalg(lib, a, full_matrices=True):
    U, S, Vh = lib.linalg.svd(a, full_matrices=full_matrices)
    k = _k(a)
    return _flat(lib, U[..., :, :k].abs(), S, Vh[..., :k, :].abs())


def _svd_np(a, full_matrices=True, some=True):
    U, S, Vh = np.linalg.svd(a, full_matrices=False)
    return _flat(np, np.abs(U), S, np.abs(Vh))


def _svd_legacy(lib, a, some=True):
    U, S, V = lib.svd(a, some=some)
    k = _k(a)
    return _flat(lib, U[..., :, :k].abs(), S, V[..., :, :k].mT.abs())


def _qr(lib, a, mode="reduced"):
    if lib is np:
        return _flat(np, *np.linalg.qr(a, mode=mode))
    return _flat(lib, *lib.linalg.qr(a, mode=mode))


def _eigh(lib, a, UPLO="L"):
    if lib is np:
        w, v = np.linalg.eigh(_sym(np, a), UPLO=UPLO)
        return _flat(np, w, np.abs(v))
    w, v = lib.linalg.eigh(_sym(lib, a), UPLO=UPLO)
    return _flat(lib, w, v.abs())


def _np_lstsq(a, b, driver=None):
    x = np.linalg.pinv(a) @ (b[..., None] if b.ndim == a.ndim - 1 else b)
    return x[..., 0] if b.ndim == a.ndim - 1 else x


def _np_residuals(a, b):
    r = a @ _np_lstsq(a, b) - b
    return (r * r).sum(-2)


def _np_cond(a, p=None):
    s = np.linalg.svd(a, compute_uv=False)
    return s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1]


def _np_block_diag(*arrays):
    blocks = [np.atleast_2d(a) for a in arrays]
    rows, cols = sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)
    out = np.zeros((rows, cols))
    r = c = 0
    for b in blocks:
        out[r:r + b.shape[0], c:c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out


def _np_scaled(input, product, beta=1, alpha=1):
    return alpha * product + (0 if beta == 0 else beta * input)


_TALL = [((3, 3),), ((4, 3),), ((2, 4, 3),)]
_ANY = [((3, 3),), ((4, 3),), ((3, 4),), ((2, 3, 4),)]
_SQUARE = [((3, 3),), ((2, 2, 2),), ((1, 1),)]
_UNIT = {0: (-1.0, 1.0)}
_SCALES = [{}, {"beta": 0.5, "alpha": 2.0}, {"beta": 0}]

OPS = [
    OpSpec("svd", lambda a, **k: _svd_legacy(tg, a, **k), _svd_np,
           lambda a, **k: _svd_legacy(_torch(), a, **k), 1, _ANY,
           kwargs=[{}, {"some": False}]),
    OpSpec("linalg_svd", lambda a, **k: _svd_linalg(tg, a, **k), _svd_np,
           lambda a, **k: _svd_linalg(_torch(), a, **k), 1, _ANY,
           kwargs=[{}, {"full_matrices": False}]),
    OpSpec("linalg_svdvals", tg.linalg.svdvals, lambda a: np.linalg.svd(a, compute_uv=False),
           lambda a: _torch().linalg.svdvals(a), 1, [*_ANY, ((0, 3),)]),
    OpSpec("qr", lambda a: _flat(tg, *_quietly(tg.qr, a)),
           lambda a: _flat(np, *np.linalg.qr(a)),
           lambda a: _flat(_torch(), *_quietly(_torch().qr, a)), 1, _TALL),
    OpSpec("linalg_qr", lambda a, **k: _qr(tg, a, **k), lambda a, **k: _qr(np, a, **k),
           lambda a, **k: _qr(_torch(), a, **k), 1, [((3, 4),), ((2, 2, 5),), ((4, 2),)]),
    OpSpec("linalg_qr_complete", lambda a: _qr(tg, a, "complete"),
           lambda a: _qr(np, a, "complete"), lambda a: _qr(_torch(), a, "complete"), 1,
           [((3, 3),), ((2, 3, 4),)]),
    OpSpec("linalg_eigh", lambda a, **k: _eigh(tg, a, **k), lambda a, **k: _eigh(np, a, **k),
           lambda a, **k: _eigh(_torch(), a, **k), 1, _SQUARE,
           kwargs=[{}, {"UPLO": "U"}]),
    OpSpec("linalg_eigvalsh", lambda a: tg.linalg.eigvalsh(_sym(tg, a)),
           lambda a: np.linalg.eigvalsh(_sym(np, a)),
           lambda a: _torch().linalg.eigvalsh(_sym(_torch(), a)), 1, _SQUARE),
    OpSpec("slogdet", lambda a: tg.slogdet(_shift(tg, a)).logabsdet,
           lambda a: np.linalg.slogdet(_shift(np, a))[1],
           lambda a: _torch().slogdet(_shift(_torch(), a)).logabsdet, 1, _SQUARE,
           domains=_UNIT),
    OpSpec("logdet", lambda a: _spd(tg, a).logdet(), lambda a: np.linalg.slogdet(_spd(np, a))[1],
           lambda a: _torch().logdet(_spd(_torch(), a)), 1, _SQUARE, domains=_UNIT),
    OpSpec("pinverse", lambda a: a.pinverse(), np.linalg.pinv,
           lambda a: _torch().pinverse(a), 1, _ANY),
    OpSpec("linalg_pinv_hermitian",
           lambda a: tg.linalg.pinv(_shift(tg, _sym(tg, a)), hermitian=True),
           lambda a: np.linalg.pinv(_shift(np, _sym(np, a))),
           lambda a: _torch().linalg.pinv(_shift(_torch(), _sym(_torch(), a)), hermitian=True),
           1, _SQUARE, domains=_UNIT),
    OpSpec("linalg_lstsq", lambda a, b, **k: tg.linalg.lstsq(a, b, **k).solution,
           _np_lstsq, lambda a, b, **k: _torch().linalg.lstsq(a, b, **k).solution, 2,
           [((5, 3), (5, 2)), ((2, 5, 3), (2, 5)), ((3, 3), (3, 1))],
           kwargs=[{}, {"driver": "gelsd"}]),
    OpSpec("linalg_lstsq_residuals",
           lambda a, b: tg.linalg.lstsq(a, b, driver="gelsd").residuals, _np_residuals,
           lambda a, b: _torch().linalg.lstsq(a, b, driver="gelsd").residuals, 2,
           [((5, 3), (5, 2)), ((2, 5, 3), (2, 5, 1))]),
    OpSpec("linalg_cond", tg.linalg.cond, _np_cond,
           lambda a, **k: _torch().linalg.cond(a, **k), 1, [((3, 3),), ((4, 3),), ((2, 3, 4),)],
           kwargs=[{}, {"p": -2}]),
    OpSpec("matrix_power", lambda a, n: tg.matrix_power(a, n), np.linalg.matrix_power,
           lambda a, n: _torch().matrix_power(a, n), 1, _SQUARE,
           kwargs=[{"n": 1}, {"n": 2}, {"n": 3}, {"n": 6}], domains=_UNIT),
    OpSpec("matrix_power_negative", lambda a, n: tg.linalg.matrix_power(_shift(tg, a), n),
           lambda a, n: np.linalg.matrix_power(_shift(np, a), n),
           lambda a, n: _torch().linalg.matrix_power(_shift(_torch(), a), n), 1, _SQUARE,
           kwargs=[{"n": -1}, {"n": -3}], domains=_UNIT),
    OpSpec("chain_matmul", lambda a, b, c: _quietly(tg.chain_matmul, a, b, c),
           lambda a, b, c: a @ b @ c,
           lambda a, b, c: _quietly(_torch().chain_matmul, a, b, c), 3,
           [((2, 3), (3, 4), (4, 2))]),
    OpSpec("linalg_multi_dot", lambda *ts: tg.linalg.multi_dot(ts),
           lambda a, b, c: a @ b @ c, lambda *ts: _torch().linalg.multi_dot(ts), 3,
           [((3,), (3, 4), (4, 2)), ((2, 3), (3, 4), (4,)), ((2, 3), (3, 3), (3, 1))]),
    OpSpec("linalg_vecdot", tg.linalg.vecdot, lambda a, b: (a * b).sum(-1),
           lambda a, b: _torch().linalg.vecdot(a, b), 2, [((2, 3), (3,)), ((4,), (4,))]),
    OpSpec("kron", tg.kron, np.kron, lambda a, b: _torch().kron(a, b), 2,
           [((2, 3), (3, 2)), ((2,), (3, 2)), ((2, 1, 2), (3,)), ((), (3,))]),
    OpSpec("block_diag", tg.block_diag, _np_block_diag,
           lambda *ts: _torch().block_diag(*ts), 3,
           [((2, 3), (3,), ()), ((1, 1), (0, 2), (2, 2))]),
    OpSpec("baddbmm", lambda i, a, b, **k: tg.baddbmm(i, a, b, **k),
           lambda i, a, b, **k: _np_scaled(i, a @ b, **k),
           lambda i, a, b, **k: _torch().baddbmm(i, a, b, **k), 3,
           [((3, 2, 5), (3, 2, 4), (3, 4, 5)), ((5,), (3, 2, 4), (3, 4, 5)),
            ((), (1, 2, 3), (1, 3, 2))], kwargs=_SCALES),
    OpSpec("addbmm", lambda i, a, b, **k: i.addbmm(a, b, **k),
           lambda i, a, b, **k: _np_scaled(i, (a @ b).sum(0), **k),
           lambda i, a, b, **k: _torch().addbmm(i, a, b, **k), 3,
           [((2, 5), (3, 2, 4), (3, 4, 5)), ((5,), (3, 2, 4), (3, 4, 5))], kwargs=_SCALES),
    OpSpec("addr", lambda i, a, b, **k: tg.addr(i, a, b, **k),
           lambda i, a, b, **k: _np_scaled(i, np.outer(a, b), **k),
           lambda i, a, b, **k: _torch().addr(i, a, b, **k), 3,
           [((2, 3), (2,), (3,)), ((1, 3), (2,), (3,)), ((), (2,), (3,))], kwargs=_SCALES),
]
