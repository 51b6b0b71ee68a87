"""``Geometric``, as torch's: the failures before the first success, drawn as
``floor(log u / log1p(-p))`` of a uniform ``u`` from tinygraph's generator (no ``rsample``)."""

from __future__ import annotations

from .. import random_factories
from ..autograd import no_grad
from ..factories import zeros_like
from ..nn import functional as F
from ..runtime import finfo
from ..size import Size
from ..tensor import Tensor
from . import constraints
from .binomial import _ProbsOrLogits
from .distribution import Distribution
from .utils import broadcast_all, set_probs_or_logits

__all__ = ["Geometric"]


class Geometric(_ProbsOrLogits):
    """The number of failures before the first success in trials of probability ``probs``:
    ``P(k) = (1 - p)^k p``.

    >>> Geometric(tg.tensor([0.3])).sample()
    """

    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        batch_shape = set_probs_or_logits(self, probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None:  # beyond unit_interval: p > 0
            valid = self.probs > 0
            if not valid.all():
                raise ValueError(
                    f"Expected parameter probs ({type(self.probs).__name__} of shape "
                    f"{tuple(self.probs.shape)}) of distribution {self!r} to satisfy the "
                    f"constraint {constraints.positive!r}, but found invalid values:\n"
                    f"{self.probs.detach()[~valid]}")

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Geometric, _instance)
        batch_shape = Size(batch_shape)
        self._expand_param(new, batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        tiny = finfo(self.probs.dtype).tiny
        with no_grad():
            u = random_factories.rand(shape, dtype=self.probs.dtype) * (1 - tiny) + tiny
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = probs.clone()
        probs[(probs == 1) & (value == 0)] = 0  # 0 * log(0): a sure success at k = 0
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        return F.binary_cross_entropy_with_logits(self.logits, self.probs,
                                                  reduction="none") / self.probs
