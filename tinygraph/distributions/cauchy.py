"""``Cauchy``, as torch's: draws are ``tan(pi (u - 1/2))`` of a uniform ``u`` from
tinygraph's generator, scaled and shifted (so ``rsample`` is differentiable)."""

from __future__ import annotations

import math

from .. import random_factories
from ..factories import full
from ..ops.registry import functions as _f
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, LocScale

__all__ = ["Cauchy"]


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
