"""The decoder half of PyTorch's transformer: ``TransformerDecoderLayer`` (masked
self-attention, attention over the encoder's output ``memory``, a feed-forward block, each
with a residual connection and a LayerNorm) and ``TransformerDecoder`` (a stack of copies),
with PyTorch's submodule names, so a torch ``state_dict`` loads and gives the same outputs.
"""

from __future__ import annotations

import copy

from ..ops import functions as ops
from .attention import _ACTIVATIONS, MultiheadAttention
from .containers import ModuleList
from .layers import Dropout, Linear
from .module import Module
from .norm import LayerNorm


class TransformerDecoderLayer(Module):
    """``x = tgt``; then, post-norm (the default) or pre-norm (``norm_first=True``)::

        x = norm1(x + self_attn(x, x, x, tgt_mask))          # masked self-attention
        x = norm2(x + multihead_attn(x, memory, memory))     # attention over the encoder
        x = norm3(x + linear2(activation(linear1(x))))       # feed-forward
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise RuntimeError(f"TransformerDecoderLayer: activation should be 'relu' or "
                                   f"'gelu' (or a callable), not {activation!r}.")
            activation = _ACTIVATIONS[activation]
        self.activation = activation

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None,
                tgt_is_causal=False, memory_is_causal=False):
        x = tgt
        if self.norm_first:
            x = ops.add(x, self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask,
                                          tgt_is_causal))
            x = ops.add(x, self._mha_block(self.norm2(x), memory, memory_mask,
                                           memory_key_padding_mask, memory_is_causal))
            return ops.add(x, self._ff_block(self.norm3(x)))
        x = self.norm1(ops.add(x, self._sa_block(x, tgt_mask, tgt_key_padding_mask,
                                                 tgt_is_causal)))
        x = self.norm2(ops.add(x, self._mha_block(x, memory, memory_mask,
                                                  memory_key_padding_mask, memory_is_causal)))
        return self.norm3(ops.add(x, self._ff_block(x)))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=bool(is_causal), need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, memory, memory, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=bool(is_causal),
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` (``layers.0``, ``layers.1``, ...), each
    attending over the same ``memory``, then the optional ``norm``."""

    def __init__(self, decoder_layer, num_layers, norm=None) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None,
                tgt_is_causal=None, memory_is_causal=False):
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal) and tgt_mask is not None,
                      memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)
