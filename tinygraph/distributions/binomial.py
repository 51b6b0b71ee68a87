"""``Binomial``, as torch's: counts from NumPy's binomial sampler on tinygraph's generator
(no ``rsample``), given ``probs`` or ``logits`` (not both)."""

from __future__ import annotations

import numpy as np

from .. import random
from ..autograd import no_grad
from ..size import Size
from ..tensor import Tensor, tensor
from . import constraints
from .distribution import Distribution
from .utils import (
    broadcast_all,
    enumerate_values,
    lazy_property,
    logits_to_probs,
    one_of,
    probs_to_logits,
)

__all__ = ["Binomial"]


class _ProbsOrLogits(Distribution):
    """A binary parameter given as ``probs`` or ``logits``; the other computed on access."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}

    def _expand_param(self, new, batch_shape):
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(tuple(batch_shape)))
                new._param = getattr(new, name)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        return self._param.size()


class Binomial(_ProbsOrLogits):
    """The number of successes in ``total_count`` trials of success probability ``probs``.

    >>> Binomial(10, tg.tensor([0.2, 0.8])).sample()
    """

    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None,
                 validate_args: bool | None = None) -> None:
        one_of(probs, logits)
        if probs is not None:
            self.total_count, self.probs = broadcast_all(total_count, probs)
            self.total_count = self.total_count.type_as(self.probs)
        else:
            self.total_count, self.logits = broadcast_all(total_count, logits)
            self.total_count = self.total_count.type_as(self.logits)
        self._param = self.probs if probs is not None else self.logits
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Binomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count.expand(tuple(batch_shape))
        self._expand_param(new, batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            n = np.broadcast_to(self.total_count.detach().numpy(), shape)
            p = np.broadcast_to(self.probs.detach().numpy(), shape)
            draws = random.generator().binomial(n.astype(np.int64), p.astype(np.float64))
            return tensor(np.asarray(draws).astype(p.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_factorial_n = (n + 1).lgamma()
        log_factorial_k = (value + 1).lgamma()
        log_factorial_nmk = (n - value + 1).lgamma()
        # n log(1 + e^l) = n (max(l, 0) + log1p(e^-|l|)), max(l, 0) as torch writes it
        positive_part = (logits.clamp(min=0) + logits - logits.clamp(max=0)) / 2
        normalize = n * positive_part + n * (-logits.abs()).exp().log1p() - log_factorial_n
        return value * logits - log_factorial_k - log_factorial_nmk - normalize

    def _homogeneous(self, what: str) -> int:
        total = int(self.total_count.max())
        if not self.total_count.min() == total:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return total

    def entropy(self):
        self._homogeneous("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        total = self._homogeneous("enumerate_support")
        values = tensor(np.arange(1 + total, dtype=self._param.numpy().dtype))
        return enumerate_values(values, self._batch_shape, expand)
