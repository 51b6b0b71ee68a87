"""``tg.linalg``'s decompositions and what is built on them, as ``torch.linalg``: ``svd``,
``svdvals``, ``qr``, ``eigh``, ``eigvalsh``, ``slogdet``, ``pinv``, ``lstsq``,
``matrix_rank``, ``cond``, and the products ``multi_dot``, ``matrix_power``, ``vecdot``.
``eig``/``eigvals`` need complex numbers, which tinygraph does not have: they raise.

The ops are in ops/decompositions.py (SVD, QR, eigh: PyTorch's backward formulas) and
ops/linalg_functions.py (log|det|, pseudo-inverse); the rest composes public ops."""

from __future__ import annotations

import math

import numpy as np

from . import return_types
from .autograd.node import new_tensor
from .ops.args import data, ndim, shape
from .ops.decompositions import Eigh, unpack
from .ops.linalg_functions import (
    chain,
    matrices,
    qr_parts,
    sign_logabsdet,
    svd_parts,
    tolerance,
)
from .ops.linalg_functions import (
    pinv as _pinv,
)
from .ops.linalg_more import _square
from .ops.namespace import attach
from .ops.registry import functions as _f

__all__ = ["cond", "eig", "eigh", "eigvals", "eigvalsh", "lstsq", "matrix_power",
           "matrix_rank", "multi_dot", "pinv", "qr", "slogdet", "svd", "svdvals", "vecdot"]


def _write(result, out):
    if out is not None:
        for target, value in zip(out, result):
            target.copy_(value)
    return result


def svd(A, full_matrices=True, *, driver=None, out=None):
    """``(U, S, Vh)`` with ``A = U @ diag(S) @ Vh``, S descending (each matrix of a batch);
    ``full_matrices=True`` (the default) makes U m x m and Vh n x n, False k x k with
    k = min(m, n). Singular vectors are defined up to sign: differentiate losses that do not
    depend on those signs (of S, of U @ diag(S) @ Vh, of |U|), with distinct singular values
    (PyTorch's rule; ops/decompositions.py)."""
    return _write(return_types.linalg_svd(*svd_parts(A, full_matrices)), out)


def svdvals(A, *, driver=None, out=None):
    """The singular values of A, descending (its gradient is U diag(g) Vh)."""
    result = svd_parts(A, False, "linalg.svdvals")[1]
    return result if out is None else out.copy_(result)


def qr(A, mode="reduced", *, out=None):
    """``(Q, R)`` with ``A = Q @ R``, Q orthonormal columns, R upper triangular; ``mode``:
    'reduced' (the default; k = min(m, n) columns), 'complete' (Q m x m) or 'r' (R alone,
    Q empty, no gradient)."""
    return _write(return_types.linalg_qr(*qr_parts(A, mode)), out)


def _eigh_parts(A, UPLO, op: str) -> list:
    if len(shape(A)) >= 2 and np.asarray(data(A)).dtype.kind != "f":  # PyTorch's type here
        raise NotImplementedError(f"{op}: not implemented for {data(A).dtype} input; convert "
                                  "it with .double() or .float().")
    matrices(A, op)
    _square(A, op.removeprefix("linalg."))
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{op}: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    n = shape(A)[-1]
    return unpack(Eigh.apply(A, UPLO=UPLO), shape(A)[:-2], ((n,), (n, n)))


