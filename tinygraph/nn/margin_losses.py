"""The margin, embedding and likelihood losses of PyTorch, each a composition of graph ops
with PyTorch's formula, arguments and ``reduction``:

    margin_ranking_loss      max(0, -y (x1 - x2) + margin)
    hinge_embedding_loss     x where y = 1, max(0, margin - x) where y = -1
    soft_margin_loss         log(1 + exp(-y x))
    multilabel_soft_margin   -mean_c [y log sigmoid(x) + (1 - y) log sigmoid(-x)] (weighted)
    multi_margin_loss        sum_{j != y} max(0, margin - x_y + x_j)^p / C
    multilabel_margin_loss   sum_{j in y} sum_{i not in y} max(0, 1 - x_j + x_i) / C
    cosine_embedding_loss    1 - cos(x1, x2) where y = 1, max(0, cos - margin) where y = -1
    triplet_margin_loss      max(0, margin + d(a, p) - d(a, n))
    poisson_nll_loss         exp(x) - t x  (log_input), or x - t log(x + eps)
    gaussian_nll_loss        (log(max(var, eps)) + (x - t)^2 / max(var, eps)) / 2
"""

from __future__ import annotations

import math

import numpy as np

from ..ops import functions as ops
from ..ops.unpool import MultilabelMargin
from .composed_activations import logsigmoid
from .elementwise_losses import _reduce, legacy_reduction
from .losses import _Loss, _WeightedLoss
from .similarity import pairwise_distance


def _labels(target):
    return np.asarray(ops._data(target))


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean"):
    reduction = legacy_reduction(size_average, reduce, reduction)
    loss = ops.clamp(-target * (input1 - input2) + margin, min=0.0)
    return _reduce(loss, reduction, "margin_ranking_loss")


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean"):
    reduction = legacy_reduction(size_average, reduce, reduction)
    y = _labels(target)
    loss = (ops.where(y != 1, ops.clamp(margin - input, min=0.0), 0.0)
            + ops.where(y != -1, input, 0.0))
    return _reduce(loss, reduction, "hinge_embedding_loss")


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _reduce(ops.softplus(-target * input), reduction, "soft_margin_loss")


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean"):
    reduction = legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = ops.sum(loss, input.ndim - 1) / input.shape[-1]
    return _reduce(loss, reduction, "multilabel_soft_margin_loss")


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None,
                      size_average=None, reduce=None, reduction: str = "mean"):
    reduction = legacy_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 supported, got {p}.")
    x = input if input.ndim == 2 else ops.reshape(input, (1, -1))
    y = _labels(target).reshape(-1)
    rows = np.arange(x.shape[0])
    picked = ops.reshape(x[rows, y], (-1, 1))
    terms = ops.clamp(margin - picked + x, min=0.0)
    if p == 2:
        terms = terms * terms
    if weight is not None:
        terms = terms * ops.reshape(ops.index_select(weight, 0, y), (-1, 1))
    other = np.ones(x.shape, dtype=bool)
    other[rows, y] = False  # the label's own term is left out
    loss = ops.sum(ops.where(other, terms, 0.0), 1) / x.shape[1]
    if input.ndim < 2:
        loss = ops.reshape(loss, ())
    return _reduce(loss, reduction, "multi_margin_loss")


