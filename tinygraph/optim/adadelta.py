"""Adadelta (Zeiler 2012)."""

from __future__ import annotations

from ..backend import namespace_of
from .optimizer import Optimizer, non_negative


class Adadelta(Optimizer):
    """Adadelta exactly as ``torch.optim.Adadelta`` (the optimizer of PyTorch's MNIST
    example): steps scaled by the ratio of running RMS of past steps and of gradients.

    With ``g = grad + weight_decay * p``::

        v = rho * v + (1 - rho) * g**2
        d = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d**2
        p = p - lr * d

    >>> opt = optim.Adadelta(model.parameters(), lr=1.0)
    """

    def __init__(self, params=None, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False, learning_rate: float | None = None) -> None:
        super().__init__(params, lr=lr if learning_rate is None else learning_rate, rho=rho,
                         eps=eps, weight_decay=weight_decay, foreach=foreach,
                         capturable=capturable, maximize=maximize,
                         differentiable=differentiable)

    def check(self, options: dict) -> None:
        non_negative("Adadelta", options, "lr", "eps", "weight_decay")
        if not 0.0 <= options["rho"] <= 1.0:
            raise ValueError(f"Adadelta: invalid rho value: {options['rho']} (it must be in "
                             "[0, 1]).")

    def init_state(self, p, group):
        xp = namespace_of(p)
        return {"step": 0, "square_avg": xp.zeros_like(p), "acc_delta": xp.zeros_like(p)}

    def update(self, p, g, state, group):
        xp = namespace_of(p)
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p  # L2 penalty folded into the gradient
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * g * g
        delta = xp.sqrt(u + eps) / xp.sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * delta * delta
        p += -group["lr"] * delta
