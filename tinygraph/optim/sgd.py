"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from .optimizer import Optimizer


class SGD(Optimizer):
    """SGD exactly as ``torch.optim.SGD`` (Sutskever et al. 2013 momentum, PyTorch's form).

    With ``g = grad + weight_decay * p``::

        b = g                                   (first step)
        b = momentum * b + (1 - dampening) * g  (later steps)
        g = g + momentum * b if nesterov else b
        p = p - lr * g

    >>> opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    """

    def __init__(self, params=None, lr: float = 0.01, momentum: float = 0.0,
                 dampening: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0,
                 *, learning_rate: float | None = None) -> None:
        lr = lr if learning_rate is None else learning_rate
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening,
                         nesterov=nesterov, weight_decay=weight_decay)

    def _plain_rate(self, group):
        # no momentum, no weight decay: update() below returns lr * g
        if group["momentum"] == 0 and group["weight_decay"] == 0:
            return group["lr"]
        return None

    def update(self, p, g, state, group):
        lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
        if wd != 0:
            g = g + wd * p  # L2 penalty folded into the gradient
        if mu != 0:
            buf = state.get("momentum_buffer")
            if buf is None:  # the first step starts the buffer at the gradient
                buf = state["momentum_buffer"] = g.copy()
            else:  # in place, as torch does
                dampening = group["dampening"]
                buf *= mu
                buf += g if dampening == 0 else (1 - dampening) * g  # no pass to scale by 1
            g = g + mu * buf if group["nesterov"] else buf
        return lr * g
