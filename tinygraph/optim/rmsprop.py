"""RMSprop (Hinton's lecture 6e; the centered form from Graves 2013)."""

from __future__ import annotations

from ..backend import namespace_of
from .optimizer import Optimizer, lerp_, non_negative


class RMSprop(Optimizer):
    """RMSprop exactly as ``torch.optim.RMSprop``.

    With ``g = grad + weight_decay * p``::

        v = alpha * v + (1 - alpha) * g**2
        a = alpha * a + (1 - alpha) * g;  v - a**2 replaces v below   (centered only)
        d = sqrt(v) + eps
        b = momentum * b + g / d;  p = p - lr * b    (momentum > 0)
        p = p - lr * g / d                           (otherwise)

    >>> opt = optim.RMSprop(model.parameters(), lr=1e-2)
    """

    def __init__(self, params=None, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False, *,
                 learning_rate: float | None = None) -> None:
        super().__init__(params, lr=lr if learning_rate is None else learning_rate,
                         alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                         centered=centered, capturable=capturable, foreach=foreach,
                         maximize=maximize, differentiable=differentiable)

    def check(self, options: dict) -> None:
        non_negative("RMSprop", options, "lr", "eps", "momentum", "weight_decay", "alpha")

    def init_state(self, p, group):
        xp = namespace_of(p)
        state = {"step": 0, "square_avg": xp.zeros_like(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = xp.zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = xp.zeros_like(p)
        return state

    def update(self, p, g, state, group):
        xp = namespace_of(p)
        lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p  # L2 penalty folded into the gradient
        v = state["square_avg"]  # running mean of g**2
        v *= alpha
        v += (1 - alpha) * g * g
        if group["centered"]:  # subtract the squared running mean: a variance estimate
            a = lerp_(state["grad_avg"], g, 1 - alpha)
            avg = xp.sqrt(v - a * a)
        else:
            avg = xp.sqrt(v)
        avg += eps
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += g / avg
            p -= lr * buf
        else:
            p += (-lr * g) / avg
