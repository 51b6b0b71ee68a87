"""Rprop (Riedmiller & Braun 1993): steps of a per-coordinate size that grows while the
gradient keeps its sign and shrinks when it flips; only the gradient's sign is used."""

from __future__ import annotations

import numbers

from ..backend import namespace_of
from .optimizer import Optimizer, non_negative


class Rprop(Optimizer):
    """Rprop exactly as ``torch.optim.Rprop`` (full-batch training).

    With ``s = sign(grad * prev)``, per coordinate::

        step_size *= etaplus (s > 0), etaminus (s < 0) or 1 (s == 0), clamped to step_sizes
        grad = 0 where s < 0 (the sign flipped: skip this step, forget this gradient)
        p = p - sign(grad) * step_size;  prev = grad

    >>> opt = optim.Rprop(model.parameters(), lr=1e-2)
    """

    def __init__(self, params=None, lr: float = 1e-2, etas: tuple = (0.5, 1.2),
                 step_sizes: tuple = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, learning_rate: float | None = None) -> None:
        super().__init__(params, lr=lr if learning_rate is None else learning_rate, etas=etas,
                         step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                         differentiable=differentiable, capturable=capturable)

    def check(self, options: dict) -> None:
        non_negative("Rprop", options, "lr")
        etas = options["etas"]
        if not (isinstance(etas, (tuple, list)) and len(etas) == 2
                and all(isinstance(e, numbers.Real) for e in etas)):
            raise ValueError(f"Rprop: etas must be a pair (etaminus, etaplus), got {etas!r}.")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Rprop: Invalid eta values: {etas[0]}, {etas[1]} (they need "
                             "0 < etaminus < 1 < etaplus).")

    def init_state(self, p, group):
        xp = namespace_of(p)
        return {"step": 0, "prev": xp.zeros_like(p), "step_size": xp.full_like(p, group["lr"])}

    def update(self, p, g, state, group):
        xp = namespace_of(p)
        etaminus, etaplus = group["etas"]
        smallest, largest = group["step_sizes"]
        state["step"] += 1
        prev, step_size = state["prev"], state["step_size"]
        sign = xp.sign(g * prev)
        factor = xp.where(sign > 0, etaplus, xp.where(sign < 0, etaminus, 1.0)).astype(p.dtype)
        step_size *= factor
        xp.clip(step_size, smallest, largest, out=step_size)
        g = xp.where(sign < 0, 0, g).astype(p.dtype)
        p -= xp.sign(g) * step_size
        prev[...] = g
