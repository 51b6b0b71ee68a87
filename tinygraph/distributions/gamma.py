"""``Gamma``, as torch's. Draws come from tinygraph's generator (NumPy's gamma sampler).
``Gamma.rsample`` is differentiable in ``rate``; its derivative in ``concentration``
(PyTorch's implicit reparameterization) is not implemented: it refuses a ``concentration``
that requires grad. ``cdf`` is ``tg.special.gammainc``."""

from __future__ import annotations

import numpy as np

from .. import random
from ..autograd import is_grad_enabled
from ..factories import as_tensor
from ..ops.registry import functions as _f
from ..runtime import finfo
from ..size import Size
from ..tensor import Tensor, tensor
from . import constraints
from .exp_family import ExponentialFamily
from .utils import batch_shape_of, broadcast_all

__all__ = ["Gamma", "standard_gamma"]


def standard_gamma(concentration: Tensor, what: str) -> Tensor:
    """Gamma(concentration, 1) draws of ``concentration``'s shape and dtype, at least the
    dtype's smallest normal number (as torch's); refuses to differentiate them."""
    if concentration.requires_grad and is_grad_enabled():
        raise NotImplementedError(
            f"{what}.rsample: the derivative of a gamma draw with respect to its "
            "concentration (PyTorch's implicit reparameterization) is not implemented in "
            "tinygraph; use sample(), or a concentration that does not require grad.")
    data = concentration.detach().numpy()
    draws = random.generator().standard_gamma(np.asarray(data, dtype=np.float64))
    return tensor(np.maximum(draws, finfo(concentration.dtype).tiny).astype(data.dtype))


class Gamma(ExponentialFamily):
    """The gamma distribution of shape ``concentration`` and rate ``rate``.

    >>> m = Gamma(tg.tensor([1.0]), tg.tensor([1.0]))
    >>> m.sample()             # Gamma(1, 1), i.e. Exp(1)
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration, rate, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(batch_shape_of((concentration, rate), self.concentration),
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Gamma, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        value = standard_gamma(self.concentration.expand(shape), "Gamma") / self.rate.expand(
            shape)
        value.detach().clamp_(min=finfo(value.dtype).tiny)  # not recorded, as torch's
        return value

    def log_prob(self, value):
        value = as_tensor(value, dtype=self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        c, r = self.concentration, self.rate
        return c.xlogy(r) + (c - 1).xlogy(value) - r * value - c.lgamma()

    def entropy(self):
        c = self.concentration
        return c - self.rate.log() + c.lgamma() + (1.0 - c) * c.digamma()

    def cdf(self, value):
        """P(concentration, rate * value): the regularised lower incomplete gamma function
        (differentiable in value and rate, not in concentration, as torch's)."""
        if self._validate_args:
            self._validate_sample(value)
        return _f["igamma"](self.concentration, self.rate * value)
