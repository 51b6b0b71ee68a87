"""The built-in pruning methods of ``nn.utils.prune`` (see prune.py): ``Identity``,
``RandomUnstructured``, ``L1Unstructured``, ``RandomStructured``, ``LnStructured`` and
``CustomFromMask``, each a ``compute_mask(t, default_mask)``."""

from __future__ import annotations

import numbers

import numpy as np

from ... import random
from ...tensor import tensor
from ._prune_base import BasePruningMethod, _array


class Identity(BasePruningMethod):
    """Prunes nothing: the mask is all ones."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):
        return super().apply(module, name)


def _validate_amount_init(amount) -> None:
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
            not isinstance(amount, numbers.Integral) and not 0.0 <= float(amount) <= 1.0):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a "
                         "non-negative integer")


def _count(amount, size: int) -> int:
    """How many of ``size`` entries ``amount`` (a count, or a fraction rounded) prunes."""
    if isinstance(amount, numbers.Integral):
        if amount > size:
            raise ValueError(f"amount={amount} should be smaller than the number of "
                             f"parameters to prune={size}")
        return int(amount)
    return round(amount * size)


def _structured_dim(t, dim: int) -> int:
    if t.ndim <= 1:
        raise ValueError(f"Structured pruning can only be applied to multidimensional "
                         f"tensors. Found tensor of shape {tuple(t.shape)} with {t.ndim} dims")
    if dim >= t.ndim or dim < -t.ndim:
        raise IndexError(f"Invalid index {dim} for tensor of size {tuple(t.shape)}")
    return dim % t.ndim


def _channel_mask(t, dim: int, channels, default_mask):
    """Ones on the kept ``channels`` (indices or a boolean mask) along ``dim``, times the
    mask already applied."""
    values = _array(t)
    mask = np.zeros(values.shape, values.dtype)
    mask[tuple(channels if d == dim else slice(None) for d in range(values.ndim))] = 1
    return tensor(mask * _array(default_mask).astype(values.dtype))


class RandomUnstructured(BasePruningMethod):
    """Prunes ``amount`` (a count, or a fraction) of the still-kept entries, at random."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount) -> None:
        _validate_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        drop = _count(self.amount, int(np.prod(t.shape)))
        mask = _array(default_mask).copy()
        if drop:
            draws = random.generator().random(mask.size)
            mask.reshape(-1)[np.argsort(-draws, kind="stable")[:drop]] = 0
        return tensor(mask)

    @classmethod
    def apply(cls, module, name, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Prunes the ``amount`` (a count, or a fraction) entries of smallest absolute value."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount) -> None:
        _validate_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        drop = _count(self.amount, int(np.prod(t.shape)))
        mask = _array(default_mask).copy()
        if drop:
            order = np.argsort(np.abs(_array(t)).reshape(-1), kind="stable")
            mask.reshape(-1)[order[:drop]] = 0
        return tensor(mask)

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prunes ``amount`` whole channels along ``dim``, chosen at random."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim: int = -1) -> None:
        _validate_amount_init(amount)
        self.amount, self.dim = amount, dim

    def compute_mask(self, t, default_mask):
        dim = _structured_dim(t, self.dim)
        size = t.shape[dim]
        drop = _count(self.amount, size)
        if not drop:
            return default_mask
        draws = random.generator().random(size)
        keep = np.ones(size, bool)
        keep[np.argsort(draws, kind="stable")[:drop]] = False
        return _channel_mask(t, dim, keep, default_mask)

    @classmethod
    def apply(cls, module, name, amount, dim=-1):
        return super().apply(module, name, amount=amount, dim=dim)


def _norms(values, n, dim: int):
    """The ``n``-norm of each slice along ``dim`` (torch.norm's p: a number, inf, 'fro')."""
    rest = tuple(d for d in range(values.ndim) if d != dim)
    a = np.abs(values)
    if n == "fro":
        if len(rest) > 2:  # torch.norm's 'fro' is a vector norm over at most 2 dims
            raise RuntimeError(f"ln_structured: n='fro' takes the norm over at most 2 dims, "
                               f"but a tensor of shape {values.shape} has {len(rest)} besides "
                               f"dim {dim}; use n=2 (the same norm).")
        n = 2
    if n == np.inf:
        return a.max(axis=rest)
    if n == -np.inf:
        return a.min(axis=rest)
    if n == 0:
        return (a != 0).sum(axis=rest).astype(values.dtype)
    if isinstance(n, str):
        raise ValueError(f"ln_structured: unsupported norm n={n!r}; give a number, inf or "
                         "'fro'.")
    return (a ** n).sum(axis=rest) ** (1.0 / n)


class LnStructured(BasePruningMethod):
    """Prunes the ``amount`` channels along ``dim`` of smallest ``n``-norm."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim: int = -1) -> None:
        _validate_amount_init(amount)
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, t, default_mask):
        dim = _structured_dim(t, self.dim)
        size = t.shape[dim]
        drop = _count(self.amount, size)
        if not drop:
            return default_mask
        norms = _norms(_array(t), self.n, dim)
        keep = np.argsort(-norms, kind="stable")[:size - drop]
        return _channel_mask(t, dim, keep, default_mask)

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):
        return super().apply(module, name, amount=amount, n=n, dim=dim,
                             importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prunes where the given ``mask`` is 0."""

    PRUNING_TYPE = "global"

    def __init__(self, mask) -> None:
        self.mask = mask

    def compute_mask(self, t, default_mask):
        if tuple(default_mask.shape) != tuple(self.mask.shape):
            raise AssertionError(f"custom_from_mask: the mask has shape "
                                 f"{tuple(self.mask.shape)}, the tensor "
                                 f"{tuple(default_mask.shape)}.")
        base = _array(default_mask)
        return tensor(base * _array(self.mask).astype(base.dtype))

    @classmethod
    def apply(cls, module, name, mask):
        return super().apply(module, name, mask=mask)
