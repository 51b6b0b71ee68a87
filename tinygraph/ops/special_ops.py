"""The special functions of ``tg.special`` that are ops of their own: the modified Bessel
functions ``i0`` (also ``tg.i0``), ``i0e``, ``i1``, ``i1e``, ``erfcx``, ``ndtri``, ``log_ndtr``
and ``entr``. Values come from the float64 kernels of ``special_kernels.py``.

Gradients are PyTorch's formulas, written with ``self.xp`` and, under ``create_graph``, the
recorded ops themselves, so every order of derivative is available: i0' = i1,
i0e' = i1e - sgn(x) i0e, i1' = i0 - i1 / x (0.5 at |x| <= eps), i1e' = i0e - i1e (sgn(x) + 1/x)
(0.5 at |x| <= eps), erfcx' = 2 x erfcx - 2/sqrt(pi), ndtri' = sqrt(2 pi) exp(ndtri^2 / 2),
log_ndtr' = exp(-x^2/2 - log_ndtr) / sqrt(2 pi), entr' = -(1 + log x).
"""

from __future__ import annotations

import math

import numpy as np

from . import special_kernels as kernels
from .args import data
from .explog import FloatUnary
from .math_fns import inplace_method
from .registry import public

_SQRT_2PI = math.sqrt(2 * math.pi)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


class _Kernel(FloatUnary):
    """y = kernel(x), computed in float64 and returned in x's dtype."""

    __slots__ = ()
    kernel = None
    exp_overflows = False  # i0, i1: inf where exp(|x|) overflows x's dtype, as PyTorch's
    rounds = False  # erfcx: the kernel takes the dtype PyTorch's kernel rounds x^2 in

    @classmethod
    def of(cls, x):
        """The function on an array (the kernel) or on a Tensor (the recorded op)."""
        if isinstance(x, np.ndarray):
            return cls.kernel(x).astype(x.dtype, copy=False)
        return cls.apply(x)

    def forward(self, x):
        with np.errstate(over="ignore"):
            kernel = type(self).kernel
            if self.rounds and x.dtype != np.float64:  # PyTorch's float32 roundings
                y = kernel(x, np.float32).astype(x.dtype, copy=False)
            else:
                y = kernel(x).astype(x.dtype, copy=False)
            if self.exp_overflows and x.dtype != np.float64:
                # PyTorch's kernel multiplies by exp(|x|) in x's dtype (float32 for float16)
                big = np.isinf(np.exp(np.abs(x).astype(np.float32))) & np.isfinite(x)
                if big.any():
                    y = np.where(big, np.copysign(np.inf, y), y).astype(x.dtype)
        self.save(x, y)
        return y


def _eps_guard(xp, x):
    """(mask of |x| <= eps, x with those elements replaced by eps): PyTorch's guard at 0."""
    eps = np.finfo(data(x).dtype).eps
    tiny = np.abs(data(x)) <= eps
    return tiny, (xp.where(tiny, eps, x) if tiny.any() else x)


@public("i0")
class I0(_Kernel):
    """y = I0(x), the modified Bessel function of the first kind of order 0;  dx = g I1(x)."""

    __slots__ = ()
    label = "i0"
    kernel = staticmethod(kernels.i0)
    exp_overflows = True

    def backward(self, g):
        x, _ = self.saved
        return (g * I1.of(x),)


class I0e(_Kernel):
    """y = exp(-|x|) I0(x);  dx = g (i1e(x) - sgn(x) y)."""

    __slots__ = ()
    label = "special_i0e"
    kernel = staticmethod(kernels.i0e)

    def backward(self, g):
        x, y = self.saved
        return (g * (I1e.of(x) - self.xp.sign(x) * y),)


class I1(_Kernel):
    """y = I1(x), of order 1;  dx = g (i0(x) - y / x), 0.5 g where |x| <= eps."""

    __slots__ = ()
    label = "special_i1"
    kernel = staticmethod(kernels.i1)
    exp_overflows = True

    def backward(self, g):
        x, y = self.saved
        xp = self.xp
        tiny, safe = _eps_guard(xp, x)
        d = I0.of(safe) - y / safe
        return (g * (xp.where(tiny, 0.5, d) if tiny.any() else d),)


