"""``tg.linalg``, as ``torch.linalg``: ``norm``, ``vector_norm``, ``matrix_norm``, ``inv``,
``det``, ``solve``, ``solve_triangular``, ``cross``, ``cholesky``, ``matrix_exp``,
``householder_product`` (compositions of public ops and the ``inverse``/``det``/``cholesky``
ops of ops/linalg_more.py, so their gradients and second derivatives come from those)."""

from __future__ import annotations

import math
import operator

import numpy as np

from . import return_types
from .autograd.node import new_tensor
from .linalg_decompositions import (  # noqa: F401 - tg.linalg.svd, ... (their own module)
    cond,
    eig,
    eigh,
    eigvals,
    eigvalsh,
    lstsq,
    matrix_power,
    matrix_rank,
    multi_dot,
    pinv,
    qr,
    slogdet,
    svd,
    svdvals,
    vecdot,
)
from .names import missing_name
from .ops.args import data, ndim, shape
from .ops.linalg_functions import singular_value_norm
from .ops.linalg_more import Cholesky, LinAlgError, Solve, _square, triangle
from .ops.registry import functions as _f

__all__ = ["LinAlgError", "cholesky", "cond", "cross", "det", "eig", "eigh", "eigvals",
           "eigvalsh", "householder_product", "inv", "lstsq", "matrix_exp", "matrix_norm",
           "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet",
           "solve", "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm"]


def inv(A, *, out=None):
    """The inverse of a square matrix (or of each of a batch): ``A @ inv(A) = I``."""
    return _f["inverse"](A, out=out)


def det(A, *, out=None):
    """The determinant of a square matrix (or of each of a batch)."""
    return _f["det"](A, out=out)


def solve(A, B, *, left=True, out=None):
    """X with ``A @ X = B`` (``X @ A = B`` when ``left=False``); ``B`` of A's batch shape
    plus one dim is a batch of vectors, as in PyTorch."""
    _square(A, "solve")
    if data(A).dtype != data(B).dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {data(A).dtype} and B of type {data(B).dtype} "
                           "instead; convert one with .to(other.dtype).")
    vector = left and (ndim(B) == 1 or (ndim(B) == ndim(A) - 1 and shape(B) == shape(A)[:-1]))
    if not left and ndim(B) == 1:  # torch reads it as a column, which X A = B cannot take
        B = _f["unsqueeze"](B, -1)
    n = shape(A)[-1]
    if (shape(B)[-1] if vector or not left else shape(B)[-2]) != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the "
                           f"equation {'AX' if left else 'XA'} = B ({shape(A)} and "
                           f"{shape(B)}).")
    if vector:  # a batch of vectors, solved as columns
        B = _f["unsqueeze"](B, -1)
    if left:
        x = Solve.apply(A, B)
    else:  # X A = B is A^T X^T = B^T
        t = _f["transpose"]
        x = t(Solve.apply(t(A, -2, -1), t(B, -2, -1)), -2, -1)
    if vector:
        x = _f["squeeze"](x, -1)
    return x if out is None else out.copy_(x)


def cross(input, other, *, dim=-1, out=None):
    """The cross product of 3-vectors along ``dim`` (default the last), broadcast."""
    result = _f["cross"](input, other, dim=dim)
    return result if out is None else out.copy_(result)


