"""PyTorch's top-level linear algebra beyond products: the legacy decompositions ``svd`` and
``qr`` (ops/decompositions.py), ``slogdet``, ``logdet``, ``pinverse`` (the ``LogAbsDet`` and
``PInv`` ops here), ``matrix_power`` and ``chain_matmul`` (compositions of matmul and
inverse). ``tg.linalg``'s versions (tinygraph/linalg_decompositions.py) share these."""

from __future__ import annotations

import warnings

import numpy as np

from .. import return_types
from ..autograd import Op
from ..autograd.node import new_tensor
from .args import data, ndim, shape
from .decompositions import QR, SVD, qr_shapes, svd_shapes, unpack
from .linalg_more import _inv, _mT, _singular, _square
from .namespace import attach
from .registry import functions, public


def matrices(input, op: str) -> None:
    """A (batch of) floating-point matrices, as torch.linalg's decompositions check."""
    s = shape(input)
    if len(s) < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions, got "
                           f"shape {s}.")
    dtype = np.asarray(data(input)).dtype
    if dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{dtype}; convert with .double() or .float().")
    _not_half(input, op)


def _not_half(input, op: str, error=NotImplementedError) -> None:
    """LAPACK (and so PyTorch on CPU, and NumPy) has no float16 decompositions."""
    if np.asarray(data(input)).dtype == np.float16:
        raise error(f"{op}: not implemented for float16 (Half); convert with .float() first.")


def svd_parts(A, full_matrices: bool, op: str = "linalg.svd") -> list:
    """(U, S, Vh) of ``tg.linalg.svd``, views of one SVD op's output; with
    ``full_matrices`` and m != n, U's columns (Vh's rows) past min(m, n) are the full
    LAPACK call's, constants (any orthonormal completion is one; PyTorch ignores their
    gradient), at the cost of a second SVD."""
    matrices(A, op)
    m, n = shape(A)[-2:]
    full = bool(full_matrices)
    U, S, Vh = unpack(SVD.apply(A, full_matrices=full), shape(A)[:-2], svd_shapes(m, n))
    if full and m != n:
        k = min(m, n)
        u, _, vh = np.linalg.svd(data(A), full_matrices=True)
        if m > n:
            U = functions["cat"]([U, new_tensor(u[..., :, k:].astype(data(A).dtype), None)], -1)
        else:
            Vh = functions["cat"]([Vh, new_tensor(vh[..., k:, :].astype(data(A).dtype), None)],
                                  -2)
    return [U, S, Vh]


def qr_parts(A, mode: str, op: str = "linalg.qr") -> list:
    """(Q, R) of ``tg.linalg.qr``, views of one QR op's output (Q empty for mode='r')."""
    matrices(A, op)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"{op}: qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    m, n = shape(A)[-2:]
    Q, R = unpack(QR.apply(A, mode=mode), shape(A)[:-2], qr_shapes(m, n, mode))
    if mode == "r":  # an empty Q of shape (0,), whatever the batch, as PyTorch
        Q = attach(new_tensor(np.zeros((0,), data(A).dtype), None), A)
    return [Q, R]


@public("svd")
def svd(input, some=True, compute_uv=True, *, out=None):
    """``(U, S, V)`` with ``input = U @ diag(S) @ V.mT`` (torch.svd, deprecated in PyTorch for
    ``tg.linalg.svd``, which returns Vh = V.mT): ``some=False`` gives the full U (m x m) and
    V (n x n); ``compute_uv=False`` gives zero matrices of those full shapes for U and V (S
    stays differentiable). See ops/decompositions.py for the gradient and its sign gauge."""
    if not compute_uv:
        U, S, Vh = svd_parts(input, False, "svd")
        m, n = shape(input)[-2:]
        dtype = data(input).dtype
        batch = shape(input)[:-2]
        result = (new_tensor(np.zeros(batch + (m, m), dtype), None), S,
                  new_tensor(np.zeros(batch + (n, n), dtype), None))
    else:
        U, S, Vh = svd_parts(input, not some, "svd")
        result = (U, S, functions["transpose"](Vh, -2, -1))
    result = return_types.svd(*result)
    if out is not None:
        for target, value in zip(out, result):
            target.copy_(value)
    return result