def multilabel_margin_loss(input, target, size_average=None, reduce=None,
                           reduction: str = "mean"):
    """For each sample, the hinge max(0, 1 - (x[j] - x[i])) of every target class j (the
    target's entries before its first -1) against every class i not among them, summed and
    divided by the number of classes C. ``input`` (C,) or (N, C); ``target`` int64 alike."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "multilabel_margin_loss"
    y = _labels(target)
    s = tuple(input.shape)
    if y.dtype != np.int64:
        raise RuntimeError(f"{op}: expected scalar type Long but found {y.dtype} (the "
                           "target holds class indices: use .long()).")
    if len(s) > 2 or (len(s) == 2 and s[1] == 0) or (len(s) == 1 and s[0] == 0):
        raise RuntimeError(f"{op}: Expected non-empty vector or matrix with optional 0-dim "
                           f"batch size, but got: {list(s)}")
    if tuple(y.shape) != s:
        raise RuntimeError(f"{op}: inconsistent target size: {list(y.shape)} for input of "
                           f"size: {list(s)}")
    x = ops.reshape(input, (-1, s[-1] if s else 1))
    y = y.reshape(x.shape)
    classes = x.shape[1]
    if y.size and (y.min() < -1 or y.max() >= classes):
        raise RuntimeError(f"{op}: argument #2 'target' is out of range: its entries must be "
                           f"class indices in [0, {classes}) or -1 (the end of the list).")
    listed = np.cumprod(y != -1, axis=1).astype(bool)  # the entries before the first -1
    rows = np.broadcast_to(np.arange(y.shape[0])[:, None], y.shape)
    count = np.zeros(x.shape)
    np.add.at(count, (rows[listed], y[listed]), 1.0)  # how often each class is listed
    pairs = count[:, :, None] * (count[:, None, :] == 0)  # (target j, other class i)
    loss = MultilabelMargin.apply(x, pairs=pairs.astype(ops._data(input).dtype))
    if len(s) < 2:
        loss = ops.reshape(loss, ())
    return _reduce(loss, reduction, op)


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean"):
    reduction = legacy_reduction(size_average, reduce, reduction)
    dim = input1.ndim - 1
    eps = 1e-12  # PyTorch's, added to each squared norm
    dot = ops.sum(input1 * input2, dim)
    norms = (ops.sum(input1 * input1, dim) + eps) * (ops.sum(input2 * input2, dim) + eps)
    cos = dot / ops.sqrt(norms)
    y = _labels(target)
    loss = (ops.where(y == 1, 1.0 - cos, 0.0)
            + ops.where(y == -1, ops.clamp(cos - margin, min=0.0), 0.0))
    return _reduce(loss, reduction, "cosine_embedding_loss")


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, size_average=None,
                        reduce=None, reduction: str = "mean"):
    reduction = legacy_reduction(size_average, reduce, reduction)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    loss = ops.clamp(margin + d_pos - d_neg, min=0.0)
    return _reduce(loss, reduction, "triplet_margin_loss")


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean"):
    reduction = legacy_reduction(size_average, reduce, reduction)
    if log_input:
        loss = ops.exp(input) - target * input
    else:
        loss = input - target * ops.log(input + eps)
    if full:  # Stirling's approximation of log(target!), where target > 1
        t = _labels(target).astype(np.result_type(float, ops._data(input).dtype))
        safe = np.where(t > 1, t, 1.0)
        stirling = np.where(t > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe),
                            0.0)
        loss = loss + stirling.astype(ops._data(input).dtype)
    return _reduce(loss, reduction, "poisson_nll_loss")


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean"):
    if isinstance(var, (int, float)):
        var = input.new_full(tuple(input.shape), float(var))
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = ops.unsqueeze(var, -1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size: {tuple(var.shape)} "
                             f"for an input of shape {tuple(input.shape)}.")
    if np.any(ops._data(var) < 0):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries.")
    raw = var.detach()
    var = var + (ops.clamp(raw, min=eps) - raw)  # clamped values, the unclamped gradient
    loss = 0.5 * (ops.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, "gaussian_nll_loss")


class _MarginLoss(_Loss):
    """The ``margin`` attribute MarginRankingLoss, HingeEmbeddingLoss and CosineEmbeddingLoss
    share (siblings, as in torch)."""

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin


class MarginRankingLoss(_MarginLoss):
    """``F.margin_ranking_loss`` as a Module."""

    def forward(self, input1, input2, target):
        return margin_ranking_loss(input1, input2, target, self.margin,
                                   reduction=self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """``F.hinge_embedding_loss`` as a Module."""

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input, target):
        return hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_MarginLoss):
    """``F.cosine_embedding_loss`` as a Module."""

    def forward(self, input1, input2, target):
        return cosine_embedding_loss(input1, input2, target, self.margin,
                                     reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """``F.soft_margin_loss`` as a Module."""

    def forward(self, input, target):
        return soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """``F.multilabel_soft_margin_loss`` as a Module."""

    def forward(self, input, target):
        return multilabel_soft_margin_loss(input, target, self.weight,
                                           reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """The multi-label hinge loss (``F.multilabel_margin_loss``)."""

    def forward(self, input, target):
        return multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """``F.multi_margin_loss`` as a Module."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, size_average=None,
                 reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got {p}.")
        self.p, self.margin = p, margin

    def forward(self, input, target):
        return multi_margin_loss(input, target, self.p, self.margin, self.weight,
                                 reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``F.triplet_margin_loss`` as a Module."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                   self.swap, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """``F.poisson_nll_loss`` as a Module."""

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None,
                 eps: float = 1e-8, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return poisson_nll_loss(log_input, target, self.log_input, self.full, eps=self.eps,
                                reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """``F.gaussian_nll_loss`` as a Module."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean"):
    """max(0, margin + d(a, p) - d(a, n)) with any ``distance_function`` (default the
    Euclidean ``pairwise_distance``)."""
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        d_neg = ops.minimum(d_neg, distance(positive, negative))
    loss = ops.clamp(margin + d_pos - d_neg, min=0.0)
    return _reduce(loss, reduction, "triplet_margin_with_distance_loss")


class TripletMarginWithDistanceLoss(_Loss):
    """``F.triplet_margin_with_distance_loss`` as a Module."""

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        from .similarity import PairwiseDistance

        self.distance_function = (distance_function if distance_function is not None
                                  else PairwiseDistance())
        self.margin, self.swap = margin, swap

    def forward(self, anchor, positive, negative):
        return triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)
