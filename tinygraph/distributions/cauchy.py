"""``Cauchy``, ``HalfCauchy`` and ``HalfNormal``, as torch's. Cauchy draws are
``tan(pi (u - 1/2))`` of a uniform ``u`` from tinygraph's generator; the half
distributions are ``|X|`` (``TransformedDistribution`` through ``AbsTransform``)."""

from __future__ import annotations

import math

import numpy as np

from .. import random_factories
from ..factories import as_tensor, full, zeros_like
from ..ops.registry import functions as _f
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, LocScale
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform

__all__ = ["Cauchy", "HalfCauchy", "HalfNormal"]


class Cauchy(LocScale, Distribution):
    """The Cauchy (Lorentz) distribution: density ``1 / (pi scale (1 + ((x - loc) /
    scale)^2))``; no mean (NaN) and an infinite variance.

    >>> Cauchy(tg.tensor([0.0]), tg.tensor([1.0])).sample()
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    @property
    def mean(self) -> Tensor:
        return full(self._extended_shape(), math.nan, dtype=self.loc.dtype)

    @property
    def variance(self) -> Tensor:
        return full(self._extended_shape(), math.inf, dtype=self.loc.dtype)

    def rsample(self, sample_shape=()) -> Tensor:
        u = random_factories.rand(tuple(self._extended_shape(sample_shape)), dtype=self.loc.dtype)
        eps = (math.pi * (u - 0.5)).tan()  # a standard Cauchy draw
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (-math.log(math.pi) - self.scale.log()
                - ((value - self.loc) / self.scale).pow(2).log1p())

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return _f["atan"]((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()


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


class HalfCauchy(_Half):
    """|X| for X ~ Cauchy(0, scale): no finite mean or variance (inf).

    >>> HalfCauchy(tg.tensor([1.0])).sample()
    """

    def __init__(self, scale, validate_args: bool | None = None) -> None:
        base = Cauchy(0, scale, validate_args=False)
        super().__init__(base, AbsTransform(), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return full(self._extended_shape(), math.inf, dtype=self.scale.dtype)

    @property
    def variance(self) -> Tensor:
        return full(self._extended_shape(), math.inf, dtype=self.scale.dtype)


HalfNormal._family = HalfNormal
HalfCauchy._family = HalfCauchy