@public("qr")
def qr(input, some=True, *, out=None):
    """``(Q, R)`` with ``input = Q @ R`` (torch.qr, deprecated in PyTorch for
    ``tg.linalg.qr(A, 'reduced' if some else 'complete')``, and warning so as PyTorch)."""
    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a "
                  "future PyTorch release: Q, R = torch.linalg.qr(A, 'reduced' if some else "
                  "'complete').", UserWarning, stacklevel=3)
    result = return_types.qr(*qr_parts(input, "reduced" if some else "complete", "qr"))
    if out is not None:
        for target, value in zip(out, result):
            target.copy_(value)
    return result


# -- determinants ----------------------------------------------------------------------------


class LogAbsDet(Op):
    """y = log|det A| (each matrix of the batch);  dA = g * A^-T (as PyTorch, through the
    inverse: a singular A gives -inf and no finite gradient)."""

    __slots__ = ()
    label = "logabsdet"

    def forward(self, a):
        _, y = np.linalg.slogdet(a)
        self.save(a)
        return np.asarray(y).astype(a.dtype, copy=False)

    def backward(self, g):
        (a,) = self.saved
        return (g[..., None, None] * _mT(self.xp, _inv(a)),)


def sign_logabsdet(A, op: str) -> tuple:
    """(sign, logabsdet): the sign a constant recorded as depending on A (zero derivative,
    ``requires_grad`` as in PyTorch), log|det A| the LogAbsDet op."""
    _square(A, op)
    _not_half(A, op, RuntimeError)
    sign = np.asarray(np.linalg.slogdet(data(A))[0]).astype(data(A).dtype, copy=False)
    return attach(new_tensor(sign, None), A), LogAbsDet.apply(A)


@public("slogdet")
def slogdet(input, *, out=None):
    """``(sign, logabsdet)`` with ``det(input) = sign * exp(logabsdet)``: sign 0 and
    logabsdet -inf for a singular matrix. Only logabsdet has a gradient: ``g * A^-T``."""
    result = return_types.slogdet(*sign_logabsdet(input, "linalg.slogdet"))
    if out is not None:
        for target, value in zip(out, result):
            target.copy_(value)
    return result


@public("logdet")
def logdet(input):
    """log(det(input)): NaN where the determinant is negative, -inf where it is 0, as
    PyTorch (whose gradient there is 0: the NaN is a constant)."""
    sign, logabs = sign_logabsdet(input, "logdet")
    sign = data(sign)
    if not (sign < 0).any():
        return logabs
    return functions["where"](sign < 0, np.array(np.nan, dtype=sign.dtype), logabs)


# -- pseudo-inverse --------------------------------------------------------------------------


def tolerance(S, atol, rtol, m: int, n: int, dtype, smax=None):
    """torch.linalg's singular-value cutoff ``max(atol, rtol * S_max)`` per matrix (batch
    shape + (1,)): rtol defaults to eps * max(m, n), or 0 where a positive atol is given."""
    eps = np.finfo(dtype).eps
    atol_v = np.asarray(0.0 if atol is None else data(atol), dtype=np.float64)
    if rtol is None:
        default = eps * max(m, n)
        rtol_v = np.where(atol_v > 0, 0.0, default) if atol is not None else np.asarray(default)
    else:
        rtol_v = np.asarray(data(rtol), dtype=np.float64)
    if smax is None:
        smax = S.max(-1) if S.shape[-1] else np.zeros(S.shape[:-1], S.dtype)
    return np.maximum(atol_v, rtol_v * smax)[..., None]