def eigh(A, UPLO="L", *, out=None):
    """``(eigenvalues, eigenvectors)`` of a symmetric matrix (ascending; each of a batch),
    read from its lower triangle (``UPLO='U'``: the upper one), as PyTorch. Eigenvectors are
    defined up to sign; their gradient needs distinct eigenvalues."""
    return _write(return_types.linalg_eigh(*_eigh_parts(A, UPLO, "linalg.eigh")), out)


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues of a symmetric matrix, ascending (gradient V diag(g) V^T)."""
    result = _eigh_parts(A, UPLO, "linalg.eigvalsh")[0]
    return result if out is None else out.copy_(result)


def _no_complex(op: str):
    return NotImplementedError(
        f"linalg.{op}: the eigenvalues of a general matrix are complex, and tinygraph has no "
        "complex dtype. For a symmetric matrix use tg.linalg.eigh / tg.linalg.eigvalsh "
        "(real eigenvalues); for magnitudes, tg.linalg.svdvals.")


def eig(A, *, out=None):
    """Not available: needs complex numbers (raises NotImplementedError; see eigh)."""
    raise _no_complex("eig")


def eigvals(A, *, out=None):
    """Not available: needs complex numbers (raises NotImplementedError; see eigvalsh)."""
    raise _no_complex("eigvals")


def slogdet(A, *, out=None):
    """``(sign, logabsdet)`` with ``det(A) = sign * exp(logabsdet)`` (sign 0, logabsdet -inf
    for a singular matrix); the gradient flows through logabsdet: ``g * A^-T``."""
    return _write(return_types.linalg_slogdet(*sign_logabsdet(A, "linalg.slogdet")), out)


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The Moore-Penrose pseudo-inverse, through the SVD (``hermitian=True``: the
    eigendecomposition, reading the lower triangle): singular values at most
    ``max(atol, rtol * S_max)`` count as zero; rtol defaults to ``eps * max(m, n)`` (0 when
    a positive atol is given); ``rcond`` is the older name of rtol."""
    if rcond is not None:
        if rtol is not None:
            raise TypeError("linalg.pinv: rcond and rtol cannot both be given; rcond is "
                            "the older name of rtol.")
        rtol = rcond
    result = _pinv(A, atol, rtol, hermitian)
    return result if out is None else out.copy_(result)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The number of singular values (|eigenvalues| with ``hermitian=True``) above
    ``max(atol, rtol * S_max)``, as int64 of A's batch shape; the rtol default as pinv's.
    ``tol`` is the older name of atol (with rtol 0)."""
    if len(shape(A)) < 2:
        raise RuntimeError(f"torch.linalg.matrix_rank: The input tensor input must have at "
                           f"least 2 dimensions, got shape {shape(A)}.")
    matrices(A, "linalg.matrix_rank")
    if tol is not None:
        atol, rtol = tol, 0.0 if rtol is None else rtol
    a = data(A)
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    m, n = a.shape[-2:]
    tol_v = tolerance(s, None if atol is None else np.asarray(data(atol)),
                      None if rtol is None else np.asarray(data(rtol)), m, n, a.dtype,
                      s.max(-1) if s.shape[-1] else None)
    result = new_tensor(np.asarray((s > tol_v).sum(-1), dtype=np.int64), None)
    return result if out is None else out.copy_(result)


def cond(A, p=None, *, out=None):
    """The condition number of A in the ``p`` norm: None or 2 (the default) the ratio of the
    largest to the smallest singular value, -2 its inverse (any m x n A); 'fro', 'nuc', 1,
    -1, inf, -inf: ``norm(A, p) * norm(inv(A), p)`` for square A."""
    if len(shape(A)) < 2:
        raise RuntimeError(f"linalg.cond: The input tensor must have at least 2 dimensions, "
                           f"got shape {shape(A)}.")
    if p in (None, 2, -2):
        S = svd_parts(A, False, "linalg.svd")[1]
        big, small = S[..., 0], S[..., -1]
        with np.errstate(divide="ignore", invalid="ignore"):  # a singular A: inf, as PyTorch
            result = big / small if p != -2 else small / big
    elif p in ("fro", "nuc", 1, -1, math.inf, -math.inf):
        _square(A, f"cond(ord={p})")
        from . import linalg

        a = data(A)
        singular = np.linalg.slogdet(a)[0] == 0  # inf there, as PyTorch; the others invert
        if singular.any():
            A = _f["where"](singular[..., None, None], np.eye(a.shape[-1], dtype=a.dtype), A)
        inverse = _f["inverse"](A)
        if p == "nuc":
            result = (svd_parts(A, False)[1].sum(-1)
                      * svd_parts(inverse, False)[1].sum(-1))
        else:
            result = linalg.matrix_norm(A, p) * linalg.matrix_norm(inverse, p)
        if singular.any():
            result = _f["where"](singular, np.array(np.inf, dtype=a.dtype), result)
    else:
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    return result if out is None else out.copy_(result)


def lstsq(A, B, rcond=None, *, driver=None):
    """``(solution, residuals, rank, singular_values)``: the X minimising ``|A X - B|`` (the
    minimum-norm one for a rank-deficient A: ``pinv(A, rtol=rcond) @ B``, with rcond default
    ``eps * max(m, n)``). As PyTorch on CPU (default driver 'gelsy'): rank is computed for
    'gelsy'/'gelsd'/'gelss', singular_values for 'gelsd'/'gelss', and residuals (the squared
    residual norms, shape (*, k)) for every driver but 'gelsy' when m > n and every A has
    full rank; the others are empty. Only solution and residuals are differentiable."""
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, "
                           "gelsy, gelsd, gelss)")
    matrices(A, "torch.linalg.lstsq")
    if np.asarray(data(A)).dtype != np.asarray(data(B)).dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {data(A).dtype} and other's dtype "
                           f"{data(B).dtype}")
    vector = ndim(B) == ndim(A) - 1
    if ndim(B) < 1 or (shape(B)[-1] if vector else shape(B)[-2]) != shape(A)[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2) "
                           f"(A has shape {shape(A)}, B {shape(B)}).")
    Bm = _f["unsqueeze"](B, -1) if vector else B
    a = data(A)
    m, n = a.shape[-2:]
    X = _f["matmul"](_pinv(A, None, rcond), Bm)
    dtype = a.dtype
    s = np.linalg.svd(a, compute_uv=False)
    rank = (s > tolerance(s, None, rcond, m, n, dtype)).sum(-1).astype(np.int64)
    empty = new_tensor(np.zeros((0,), dtype), None)
    residuals = attach(empty, A, B)  # empty, but recorded as PyTorch's
    if driver != "gelsy" and m > n and (driver == "gels" or (rank == n).all()):
        r = _f["matmul"](A, X) - Bm
        residuals = _f["sum"](r * r, -2)  # (*, 1) for a vector B, as PyTorch
    rank_t = new_tensor(np.asarray(rank), None) if driver != "gels" else \
        new_tensor(np.zeros((0,), np.int64), None)
    values = new_tensor(s, None) if driver in ("gelsd", "gelss") else empty
    solution = _f["squeeze"](X, -1) if vector else X
    return return_types.linalg_lstsq(solution, residuals, rank_t, values)


def multi_dot(tensors, *, out=None):
    """The product of a list of matrices, the first and last of which may be vectors (a 1-D
    first is a row, a 1-D last a column; those dims are dropped from the result)."""
    result = chain(list(tensors), "multi_dot()")
    return result if out is None else out.copy_(result)


def matrix_power(A, n, *, out=None):
    """A to the integer power n (``tg.matrix_power``): 0 the identity, negative n the power
    of the inverse."""
    result = _f["matrix_power"](A, n)
    return result if out is None else out.copy_(result)


def vecdot(x, y, *, dim=-1, out=None):
    """The dot product of vectors along ``dim``, ``x`` and ``y`` broadcast together."""
    if np.asarray(data(x)).dtype != np.asarray(data(y)).dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {data(x).dtype} and y of type {data(y).dtype} instead")
    result = _f["sum"](_f["mul"](x, y), dim)
    return result if out is None else out.copy_(result)
