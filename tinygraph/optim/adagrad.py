"""Adagrad (Duchi, Hazan & Singer 2011)."""

from __future__ import annotations

from ..backend import namespace_of
from .optimizer import Optimizer, non_negative


class Adagrad(Optimizer):
    """Adagrad exactly as ``torch.optim.Adagrad``: each coordinate's step shrinks with the sum
    of its squared gradients.

    With ``g = grad + weight_decay * p``, at step t::

        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g**2                     (s starts at initial_accumulator_value)
        p = p - lr_t * g / (sqrt(s) + eps)

    >>> opt = optim.Adagrad(model.parameters(), lr=1e-2)
    """

    def __init__(self, params=None, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 learning_rate: float | None = None) -> None:
        super().__init__(params, lr=lr if learning_rate is None else learning_rate,
                         lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps,
                         foreach=foreach, maximize=maximize, differentiable=differentiable,
                         fused=fused)
        for p in self.parameters():  # as torch: the state of the constructor's parameters
            self.state[p] = self.init_state(p._data, self.defaults)  # exists from the start

    def check(self, options: dict) -> None:
        non_negative("Adagrad", options, "lr", "lr_decay", "weight_decay",
                     "initial_accumulator_value", "eps")

    def init_state(self, p, group):
        """As torch, the accumulator starts at the *constructor's* initial_accumulator_value,
        whatever a group says."""
        xp = namespace_of(p)
        return {"step": 0, "sum": xp.full_like(p, self.defaults["initial_accumulator_value"])}

    def update(self, p, g, state, group):
        xp = namespace_of(p)
        state["step"] = t = state["step"] + 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p  # L2 penalty folded into the gradient
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])  # the decayed learning rate
        s = state["sum"]
        s += g * g
        std = xp.sqrt(s) + group["eps"]
        p += (-clr * g) / std
