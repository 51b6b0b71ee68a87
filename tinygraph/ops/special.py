"""Special functions beyond ``explog.py``: ``erfc``, accurate in the tail where
``1 - erf(x)`` would cancel (erfc(6) is 2e-17; 1 - erf(6) is 0)."""

from __future__ import annotations

import math

import numpy as np

from .activations import _erfc_tail, erf
from .explog import FloatUnary
from .registry import public

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def erfc_array(x) -> np.ndarray:
    """erfc of a float array in float64: Cody's tail for |x| >= 0.5, 1 - erf nearer 0."""
    x = np.asarray(x, dtype=np.float64)
    flat = x.reshape(-1)
    y = np.abs(flat)
    out = 1.0 - erf(flat)
    tail = y >= 0.5
    if tail.any():
        t = _erfc_tail(y[tail])
        out[tail] = np.where(flat[tail] < 0, 2.0 - t, t)
    return out.reshape(x.shape)


@public("erfc")
class Erfc(FloatUnary):
    """y = erfc(x) = 1 - erf(x);  dx = -g * 2/sqrt(pi) * exp(-x^2)."""

    __slots__ = ()
    label = "erfc"

    def forward(self, x):
        self.save(x)
        return erfc_array(x).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved
        return (g * self.xp.exp(-(x * x)) * -_TWO_OVER_SQRT_PI,)
