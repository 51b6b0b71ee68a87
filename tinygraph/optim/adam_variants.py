"""Adam's relatives, as ``torch.optim``'s: Adamax (Kingma & Ba 2014, the infinity norm),
NAdam (Dozat 2016, Nesterov momentum) and RAdam (Liu et al. 2019, a rectified warm-up)."""

from __future__ import annotations

from ..backend import namespace_of
from ..dtypes import get_default_dtype
from .adam import Adam, weight_decayed
from .optimizer import Optimizer, lerp_, non_negative


class _AdamFamily(Optimizer):
    """Adam's checks (lr, eps, weight_decay >= 0; betas a pair in [0, 1))."""

    check = Adam.check

    def init_state(self, p, group):
        xp = namespace_of(p)
        return {"step": 0, "exp_avg": xp.zeros_like(p), "exp_avg_sq": xp.zeros_like(p)}


class Adamax(_AdamFamily):
    """Adamax exactly as ``torch.optim.Adamax``: Adam with the infinity norm.

    With ``g = grad + weight_decay * p``, at step t::

        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u

    >>> opt = optim.Adamax(model.parameters(), lr=2e-3)
    """

    def __init__(self, params=None, lr: float = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False, learning_rate: float | None = None) -> None:
        super().__init__(params, lr=lr if learning_rate is None else learning_rate,
                         betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                         maximize=maximize, differentiable=differentiable,
                         capturable=capturable)

    def init_state(self, p, group):
        xp = namespace_of(p)
        return {"step": 0, "exp_avg": xp.zeros_like(p), "exp_inf": xp.zeros_like(p)}

    def update(self, p, g, state, group):
        xp = namespace_of(p)
        (beta1, beta2), eps = group["betas"], group["eps"]
        state["step"] = t = state["step"] + 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        m, u = state["exp_avg"], state["exp_inf"]
        lerp_(m, g, 1 - beta1)
        u *= beta2
        xp.maximum(u, xp.abs(g) + eps, out=u)
        clr = group["lr"] / (1 - beta1**t)
        p += (-clr * m) / u


class NAdam(_AdamFamily):
    """NAdam exactly as ``torch.optim.NAdam``: Adam with Nesterov momentum, its momentum
    warming up with ``momentum_decay``.

    At step t, with ``mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))`` and
    ``P_t = mu_1 ... mu_t`` (kept, as torch, in the default float dtype)::

        m, v as Adam's;  d = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - P_t) * g / d - lr * mu_{t+1} / (1 - P_{t+1}) * m / d

    >>> opt = optim.NAdam(model.parameters(), lr=2e-3)
    """

    def __init__(self, params=None, lr: float = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, learning_rate: float | None = None) -> None:
        super().__init__(params, lr=lr if learning_rate is None else learning_rate,
                         betas=betas, eps=eps, weight_decay=weight_decay,
                         momentum_decay=momentum_decay,
                         decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                         foreach=foreach, capturable=capturable,
                         differentiable=differentiable)

    def check(self, options: dict) -> None:
        super().check(options)
        non_negative("NAdam", options, "momentum_decay")

    def init_state(self, p, group):
        state = super().init_state(p, group)
        state["mu_product"] = get_default_dtype().type(1.0)
        return state

    def update(self, p, g, state, group):
        xp = namespace_of(p)
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, momentum_decay = group["weight_decay"], group["momentum_decay"]
        state["step"] = t = state["step"] + 1
        g = weight_decayed(p, g, lr, weight_decay, group["decoupled_weight_decay"])
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * momentum_decay)))
        scalar = get_default_dtype().type  # torch keeps the product in this dtype (a float
        # after tg.load: read back in it, exactly, as it was saved from it)
        product = state["mu_product"] = scalar(state["mu_product"]) * scalar(mu)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        lerp_(m, g, 1 - beta1)
        v *= beta2
        v += (1 - beta2) * g * g
        denom = xp.sqrt(v / (1 - beta2**t)) + eps
        product_next = float(product) * mu_next
        p += (-lr * (1.0 - mu) / (1.0 - float(product))) * g / denom
        p += (-lr * mu_next / (1.0 - product_next)) * m / denom


class RAdam(_AdamFamily):
    """RAdam exactly as ``torch.optim.RAdam``: Adam whose adaptive step is switched on, and
    scaled by the rectification term r_t, once the variance estimate is trustworthy
    (``rho_t > 5``); plain momentum SGD before that.

    >>> opt = optim.RAdam(model.parameters(), lr=1e-3)
    """

    def __init__(self, params=None, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, learning_rate: float | None = None) -> None:
        super().__init__(params, lr=lr if learning_rate is None else learning_rate,
                         betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                         foreach=foreach, capturable=capturable,
                         decoupled_weight_decay=decoupled_weight_decay,
                         differentiable=differentiable)

    def update(self, p, g, state, group):
        xp = namespace_of(p)
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay = group["weight_decay"]
        state["step"] = t = state["step"] + 1
        g = weight_decayed(p, g, lr, weight_decay, group["decoupled_weight_decay"])
        m, v = state["exp_avg"], state["exp_avg_sq"]
        lerp_(m, g, 1 - beta1)
        v *= beta2
        v += (1 - beta2) * g * g
        correction1, correction2 = 1 - beta1**t, 1 - beta2**t
        corrected = m / correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * (beta2**t) / correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = (correction2**0.5) / (xp.sqrt(v) + eps)
            p -= corrected * lr * adaptive * rect
        else:
            p -= corrected * lr
