"""The elementwise losses with PyTorch's signatures: ``mse_loss``, ``l1_loss`` (both with an
elementwise ``weight``), ``binary_cross_entropy`` (``weight``) and
``binary_cross_entropy_with_logits`` (``weight``, ``pos_weight``); the deprecated
``size_average``/``reduce`` pair is turned into ``reduction`` as torch does. Re-exported by
``tinygraph.nn.functional``.

Unlike torch, a target whose shape differs from the input's is refused rather than broadcast
with a warning: broadcasting (N, 1) against (N,) silently compares every prediction with
every target.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..ops import functions as ops
from ..ops import nn as fused
from ..tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def legacy_reduction(size_average, reduce, reduction: str) -> str:
    """torch's ``_Reduction.legacy_get_string``: the deprecated ``size_average``/``reduce``
    flags (None means True) as a ``reduction``, with torch's warning."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  "reduction='mean'/'sum'/'none' instead.", UserWarning, stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "mean" if size_average and reduce else "sum" if reduce else "none"


def _reduce(loss, reduction: str, op: str):
    if reduction == "mean":
        return ops.mean(loss)
    if reduction == "sum":
        return ops.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}.")


def _target(input, target, op: str, same_shape: bool = True):
    """The target as a constant array of the input's float dtype (or a Tensor needing grad)."""
    in_data = ops._data(input)
    if isinstance(target, Tensor) and target.requires_grad:
        value = target
        shape = target.shape
    else:
        value = np.asarray(ops._data(target))
        if value.dtype != in_data.dtype and in_data.dtype.kind == "f":
            value = value.astype(in_data.dtype)
        shape = value.shape
    if same_shape and tuple(shape) != tuple(in_data.shape):
        hint = ""
        if in_data.size == int(np.prod(shape)):
            dims = ", ".join(str(n) for n in in_data.shape)
            hint = f" Reshape the target to the input's shape: target.reshape({dims})."
        raise ShapeError(
            f"{op}: the input has shape {tuple(in_data.shape)} but the target has shape "
            f"{tuple(shape)}; they must be the same (no broadcasting, which would silently "
            f"compare every prediction with every target).{hint}"
        )
    return value


def _weighted(loss, weight, reduction: str, op: str, input=None):
    """``loss * weight`` reduced. With ``input`` (mse/l1) the weight must have the input's
    shape and the mean divides by ``sum(weight)``, as torch; otherwise the weight broadcasts
    and the mean is the plain mean."""
    if weight is None:
        return _reduce(loss, reduction, op)
    if input is not None and tuple(ops._shape(weight)) != tuple(ops._shape(input)):
        raise ValueError(f"{op}: Weights and input must have the same size: the weight has "
                         f"shape {tuple(ops._shape(weight))}, the input "
                         f"{tuple(ops._shape(input))}.")
    loss = ops.mul(loss, weight)
    if input is None or reduction != "mean":
        return _reduce(loss, reduction, op)
    return ops.div(ops.sum(loss), ops.sum(weight))


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
             weight=None):
    """mean((input - target) ** 2); with ``weight`` sum(w (input - target) ** 2) / sum(w)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    diff = ops.sub(input, _target(input, target, "mse_loss"))
    return _weighted(ops.mul(diff, diff), weight, reduction, "mse_loss", input)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
            weight=None):
    """mean(|input - target|); with ``weight`` sum(w |input - target|) / sum(w)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    diff = ops.sub(input, _target(input, target, "l1_loss"))
    return _weighted(ops.abs(diff), weight, reduction, "l1_loss", input)


def _check_probabilities(values, what: str, op: str) -> None:
    """Refuse values outside [0, 1] (NaN included), as PyTorch does."""
    values = np.asarray(ops._data(values))
    if not np.all((values >= 0) & (values <= 1)):
        bad = values[~((values >= 0) & (values <= 1))].reshape(-1)[0]
        raise ArgumentError(
            f"{op}: all elements of {what} should be between 0 and 1 (in [0, 1]), found "
            f"{bad}. "
            + ("Targets are probabilities or 0/1 labels." if what == "target" else
               "The input is probabilities: apply a sigmoid first, or use "
               "binary_cross_entropy_with_logits on the raw scores.")
        )


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean"):
    """mean(-w (t log p + (1 - t) log(1 - p))) of probabilities ``input``; logs clamped at
    -100. ``input`` and ``target`` must lie in [0, 1] (anything else raises, as in PyTorch)."""
    op = "binary_cross_entropy"
    reduction = legacy_reduction(size_average, reduce, reduction)
    t = _target(input, target, op)
    _check_probabilities(input, "input", op)
    _check_probabilities(t, "target", op)
    return _weighted(fused.binary_cross_entropy(input, t), weight, reduction, op)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction: str = "mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target), computed stably from the logits;
    ``pos_weight`` (broadcast along the last axis) multiplies the positive term:
    -w (pos_weight t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))."""
    op = "binary_cross_entropy_with_logits"
    reduction = legacy_reduction(size_average, reduce, reduction)
    t = _target(input, target, op)
    loss = fused.binary_cross_entropy_with_logits(input, t)
    if pos_weight is not None:  # + (pos_weight - 1) t (-log sigmoid(x))
        extra = ops.mul(ops.mul(ops.sub(pos_weight, 1.0), t), ops.softplus(ops.neg(input)))
        loss = ops.add(loss, extra)
    return _weighted(loss, weight, reduction, op)