def _floating(x, op: str) -> None:
    if data(x).dtype.kind != "f":
        raise RuntimeError(f"linalg.{op}: Expected a floating point or complex tensor as "
                           f"input. Got {data(x).dtype}.")


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """The vector ``ord``-norm of ``x`` over ``dim`` (all elements when None): 2 (the
    default), 1, inf, -inf, 0 (the count of nonzeros) or any other number."""
    _floating(x, "vector_norm")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}.")
    if dim is not None and not isinstance(dim, (int, np.integer)):
        dim = tuple(dim)
    result = _f["norm"](x, ord, dim, keepdim, dtype=dtype)
    return result if out is None else out.copy_(result)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None,  # noqa: A002
                out=None):
    """The matrix ``ord``-norm over the two dims ``dim``: 'fro' (the default), 1 / -1 (the
    largest / smallest column sum of |A|), inf / -inf (the same for rows), and from the
    singular values 'nuc' (their sum), 2 and -2 (the largest and the smallest)."""
    _floating(A, "matrix_norm")
    n = ndim(A)
    if n < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 "
                           f"dimensions, got shape {shape(A)}.")
    dims = tuple(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}.")
    d0, d1 = (operator.index(d) % n for d in dims)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1}).")
    if dtype is not None:
        A = _f["astype"](A, dtype)
    if ord == "fro":
        result = _f["norm"](A, 2, (d0, d1), keepdim)
    elif ord in (1, -1, math.inf, -math.inf):
        # 1: sum over rows (d0) then the max over columns; inf: the other way round
        inner, outer = (d0, d1) if abs(ord) == 1 else (d1, d0)
        sums = _f["sum"](_f["abs"](A), inner, True)
        pick = _f["amax"] if ord > 0 else _f["amin"]
        result = pick(sums, outer, True)
        if not keepdim:
            result = _f["squeeze"](result, tuple(sorted((d0, d1))))
    elif ord in ("nuc", 2, -2):
        result = singular_value_norm(A, ord, d0, d1, keepdim)
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord!r} not supported (use 'fro', "
                           "'nuc', 1, -1, 2, -2, inf or -inf).")
    return result if out is None else out.copy_(result)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """``vector_norm`` or ``matrix_norm``, as ``torch.linalg.norm`` picks: a 2-tuple ``dim``
    (or a 2-D ``A`` with ``ord`` and no ``dim``) is a matrix norm, anything else a vector
    norm; ``ord=None`` is the 2-norm of the flattened tensor (the Frobenius norm)."""
    if dim is not None and not isinstance(dim, (int, np.integer)):
        dim = tuple(dim)
    matrix = (isinstance(dim, tuple) and len(dim) == 2) or (
        dim is None and ord is not None and ndim(A) == 2)
    if ord is None:  # the 2-norm of the elements: Frobenius for a matrix too
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if dim is None and ndim(A) not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must "
                           f"be 1D or 2D. Got {ndim(A)}D.")
    if matrix:
        return matrix_norm(A, ord, dim if dim is not None else (-2, -1), keepdim,
                           dtype=dtype, out=out)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


def matrix_exp(A):
    """The matrix exponential of a square matrix (or of each of a batch): ``tg.matrix_exp``
    (ops/linalg_more.py), under torch.linalg's argument name."""
    return _f["matrix_exp"](A)


def cholesky(A, *, upper=False, out=None):
    """The lower Cholesky factor L of a symmetric positive-definite matrix (or of each of a
    batch), ``A = L @ L.mT``, read from A's lower triangle; ``upper=True``: ``L.mT``. A matrix
    that is not positive-definite raises ``tg.linalg.LinAlgError``."""
    _square(A, "cholesky")
    result = Cholesky.apply(A, upper=bool(upper), op="linalg.cholesky")
    return result if out is None else out.copy_(result)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """``(L, info)``: ``cholesky``'s factor and, per matrix, an int32 ``info``: 0, or for a
    matrix that is not positive-definite the order of its first leading minor that is not
    (without raising unless ``check_errors``). Such a matrix's L is NaN (PyTorch leaves
    LAPACK's partial factorisation there)."""
    _square(A, "cholesky_ex")
    a = data(A)
    matrices = a.reshape((-1,) + a.shape[-2:])
    source = np.swapaxes(matrices, -1, -2) if upper else matrices
    info = np.zeros(len(matrices), np.int32)
    for i, m in enumerate(source):  # only the matrices that fail: the leading minors' orders
        try:
            np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            info[i] = next(k for k in range(1, len(m) + 1) if not _factorable(m[:k, :k]))
    info = info.reshape(a.shape[:-2])
    if check_errors and info.any():
        return cholesky(A, upper=upper)  # raises LinAlgError, naming the matrix
    failed = (info != 0)[..., None, None]
    if failed.any():
        eye = np.eye(a.shape[-1], dtype=a.dtype)
        L = cholesky(_f["where"](failed, eye, A), upper=upper)
        L = _f["where"](failed, np.array(np.nan, a.dtype), L)
    else:
        L = cholesky(A, upper=upper)
    result = return_types.linalg_cholesky_ex(L, new_tensor(info, None))
    if out is not None:
        out[0].copy_(result[0])
        out[1].copy_(result[1])
        return out
    return result


