"""Attention as single nodes: the masked softmax y = softmax(x + mask) along the last axis
(attention that returns its weights or applies dropout), scaled dot-product attention (scores,
mask, softmax and the product with v) and multi-head self-attention from the packed q/k/v
projection (``MultiheadAttention``'s common case). Fewer nodes, no zero-padded gradients for
the q/k/v split, and the softmax done in place on the scores.

Adding a -inf mask as its own node would give that node a non-finite output (which
``tg.check_graph`` rightly reports); inside one op the -inf only ever meets ``exp``, and the
output is finite wherever a row has a position left to attend to (a row with none is nan, as
in PyTorch).
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Op
from ..errors import ShapeError
from .rowwise import row_max, row_sum


class MaskedSoftmax(Op):
    """y = softmax(x + mask) over the last axis;  dx = y (g - sum(g y)),  dmask = dx (summed
    to the mask's shape by the engine: a float mask may require grad)."""

    __slots__ = ()
    label = "masked_softmax"

    def forward(self, x, mask):
        s = x + mask
        with np.errstate(invalid="ignore"):  # a fully masked row: -inf - -inf = nan
            s -= row_max(s)
        np.exp(s, out=s)
        s /= row_sum(s)
        self.save(s)
        return s

    def backward(self, g):
        (y,) = self.saved
        if type(g) is np.ndarray and type(y) is np.ndarray:  # in place, the row sums by BLAS
            gx = g * y
            dot = row_sum(gx)
            np.subtract(g, dot, out=gx)
            gx *= y
        else:
            gx = y * (g - self.xp.sum(g * y, axis=-1, keepdims=True))
        need_x, need_mask = self.needs_grad
        return (gx if need_x else None), (gx if need_mask else None)


def masked_softmax(x, mask):
    """softmax(x + mask) along the last axis, in one node (``mask``: an additive float mask,
    0 where attention is allowed and -inf where not, broadcastable to x)."""
    return MaskedSoftmax.apply(x, mask)


def _weights(q, k, mask, scale):
    """softmax(q k^T * scale + mask) over the last axis, computed in place on the scores."""
    s = np.matmul(q, _transposed(k))
    s *= s.dtype.type(scale)
    if mask is not None:
        s = np.add(s, mask, out=s) if s.shape == np.broadcast_shapes(
            s.shape, mask.shape) else s + mask
    with np.errstate(invalid="ignore"):  # a fully masked row: -inf - -inf = nan
        s -= row_max(s)
    np.exp(s, out=s)
    s /= row_sum(s)
    return s


class ScaledDotProductAttention(Op):
    """out = softmax(q k^T * scale + mask) v over the last two axes, as one node:
    q (..., L, E), k (..., S, E), v (..., S, Ev), mask broadcastable to (..., L, S) or absent.
    With y the attention weights and gy = g v^T:  ds = y (gy - sum(gy y)) (row sums),
    dq = ds k * scale,  dk = ds^T q * scale,  dv = y^T g,  dmask = ds (the engine sums each
    gradient to its input's shape).

    One node instead of five (scale, transpose, product, masked softmax, product): the
    forward keeps its weights for the array backward, and the softmax runs in place on the
    scores. Under ``create_graph`` the backward rebuilds the weights from q and k with
    recorded ops, so second derivatives hold.
    """

    __slots__ = ("scale", "weights")
    label = "scaled_dot_product_attention"

    def forward(self, q, k, v, mask=None):
        self.weights = s = _weights(q, k, mask, self.scale)
        if mask is None:
            self.save(q, k, v)
        else:
            self.save(q, k, v, mask)
        return np.matmul(s, v)

    def backward(self, g):
        q, k, v, *mask = self.saved
        xp = self.xp
        scale = self.scale
        need = self.needs_grad
        if type(q) is np.ndarray:
            y = self.weights
            gy = np.matmul(g, _transposed(v))
            dot = row_sum(gy * y)
            gy -= dot
            gy *= y  # ds, in place
            ds = gy
        else:  # create_graph: the weights from q and k again, recorded
            s = xp.matmul(q * scale, xp.swapaxes(k, -1, -2))
            y = xp.softmax(s, -1) if not mask else MaskedSoftmax.apply(s, mask[0])
            gy = xp.matmul(g, xp.swapaxes(v, -1, -2))
            ds = y * (gy - xp.sum(gy * y, axis=-1, keepdims=True))
        gq = xp.matmul(ds, k) * scale if need[0] else None
        gk = xp.matmul(xp.swapaxes(ds, -1, -2), q) * scale if need[1] else None
        gv = xp.matmul(xp.swapaxes(y, -1, -2), g) if need[2] else None
        if len(need) == 3:
            return gq, gk, gv
        return gq, gk, gv, (ds if need[3] else None)


def _transposed(a):
    """a^T over the last two axes, contiguous: OpenBLAS multiplies small matrices by a
    transposed right operand at a third of the speed, more than the copy costs."""
    return np.ascontiguousarray(np.swapaxes(a, -1, -2))


def scaled_dot_product_attention(q, k, v, mask=None, scale=1.0):
    """softmax(q k^T * scale + mask) v in one node (``mask``: an additive float mask
    broadcastable to the scores, or None); shapes checked by the caller."""
    inputs = (q, k, v) if mask is None else (q, k, v, mask)
    return ScaledDotProductAttention.apply(*inputs, scale=float(scale))


def _heads(xp, qkv, heads: int):
    """q, k, v (N, H, L, D) as views of the packed (N, L, 3E) projection."""
    n, length, e3 = qkv.shape
    parts = xp.transpose(xp.reshape(qkv, (n, length, 3, heads, e3 // (3 * heads))),
                         (2, 0, 3, 1, 4))
    return parts[0], parts[1], parts[2]


class SelfAttention(Op):
    """Multi-head self-attention from the packed projection qkv = x W_in^T + b_in (N, L, 3E),
    q, k, v its thirds split into H heads of D = E / H (as ``MultiheadAttention``):
    out = merge_heads(softmax(q k^T * scale + mask) v) (N, L, E). With y the weights and
    go = g split into heads:  ds = y (go v^T - sum(go v^T y)),  dq = ds k * scale,
    dk = ds^T q * scale,  dv = y^T go, written back into one (N, L, 3E) gradient.

    One node for the eight of the composition (reshape, transpose, three getitems,
    attention, transpose, reshape): the backward fills one packed gradient instead of three
    zero-padded ones that the engine would then add up.
    """

    __slots__ = ("heads", "scale", "weights")
    label = "self_attention"

    def forward(self, qkv, mask=None):
        q, k, v = _heads(np, qkv, self.heads)
        self.weights = s = _weights(q, k, mask, self.scale)
        if mask is None:
            self.save(qkv)
        else:
            self.save(qkv, mask)
        n, length, e3 = qkv.shape
        out = np.empty((n, length, self.heads, e3 // (3 * self.heads)), s.dtype)
        np.matmul(s, v, out=out.transpose(0, 2, 1, 3))
        return out.reshape(n, length, e3 // 3)

    def backward(self, g):
        qkv, *mask = self.saved
        xp = self.xp
        h, scale = self.heads, self.scale
        n, length, e = g.shape
        q, k, v = _heads(xp, qkv, h)
        go = xp.transpose(xp.reshape(g, (n, length, h, e // h)), (0, 2, 1, 3))
        if type(qkv) is np.ndarray:
            y = self.weights
            ds = np.matmul(go, _transposed(v))
            dot = row_sum(ds * y)
            ds -= dot
            ds *= y
            out = np.empty((n, length, 3, h, e // h), ds.dtype)
            parts = out.transpose(2, 0, 3, 1, 4)
            np.matmul(ds, k, out=parts[0])
            parts[0] *= ds.dtype.type(scale)
            np.matmul(ds.transpose(0, 1, 3, 2), q, out=parts[1])
            parts[1] *= ds.dtype.type(scale)
            np.matmul(y.transpose(0, 1, 3, 2), go, out=parts[2])
            gqkv = out.reshape(n, length, 3 * e)
            return (gqkv, ds if self.needs_grad[1] else None) if mask else (gqkv,)
        s = xp.matmul(q * scale, xp.swapaxes(k, -1, -2))  # create_graph: recorded
        y = xp.softmax(s, -1) if not mask else MaskedSoftmax.apply(s, mask[0])
        gy = xp.matmul(go, xp.swapaxes(v, -1, -2))
        ds = y * (gy - xp.sum(gy * y, axis=-1, keepdims=True))
        grads = xp.stack([xp.matmul(ds, k) * scale,
                          xp.matmul(xp.swapaxes(ds, -1, -2), q) * scale,
                          xp.matmul(xp.swapaxes(y, -1, -2), go)], 0)  # (3, N, H, L, D)
        gqkv = xp.reshape(xp.transpose(grads, (1, 3, 0, 2, 4)), (n, length, 3 * e))
        return (gqkv, ds if self.needs_grad[1] else None) if mask else (gqkv,)


def self_attention(qkv, heads: int, mask=None, scale=None):
    """Multi-head self-attention of a packed (N, L, 3E) q/k/v projection in one node, the
    heads merged back: (N, L, E). ``mask``: additive, broadcastable to (N, H, L, L)."""
    e3 = qkv.shape[-1]
    if len(qkv.shape) != 3 or e3 % (3 * heads):
        raise ShapeError(
            f"self_attention: expected a packed projection (N, L, 3E) with E divisible by "
            f"heads={heads}, got shape {tuple(qkv.shape)}.")
    if scale is None:
        scale = 1.0 / math.sqrt(e3 // (3 * heads))
    inputs = (qkv,) if mask is None else (qkv, mask)
    return SelfAttention.apply(*inputs, heads=int(heads), scale=float(scale))
