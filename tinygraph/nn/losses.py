"""Loss Modules (mean reduction by default), and ``get_loss`` to pick one by name.

Each is called as ``loss(prediction, target)`` and returns a scalar Tensor; the formulas are in
``tinygraph.nn.functional``.
"""

from __future__ import annotations

from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(
                f"{type(self).__name__}: reduction must be 'mean', 'sum' or 'none', "
                f"got {reduction!r}."
            )
        self.reduction = reduction


class MSELoss(_Loss):
    """mean((prediction - target) ** 2)."""

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


MSE = MSELoss


class L1Loss(_Loss):
    """mean(|prediction - target|)."""

    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)


class BCELoss(_Loss):
    """Binary cross entropy of probabilities: mean(-(t log p + (1 - t) log(1 - p)))."""

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy of sigmoid(logits), computed stably from the logits."""

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax cross entropy of (N, C) logits with integer labels (N,) or probabilities (N, C).

    >>> nn.CrossEntropyLoss()(logits, tg.tensor(np.array([0, 2, 1])))
    """

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.reduction)


LOSSES = {
    "mse": MSELoss,
    "mean_squared_error": MSELoss,
    "l1": L1Loss,
    "mae": L1Loss,
    "mean_absolute_error": L1Loss,
    "bce": BCELoss,
    "binary_crossentropy": BCELoss,
    "binary_cross_entropy": BCELoss,
    "bce_with_logits": BCEWithLogitsLoss,
    "cross_entropy": CrossEntropyLoss,
    "crossentropy": CrossEntropyLoss,
    "categorical_crossentropy": CrossEntropyLoss,
}


def get_loss(loss):
    """A loss callable for ``loss``: a name from ``LOSSES``, a loss Module, or any callable
    ``loss(prediction, target) -> scalar Tensor``."""
    if isinstance(loss, str):
        key = loss.strip().lower()
        if key in LOSSES:
            return LOSSES[key]()
        valid = ", ".join(repr(k) for k in LOSSES)
        raise ValueError(f"unknown loss {loss!r}: valid names are {valid} (or pass a callable).")
    if isinstance(loss, type) and issubclass(loss, Module):
        return loss()
    if callable(loss):
        return loss
    raise TypeError(f"loss must be a name or a callable, got {type(loss).__name__}.")
