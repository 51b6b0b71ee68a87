"""Elementwise powers, exponentials and logarithms beyond ``elementwise.py``: exp2, expm1,
log2, log10, log1p, rsqrt, square, reciprocal, erf.

Integer and bool inputs of the functions with a floating result (all but ``square``) are
computed in the default float dtype, as PyTorch does (``tg.exp2(tg.tensor([1, 2]))`` is
float32), never NumPy's float64.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Op
from .registry import public

_LN2, _LN10 = math.log(2.0), math.log(10.0)


class FloatUnary(Op):
    """An elementwise function with a floating result: integer and bool input is converted
    to the default float dtype first (``promotes = "float"``, see autograd/promotion.py)."""

    __slots__ = ()
    promotes = "float"


@public("exp2", ufunc="exp2")
class Exp2(FloatUnary):
    """y = 2**x;  dx = g * y * ln 2."""

    __slots__ = ()
    label = "exp2"

    def forward(self, x):
        y = self.xp.exp2(x)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return (g * y * _LN2,)


@public("expm1", ufunc="expm1")
class Expm1(FloatUnary):
    """y = exp(x) - 1 (exact near 0);  dx = g * (y + 1)."""

    __slots__ = ()
    label = "expm1"

    def forward(self, x):
        y = self.xp.expm1(x)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return (g * (y + 1),)


class _Log(FloatUnary):
    __slots__ = ()
    scale = 1.0

    def forward(self, x):
        self.save(x)
        return getattr(self.xp, self.label)(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / (x * self.scale) if self.scale != 1.0 else g / x,)


@public("log2", ufunc="log2")
class Log2(_Log):
    """y = log2(x);  dx = g / (x ln 2)."""

    __slots__ = ()
    label = "log2"
    scale = _LN2


@public("log10", ufunc="log10")
class Log10(_Log):
    """y = log10(x);  dx = g / (x ln 10)."""

    __slots__ = ()
    label = "log10"
    scale = _LN10


@public("log1p", ufunc="log1p")
class Log1p(FloatUnary):
    """y = log(1 + x) (exact near 0);  dx = g / (1 + x)."""

    __slots__ = ()
    label = "log1p"

    def forward(self, x):
        self.save(x)
        return self.xp.log1p(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / (1 + x),)


@public("rsqrt")
class Rsqrt(FloatUnary):
    """y = 1 / sqrt(x);  dx = -g * y**3 / 2."""

    __slots__ = ()
    label = "rsqrt"

    def forward(self, x):
        y = 1 / self.xp.sqrt(x)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return (g * y * y * y * -0.5,)


@public("reciprocal", ufunc="reciprocal")
class Reciprocal(FloatUnary):
    """y = 1 / x;  dx = -g * y**2."""

    __slots__ = ()
    label = "reciprocal"

    def forward(self, x):
        y = 1 / x
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return (-g * y * y,)


@public("square", ufunc="square")
class Square(Op):
    """y = x * x (integers stay integers);  dx = 2 g x."""

    __slots__ = ()
    label = "square"

    def forward(self, x):
        self.save(x)
        return x * x

    def backward(self, g):
        (x,) = self.saved
        return (g * 2 * x,)


# erf: W. J. Cody's rational approximations in the form of Cephes' ndtr.c (S. Moshier):
# erf(x) = x T(x^2) / U(x^2) for |x| <= 1, and 1 - exp(-x^2) P(|x|) / Q(|x|) up to |x| = 8,
# beyond which erf is 1 to double precision. Relative error about 1e-16, no Python loop.
_T = (9.60497373987051638749E0, 9.00260197203842689217E1, 2.23200534594684319226E3,
      7.00332514112805075473E3, 5.55923013010394962768E4)
_U = (1.0, 3.35617141647503099647E1, 5.21357949780152679795E2, 4.59432382970980127987E3,
      2.26290000613890934246E4, 4.92673942608635921086E4)
_P = (2.46196981473530512524E-10, 5.64189564831068821977E-1, 7.46321056442269912687E0,
      4.86371970985681366614E1, 1.96520832956077098242E2, 5.26445194995477358631E2,
      9.34528527171957607540E2, 1.02755188689515710272E3, 5.57535335369399327526E2)
_Q = (1.0, 1.32281951154744992508E1, 8.67072140885989742329E1, 3.54937778887819891062E2,
      9.75708501743205489753E2, 1.82390916687909736289E3, 2.24633760818710981792E3,
      1.65666309194161350182E3, 5.57535340817727675546E2)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _polynomial(x, coefficients):
    """Horner's rule, highest power first."""
    y = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        y *= x
        y += c
    return y


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf of a floating array, computed in float64, returned in ``x``'s dtype."""
    wide = np.asarray(x, dtype=np.float64)
    ax = np.abs(wide)
    z = np.minimum(wide * wide, 1.0)  # the series' range (no inf / inf where it is not used)
    small = wide * _polynomial(z, _T) / _polynomial(z, _U)
    mid = np.clip(ax, 1.0, 8.0)  # the tail's range; outside it the tail is not used
    tail = 1.0 - np.exp(-mid * mid) * _polynomial(mid, _P) / _polynomial(mid, _Q)
    large = np.copysign(np.where(ax >= 8.0, 1.0, tail), wide)
    return np.where(ax <= 1.0, small, large).astype(x.dtype, copy=False)  # NaN stays NaN


@public("erf")
class Erf(FloatUnary):
    """y = erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt;  dx = g * 2/sqrt(pi) * exp(-x^2)."""

    __slots__ = ()
    label = "erf"

    def forward(self, x):
        self.save(x)
        return erf_array(x)

    def backward(self, g):
        (x,) = self.saved
        return (g * self.xp.exp(-(x * x)) * _TWO_OVER_SQRT_PI,)
