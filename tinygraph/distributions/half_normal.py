"""``HalfNormal``, as torch's: ``|X|`` for ``X ~ Normal(0, scale)`` (a
``TransformedDistribution`` through ``AbsTransform``, with twice the density on the
non-negative half); ``_Half`` is shared with ``HalfCauchy``."""

from __future__ import annotations

import math

import numpy as np

from ..factories import as_tensor, zeros_like
from ..ops.registry import functions as _f
from ..tensor import Tensor
from . import constraints
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform

__all__ = ["HalfNormal"]


class _Half(TransformedDistribution):
    """|X| for a symmetric X about 0: twice the density on the non-negative half."""

    support = constraints.nonnegative
    has_rsample = True
    arg_constraints = {"scale": constraints.positive}

    _family: type  # HalfNormal or HalfCauchy: what expand makes (subclasses need their own)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(self._family, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.scale)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = as_tensor(value, dtype=self.base_dist.scale.dtype)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return _f["where"](value >= 0, log_prob, np.array(-math.inf, log_prob.dtype))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)


class HalfNormal(_Half):
    """|X| for X ~ Normal(0, scale).

    >>> HalfNormal(tg.tensor([1.0])).sample()
    """

    def __init__(self, scale, validate_args: bool | None = None) -> None:
        base = Normal(0, scale, validate_args=False)
        super().__init__(base, AbsTransform(), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (1 - 2 / math.pi)


HalfNormal._family = HalfNormal
