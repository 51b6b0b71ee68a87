"""Class-label and divergence losses with PyTorch's full signatures: ``cross_entropy``
(``weight``, ``ignore_index``, ``label_smoothing``, probability targets), ``nll_loss``,
``kl_div``, ``smooth_l1_loss`` and ``huber_loss``; all with ``reduction=``.

The weighted mean follows PyTorch: the sum of the weighted losses divided by the sum of the
weights of the (non-ignored) targets, not by their count. Re-exported by
``tinygraph.nn.functional``.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..ops import functions as ops
from ..ops import losses as loss_ops
from ..ops import nn as fused
from ..tensor import Tensor
from .elementwise_losses import _reduce, _target, _weighted, legacy_reduction

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction, op, extra=()):
    if reduction not in _REDUCTIONS + tuple(extra):
        valid = ", ".join(repr(r) for r in _REDUCTIONS + tuple(extra))
        raise ValueError(f"{op}: reduction must be one of {valid}, got {reduction!r}.")


def _class_weight(weight, classes, dtype, op):
    if weight is None:
        return None
    w = np.asarray(ops._data(weight))
    if w.shape != (classes,):
        raise ShapeError(
            f"{op}: weight must hold one value per class, shape ({classes},), got shape "
            f"{tuple(w.shape)}.")
    return w.astype(dtype, copy=False)


def _rows(input, op):
    """(M, C) logits with the class axis last, the label shape and the class count."""
    x_shape = ops._shape(input)
    if len(x_shape) == 0:
        raise ShapeError(f"{op}: the input must have a class axis, got a 0-d tensor.")
    if len(x_shape) == 1:
        return ops.reshape(input, (1, x_shape[0])), (), x_shape[0]
    classes = x_shape[1]
    label_shape = x_shape[:1] + x_shape[2:]
    if len(x_shape) == 2:
        return input, label_shape, classes
    perm = (0,) + tuple(range(2, len(x_shape))) + (1,)
    return ops.reshape(ops.transpose(input, perm), (-1, classes)), label_shape, classes


def _labels(target, label_shape, x_shape, op):
    labels = np.asarray(ops._data(target))
    if labels.shape != label_shape:
        raise ShapeError(
            f"{op}: an input of shape {x_shape} needs integer class labels of shape "
            f"{label_shape}, but the target has shape {tuple(labels.shape)}.")
    if labels.dtype.kind == "f":
        if not np.all(labels == np.round(labels)):
            raise ValueError(
                f"{op}: float targets shaped like class labels must hold whole numbers; for "
                "class probabilities give the target the input's shape.")
    elif labels.dtype.kind not in "iub":
        raise TypeError(f"{op}: class labels must be integers, got {labels.dtype}.")
    return labels.reshape(-1).astype(np.intp)


def _mean_over(total, denominator, dtype):
    if denominator == 0:
        # 0 / 0 = nan, as PyTorch, whose gradient is then 0 (not nan)
        return ops.add(ops.mul(total, 0.0), np.asarray(np.nan, dtype))
    return ops.div(total, np.asarray(denominator, dtype))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """loss_i = -weight[t_i] * input[i, t_i] for log-probabilities ``input`` (N, C) (or (C,),
    or (N, C, d...)); targets equal to ``ignore_index`` add nothing. The mean divides by the
    sum of the target weights."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "nll_loss")
    x_shape = ops._shape(input)
    x2, label_shape, classes = _rows(input, "nll_loss")
    labels = _labels(target, label_shape, x_shape, "nll_loss")
    dtype = ops._data(input).dtype
    valid = labels != ignore_index
    safe = np.where(valid, labels, 0)
    if safe.size and (safe.min() < 0 or safe.max() >= classes):
        bad = labels[valid & ((labels < 0) | (labels >= classes))][0]
        raise IndexError(
            f"nll_loss: target {bad} is out of bounds for {classes} classes; class labels "
            f"must be in [0, {classes - 1}] (or equal ignore_index={ignore_index}).")
    w = _class_weight(weight, classes, dtype, "nll_loss")
    scale = (w[safe] if w is not None else np.ones(safe.shape, dtype)) * valid
    picked = ops.getitem(x2, (np.arange(safe.shape[0]), safe))
    losses = ops.mul(picked, -scale)
    if reduction == "none":
        return ops.reshape(losses, label_shape)
    total = ops.sum(losses)
    if reduction == "sum":
        return total
    return _mean_over(total, scale.sum(), dtype)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Softmax cross entropy of logits ``input`` (N, C) (or (C,), or (N, C, d...)).

    ``target``: integer class labels of shape (N,) (or (N, d...)), or class probabilities
    with the input's shape. ``weight`` rescales each class, labels equal to ``ignore_index``
    are skipped, and ``label_smoothing`` mixes the target with the uniform distribution, all
    as in PyTorch. (N, C) logits with plain labels take one fused node.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}.")
    labels = target._data if type(target) is Tensor else target
    if (weight is None and label_smoothing == 0 and type(input) is Tensor
            and type(labels) is np.ndarray and labels.dtype == np.intp
            and input._data.ndim == 2 and labels.shape == input._data.shape[:1]
            and not (labels == ignore_index).any()):
        # the usual case, (N, C) logits and (N,) index labels: straight to the fused op
        return fused.softmax_cross_entropy_labels(input, labels, reduction)
    x_shape = ops._shape(input)
    if len(x_shape) == 0:
        raise ShapeError("cross_entropy: the input must have a class axis, got a 0-d tensor.")
    class_axis = 1 if len(x_shape) >= 2 else 0
    classes = x_shape[class_axis]
    t_data = ops._data(target)
    t_shape = tuple(np.shape(t_data))
    label_shape = x_shape[:1] + x_shape[2:] if len(x_shape) >= 2 else ()
    is_probs = t_shape == x_shape  # probabilities, or one-hot rows of any dtype
    if not is_probs and t_shape != label_shape:
        raise ShapeError(
            f"cross_entropy: logits of shape {x_shape} need integer class labels of shape "
            f"{label_shape} or class probabilities of shape {x_shape}, but the target has shape "
            f"{t_shape}.")
    dtype = ops._data(input).dtype
    w = _class_weight(weight, classes, dtype, "cross_entropy")
    w_b = None if w is None else w.reshape((classes,) + (1,) * (len(x_shape) - class_axis - 1))
    log_probs = ops.log_softmax(input, class_axis)
    if is_probs:
        t = _target(input, target, "cross_entropy")
        if label_smoothing > 0:
            t = ops.add(ops.mul(t, 1.0 - label_smoothing), label_smoothing / classes)
        prod = ops.mul(log_probs, t)
        if w_b is not None:
            prod = ops.mul(prod, w_b)
        if reduction == "none":
            return ops.neg(ops.sum(prod, class_axis))
        total = ops.neg(ops.sum(prod))
        if reduction == "sum":
            return total
        return _mean_over(total, ops._data(input).size // max(classes, 1)
                          if ops._data(input).size else 0, dtype)
    nll = nll_loss(log_probs, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0:
        return nll
    flat = _labels(target, label_shape, x_shape, "cross_entropy")
    valid = (flat != ignore_index).reshape(label_shape)
    smooth = log_probs if w_b is None else ops.mul(log_probs, w_b)
    smooth = ops.mul(ops.neg(ops.sum(smooth, class_axis)), valid.astype(dtype))
    if reduction == "none":
        rest = smooth
    elif reduction == "sum":
        rest = ops.sum(smooth)
    else:
        denominator = (w[np.where(valid.reshape(-1), flat, 0)] * valid.reshape(-1)).sum() \
            if w is not None else valid.sum()
        rest = _mean_over(ops.sum(smooth), denominator, dtype)
    return ops.add(ops.mul(nll, 1.0 - label_smoothing), ops.mul(rest, label_smoothing / classes))


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence with log-probabilities ``input``: target * (log(target) - input)
    pointwise (0 where target is 0), or exp(target) * (target - input) with ``log_target``.
    ``reduction="batchmean"`` divides the sum by the batch size (the true KL divergence)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "kl_div", extra=("batchmean",))
    t = _target(input, target, "kl_div")
    if log_target:
        pointwise = ops.mul(ops.exp(t), ops.sub(t, input))
    elif isinstance(t, Tensor):
        positive = t._data > 0
        safe = ops.where(positive, t, 1.0)
        pointwise = ops.sub(ops.mul(t, ops.log(safe)), ops.mul(t, input))
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            t_log_t = np.where(t > 0, t * np.log(np.where(t > 0, t, 1)), 0).astype(t.dtype)
        pointwise = ops.sub(t_log_t, ops.mul(input, t))
    if reduction == "batchmean":
        shape = ops._shape(input)
        return ops.div(ops.sum(pointwise), shape[0] if shape else 1)
    return _reduce(pointwise, reduction, "kl_div")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """d^2 / 2 where |d| < delta, else delta (|d| - delta / 2), with d = input - target;
    ``weight`` (the input's shape) multiplies it (the mean stays the plain mean, as torch)."""
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}.")
    t = _target(input, target, "huber_loss")
    if weight is not None and tuple(ops._shape(weight)) != tuple(ops._shape(input)):
        raise ValueError("huber_loss: Weights and input must have the same size: the weight has "
                         f"shape {tuple(ops._shape(weight))}, the input "
                         f"{tuple(ops._shape(input))}.")
    return _weighted(loss_ops.huber(input, t, delta), weight, reduction, "huber_loss")


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """d^2 / (2 beta) where |d| < beta, else |d| - beta / 2 (the L1 loss for beta = 0)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must not be negative, got {beta}.")
    t = _target(input, target, "smooth_l1_loss")
    if beta == 0:
        return _reduce(ops.abs(ops.sub(input, t)), reduction, "smooth_l1_loss")
    return _reduce(ops.div(loss_ops.huber(input, t, beta), beta), reduction, "smooth_l1_loss")
