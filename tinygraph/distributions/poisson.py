"""``Poisson``, as torch's: counts drawn by NumPy's Poisson sampler from tinygraph's generator
(no ``rsample``)."""

from __future__ import annotations

from numbers import Number

import numpy as np

from .. import random
from ..autograd import no_grad
from ..size import Size
from ..tensor import Tensor, tensor
from . import constraints
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    """The Poisson distribution of rate ``rate``: ``P(k) = rate^k exp(-rate) / k!``.

    >>> m = Poisson(tg.tensor([4.0]))
    >>> m.sample()             # a count, as a float tensor
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, Number) else Size(self.rate.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Poisson, _instance)
        batch_shape = Size(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Poisson, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape=()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            rate = self.rate.expand(shape).detach().numpy()
            draws = np.asarray(random.generator().poisson(np.asarray(rate, dtype=np.float64)))
            return tensor(draws.astype(rate.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()
