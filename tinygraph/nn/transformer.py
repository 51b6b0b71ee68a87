"""``TransformerEncoder``: a stack of deep copies of one ``TransformerEncoderLayer``, as
``torch.nn.TransformerEncoder`` (state_dict keys ``layers.0.self_attn.in_proj_weight``, ...,
then ``norm.weight`` when a final norm is given), so a torch encoder's weights load unchanged.

PyTorch's inference fast path turns a batch with a ``src_key_padding_mask`` into a nested
tensor and back, which leaves zeros at the padded positions (before the final ``norm``); the
same happens here under the same conditions (eval mode, batch-first layers, no ``mask``, no
parameter that records a gradient), so outputs match torch's there too.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np

from ..autograd import is_grad_enabled
from ..ops import functions as ops
from ..tensor import Tensor
from .attention import TransformerEncoderLayer
from .containers import ModuleList
from .module import Module


def _why_not_nested(layer) -> str:
    """Why torch's nested-tensor path cannot be used with ``layer`` ('' when it can)."""
    attn = layer.self_attn if isinstance(layer, TransformerEncoderLayer) else None
    checks = (
        (attn is None, "encoder_layer was not TransformerEncoderLayer"),
        (attn is not None and layer.norm_first, "encoder_layer.norm_first was True"),
        (attn is not None and not attn.batch_first,
         "encoder_layer.self_attn.batch_first was not True(use batch_first for better "
         "inference performance)"),
        (attn is not None and attn.in_proj_bias is None,
         "encoder_layer.self_attn was passed bias=False"),
        (attn is not None and not getattr(layer, "activation_relu_or_gelu", 0),
         "encoder_layer.activation_relu_or_gelu was not True"),
        (attn is not None and layer.norm1.eps != layer.norm2.eps,
         "encoder_layer.norm1.eps was not equal to encoder_layer.norm2.eps"),
        (attn is not None and attn.num_heads % 2 == 1, "encoder_layer.self_attn.num_heads is odd"),
    )
    return next((why for failed, why in checks if failed), "")


def _is_causal_mask(mask, size: int) -> bool:
    """Whether ``mask`` is the (size, size) causal mask, bool (True = masked) or float (-inf
    above the diagonal, 0 elsewhere): torch's ``_detect_is_causal_mask``."""
    m = np.asarray(ops._data(mask))
    if m.shape != (size, size):
        return False
    above = np.triu(np.ones((size, size), bool), 1)
    if m.dtype == np.bool_:
        return bool((m == above).all())
    return bool(np.where(above, m == -np.inf, m == 0).all())


class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer`` (all starting with the same weights, as
    torch's), applied in turn, then ``norm`` if given.

    ``forward(src, mask=None, src_key_padding_mask=None, is_causal=None)``: ``mask`` is each
    layer's ``src_mask``; ``is_causal=None`` detects a causal ``mask``, as torch.

    >>> layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, batch_first=True)
    >>> nn.TransformerEncoder(layer, num_layers=2)(tg.randn(8, 10, 16)).shape
    (8, 10, 16)
    """

    def __init__(self, encoder_layer, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why = _why_not_nested(encoder_layer)
        if enable_nested_tensor and why:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False "
                          f"because {why}", UserWarning, stacklevel=2)
            self.use_nested_tensor = False

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        shape = ops._shape(src)
        first = self.layers[0] if len(self.layers) else None
        batch_first = first is not None and first.self_attn.batch_first
        length = shape[0] if len(shape) == 2 else shape[1 if batch_first else 0]
        if is_causal is None:
            is_causal = mask is not None and _is_causal_mask(mask, length)
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                           is_causal=bool(is_causal))
        if self._padded_to_zero(src, mask, src_key_padding_mask, first):
            pad = np.asarray(ops._data(src_key_padding_mask))
            pad = pad if pad.dtype == np.bool_ else pad != 0
            output = ops.where(~pad[..., None], output, 0.0)
        if self.norm is not None:
            output = self.norm(output)
        return output

    def _padded_to_zero(self, src, mask, padding, first) -> bool:
        """Whether torch would take its nested-tensor path (zeros at padded positions)."""
        if not self.use_nested_tensor or first is None or first.training or padding is None:
            return False
        if len(ops._shape(src)) != 3 or mask is not None:
            return False
        if self.mask_check:
            keep = ~np.asarray(ops._data(padding)).astype(bool)
            lengths = keep.sum(axis=1)
            if not (keep == (np.arange(keep.shape[1]) < lengths[:, None])).all():
                return False  # not left-aligned: torch takes the padded path
        tracked = [src] + [p for p in first.parameters()]
        return not (is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad
                                               for t in tracked))
