"""``F.ctc_loss`` and ``nn.CTCLoss``, PyTorch's connectionist temporal classification loss:
the negative log-likelihood of each target sequence summed over every alignment of it (with
repeats and blanks) to the frames of ``log_probs``. The recursions are one op
(``tinygraph.ops.ctc.CTCLoss``, formulas in its docstring); this module checks the
arguments as PyTorch does, builds the extended labels and reduces.

    >>> log_probs = model(x).log_softmax(2)                  # (T, N, C), blank = class 0
    >>> loss = F.ctc_loss(log_probs, targets, input_lengths, target_lengths)

``targets`` are padded (N, S) or concatenated (sum(target_lengths),); the lengths are
Tensors, lists or tuples. ``reduction="mean"`` divides each loss by its target length (1 for
an empty target) and averages over the batch, as PyTorch.

The gradient is PyTorch's: the derivative with respect to logits whose ``log_softmax`` is
``log_probs`` (``exp(log_probs) - posterior``), also for rows that are not normalised; nan
for an impossible alignment (loss inf) unless ``zero_infinity``. No second derivative (as in
PyTorch: differentiating the gradient raises RuntimeError).
"""

from __future__ import annotations

import numpy as np

from ..ops import functions as ops
from ..ops.ctc import CTCLoss as _CTCOp
from ..ops.ctc import live_frames
from ..tensor import Tensor
from .losses import _Loss

_REDUCTIONS = ("mean", "sum", "none")


def _lengths(value, name: str):
    if isinstance(value, Tensor):
        array = np.asarray(value._data)
        if array.dtype.kind not in "iu":
            raise RuntimeError(f"ctc_loss: {name} must be integral, got a Tensor of dtype "
                               f"{value.dtype}; give integer lengths (e.g. "
                               f"{name}.long()).")
        return array.reshape(-1).astype(np.int64)
    return np.asarray([int(v) for v in value], dtype=np.int64).reshape(-1)


def _check_lengths(input_lengths, target_lengths):
    tensors = isinstance(input_lengths, Tensor), isinstance(target_lengths, Tensor)
    sequences = tuple(isinstance(v, (list, tuple)) for v in (input_lengths, target_lengths))
    if not (all(tensors) or all(sequences)):
        kinds = ", ".join(type(v).__name__ for v in (input_lengths, target_lengths))
        raise TypeError(f"ctc_loss: input_lengths and target_lengths must both be Tensors or "
                        f"both be lists/tuples of ints, got ({kinds}).")
    return _lengths(input_lengths, "input_lengths"), _lengths(target_lengths, "target_lengths")


