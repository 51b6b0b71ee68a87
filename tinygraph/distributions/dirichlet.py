"""``Dirichlet``, as torch's. Draws normalise gamma draws from tinygraph's generator;
``rsample`` refuses a concentration that requires grad (PyTorch's implicit
reparameterization is not implemented, see gamma.py)."""

from __future__ import annotations

import numpy as np

from ..nn import functional as F
from ..ops.registry import functions as _f
from ..size import Size
from ..tensor import Tensor
from . import constraints
from .exp_family import ExponentialFamily
from .gamma import standard_gamma

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution over the simplex of ``concentration.shape[-1]`` categories.

    >>> m = Dirichlet(tg.tensor([0.5, 0.5]))
    >>> m.sample()             # a probability vector
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = tuple(concentration.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape + self.event_shape)
        super(Dirichlet, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        draws = standard_gamma(self.concentration.expand(shape), type(self).__name__)
        return draws / draws.sum(-1, keepdim=True)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return ((c - 1.0).xlogy(value).sum(-1) + c.sum(-1).lgamma()
                - c.lgamma().sum(-1))

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self) -> Tensor:
        minus_one = (self.concentration - 1).clamp(min=0.0)
        with np.errstate(invalid="ignore"):  # 0 / 0 where every concentration is < 1
            mode = minus_one / minus_one.sum(-1, True)
        corner = F.one_hot(mode.argmax(-1), minus_one.shape[-1]).to(mode)
        mask = (self.concentration < 1).all(-1, keepdim=True)
        return _f["where"](mask, corner, mode)

    @property
    def variance(self) -> Tensor:
        total = self.concentration.sum(-1, True)
        return (self.concentration * (total - self.concentration)
                / (total.pow(2) * (total + 1)))

    def entropy(self):
        c = self.concentration
        k = c.shape[-1]
        total = c.sum(-1)
        return (c.lgamma().sum(-1) - total.lgamma() - (k - total) * total.digamma()
                - ((c - 1.0) * c.digamma()).sum(-1))
