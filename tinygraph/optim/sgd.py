"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from ..backend import namespace_of
from .optimizer import Optimizer, non_negative


class SGD(Optimizer):
    """SGD exactly as ``torch.optim.SGD`` (Sutskever et al. 2013 momentum, PyTorch's form).

    With ``g = grad + weight_decay * p``::

        b = g                                   (first step)
        b = momentum * b + (1 - dampening) * g  (later steps)
        g = g + momentum * b if nesterov else b
        p = p - lr * g

    >>> opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    """

    def __init__(self, params=None, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False,
                 *, maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None,
                 learning_rate: float | None = None) -> None:
        super().__init__(params, lr=lr if learning_rate is None else learning_rate,
                         momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                         nesterov=nesterov, maximize=maximize, foreach=foreach,
                         differentiable=differentiable, fused=fused)

    def check(self, options: dict) -> None:
        non_negative("SGD", options, "lr", "momentum", "weight_decay")
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening "
                             f"(got momentum={options['momentum']}, "
                             f"dampening={options['dampening']}).")

    def update(self, p, g, state, group):
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        if weight_decay != 0:
            g = g + weight_decay * p  # L2 penalty folded into the gradient
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:  # the first step starts the buffer at the gradient (an array
                # even for a 0-d parameter, where NumPy's g + wd * p is a scalar)
                buf = state["momentum_buffer"] = namespace_of(p).array(g, copy=True)
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * g
            g = g + momentum * buf if group["nesterov"] else buf
        p -= group["lr"] * g
