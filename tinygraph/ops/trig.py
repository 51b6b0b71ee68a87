"""Trigonometric and hyperbolic functions: sin, cos, tan, asin, acos, atan, atan2, sinh, cosh.

Integer inputs are computed in the default float dtype, as PyTorch does.
"""

from __future__ import annotations

from ..autograd import Op
from .args import data
from .explog import FloatUnary
from .registry import public


@public("sin", ufunc="sin")
class Sin(FloatUnary):
    """y = sin(x);  dx = g * cos(x)."""

    __slots__ = ()
    label = "sin"

    def forward(self, x):
        self.save(x)
        return self.xp.sin(x)

    def backward(self, g):
        (x,) = self.saved
        return (g * self.xp.cos(x),)


@public("cos", ufunc="cos")
class Cos(FloatUnary):
    """y = cos(x);  dx = -g * sin(x)."""

    __slots__ = ()
    label = "cos"

    def forward(self, x):
        self.save(x)
        return self.xp.cos(x)

    def backward(self, g):
        (x,) = self.saved
        return (-g * self.xp.sin(x),)


@public("tan", ufunc="tan")
class Tan(FloatUnary):
    """y = tan(x);  dx = g * (1 + y**2)."""

    __slots__ = ()
    label = "tan"

    def forward(self, x):
        y = self.xp.tan(x)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return (g * (1 + y * y),)


@public("asin", "arcsin", ufunc="arcsin")
class Asin(FloatUnary):
    """y = asin(x);  dx = g / sqrt(1 - x**2)."""

    __slots__ = ()
    label = "asin"

    def forward(self, x):
        self.save(x)
        return self.xp.arcsin(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / self.xp.sqrt(1 - x * x),)


@public("acos", "arccos", ufunc="arccos")
class Acos(FloatUnary):
    """y = acos(x);  dx = -g / sqrt(1 - x**2)."""

    __slots__ = ()
    label = "acos"

    def forward(self, x):
        self.save(x)
        return self.xp.arccos(x)

    def backward(self, g):
        (x,) = self.saved
        return (-g / self.xp.sqrt(1 - x * x),)


@public("atan", "arctan", ufunc="arctan")
class Atan(FloatUnary):
    """y = atan(x);  dx = g / (1 + x**2)."""

    __slots__ = ()
    label = "atan"

    def forward(self, x):
        self.save(x)
        return self.xp.arctan(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / (1 + x * x),)


@public("atan2", "arctan2", ufunc="arctan2")
class Atan2(Op):
    """out = atan2(a, b), the angle of the point (b, a);  da = g * b / (a**2 + b**2),
    db = -g * a / (a**2 + b**2) (both 0 at the origin, as PyTorch)."""

    __slots__ = ()
    label = "atan2"
    promotes = "float"

    def forward(self, a, b):
        self.save(a, b)
        return self.xp.arctan2(a, b)

    def backward(self, g):
        a, b = self.saved
        need_a, need_b = self.needs_grad
        xp = self.xp
        radius = a * a + b * b
        origin = data(radius) == 0  # a point at the origin: no direction, zero gradient
        if origin.any():
            scale = xp.where(origin, 0, g / xp.where(origin, 1, radius))
        else:
            scale = g / radius
        return (scale * b if need_a else None), (-scale * a if need_b else None)


@public("sinh", ufunc="sinh")
class Sinh(FloatUnary):
    """y = sinh(x);  dx = g * cosh(x)."""

    __slots__ = ()
    label = "sinh"

    def forward(self, x):
        self.save(x)
        return self.xp.sinh(x)

    def backward(self, g):
        (x,) = self.saved
        return (g * self.xp.cosh(x),)


@public("cosh", ufunc="cosh")
class Cosh(FloatUnary):
    """y = cosh(x);  dx = g * sinh(x)."""

    __slots__ = ()
    label = "cosh"

    def forward(self, x):
        self.save(x)
        return self.xp.cosh(x)

    def backward(self, g):
        (x,) = self.saved
        return (g * self.xp.sinh(x),)
