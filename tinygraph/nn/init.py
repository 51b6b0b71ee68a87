"""Weight initializers, drawn from the library's seeded generator (``tg.manual_seed``).

Each fills a Tensor in place and returns it (PyTorch's ``nn.init`` style); given a shape
instead, it returns a new array of the default dtype. For a weight of shape
(out_features, in_features), ``fan_in = in_features`` and ``fan_out = out_features``
(PyTorch's layout, the one ``Linear`` uses).

- He (Kaiming), for ReLU layers: variance ``2 / fan_in``.
  Uniform on ``[-a, a]`` with ``a = sqrt(6 / fan_in)``, or normal with ``std = sqrt(2 / fan_in)``.
- Glorot (Xavier), otherwise: variance ``2 / (fan_in + fan_out)``.
  Uniform with ``a = sqrt(6 / (fan_in + fan_out))``, or normal with that variance.
"""

from __future__ import annotations

import math

import numpy as np

from .. import random
from ..autograd import no_grad
from ..tensor import Tensor, get_default_dtype

__all__ = [
    "he_uniform", "he_normal", "glorot_uniform", "glorot_normal",
    "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "xavier_normal_",
    "uniform_", "normal_", "zeros_", "ones_", "constant_", "fans",
]


def fans(shape: tuple) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight: (out, in, *kernel) as in PyTorch; 1-D: both = n."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor, sample):
    if not isinstance(tensor, Tensor):  # a shape: a new array
        return np.asarray(sample, dtype=get_default_dtype())
    with no_grad():
        tensor._data[...] = sample
        tensor._version += 1
    return tensor


def _shape(tensor) -> tuple:
    if isinstance(tensor, Tensor):
        return tensor.shape
    return (tensor,) if isinstance(tensor, int) else tuple(tensor)


def uniform_(tensor: Tensor, low: float = 0.0, high: float = 1.0) -> Tensor:
    """Fill with draws from U(low, high)."""
    return _fill(tensor, random.generator().uniform(low, high, _shape(tensor)))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with draws from N(mean, std**2)."""
    return _fill(tensor, random.generator().normal(mean, std, _shape(tensor)))


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, np.zeros(_shape(tensor)))


def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, np.ones(_shape(tensor)))


def constant_(tensor: Tensor, value: float) -> Tensor:
    return _fill(tensor, np.full(_shape(tensor), value))


def he_uniform(tensor: Tensor) -> Tensor:
    """He uniform: U(-a, a), a = sqrt(6 / fan_in), so the variance is 2 / fan_in."""
    fan_in, _ = fans(_shape(tensor))
    bound = math.sqrt(6.0 / fan_in)
    return uniform_(tensor, -bound, bound)


def he_normal(tensor: Tensor) -> Tensor:
    """He normal: N(0, 2 / fan_in)."""
    fan_in, _ = fans(_shape(tensor))
    return normal_(tensor, 0.0, math.sqrt(2.0 / fan_in))


def glorot_uniform(tensor: Tensor) -> Tensor:
    """Glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)); variance 2 / (in + out)."""
    fan_in, fan_out = fans(_shape(tensor))
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def glorot_normal(tensor: Tensor) -> Tensor:
    """Glorot normal: N(0, 2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(_shape(tensor))
    return normal_(tensor, 0.0, math.sqrt(2.0 / (fan_in + fan_out)))


# PyTorch's names (for the ReLU gain the defaults agree: variance 2 / fan_in).
kaiming_uniform_ = he_uniform
kaiming_normal_ = he_normal
xavier_uniform_ = glorot_uniform
xavier_normal_ = glorot_normal
