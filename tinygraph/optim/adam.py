"""Adam (Kingma & Ba 2014, with AMSGrad) and AdamW (Loshchilov & Hutter 2017)."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam exactly as ``torch.optim.Adam``.

    With ``g = grad + weight_decay * p`` (AdamW decays ``p`` directly instead), at step t::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        v_max = max(v_max, v)                                   (amsgrad only)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    >>> opt = optim.Adam(model.parameters(), lr=1e-3)
    """

    decoupled = False  # AdamW: decay the weights, not the gradient

    def __init__(self, params=None, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False,
                 *, learning_rate: float | None = None) -> None:
        lr = lr if learning_rate is None else learning_rate
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, lr=lr, betas=tuple(betas), eps=eps,
                         weight_decay=weight_decay, amsgrad=amsgrad)

    def init_state(self, p, group):
        state = {"step": 0, "exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(p)
        return state

    def update(self, p, g, state, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        wd = group["weight_decay"]
        state["step"] = t = state["step"] + 1
        decay = None
        if wd != 0 and self.decoupled:
            decay = lr * wd * p  # decoupled weight decay: p * (1 - lr * wd) before the step
        elif wd != 0:
            g = g + wd * p  # L2 penalty folded into the gradient
        m, v = state["exp_avg"], state["exp_avg_sq"]  # updated in place, as torch does
        m *= beta1
        m += (1 - beta1) * g  # running mean of g
        v *= beta2
        v += (1 - beta2) * g * g  # running mean of g**2
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        # bias correction
        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(v) / (1 - beta2**t) ** 0.5 + eps
        step = step_size * m / denom
        return step if decay is None else decay + step  # no pass adding 0 without decay


class AdamW(Adam):
    """Adam with decoupled weight decay, exactly as ``torch.optim.AdamW``: ``p *= 1 - lr * wd``
    before the Adam step, instead of adding ``wd * p`` to the gradient."""

    decoupled = True

    def __init__(self, params=None, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False,
                 *, learning_rate: float | None = None) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, learning_rate=learning_rate)
