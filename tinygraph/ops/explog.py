"""Elementwise powers, exponentials and logarithms beyond ``elementwise.py``: exp2, expm1,
log2, log10, log1p, rsqrt, square, reciprocal, erf.

Integer and bool inputs of the functions with a floating result (all but ``square``) are
computed in the default float dtype, as PyTorch does (``tg.exp2(tg.tensor([1, 2]))`` is
float32), never NumPy's float64.
"""

from __future__ import annotations

import math

from ..autograd import Op
from .activations import erf
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
    """y = x * x (integers stay integers, bools become int64 as PyTorch's);  dx = 2 g x."""

    __slots__ = ()
    label = "square"

    def forward(self, x):
        self.save(x)
        if x.dtype.kind == "b":
            x = x.astype(self.xp.int64)
        return x * x

    def backward(self, g):
        (x,) = self.saved
        return (g * 2 * x,)


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


@public("erf")
class Erf(FloatUnary):
    """y = erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt;  dx = g * 2/sqrt(pi) * exp(-x^2)."""

    __slots__ = ()
    label = "erf"

    def forward(self, x):
        self.save(x)
        # Cody's rational approximations, vectorised in float64 (activations.erf, which
        # exact gelu shares)
        return erf(x).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved
        return (g * self.xp.exp(-(x * x)) * _TWO_OVER_SQRT_PI,)
