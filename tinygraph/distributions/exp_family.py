"""``ExponentialFamily``: the base of the exponential-family distributions (``Normal``,
``Bernoulli``), as torch's; KL divergences between two different families are refused."""

from __future__ import annotations

from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """A distribution of the exponential family."""