class PInv(Op):
    """Y = A^+ (each matrix of the batch): the SVD's V diag(1/S) U^T over the singular values
    above ``max(atol, rtol * S_max)`` (``hermitian``: the eigendecomposition's, over |eigen-
    values|). Backward (PyTorch's pinv_backward, for a constant rank):
    gA = -Y^T g Y^T + (I - A Y) g^T Y Y^T + Y^T Y g^T (I - Y A)."""

    __slots__ = ("atol", "rtol", "hermitian")
    label = "pinv"

    def forward(self, a):
        m, n = a.shape[-2:]
        if self.hermitian:
            w, v = np.linalg.eigh(a)
            s = np.abs(w)
            tol = tolerance(s, self.atol, self.rtol, m, n, a.dtype)
            inv = np.where(s > tol, 1 / np.where(s > tol, w, 1), 0)
            y = np.matmul(v * inv[..., None, :], _mT(np, v))
        else:
            u, s, vh = np.linalg.svd(a, full_matrices=False)
            tol = tolerance(s, self.atol, self.rtol, m, n, a.dtype)
            inv = np.where(s > tol, 1 / np.where(s > tol, s, 1), 0)
            y = np.matmul(_mT(np, vh) * inv[..., None, :], _mT(np, u))
        y = y.astype(a.dtype, copy=False)
        self.save(a, y)
        return y

    def backward(self, g):
        a, y = self.saved
        xp = self.xp
        yT, gT = _mT(xp, y), _mT(xp, g)
        m, n = a.shape[-2:]
        first = -xp.matmul(xp.matmul(yT, g), yT)
        left = gT - xp.matmul(a, xp.matmul(y, gT))  # (I - A Y) g^T, m x n
        right = gT - xp.matmul(xp.matmul(gT, y), a)  # g^T (I - Y A), m x n
        return (first + xp.matmul(left, xp.matmul(y, yT)) + xp.matmul(xp.matmul(yT, y), right),)

    def elementwise_gradient(self, grads):
        """For tg.check_graph, which moves one element of A at a time: ``hermitian`` reads the
        lower triangle alone, so the gradient G (PyTorch's, for the full matrix) becomes
        tril(G + G^T) - diag(G) there and zero above."""
        (g,) = grads
        if not self.hermitian:
            return grads
        return [np.tril(g + _mT(np, g)) - g * np.eye(g.shape[-1])]


def pinv(A, atol=None, rtol=None, hermitian=False, op="linalg.pinv"):
    s = shape(A)
    if len(s) < 2 or np.asarray(data(A)).dtype.kind != "f" or data(A).dtype == np.float16:
        raise RuntimeError(f"{op}: expected a tensor with 2 or more dimensions of float or "
                           f"double types, got shape {s} and dtype {data(A).dtype}.")
    if hermitian:
        _square(A, "pinv")
    atol, rtol = (None if t is None else np.asarray(data(t)) for t in (atol, rtol))
    return PInv.apply(A, atol=atol, rtol=rtol, hermitian=bool(hermitian))


@public("pinverse")
def pinverse(input, rcond=1e-15):
    """The pseudo-inverse, singular values at most ``rcond`` times the largest one taken as
    zero (``tg.linalg.pinv(input, rtol=rcond)``)."""
    return pinv(input, atol=None, rtol=rcond, op="pinverse")


# -- products of several matrices -------------------------------------------------------------


