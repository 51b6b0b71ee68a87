"""The decoder half of PyTorch's transformer and the whole encoder-decoder model:
``TransformerDecoderLayer`` (masked self-attention, attention over the encoder's output
``memory``, a feed-forward block, each with a residual connection and a LayerNorm),
``TransformerDecoder`` (a stack of copies) and ``Transformer`` (an encoder and a decoder, as in
"Attention is all you need"), with PyTorch's submodule names, so a torch ``state_dict`` loads
and gives the same outputs.
"""

from __future__ import annotations

import copy

import numpy as np

from ..ops import functions as ops
from ..tensor import get_default_dtype, tensor
from . import init
from .attention import _ACTIVATIONS, MultiheadAttention, TransformerEncoderLayer
from .containers import ModuleList
from .layers import Dropout, Linear
from .module import Module
from .norm import LayerNorm
from .transformer import TransformerEncoder


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


class Transformer(Module):
    """An encoder of ``num_encoder_layers`` and a decoder of ``num_decoder_layers`` layers,
    each stack ending in a LayerNorm; ``forward(src, tgt, ...)`` encodes ``src`` and decodes
    ``tgt`` attending over it. Weights of dim > 1 start Xavier-uniform, as PyTorch's.

    >>> model = nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1,
    ...                        num_decoder_layers=1, dim_feedforward=32, batch_first=True)
    >>> mask = nn.Transformer.generate_square_subsequent_mask(5)
    >>> model(tg.randn(3, 7, 16), tg.randn(3, 5, 16), tgt_mask=mask).shape
    (3, 5, 16)
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation="relu", custom_encoder=None,
                 custom_decoder=None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        options = dict(dim_feedforward=dim_feedforward, dropout=dropout,
                       activation=activation, layer_norm_eps=layer_norm_eps,
                       batch_first=batch_first, norm_first=norm_first, bias=bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(d_model, nhead, **options), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(d_model, nhead, **options), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal: bool = False):
        batched = src.ndim == 3
        if batched and src.shape[0 if self.batch_first else 1] != tgt.shape[
                0 if self.batch_first else 1]:
            raise RuntimeError(f"Transformer: the batch number of src and tgt must be equal "
                               f"(src {tuple(src.shape)}, tgt {tuple(tgt.shape)}, "
                               f"batch_first={self.batch_first}).")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src and tgt must be equal "
                               f"to d_model ({self.d_model}); got src {tuple(src.shape)}, "
                               f"tgt {tuple(tgt.shape)}.")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None):
        """The (sz, sz) causal mask: -inf above the diagonal (a position may not attend to
        later ones), 0 elsewhere."""
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        mask = np.triu(np.full((sz, sz), -np.inf, dtype=dtype), 1)
        return tensor(mask, device=device)
