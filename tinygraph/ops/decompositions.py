"""Matrix decompositions with PyTorch's backward formulas: ``svd``, ``qr`` and ``eigh``
(batched over leading dims), the ops behind ``tg.linalg.svd``/``svdvals``/``qr``/``eigh``/
``eigvalsh`` and the legacy ``tg.svd``/``tg.qr`` (tinygraph/linalg_decompositions.py).

Each decomposition is one op with one output: its factors flattened and concatenated along
the last axis (``pack``); the public functions slice the factors back out (``unpack``), so
each factor is a view recorded on the op's output. A factor no loss reached then gets a zero
gradient; the backwards test for that (``_reached``) and take PyTorch's branch for an
undefined gradient, which matters where the general formula would divide 0 by 0 (repeated or
zero singular values and eigenvalues when only ``S`` or the eigenvalues are used).

Gauge: singular vectors and eigenvectors are defined up to sign (a column of U and the
matching row of Vh flip together). A loss that depends on those signs has no well-defined
gradient; PyTorch's formulas (and these) are correct for losses that do not (functions of
S, of ``U @ diag(S) @ Vh``, of ``|U|``) and for distinct singular values / eigenvalues.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Op
from .args import data
from .linalg_more import _inv


def pack(xp, parts, batch: tuple):
    """The factors as one array: each flattened past the batch dims, then concatenated."""
    return xp.concatenate([xp.reshape(p, batch + (math.prod(p.shape[len(batch):]),))
                           for p in parts], -1)


def unpack(packed, batch: tuple, shapes) -> list:
    """The factors of ``shapes`` (each without the batch dims) from ``pack``'s array (or
    Tensor: then each factor is a recorded view of it)."""
    parts, start = [], 0
    for s in shapes:
        size = math.prod(s)
        parts.append(packed[..., start:start + size].reshape(tuple(batch) + tuple(s)))
        start += size
    return parts


def _reached(g) -> bool:
    """Whether a factor's gradient holds anything (a factor no loss used gets zeros)."""
    return bool(np.any(data(g)))


def _mT(xp, a):
    return xp.swapaxes(a, -1, -2)


def _diag_embed(v, n: int):
    return v[..., :, None] * np.eye(n, dtype=data(v).dtype)


# -- svd -------------------------------------------------------------------------------------


def svd_shapes(m: int, n: int) -> tuple:
    k = min(m, n)
    return (m, k), (k,), (k, n)


class SVD(Op):
    """A = U diag(S) Vh, packed as (U, S, Vh) with k = min(m, n) columns of U and rows of Vh
    (``full_matrices`` only picks the LAPACK call they come from; the columns past k of a
    full U or Vh are no function of A, so they are added outside the op, as constants:
    PyTorch ignores their gradient too).

    Backward (PyTorch's svd_backward): with J = skew(U^T gU), K = skew(Vh gVh^T),
    skew(X) = X - X^T and E_ij = S_j^2 - S_i^2 (1 on the diagonal),
    G = (J S + S K) / E + diag(gS),  gA = U G Vh, plus for m > n the part of gU outside U's
    span, (I - U U^T) gU S^-1 Vh (for m < n likewise for gVh). Only gS: gA = U diag(gS) Vh.
    Valid for distinct singular values (and nonzero ones where gU/gVh reach the outside
    part); see the module docstring for the sign gauge.
    """

    __slots__ = ("full_matrices", "in_shape")
    label = "svd"

    def forward(self, a):
        u, s, vh = np.linalg.svd(a, full_matrices=self.full_matrices)
        k = s.shape[-1]
        packed = pack(np, (u[..., :, :k], s, vh[..., :k, :]), a.shape[:-2])
        self.in_shape = a.shape
        self.save(packed)
        return packed.astype(a.dtype, copy=False)

    def backward(self, g):
        (packed,) = self.saved
        batch, (m, n) = self.in_shape[:-2], self.in_shape[-2:]
        U, S, Vh = unpack(packed, batch, svd_shapes(m, n))
        gU, gS, gVh = unpack(g, batch, svd_shapes(m, n))
        return (svd_backward(self.xp, gU, gS, gVh, U, S, Vh, m, n),)


def svd_backward(xp, gU, gS, gVh, U, S, Vh, m: int, n: int):
    has_u, has_v = _reached(gU), _reached(gVh)
    k = min(m, n)
    if not has_u and not has_v:
        return xp.matmul(U * gS[..., None, :], Vh)
    S2 = S * S
    E = S2[..., None, :] - S2[..., :, None] + np.eye(k, dtype=data(S).dtype)
    ret = 0
    if has_u:
        UhgU = xp.matmul(_mT(xp, U), gU)
        ret = (UhgU - _mT(xp, UhgU)) * S[..., None, :]
    if has_v:
        VhgV = xp.matmul(Vh, _mT(xp, gVh))
        ret = ret + S[..., :, None] * (VhgV - _mT(xp, VhgV))
    ret = ret / E + _diag_embed(gS, k)
    if m > n and has_u:
        gUSinv = gU / S[..., None, :]
        gA = xp.matmul(U, ret) + gUSinv - xp.matmul(U, xp.matmul(_mT(xp, U), gUSinv))
        return xp.matmul(gA, Vh)
    if m < n and has_v:
        SinvgVh = gVh / S[..., :, None]
        gA = xp.matmul(ret, Vh) + SinvgVh - xp.matmul(xp.matmul(SinvgVh, _mT(xp, Vh)), Vh)
        return xp.matmul(U, gA)
    return xp.matmul(xp.matmul(U, ret), Vh)


