"""Attention: ``scaled_dot_product_attention`` and the layers built on it,
``MultiheadAttention`` and ``TransformerEncoderLayer``, with PyTorch's arguments, parameter
names and ``state_dict`` keys (a torch layer's weights load into these unchanged).

The attention itself is one graph node where it can be: ``scaled_dot_product_attention``
without dropout is ``ops.attention.ScaledDotProductAttention`` (scores, mask, softmax and the
product with v), and ``MultiheadAttention``'s self-attention without returned weights or
dropout is ``ops.attention.SelfAttention`` (from the packed q/k/v projection to the merged
heads); both have their own backward, recorded under ``create_graph``. The other cases are
compositions of graph ops (linear, reshape, transpose, matmul, masked softmax, dropout).
Masks become one additive float mask (0 where attention is allowed, -inf where not), as in
PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import AssertedArgumentError, ShapeError
from ..ops import functions as ops
from ..ops.attention import masked_softmax, self_attention
from ..ops.attention import scaled_dot_product_attention as fused_attention
from ..tensor import Tensor, get_default_dtype
from . import functional as F
from . import init
from .layers import Linear
from .module import Module, Parameter
from .norm import LayerNorm


def _additive(mask, dtype, allow_when_true: bool):
    """A bool or float mask as an additive float mask (a Tensor needing grad stays one)."""
    if isinstance(mask, Tensor) and mask.requires_grad:
        return mask
    m = np.asarray(ops._data(mask))
    if m.dtype == np.bool_:
        allowed = m if allow_when_true else ~m
        return np.where(allowed, 0.0, -np.inf).astype(dtype)
    return m.astype(dtype, copy=False)


def _causal(length: int, source: int, dtype):
    return np.where(np.tri(length, source, dtype=bool), 0.0, -np.inf).astype(dtype)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q k^T * scale + mask) v over the last two axes: q (..., L, E), k (..., S, E),
    v (..., S, Ev) -> (..., L, Ev).

    ``attn_mask``: bool (True = may attend) or float (added to the scores), broadcastable to
    (..., L, S). ``is_causal``: position i attends to positions <= i. ``scale`` defaults to
    1 / sqrt(E); ``dropout_p`` drops attention weights (always, as in PyTorch: pass 0.0 in
    evaluation). ``enable_gqa``: key and value may have fewer heads (dim -3) than the query,
    each shared by a group of query heads.
    """
    q_shape, k_shape = ops._shape(query), ops._shape(key)
    if len(q_shape) < 2 or len(k_shape) < 2 or q_shape[-1] != k_shape[-1]:
        raise ShapeError(
            f"scaled_dot_product_attention: query (..., L, E) and key (..., S, E) must share "
            f"the last axis E, got shapes {q_shape} and {k_shape}.")
    if enable_gqa and len(q_shape) >= 3 and len(k_shape) >= 3 and q_shape[-3] != k_shape[-3]:
        # grouped-query attention: each key/value head serves q_heads / kv_heads query heads
        heads, kv_heads = q_shape[-3], k_shape[-3]
        if heads % kv_heads or ops._shape(value)[-3] != kv_heads:
            raise RuntimeError(
                f"scaled_dot_product_attention: with enable_gqa, the query's heads ({heads}) "
                f"must be a multiple of the key's and value's ({kv_heads}, "
                f"{ops._shape(value)[-3]}).")
        key = ops.repeat_interleave(key, heads // kv_heads, dim=-3)
        value = ops.repeat_interleave(value, heads // kv_heads, dim=-3)
        k_shape = ops._shape(key)
    length, source = q_shape[-2], k_shape[-2]
    dtype = ops._data(query).dtype
    scale = 1.0 / math.sqrt(q_shape[-1]) if scale is None else float(scale)
    mask = None
    if is_causal:
        if attn_mask is not None:
            raise ValueError(
                "scaled_dot_product_attention: give either attn_mask or is_causal=True, not "
                "both (fold the causal mask into attn_mask).")
        mask = _causal(length, source, dtype)
    elif attn_mask is not None:
        m_shape = ops._shape(attn_mask)
        try:
            np.broadcast_shapes(m_shape, q_shape[:-2] + (length, source))
        except ValueError:
            raise ShapeError(
                f"scaled_dot_product_attention: attn_mask of shape {m_shape} cannot be "
                f"broadcast to the attention scores' shape {q_shape[:-2] + (length, source)} "
                f"(query {q_shape}, key {k_shape}); give a mask of shape ({length}, {source}) "
                "or one per batch and head.") from None
        mask = _additive(attn_mask, dtype, allow_when_true=True)
    if dropout_p <= 0.0:  # one node: scores, mask, softmax and the product with v
        return fused_attention(query, key, value, mask, scale)
    scores = ops.matmul(ops.mul(query, scale), ops.transpose(key, -2, -1))
    weights = ops.softmax(scores, -1) if mask is None else masked_softmax(scores, mask)
    weights = F.dropout(weights, dropout_p, training=True)
    return ops.matmul(weights, value)


class NonDynamicallyQuantizableLinear(Linear):
    """``MultiheadAttention.out_proj``'s class, named as torch's (its repr shows the name)."""


class MultiheadAttention(Module):
    """Multi-head attention as ``torch.nn.MultiheadAttention``: ``in_proj_weight`` (3E, E),
    ``in_proj_bias`` (3E,), ``out_proj`` (a Linear E -> E).

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns ``(output, weights)``; inputs are
    (L, N, E), or (N, L, E) with ``batch_first=True``, or unbatched (L, E). Boolean masks mark
    the positions that may NOT be attended (True = masked), float masks are added to the scores.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None) -> None:
        super().__init__()
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError(
                "MultiheadAttention: add_bias_kv and add_zero_attn are not supported.")
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise AssertedArgumentError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads "
                f"({num_heads}), each head getting embed_dim // num_heads features; choose "
                f"num_heads among the divisors of {embed_dim}.")
        self.embed_dim, self.num_heads = int(embed_dim), int(num_heads)
        self.head_dim = self.embed_dim // self.num_heads
        self.dropout, self.batch_first = float(dropout), batch_first
        e = self.embed_dim
        self.kdim = e if kdim is None else int(kdim)
        self.vdim = e if vdim is None else int(vdim)
        self._qkv_same_embed_dim = self.kdim == e and self.vdim == e
        self.bias_k = self.bias_v = None  # add_bias_kv is not supported
        self.add_zero_attn = False
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * e, e), dtype))
        else:  # keys and values of other sizes: three projections, torch's names and order
            self.q_proj_weight = Parameter(np.empty((e, e), dtype))
            self.k_proj_weight = Parameter(np.empty((e, self.kdim), dtype))
            self.v_proj_weight = Parameter(np.empty((e, self.vdim), dtype))
            self.register_parameter("in_proj_weight", None)
        self.in_proj_bias = Parameter(np.zeros(3 * e, dtype)) if bias else None
        self.out_proj = NonDynamicallyQuantizableLinear(e, e, bias=bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _name(self) -> str:
        return f"MultiheadAttention(embed_dim={self.embed_dim}, num_heads={self.num_heads})"

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        q_shape = ops._shape(query)
        if len(q_shape) not in (2, 3) or q_shape[-1] != self.embed_dim:
            raise ShapeError(
                f"{self._name()}: expected a query of shape (L, N, {self.embed_dim}) "
                f"{'(batch_first: (N, L, E)) ' if self.batch_first else ''}or (L, "
                f"{self.embed_dim}), got {q_shape}.")
        if is_causal and attn_mask is None:
            raise RuntimeError(
                f"{self._name()}: is_causal=True is a hint that attn_mask is the causal mask; give "
                "the mask too: np.triu(np.ones((L, L), bool), 1) (True = masked).")
        batched = len(q_shape) == 3
        if not batched:
            query, key, value = (ops.unsqueeze(t, 0) for t in (query, key, value))
        elif not self.batch_first:
            same_kv = key is value
            same = query is key and same_kv
            query = ops.transpose(query, 0, 1)
            key = query if same else ops.transpose(key, 0, 1)
            value = key if same_kv else ops.transpose(value, 0, 1)
        out, weights = self._attend(query, key, value, key_padding_mask, need_weights,
                                    attn_mask, average_attn_weights, batched)
        if not batched:
            out = ops.squeeze(out, 0)
            weights = None if weights is None else ops.squeeze(weights, 0)
        elif not self.batch_first:
            out = ops.transpose(out, 0, 1)
        return out, weights

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask,
                average, batched):
        n, length, e = ops._shape(query)
        source = ops._shape(key)[1]
        h, d = self.num_heads, self.head_dim
        w, b = self.in_proj_weight, self.in_proj_bias
        p = self.dropout if self.training else 0.0
        same = query is key and key is value and self._qkv_same_embed_dim
        if same and not need_weights and p == 0.0:
            # self-attention, the common case: the projection, then one node to the merged heads
            mask = self._mask(attn_mask, key_padding_mask, n, length, source, batched,
                              ops._data(query).dtype)
            out = self_attention(F.linear(query, w, b), h, mask, 1.0 / math.sqrt(d))
            return self.out_proj(out), None
        if same:  # self-attention: one product for q, k and v
            qkv = ops.reshape(F.linear(query, w, b), (n, length, 3, h, d))
            qkv = ops.transpose(qkv, (2, 0, 3, 1, 4))  # (3, N, H, L, D)
            q, k, v = ops.getitem(qkv, 0), ops.getitem(qkv, 1), ops.getitem(qkv, 2)
        else:
            parts = []
            for i, (t, size) in enumerate(((query, length), (key, source), (value, source))):
                rows = slice(i * e, (i + 1) * e)
                weight = ops.getitem(w, rows) if w is not None else (
                    self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)[i]
                y = F.linear(t, weight, None if b is None else ops.getitem(b, rows))
                parts.append(ops.transpose(ops.reshape(y, (n, size, h, d)), (0, 2, 1, 3)))
            q, k, v = parts
        mask = self._mask(attn_mask, key_padding_mask, n, length, source, batched,
                          ops._data(query).dtype)
        if need_weights:
            scores = ops.matmul(ops.mul(q, 1.0 / math.sqrt(d)), ops.transpose(k, -2, -1))
            weights = ops.softmax(scores, -1) if mask is None else masked_softmax(scores, mask)
            if p > 0.0:
                weights = F.dropout(weights, p, training=True)
            out = ops.matmul(weights, v)
            if average:
                weights = ops.mean(weights, axis=1)
        else:
            out = scaled_dot_product_attention(q, k, v, mask, p)
            weights = None
        out = ops.reshape(ops.transpose(out, (0, 2, 1, 3)), (n, length, e))
        return self.out_proj(out), weights

    def _mask(self, attn_mask, key_padding_mask, n, length, source, batched, dtype):
        h = self.num_heads
        mask = None
        if attn_mask is not None:
            shape = ops._shape(attn_mask)
            if shape == (length, source):
                mask = _additive(attn_mask, dtype, allow_when_true=False)
            elif shape == (n * h, length, source) or (not batched and shape == (
                    h, length, source)):
                mask = _additive(attn_mask, dtype, allow_when_true=False)
                mask = ops.reshape(mask, (n, h, length, source)) if isinstance(
                    mask, Tensor) else mask.reshape(n, h, length, source)
            else:
                raise ShapeError(
                    f"{self._name()}: attn_mask has shape {shape}, but for a target length "
                    f"{length} and source length {source} it must be ({length}, {source}) "
                    f"(one mask for all) or ({n * h}, {length}, {source}) (batch size {n} "
                    f"times {h} heads); a causal mask is "
                    f"np.triu(np.ones(({length}, {source}), bool), 1) (True = masked).")
        if key_padding_mask is not None:
            shape = ops._shape(key_padding_mask)
            want = (n, source) if batched else (source,)
            if shape != want:
                raise ShapeError(
                    f"{self._name()}: key_padding_mask has shape {shape}, but it must be {want}: "
                    f"one flag per {'batch element and ' if batched else ''}source position "
                    "(True = padding, ignored).")
            pad = _additive(key_padding_mask, dtype, allow_when_true=False)
            pad = ops.reshape(pad, (n, 1, 1, source)) if isinstance(pad, Tensor) else \
                pad.reshape(n, 1, 1, source)
            mask = pad if mask is None else ops.add(mask, pad) if isinstance(
                mask, Tensor) or isinstance(pad, Tensor) else mask + pad
        return mask


_ACTIVATIONS = {"relu": F.relu, "gelu": lambda x: F.gelu(x)}


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward block, each with a residual connection and a
    LayerNorm, as ``torch.nn.TransformerEncoderLayer`` (same submodule names: ``self_attn``,
    ``linear1``, ``linear2``, ``norm1``, ``norm2``, ``dropout``, ``dropout1``, ``dropout2``).

    ``norm_first=True`` normalises before each block (pre-LN) instead of after the residual.
    ``activation``: "relu", "gelu" or a callable.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None) -> None:
        super().__init__()
        from .layers import Dropout

        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise RuntimeError(
                    f"TransformerEncoderLayer: activation should be 'relu' or 'gelu' (or a "
                    f"callable), not {activation!r}.")
            self.activation_relu_or_gelu = 1 if activation == "relu" else 2
            activation = _ACTIVATIONS[activation]
        self.activation = activation

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = ops.add(x, self._sa_block(self.norm1(x), src_mask, src_key_padding_mask,
                                          is_causal))
            x = ops.add(x, self._ff_block(self.norm2(x)))
        else:
            x = self.norm1(ops.add(x, self._sa_block(x, src_mask, src_key_padding_mask,
                                                     is_causal)))
            x = self.norm2(ops.add(x, self._ff_block(x)))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))