def _extended_labels(targets, input_lengths, target_lengths, steps, batch, classes, blank):
    """The (N, 2 max L + 1) extended labels: blank, l_1, blank, ..., l_L, blank (then blanks)."""
    for name, lengths in (("input_lengths", input_lengths), ("target_lengths", target_lengths)):
        if lengths.shape[0] != batch:
            raise RuntimeError(f"ctc_loss: {name} must be of size batch_size ({batch}), got "
                               f"{lengths.shape[0]} lengths.")
        if (lengths < 0).any():
            raise RuntimeError(f"ctc_loss: Expected {name} to have value at least 0, but got "
                               f"value {lengths.min()}.")
    if (input_lengths > steps).any():
        raise RuntimeError(f"ctc_loss: Expected input_lengths to have value at most {steps} "
                           f"(log_probs' time steps), but got value {input_lengths.max()}.")
    labels = np.asarray(targets._data if isinstance(targets, Tensor) else targets)
    if labels.ndim not in (1, 2):
        raise RuntimeError(f"ctc_loss: expected targets of 1 to 2 dimensions (padded (N, S) "
                           f"or concatenated), got shape {labels.shape}.")
    longest = int(target_lengths.max()) if batch else 0
    if labels.ndim == 2:
        if labels.shape[0] != batch:
            raise RuntimeError(f"ctc_loss: Expected padded targets to have size {batch} at "
                               f"dimension 0 (the batch), but got shape {labels.shape}.")
        if longest > labels.shape[1]:
            raise RuntimeError(f"ctc_loss: Expected targets to have size at least {longest} "
                               f"at dimension 1 (the longest target_length), but got shape "
                               f"{labels.shape}.")
        padded = labels[:, :longest]
    else:
        total = int(target_lengths.sum())
        if labels.shape[0] != total:
            raise RuntimeError(f"ctc_loss: Expected concatenated targets to have size {total} "
                               f"(the sum of target_lengths) at dimension 0, but got size "
                               f"{labels.shape[0]}.")
        starts = np.cumsum(target_lengths) - target_lengths
        index = np.minimum(starts[:, None] + np.arange(longest), max(total - 1, 0))
        padded = labels[index] if total else np.zeros((batch, longest), labels.dtype)
    padded = padded.astype(np.int64)
    inside = np.arange(longest)[None] < target_lengths[:, None]
    padded = np.where(inside, padded, blank)
    if ((padded < 0) | (padded >= classes)).any():
        raise RuntimeError(f"ctc_loss: targets must be class indices in [0, {classes}) (C = "
                           f"log_probs.shape[-1]), got values from {padded.min()} to "
                           f"{padded.max()}.")
    extended = np.full((batch, 2 * longest + 1), blank, np.int64)
    extended[:, 1::2] = padded
    return extended


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False):
    """The CTC loss of ``log_probs`` (T, N, C) or (T, C) against ``targets``; see the module
    docstring. ``zero_infinity`` makes impossible alignments (loss inf) cost 0 with a zero
    gradient."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not isinstance(log_probs, Tensor):
        raise TypeError(f"ctc_loss: log_probs must be a Tensor, got "
                        f"{type(log_probs).__name__}.")
    input_lengths, target_lengths = _check_lengths(input_lengths, target_lengths)
    batched = log_probs.ndim == 3
    if log_probs.ndim != 2 and not batched:
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C) or unbatched "
                           f"(T, C), got shape {tuple(log_probs.shape)}.")
    if log_probs.dtype.kind != "f":
        raise NotImplementedError(f"ctc_loss: not implemented for log_probs of dtype "
                                  f"{log_probs.dtype}; give float log-probabilities "
                                  f"(x.log_softmax(-1)).")
    x = log_probs if batched else ops.unsqueeze(log_probs, 1)
    if not batched and isinstance(targets, Tensor) and targets.ndim == 1:
        targets = ops.unsqueeze(targets, 0)
    elif not batched and np.ndim(targets) == 1:
        targets = np.asarray(targets)[None]
    steps, batch, classes = x.shape
    if x.numel() == 0:
        raise RuntimeError(f"ctc_loss: log_probs tensor must not be empty, got shape "
                           f"{tuple(log_probs.shape)}.")
    if not 0 <= blank < classes:
        raise RuntimeError(f"ctc_loss: blank must be in label range [0, {classes}), got "
                           f"{blank}.")
    labels = _extended_labels(targets, input_lengths, target_lengths, steps, batch, classes,
                              int(blank))
    loss = _CTCOp.apply(x, labels=labels, input_lengths=input_lengths,
                        target_lengths=target_lengths, zero_infinity=bool(zero_infinity),
                        alpha=None, nll=None)
    if loss.grad_fn is not None:
        # PyTorch's gradient: the derivative with respect to logits whose log_softmax is
        # log_probs, i.e. the op's (derivative) plus g exp(log_probs) on the live frames,
        # added here as frames - frames.detach() (0 in value, so the loss stays the op's)
        live = live_frames(loss.grad_fn, steps)
        frames = ops.sum(ops.where(live, ops.exp(ops.where(live, x, 0.0)), 0.0), (0, 2))
        loss = loss + (frames - frames.detach())
    if reduction == "mean":
        per_label = np.maximum(target_lengths, 1).astype(x.dtype)
        loss = ops.mean(loss / per_label)
    elif reduction == "sum":
        loss = ops.sum(loss)
    elif not batched:
        loss = ops.squeeze(loss, 0)
    return loss


class CTCLoss(_Loss):
    """The connectionist temporal classification loss, ``F.ctc_loss`` as a Module:
    ``loss = nn.CTCLoss(blank=0)(log_probs, targets, input_lengths, target_lengths)``."""

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)
