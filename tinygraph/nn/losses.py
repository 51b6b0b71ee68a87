"""Loss Modules (mean reduction by default), and ``get_loss`` to pick one by name.

Each is called as ``loss(prediction, target)`` and returns a scalar Tensor; the formulas are in
``tinygraph.nn.functional``.
"""

from __future__ import annotations

from . import functional as F
from .elementwise_losses import legacy_reduction
from .module import Module


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        reduction = legacy_reduction(size_average, reduce, reduction)
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(
                f"{type(self).__name__}: reduction must be 'mean', 'sum' or 'none', "
                f"got {reduction!r}."
            )
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with a per-class (or per-element) ``weight``, a buffer as in torch (so it is in
    ``state_dict`` and follows ``to()``)."""

    def __init__(self, weight=None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """mean((prediction - target) ** 2)."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


MSE = MSELoss


class L1Loss(_Loss):
    """mean(|prediction - target|)."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities: mean(-w (t log p + (1 - t) log(1 - p)))."""

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross entropy of sigmoid(logits), computed stably from the logits; ``weight``
    and ``pos_weight`` (the positive examples' weight, per class on the last axis) are
    buffers, as in torch."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class NLLLoss(_WeightedLoss):
    """-weight[t] * input[t] of log-probabilities, the mean normalised by the target weights."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100,
                 reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class KLDivLoss(_Loss):
    """target * (log(target) - input) of log-probabilities ``input`` (``log_target``: the
    target is given as log-probabilities too); ``reduction="batchmean"`` is the true KL."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction if reduction != "batchmean" else "mean")
        if reduction == "batchmean":
            self.reduction = reduction
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class SmoothL1Loss(_Loss):
    """d^2 / (2 beta) where |d| < beta, else |d| - beta / 2."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """d^2 / 2 where |d| < delta, else delta (|d| - delta / 2)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross entropy of (N, C) logits with integer labels (N,) or probabilities (N, C);
    ``weight``, ``ignore_index`` and ``label_smoothing`` as in PyTorch.

    >>> nn.CrossEntropyLoss()(logits, tg.tensor(np.array([0, 2, 1])))
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


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
    "nll": NLLLoss,
    "kl_div": KLDivLoss,
    "smooth_l1": SmoothL1Loss,
    "huber": HuberLoss,
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
