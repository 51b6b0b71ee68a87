"""Similarities and distances between rows of two tensors, as PyTorch's:
``F.cosine_similarity``, ``F.pairwise_distance`` and their Modules.

    cosine_similarity(x1, x2) = sum((x1 / max(|x1|, eps)) * (x2 / max(|x2|, eps)), dim)
    pairwise_distance(x1, x2) = |x1 - x2 + eps|_p   (over the last dim)

As in PyTorch, the clamping of the norms to ``eps`` happens outside the graph: the gradient
is the one of the unclamped norm (it differs from a clamp's only for near-zero vectors).
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..ops import functions as ops
from .module import Module


def _clamped(norm, eps: float):
    """``norm`` with its values raised to ``eps``, its gradient the unclamped norm's."""
    raw = norm.detach()
    return norm + (ops.clamp(raw, min=eps) - raw)


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcast together
    first, so a norm is taken over the broadcast shape, as PyTorch)."""
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise ShapeError(f"cosine_similarity: x1 of shape {tuple(x1.shape)} and x2 of shape "
                         f"{tuple(x2.shape)} cannot be broadcast together; give them equal "
                         "sizes (or 1) along each dim.") from None
    x1 = x1 if tuple(x1.shape) == shape else ops.broadcast_to(x1, shape)
    x2 = x2 if tuple(x2.shape) == shape else ops.broadcast_to(x2, shape)
    n1 = _clamped(ops.norm(x1, 2, dim, True), eps)
    n2 = _clamped(ops.norm(x2, 2, dim, True), eps)
    return ops.sum((x1 / n1) * (x2 / n2), dim)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """The p-norm of ``x1 - x2 + eps`` over the last dim."""
    return ops.norm(x1 - x2 + eps, p, -1, keepdim)


class CosineSimilarity(Module):
    """``F.cosine_similarity`` as a layer."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``F.pairwise_distance`` as a layer."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