@public("matrix_power")
def matrix_power(input, n):
    """``input`` to the integer power ``n`` by repeated squaring (PyTorch's order of
    products); ``n = 0`` the identity, ``n < 0`` the power of the inverse (a singular matrix
    raises ``tg.linalg.LinAlgError``)."""
    s = shape(input)
    if len(s) < 2:
        raise RuntimeError(f"linalg.matrix_power: The input tensor A must have at least 2 "
                           f"dimensions, got shape {s}.")
    if s[-1] != s[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but "
                           f"they are {s[-2]} by {s[-1]} matrices (shape {s}).")
    n = int(n)
    if n == 0:
        eye = np.broadcast_to(np.eye(s[-1], dtype=data(input).dtype), s).copy()
        return attach(new_tensor(eye, None), input)  # requires grad as PyTorch's (zero)
    a = input
    if n < 0:
        if np.asarray(data(input)).dtype.kind != "f":
            raise RuntimeError(f"linalg.inv: Expected a floating point or complex tensor as "
                               f"input. Got {data(input).dtype}.")
        try:
            a = functions["inverse"](input)
        except np.linalg.LinAlgError as err:
            raise _singular("inv", err) from None
        n = -n
    mm = functions["matmul"]
    if n == 1:
        return functions["clone"](a)
    if n == 2:
        return mm(a, a)
    if n == 3:
        return mm(mm(a, a), a)
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = a if z is None else mm(z, z)
        if bit:
            result = z if result is None else mm(result, z)
    return result


def chain(tensors, op: str):
    """The product of 2-D matrices (the first and last of ``multi_dot`` may be 1-D),
    checking shapes as PyTorch."""
    if len(tensors) < 2:
        raise RuntimeError(f"{op}: expected at least 2 tensors but got {len(tensors)}")
    last = len(tensors) - 1
    for i, t in enumerate(tensors):
        d = ndim(t)
        ends = i in (0, last) and op == "multi_dot()"
        if d != 2 and not (ends and d == 1):
            where = "first" if i == 0 else "last" if i == last else f"{i}th"
            allowed = "1D or 2D" if ends else "2D"
            raise RuntimeError(f"{op}: the {where} tensor must be {allowed} but got {d}D")
        if data(t).dtype != data(tensors[0]).dtype:
            raise RuntimeError(f"{op}: all tensors must have the same dtype. Got tensor 0 "
                               f"with dtype {data(tensors[0]).dtype} and tensor {i} with "
                               f"dtype {data(t).dtype}")
    for i in range(last):
        a, b = shape(tensors[i]), shape(tensors[i + 1])
        if a[-1] != b[0]:
            raise RuntimeError(f"{op}: tensors {i} and {i + 1} with shapes {list(a)} and "
                               f"{list(b)} cannot be multiplied")
    result = tensors[0]
    for t in tensors[1:]:
        result = functions["matmul"](result, t)
    return result


@public("chain_matmul", method=False)
def chain_matmul(*matrices, out=None):
    """The product of 2-D matrices (deprecated in PyTorch for ``tg.linalg.multi_dot``, which
    takes a list and also 1-D ends)."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two "
                  "or more tensors rather than multiple parameters.", UserWarning, stacklevel=3)
    if len(matrices) == 1:
        if ndim(matrices[0]) != 2:
            raise RuntimeError(f"chain_matmul(): Expected 2D tensor, got {ndim(matrices[0])}D")
        result = functions["clone"](matrices[0])
    else:
        result = chain(list(matrices), "chain_matmul()")
    return result if out is None else out.copy_(result)


def singular_value_norm(A, ord, d0: int, d1: int, keepdim: bool):  # noqa: A002 - torch's name
    """The matrix norms made of singular values, over dims ``d0`` and ``d1``: 'nuc' their sum,
    2 the largest, -2 the smallest (gradients through the SVD: U Vh for 'nuc', the outer
    product of the extreme singular vectors for 2 and -2)."""
    n = ndim(A)
    moved = functions["movedim"](A, (d0, d1), (n - 2, n - 1))
    values = svd_parts(moved, False, "matrix_norm")[1]
    reduce = {"nuc": functions["sum"], 2: functions["amax"], -2: functions["amin"]}[ord]
    result = reduce(values, -1)
    if keepdim:
        for d in sorted((d0, d1)):
            result = functions["unsqueeze"](result, d)
    return result
