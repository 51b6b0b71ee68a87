"""Averaged SGD (Polyak & Juditsky 1992): SGD with a decaying step, and a running average
``ax`` of the iterates from step ``t0`` on."""

from __future__ import annotations

from ..backend import namespace_of
from ..dtypes import get_default_dtype
from .optimizer import Optimizer, non_negative


class ASGD(Optimizer):
    """ASGD exactly as ``torch.optim.ASGD`` (its ``eta`` and ``mu`` kept, as torch keeps
    them, in the default float dtype).

    With ``g = grad + weight_decay * p``, at step t::

        p = p * (1 - lambd * eta) - eta * g
        ax = p (while mu == 1), else ax = ax + (p - ax) * mu
        eta = lr / (1 + lambd * lr * t) ** alpha;  mu = 1 / max(1, t - t0)

    >>> opt = optim.ASGD(model.parameters(), lr=1e-2, t0=100)
    """

    def __init__(self, params=None, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False, *, learning_rate: float | None = None) -> None:
        super().__init__(params, lr=lr if learning_rate is None else learning_rate,
                         lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                         foreach=foreach, maximize=maximize, differentiable=differentiable,
                         capturable=capturable)

    def check(self, options: dict) -> None:
        non_negative("ASGD", options, "lr", "weight_decay")

    def init_state(self, p, group):
        scalar = get_default_dtype().type
        return {"step": 0, "eta": scalar(group["lr"]), "mu": scalar(1.0),
                "ax": namespace_of(p).zeros_like(p)}

    def update(self, p, g, state, group):
        lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
        state["step"] = t = state["step"] + 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        eta = float(state["eta"])
        p *= 1 - lambd * eta
        p += -eta * g
        ax, mu = state["ax"], float(state["mu"])
        if mu != 1:
            ax += (p - ax) * mu
        else:
            ax[...] = p
        scalar = get_default_dtype().type  # torch's rounding of eta and mu
        state["eta"] = scalar(lr / ((1 + lambd * lr * t) ** alpha))
        state["mu"] = scalar(1 / max(1, t - t0))
