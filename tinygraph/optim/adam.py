"""Adam (Kingma & Ba 2014, with AMSGrad from Reddi et al. 2018) and AdamW (Loshchilov &
Hutter 2017)."""

from __future__ import annotations

import numbers

from ..backend import namespace_of
from .optimizer import Optimizer, lerp_, non_negative


def weight_decayed(p, g, lr: float, weight_decay: float, decoupled: bool):
    """The gradient the Adam family steps with: AdamW's decoupled decay shrinks ``p`` in
    place before the step (``p *= 1 - lr * wd``); otherwise the L2 penalty is folded into the
    gradient (``g + wd * p``)."""
    if weight_decay == 0:
        return g
    if decoupled:
        p *= 1 - lr * weight_decay
        return g
    return g + weight_decay * p

class Adam(Optimizer):
    """Adam exactly as ``torch.optim.Adam``.

    With ``g = grad + weight_decay * p`` (AdamW, or ``decoupled_weight_decay=True``, decays
    ``p`` directly instead), at step t::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        v_max = max(v_max, v)                                   (amsgrad only)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    >>> opt = optim.Adam(model.parameters(), lr=1e-3)
    """

    def __init__(self, params=None, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False,
                 *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False,
                 learning_rate: float | None = None) -> None:
        super().__init__(params, lr=lr if learning_rate is None else learning_rate,
                         betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, foreach=foreach, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=decoupled_weight_decay)

    def check(self, options: dict) -> None:
        name = type(self).__name__
        non_negative(name, options, "lr", "eps", "weight_decay")
        betas = options["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}.")
        for i, beta in enumerate(betas):
            if not isinstance(beta, numbers.Real):
                raise TypeError(f"{name}: beta parameter at index {i} must be a number, got "
                                f"{type(beta).__name__} {beta!r}.")
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name}: Invalid beta parameter at index {i}: {beta!r} (betas "
                                 "must lie in [0, 1)).")
        options["betas"] = tuple(betas)

    def init_state(self, p, group):
        xp = namespace_of(p)
        state = {"step": 0, "exp_avg": xp.zeros_like(p), "exp_avg_sq": xp.zeros_like(p)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = xp.zeros_like(p)
        return state

    def update(self, p, g, state, group):
        xp = namespace_of(p)
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay = group["weight_decay"]
        state["step"] = t = state["step"] + 1
        g = weight_decayed(p, g, lr, weight_decay, group["decoupled_weight_decay"])
        m, v = state["exp_avg"], state["exp_avg_sq"]  # running means of g and g**2
        lerp_(m, g, 1 - beta1)
        v *= beta2
        v += (1 - beta2) * g * g
        if group["amsgrad"]:
            v = xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        # bias correction: the running means start at zero
        step_size = lr / (1 - beta1**t)
        denom = xp.sqrt(v) / (1 - beta2**t) ** 0.5 + eps
        p += (-step_size * m) / denom


class AdamW(Adam):
    """Adam with decoupled weight decay, exactly as ``torch.optim.AdamW``: ``p *= 1 - lr * wd``
    before the Adam step, instead of adding ``wd * p`` to the gradient (its groups say
    ``decoupled_weight_decay=True``, as torch's)."""

    def __init__(self, params=None, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False,
                 *, maximize: bool = False, foreach: bool | None = None,
                 capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, learning_rate: float | None = None) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True, learning_rate=learning_rate)
