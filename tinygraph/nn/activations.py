"""Activation layers, and ``get_activation`` to pick one by name."""

from __future__ import annotations

from . import functional as F
from .module import Module


class ReLU(Module):
    """y = max(x, 0)."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """y = x for x > 0, else negative_slope * x (default 0.01, as PyTorch)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """y = 1 / (1 + exp(-x))."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """y = tanh(x)."""

    def forward(self, x):
        return F.tanh(x)


class Softmax(Module):
    """y = exp(x) / sum(exp(x)) along ``axis`` (``dim=`` is accepted as PyTorch's name)."""

    def __init__(self, axis: int = -1, dim: int | None = None) -> None:
        super().__init__()
        self.axis = self.dim = axis if dim is None else dim

    def forward(self, x):
        return F.softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"dim={self.axis}"


class Identity(Module):
    """y = x (the "linear" activation)."""

    def forward(self, x):
        return x


ACTIVATIONS = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softmax": Softmax,
    "linear": Identity,
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
            return ACTIVATIONS[key]()
    valid = ", ".join(repr(k) for k in ACTIVATIONS)
    raise ValueError(
        f"unknown activation {name!r}: valid names are {valid} (or pass an activation Module "
        "such as nn.LeakyReLU())."
    )
