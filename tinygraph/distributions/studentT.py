"""``StudentT``, as torch's: ``loc + scale * X / sqrt(Z / df)`` with ``X`` standard normal
and ``Z ~ Chi2(df)``; ``rsample`` is differentiable in ``loc`` and ``scale`` (the chi-squared
draw, a gamma draw, refuses a ``df`` that requires grad: see gamma.py)."""

from __future__ import annotations

import math

import numpy as np

from ..ops.registry import functions as _f
from ..size import Size
from ..tensor import Tensor
from . import constraints
from .chi2 import Chi2
from .distribution import Distribution
from .utils import broadcast_all, standard_normal

__all__ = ["StudentT"]


class StudentT(Distribution):
    """Student's t-distribution with ``df`` degrees of freedom, location ``loc`` and scale
    ``scale``.

    >>> StudentT(tg.tensor([2.0])).sample()
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(Size(self.df.shape), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(StudentT, _instance)
        batch_shape = Size(batch_shape)
        new.df = self.df.expand(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new._chi2 = self._chi2.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        """loc where df > 1, NaN elsewhere."""
        return _f["where"](self.df <= 1, np.array(math.nan, self.loc.dtype), self.loc)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        """scale^2 df / (df - 2) where df > 2, inf for 1 < df <= 2, NaN for df <= 1."""
        df = self.df
        finite = df > 2
        safe = _f["where"](finite, df, np.array(3.0, df.dtype))
        m = self.scale.pow(2) * safe / (safe - 2)
        m = _f["where"](finite, m, np.array(math.inf, df.dtype))
        return _f["where"](df <= 1, np.array(math.nan, df.dtype), m)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        x = standard_normal(shape, self.df.dtype)
        z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * (x * (z / self.df).rsqrt())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi)
             + (0.5 * self.df).lgamma() - (0.5 * (self.df + 1.0)).lgamma())
        return -0.5 * (self.df + 1.0) * (y.pow(2) / self.df).log1p() - z

    def entropy(self):
        half_df, half_df1 = 0.5 * self.df, 0.5 * (self.df + 1)
        lbeta = half_df.lgamma() + math.lgamma(0.5) - half_df1.lgamma()
        return (self.scale.log() + half_df1 * (half_df1.digamma() - half_df.digamma())
                + 0.5 * self.df.log() + lbeta)