# -- qr --------------------------------------------------------------------------------------


def qr_shapes(m: int, n: int, mode: str) -> tuple:
    k = min(m, n)
    if mode == "complete":
        return (m, m), (m, n)
    if mode == "r":
        return (0,), (k, n)
    return (m, k), (k, n)


class QR(Op):
    """A = Q R, packed as (Q, R): Q with orthonormal columns, R upper triangular (LAPACK's
    signs, as PyTorch). ``mode``: 'reduced' (Q m x k, R k x n), 'complete' (Q m x m, R m x n)
    or 'r' (R alone, Q empty).

    Backward, m >= n (reduced, or complete with m == n): with M = R gR^T - gQ^T Q and
    copyltu(M) = tril(M) + tril(M, -1)^T,  gA = (gQ + Q copyltu(M)) R^-T. m < n: with
    A = [X | Y], R = [R1 | R2]:  gY = Q gR2 and gX is the square case's for gQ + Y gR2^T and
    gR1. As in PyTorch, mode='r' (no Q) and mode='complete' with m > n have no derivative.
    """

    __slots__ = ("mode", "in_shape")
    label = "qr"

    def forward(self, a):
        m, n = a.shape[-2:]
        if self.mode == "r":
            q = np.zeros(a.shape[:-2] + (0,), dtype=a.dtype)
            r = np.linalg.qr(a, mode="r")
        else:
            q, r = np.linalg.qr(a, mode=self.mode)
        packed = pack(np, (q, r), a.shape[:-2]).astype(a.dtype, copy=False)
        self.in_shape = a.shape
        self.save(packed)
        return packed

    def backward(self, g):
        (packed,) = self.saved
        xp = self.xp
        batch, (m, n) = self.in_shape[:-2], self.in_shape[-2:]
        if self.mode == "r":
            raise RuntimeError("linalg.qr: The derivative of linalg.qr depends on Q, which is "
                               "not computed when mode='r'. Please use linalg.qr(A, "
                               "mode='reduced') if you are going to differentiate through "
                               "linalg.qr.")
        if self.mode == "complete" and m > n:
            raise RuntimeError("linalg.qr: The QR decomposition is not differentiable when "
                               f"mode='complete' and nrows > ncols (A is {m} x {n}); use "
                               "mode='reduced'.")
        shapes = qr_shapes(m, n, self.mode)
        Q, R = unpack(packed, batch, shapes)
        gQ, gR = unpack(g, batch, shapes)
        if m >= n:
            return (_qr_backward_tall(xp, gQ, gR, Q, R),)
        R1, R2, gR1, gR2 = R[..., :, :m], R[..., :, m:], gR[..., :, :m], gR[..., :, m:]
        Y = xp.matmul(Q, R2)
        gX = _qr_backward_tall(xp, gQ + xp.matmul(Y, _mT(xp, gR2)), gR1, Q, R1)
        return (xp.concatenate([gX, xp.matmul(Q, gR2)], -1),)


def _qr_backward_tall(xp, gQ, gR, Q, R):
    M = xp.matmul(R, _mT(xp, gR)) - xp.matmul(_mT(xp, gQ), Q)
    lower = xp.tril(M, -1)
    M = lower + _mT(xp, lower) + _diag_embed(xp.diagonal(M, 0, -2, -1), M.shape[-1])
    return xp.matmul(gQ + xp.matmul(Q, M), _mT(xp, _inv(R)))


# -- eigh ------------------------------------------------------------------------------------


class Eigh(Op):
    """A = V diag(L) V^T for a symmetric A read from its ``UPLO`` triangle ('L' or 'U'),
    packed as (L, V), eigenvalues ascending.

    Backward (PyTorch's, for Hermitian input): with K = (V^T gV - gV^T V) / 2 and
    E_ij = L_j - L_i,  gA = V (K / E + diag(gL)) V^T (the K / E diagonal replaced by gL); only
    gL: gA = V diag(gL) V^T. Symmetric, as PyTorch's (not restricted to the triangle read);
    valid for distinct eigenvalues where gV is used (eigenvectors' signs: see the module).
    """

    __slots__ = ("UPLO", "in_shape")
    label = "eigh"

    def forward(self, a):
        w, v = np.linalg.eigh(a, UPLO=self.UPLO)
        packed = pack(np, (w, v), a.shape[:-2]).astype(a.dtype, copy=False)
        self.in_shape = a.shape
        self.save(packed)
        return packed

    def backward(self, g):
        (packed,) = self.saved
        xp = self.xp
        batch, n = self.in_shape[:-2], self.in_shape[-1]
        L, V = unpack(packed, batch, ((n,), (n, n)))
        gL, gV = unpack(g, batch, ((n,), (n, n)))
        inner = _diag_embed(gL, n)
        if _reached(gV):
            VhgV = xp.matmul(_mT(xp, V), gV)
            E = L[..., None, :] - L[..., :, None] + np.eye(n, dtype=data(L).dtype)
            inner = inner + 0.5 * (VhgV - _mT(xp, VhgV)) / E
        return (xp.matmul(xp.matmul(V, inner), _mT(xp, V)),)

    def elementwise_gradient(self, grads):
        """For tg.check_graph, which moves one element of A at a time: the forward reads one
        triangle, so that triangle's derivative is the symmetric gradient with its
        off-diagonal part doubled (the other triangle's is zero)."""
        (g,) = grads
        triangle = np.tril if self.UPLO == "L" else np.triu
        return [triangle(g + _mT(np, g)) - g * np.eye(g.shape[-1])]
