"""LayerNorm and Embedding, with PyTorch's parameter names, shapes, init and state_dict keys."""

from __future__ import annotations

import numpy as np

from ..ops import functions as ops
from ..tensor import get_default_dtype
from . import functional as F
from . import init
from .layers import size_argument
from .module import Module, Parameter


class LayerNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the trailing ``normalized_shape``
    axes; ``weight`` starts at ones and ``bias`` at zeros (``elementwise_affine=False``: none).

    >>> nn.LayerNorm(64)(tg.randn(16, 32, 64)).shape
    (16, 32, 64)
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(
            size_argument(n, "normalized_shape", "LayerNorm") for n in
            normalized_shape)
        self.eps = float(eps)
        self.elementwise_affine = elementwise_affine
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        affine = elementwise_affine
        self.register_parameter(
            "weight", Parameter(np.ones(self.normalized_shape, dtype)) if affine else None)
        self.register_parameter(
            "bias", Parameter(np.zeros(self.normalized_shape, dtype)) if affine and bias else None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        shape = ops._shape(input)
        k = len(self.normalized_shape)
        if shape[len(shape) - k:] != self.normalized_shape or len(shape) < k:
            from ..errors import ShapeError

            raise ShapeError(
                f"{self!r}: expected an input whose last axes are {self.normalized_shape}, got "
                f"shape {shape}. Create the layer with the input's feature size "
                f"(nn.LayerNorm({shape[-1] if shape else 1})).")
        return ops.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class Embedding(Module):
    """A lookup table: ``weight`` (num_embeddings, embedding_dim), drawn from N(0, 1) as in
    PyTorch, with the ``padding_idx`` row zero and receiving no gradient.

    >>> nn.Embedding(10, 3)(tg.tensor(np.array([[1, 2], [4, 9]]))).shape
    (2, 2, 3)
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None) -> None:
        super().__init__()
        self.num_embeddings = size_argument(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = size_argument(embedding_dim, "embedding_dim", "Embedding")
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise AssertionError(  # torch's type
                    f"Embedding: padding_idx ({padding_idx}) must be within num_embeddings "
                    f"({self.num_embeddings}).")
            padding_idx %= self.num_embeddings
        self.padding_idx = padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            self.weight = Parameter(np.empty(shape, dtype))
            self.reset_parameters()
        else:
            given = np.shape(ops._data(_weight))
            if given != shape:
                raise AssertionError(f"Embedding: _weight has shape {given}, expected {shape}.")
            # a Tensor's storage is shared, as torch's Parameter(_weight); an array is copied
            self.weight = Parameter(_weight)
        if _freeze:
            self.weight.requires_grad = False

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, **kwargs):
        """An Embedding holding ``embeddings`` (2-D, storage shared), frozen unless
        ``freeze=False``."""
        if ops._ndim(embeddings) != 2:
            raise AssertionError(f"Embedding.from_pretrained: embeddings are expected to be "
                                 f"2-dimensional, got shape {ops._shape(embeddings)}.")
        rows, dim = ops._shape(embeddings)
        return cls(rows, dim, padding_idx=padding_idx, _weight=embeddings, _freeze=freeze,
                   **kwargs)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        return text