def inv_ex(A, *, check_errors=False, out=None):
    """``(inverse, info)``: ``inv``'s result and, per matrix, an int32 ``info``: 0, or for a
    singular matrix the position (from 1) of the first zero pivot of its LU factorisation
    with partial pivoting, as LAPACK's (without raising unless ``check_errors``). A singular
    matrix's inverse is NaN (PyTorch leaves LAPACK's partial results there)."""
    _square(A, "inv_ex")
    info = _pivot_info(data(A))
    if check_errors and info.any():
        return inv(A)  # raises, naming the singular matrix
    return _with_info(return_types.linalg_inv_ex, lambda M: inv(M), A, info, 2, out)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """``(result, info)``: ``solve``'s X and, per matrix of A, an int32 ``info`` as
    ``inv_ex``'s (without raising unless ``check_errors``); X is NaN where A is singular."""
    _square(A, "solve_ex")
    info = _pivot_info(data(A))
    if check_errors and info.any():
        return solve(A, B, left=left)  # raises, naming the singular matrix
    vector = left and (ndim(B) == 1 or (ndim(B) == ndim(A) - 1 and shape(B) == shape(A)[:-1]))
    return _with_info(return_types.linalg_solve_ex, lambda M: solve(M, B, left=left), A, info,
                      1 if vector else 2, out)


def _with_info(kind, compute, A, info, trailing, out):
    """``compute(A)`` with each failed matrix of A replaced by I and its result by NaN."""
    failed = info != 0
    if failed.any():
        eye = np.eye(shape(A)[-1], dtype=data(A).dtype)
        result = compute(_f["where"](failed[..., None, None], eye, A))
        mask = failed.reshape(failed.shape + (1,) * trailing)
        result = _f["where"](mask, np.array(np.nan, data(A).dtype), result)
    else:
        result = compute(A)
    result = kind(result, new_tensor(info, None))
    if out is not None:
        out[0].copy_(result[0])
        out[1].copy_(result[1])
        return out
    return result


def _pivot_info(a: np.ndarray) -> np.ndarray:
    """Per matrix: 0, or the 1-based column of the first zero pivot of LU with partial
    pivoting (only the matrices NumPy finds singular are factorised here)."""
    matrices = a.reshape((-1,) + a.shape[-2:])
    info = np.zeros(len(matrices), np.int32)
    try:
        np.linalg.inv(matrices)
    except np.linalg.LinAlgError:
        for i, m in enumerate(matrices):
            info[i] = _first_zero_pivot(m)
    return info.reshape(a.shape[:-2])


def _first_zero_pivot(m: np.ndarray) -> int:
    lu = np.array(m, dtype=np.float64)
    for k in range(len(lu)):
        p = k + int(np.argmax(np.abs(lu[k:, k])))
        if lu[p, k] == 0:
            return k + 1
        lu[[k, p]] = lu[[p, k]]
        lu[k + 1:, k:] -= np.outer(lu[k + 1:, k] / lu[k, k], lu[k, k:])
    return 0


def _factorable(m) -> bool:
    try:
        np.linalg.cholesky(m)
        return True
    except np.linalg.LinAlgError:
        return False


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with ``A @ X = B`` (``X @ A = B`` when ``left=False``) for a triangular ``A``: only
    its upper (``upper=True``) or lower triangle is read, and with ``unitriangular=True`` its
    diagonal is taken as ones; so only that triangle gets a gradient."""
    if ndim(A) < 2 or ndim(B) < 2:
        raise RuntimeError(f"linalg.solve_triangular: The input tensors A and B must have at "
                           f"least 2 dimensions, got shapes {shape(A)} and {shape(B)}.")
    result = solve(triangle(A, upper, unitriangular), B, left=left)
    return result if out is None else out.copy_(result)


def householder_product(A, tau, *, out=None):
    """The first n columns of ``H_1 H_2 ... H_k`` with ``H_i = I - tau_i v_i v_i^T`` and
    ``v_i`` column i of ``A`` below the diagonal with a 1 on it (LAPACK's orgqr): the Q
    of a QR decomposition from ``geqrf``'s reflectors. ``A`` is (*, m, n), ``tau`` (*, k)."""
    a, t = data(A), data(tau)
    if a.ndim < 2 or a.shape[-2] < a.shape[-1] or t.shape[-1] > a.shape[-1]:
        raise RuntimeError(f"linalg.householder_product: expected A of shape (*, m, n) with "
                           f"m >= n and tau of shape (*, k) with k <= n, got {a.shape} and "
                           f"{t.shape}.")
    m, n = a.shape[-2:]
    V = _f["tril"](A, -1) + np.eye(m, n, dtype=a.dtype)
    Q = np.broadcast_to(np.eye(m, dtype=a.dtype), a.shape[:-2] + (m, m))
    for i in range(t.shape[-1]):
        v = V[..., :, i:i + 1]
        scale = _f["unsqueeze"](_f["unsqueeze"](tau[..., i], -1), -1)
        Q = Q - _f["matmul"](_f["matmul"](Q, v), _f["transpose"](v, -2, -1)) * scale
    result = Q[..., :, :n]
    return result if out is None else out.copy_(result)


__getattr__ = missing_name(__name__, globals())
