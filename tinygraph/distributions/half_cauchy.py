"""``HalfCauchy``, as torch's: ``|X|`` for ``X ~ Cauchy(0, scale)``."""

from __future__ import annotations

import math

from ..factories import full
from ..tensor import Tensor
from .cauchy import Cauchy
from .half_normal import _Half
from .transforms import AbsTransform

__all__ = ["HalfCauchy"]


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


HalfCauchy._family = HalfCauchy
