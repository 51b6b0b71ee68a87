"""RMSprop (Hinton's lecture 6e; the centered form from Graves 2013)."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop exactly as ``torch.optim.RMSprop``.

    With ``g = grad + weight_decay * p``::

        v = alpha * v + (1 - alpha) * g**2
        a = mean of g, centered: a = alpha * a + (1 - alpha) * g;  v - a**2 replaces v below
        d = sqrt(v) + eps
        b = momentum * b + g / d;  p = p - lr * b    (momentum > 0)
        p = p - lr * g / d                           (otherwise)

    >>> opt = optim.RMSprop(model.parameters(), lr=1e-2)
    """

    def __init__(self, params=None, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 momentum: float = 0.0, weight_decay: float = 0.0, centered: bool = False,
                 *, learning_rate: float | None = None) -> None:
        lr = lr if learning_rate is None else learning_rate
        for name, value in [("learning rate", lr), ("epsilon value", eps),
                            ("momentum value", momentum), ("weight_decay value", weight_decay),
                            ("alpha value", alpha)]:
            if not 0.0 <= value:
                raise ValueError(f"Invalid {name}: {value}")
        super().__init__(params, lr=lr, alpha=alpha, eps=eps, momentum=momentum,
                         weight_decay=weight_decay, centered=centered)

    def init_state(self, p, group):
        state = {"step": 0, "square_avg": np.zeros_like(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(p)
        return state

    def update(self, p, g, state, group):
        lr, alpha, eps, mu, wd = (group[k] for k in ("lr", "alpha", "eps", "momentum",
                                                       "weight_decay"))
        state["step"] += 1
        if wd != 0:
            g = g + wd * p  # L2 penalty folded into the gradient
        v = state["square_avg"]  # running averages are updated in place, as torch does
        v *= alpha
        v += (1 - alpha) * g * g
        if group["centered"]:  # subtract the squared running mean: a variance estimate
            a = state["grad_avg"]
            a *= alpha
            a += (1 - alpha) * g
            v = v - a * a
        denom = np.sqrt(v) + eps
        if mu > 0:
            b = state["momentum_buffer"]
            b *= mu
            b += g / denom
            return lr * b
        return lr * g / denom
