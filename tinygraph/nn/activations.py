"""Activation layers, and ``get_activation`` to pick one by name."""

from __future__ import annotations

import warnings

from . import functional as F
from .module import Module


class _InPlace(Module):
    """An activation with PyTorch's ``inplace=`` option: the result overwrites the input."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_InPlace):
    """y = max(x, 0)."""

    def forward(self, input):
        return F.relu(input, self.inplace)


class LeakyReLU(_InPlace):
    """y = x for x > 0, else negative_slope * x (default 0.01, as PyTorch)."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.negative_slope = negative_slope

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" * self.inplace)


class Sigmoid(Module):
    """y = 1 / (1 + exp(-x))."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """y = tanh(x)."""

    def forward(self, input):
        return F.tanh(input)


class Softmax(Module):
    """y = exp(x) / sum(exp(x)) along ``dim`` (``axis=`` is accepted as NumPy's name).
    ``dim=None`` is PyTorch's implicit choice: axis 0 of 0-, 1- and 3-D inputs, else axis 1."""

    def __init__(self, dim: int | None = None, *, axis: int | None = None) -> None:
        super().__init__()
        self.dim = dim if axis is None else axis

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GELU(Module):
    """y = x Phi(x) (``approximate="tanh"``: the tanh approximation)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_InPlace):
    """y = x sigmoid(x)."""

    def forward(self, input):
        return F.silu(input, self.inplace)


class ELU(_InPlace):
    """y = x for x > 0, else alpha (exp(x) - 1)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = alpha

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" * self.inplace)


class Softplus(Module):
    """y = log(1 + exp(beta x)) / beta (x itself where beta x > threshold)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(_InPlace):
    """y = clip(x, min_val, max_val)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__(inplace)
        if min_value is not None or max_value is not None:
            warnings.warn("keyword arguments min_value and max_value are deprecated and will "
                          "be removed: use min_val and max_val instead.", FutureWarning,
                          stacklevel=2)
            min_val = min_val if min_value is None else min_value
            max_val = max_val if max_value is None else max_value
        if max_val <= min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                             f"({min_val}).")
        self.min_val, self.max_val = min_val, max_val

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True"
                                                                    * self.inplace)


class LogSoftmax(Module):
    """y = x - logsumexp(x) along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Identity(Module):
    """y = x (the "linear" activation); any arguments are accepted and ignored, as torch."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input):
        return input


ACTIVATIONS = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softmax": Softmax,
    "linear": Identity,
    "gelu": GELU,
    "silu": SiLU,
    "elu": ELU,
    "softplus": Softplus,
}
_ALIASES = {"identity": "linear", "none": "linear", "leaky_relu": None}


def get_activation(name) -> Module:
    """A fresh activation Module for ``name`` ("relu", "sigmoid", "tanh", "softmax",
    "linear"); None gives Identity and a Module is returned as is.

    >>> get_activation("relu")
    ReLU()
    """
    if name is None:
        return Identity()
    if isinstance(name, Module):
        return name
    if isinstance(name, type) and issubclass(name, Module):
        return name()
    if isinstance(name, str):
        key = name.strip().lower()
        if key == "leaky_relu":
            return LeakyReLU()
        key = _ALIASES.get(key, key)
        if key in ACTIVATIONS:
            return ACTIVATIONS[key](dim=-1) if key == "softmax" else ACTIVATIONS[key]()
    valid = ", ".join(repr(k) for k in ACTIVATIONS)
    raise ValueError(
        f"unknown activation {name!r}: valid names are {valid} (or pass an activation Module "
        "such as nn.LeakyReLU())."
    )