class I1e(_Kernel):
    """y = exp(-|x|) I1(x);  dx = g (i0e(x) - y (sgn(x) + 1 / x)), 0.5 g where |x| <= eps."""

    __slots__ = ()
    label = "special_i1e"
    kernel = staticmethod(kernels.i1e)

    def backward(self, g):
        x, y = self.saved
        xp = self.xp
        tiny, safe = _eps_guard(xp, x)
        d = I0e.of(safe) - y * (xp.sign(safe) + 1 / safe)
        return (g * (xp.where(tiny, 0.5, d) if tiny.any() else d),)


class Erfcx(_Kernel):
    """y = exp(x^2) erfc(x);  dx = g (2 x y - 2 / sqrt(pi))."""

    __slots__ = ()
    label = "special_erfcx"
    kernel = staticmethod(kernels.erfcx)
    rounds = True

    def backward(self, g):
        x, y = self.saved
        return (g * (2 * x * y - _TWO_OVER_SQRT_PI),)


class Ndtri(_Kernel):
    """y = the inverse of the standard normal CDF (+-inf at 0 and 1, NaN outside);
    dx = g sqrt(2 pi) exp(y^2 / 2)."""

    __slots__ = ()
    label = "special_ndtri"
    kernel = staticmethod(kernels.ndtri)

    def backward(self, g):
        _, y = self.saved
        with np.errstate(over="ignore"):
            return (g * self.xp.exp(y * y * 0.5) * _SQRT_2PI,)


class LogNdtr(_Kernel):
    """y = log of the standard normal CDF;  dx = g / (sqrt(2 pi) exp(y + x^2 / 2))."""

    __slots__ = ()
    label = "special_log_ndtr"
    kernel = staticmethod(kernels.log_ndtr)

    def backward(self, g):
        x, y = self.saved
        with np.errstate(over="ignore"):
            return (g / (self.xp.exp(y + x * x * 0.5) * _SQRT_2PI),)


def _entr(x) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        y = -x * np.log(np.where(x > 0, x, 1))
    return np.where(x > 0, y, np.where(x == 0, 0.0, np.where(np.isnan(x), np.nan, -np.inf)))


class Entr(_Kernel):
    """y = -x log x (0 at 0, -inf for x < 0);  dx = -g (1 + log x) (inf at 0, NaN below)."""

    __slots__ = ()
    label = "special_entr"
    kernel = staticmethod(_entr)

    def backward(self, g):
        x, _ = self.saved
        with np.errstate(divide="ignore", invalid="ignore"):
            return (-g * (1 + self.xp.log(x)),)


inplace_method("i0_", "i0")


class Xlog1py(FloatUnary):
    """out = x log1p(y), 0 where x = 0 (NaN where y is NaN);  dx = g log1p(y) (0 where
    x = 0 and y <= -1), dy = g x / (1 + y) (PyTorch's gradients)."""

    __slots__ = ()
    label = "special_xlog1py"

    def forward(self, x, y):
        self.save(x, y)
        xp = self.xp
        dtype = (x if isinstance(x, np.ndarray) else y).dtype  # the promoted dtype
        with np.errstate(divide="ignore", invalid="ignore"):
            out = x * xp.log1p(y)
        return xp.where(xp.isnan(y), np.nan, xp.where(x == 0, 0, out)).astype(dtype)

    def backward(self, g):
        x, y = self.saved
        need_x, need_y = self.needs_grad
        xp = self.xp
        gx = gy = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_x:
                skip = (np.asarray(data(x)) == 0) & (np.asarray(data(y)) <= -1)
                log = xp.log1p(y)
                gx = g * (xp.where(skip, 0, log) if skip.any() else log)
            if need_y:
                gy = g * x / (1 + y)
        return gx, gy
