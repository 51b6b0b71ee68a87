"""The transformer's activations as fused elementwise ops: gelu (exact and tanh), silu, elu,
softplus, hardtanh, and the standard normal CDF that exact gelu is built on.

Each is one node whose backward is written with ``self.xp`` from the op's input, so
``create_graph=True`` gives second derivatives. Exact gelu needs erf, which NumPy lacks:
``erf`` here is a vectorised float64 implementation (W. J. Cody's rational approximations,
relative error below 1e-15), with no SciPy.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Op
from .registry import public

# -- erf: Cody's rational Chebyshev approximations (Math. Comp. 23, 1969), as in Netlib's
#    CALERF, in three ranges of |x|; float64 accurate ---------------------------------------

_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)
_SQRPI = 5.6418958354775628695e-1  # 1 / sqrt(pi)


def _erfc_tail(y: np.ndarray) -> np.ndarray:
    """erfc(y) for y >= 0.5 (the two outer ranges of Cody's algorithm)."""
    out = np.empty_like(y)
    mid = y <= 4.0
    ym = y[mid]
    num = _C[8] * ym
    den = ym.copy()
    for i in range(7):
        num = (num + _C[i]) * ym
        den = (den + _D[i]) * ym
    res = (num + _C[7]) / (den + _D[7])
    out[mid] = _scaled(ym, res)
    far = ~mid
    yf = np.minimum(y[far], 30.0)  # erfc underflows to 0 long before; keeps inf finite
    z = 1.0 / (yf * yf)
    num = _P[5] * z
    den = z.copy()
    for i in range(4):
        num = (num + _P[i]) * z
        den = (den + _Q[i]) * z
    res = z * (num + _P[4]) / (den + _Q[4])
    res = (_SQRPI - res) / yf
    out[far] = _scaled(yf, res)
    return out


def _scaled(y, res):
    """res * exp(-y^2), with y^2 split so that the exponent is exact (Cody's trick)."""
    ysq = np.trunc(y * 16.0) / 16.0
    delta = (y - ysq) * (y + ysq)
    with np.errstate(under="ignore"):
        return np.exp(-ysq * ysq) * np.exp(-delta) * res


def erf(x) -> np.ndarray:
    """The error function of a float array, elementwise, to float64 accuracy (vectorised)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.abs(x)
    out = np.empty_like(x)
    near = y <= 0.5
    xn = x[near]
    ysq = xn * xn
    num = _A[4] * ysq
    den = ysq.copy()
    for i in range(3):
        num = (num + _A[i]) * ysq
        den = (den + _B[i]) * ysq
    out[near] = xn * (num + _A[3]) / (den + _B[3])
    rest = ~near
    if rest.any():
        tail = 1.0 - _erfc_tail(y[rest])
        out[rest] = np.where(x[rest] < 0, -tail, tail)
    return np.where(np.isnan(x), np.nan, out)


_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _is_array(x) -> bool:
    return isinstance(x, np.ndarray)


class NormalCdf(Op):
    """y = Phi(x) = (1 + erf(x / sqrt 2)) / 2;  dx = g * exp(-x^2 / 2) / sqrt(2 pi).

    Not public: exact gelu's backward uses it under ``create_graph``.
    """

    __slots__ = ()
    label = "normal_cdf"

    def forward(self, x):
        self.save(x)
        return (0.5 * (1.0 + erf(x * _INV_SQRT2))).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved
        return (g * (self.xp.exp(x * x * -0.5) * _INV_SQRT_2PI),)


# Phi(-a), a = |x| >= 0, as exp(-a^2 / 2) t G(t - T0) with t = 1 / (3 + a): G is smooth on
# t in (0, 1/3] and a degree-8 polynomial (a weighted least-squares fit of Phi(-a) / (t
# exp(-a^2 / 2)) in float64 over a in [0, 14], where Phi(-a) falls below float32's range;
# centred on T0, the middle of that t interval, so no term cancels) is within 5e-8 relative.
# One exp, one reciprocal, 16 Horner passes; the density exp(-x^2 / 2) is a by-product the
# backward reuses. Accuracy in float32 (vs float64 erfc, x in [-10, 10]): gelu within 5e-7
# relative for x >= -3 (NumPy's float32 exp alone is off by up to 2e-7), 2.3e-6 in the far
# negative tail (the float32 rounding of x^2, which exp magnifies by x^2 / 2).
_T0 = 0.19607843137254902
_G = (0.8263774596256956, 3.5680070931067958, 9.09782139314277, 8.175306969569734,
      -20.64660638995602, -41.02631411213444, 91.41051454705489, 147.43692608472313,
      -448.1014955271511)


def _cdf_and_gauss_single(x: np.ndarray, out: np.ndarray | None = None):
    """(Phi(x), exp(-x^2 / 2)) in x's (single or half) precision, with no cancellation.

    Temporaries are updated in place (fresh large arrays cost page faults, and this runs on
    the widest activation of a transformer); ``out``, an array like x, is scratch space.
    Half precision is computed in single and rounded once (its range ends before the tail)."""
    dt = x.dtype
    if dt.itemsize < 4:
        cdf, gauss = _cdf_and_gauss_single(x.astype(np.float32))
        return cdf.astype(dt), gauss.astype(dt)
    t = np.abs(x)
    t += dt.type(3.0)
    np.reciprocal(t, out=t)
    u = np.subtract(t, dt.type(_T0))
    tail = np.multiply(u, dt.type(_G[8]))
    for c in _G[7:0:-1]:
        tail += dt.type(c)
        tail *= u
    tail += dt.type(_G[0])
    tail *= t
    gauss = np.square(x, out=u)
    gauss *= dt.type(-0.5)
    with np.errstate(under="ignore"):
        np.exp(gauss, out=gauss)
    tail *= gauss  # Phi(-|x|)
    # Phi(x) = Phi(-|x|) for x < 0, 1 - Phi(-|x|) for x >= 0: max(tail, copysign(1 - tail,
    # x)), the sign copied as a bit (NumPy's copysign and where are scalar loops)
    bits = np.dtype(f"u{dt.itemsize}")
    sign = np.bitwise_and(x.view(bits), bits.type(1 << (8 * dt.itemsize - 1)),
                          out=(t if out is None else out).view(bits))
    cdf = np.subtract(dt.type(1.0), tail, out=t if out is not None else None)
    np.bitwise_or(cdf.view(bits), sign, out=cdf.view(bits))
    np.maximum(cdf, tail, out=cdf)
    return cdf, gauss


def _normal_cdf_single(x: np.ndarray) -> np.ndarray:
    """Phi(x) in x's (single or half) precision (see ``_cdf_and_gauss_single``)."""
    if x.ndim == 0:  # ufuncs give 0-d results as scalars, which have no out=
        return _normal_cdf_single(x.reshape(1)).reshape(())
    return _cdf_and_gauss_single(x)[0]


def _normal_cdf(x):
    if _is_array(x):
        if x.dtype.itemsize < 8:
            return _normal_cdf_single(x)
        return (0.5 * (1.0 + erf(x * _INV_SQRT2))).astype(x.dtype, copy=False)
    return NormalCdf.apply(x)


@public("gelu", method=False)
class Gelu(Op):
    """Exact: y = x Phi(x);  dx = g (Phi(x) + x phi(x)), phi the standard normal density.
    approximate='tanh': y = x/2 (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3);
    dx = g (1/2 (1 + t) + x/2 (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)), t = tanh(u).
    """

    __slots__ = ("approximate", "cdf", "gauss")
    label = "gelu"

    @staticmethod
    def arguments(input, approximate="none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(
                f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}.")
        return (input,), {"approximate": approximate}

    def forward(self, x):
        self.save(x)
        if self.approximate == "tanh":
            t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
            return 0.5 * x * (1.0 + t)
        self.gauss = None
        if _is_array(x) and x.dtype.itemsize < 8 and x.ndim:
            xs = x if x.dtype.itemsize == 4 else x.astype(np.float32)  # half: as PyTorch
            y = np.empty_like(xs)
            self.cdf, self.gauss = _cdf_and_gauss_single(xs, out=y)
            return np.multiply(xs, self.cdf, out=y).astype(x.dtype, copy=False)
        self.cdf = _normal_cdf(x)
        return x * self.cdf

    def backward(self, g):
        (x,) = self.saved
        xp = self.xp
        if self.approximate == "tanh":
            x2 = x * x
            t = xp.tanh((x + x2 * x * 0.044715) * _SQRT_2_OVER_PI)
            du = (x2 * (3 * 0.044715) + 1.0) * _SQRT_2_OVER_PI
            return (g * ((t + 1.0) * 0.5 + x * 0.5 * (1.0 - t * t) * du),)
        if _is_array(x):  # in place: one temporary instead of seven
            if self.gauss is not None:  # exp(-x^2 / 2), from the forward; used up here
                d = np.multiply(x, self.gauss, out=self.gauss)
                self.gauss = None  # (a second backward, with retain_graph, recomputes it)
                d *= _INV_SQRT_2PI
                d += self.cdf
                d *= g
                return (d.astype(x.dtype, copy=False),)
            d = np.multiply(x, x, out=np.empty_like(x))  # an array even when 0-d
            d *= -0.5
            np.exp(d, out=d)
            d *= _INV_SQRT_2PI
            d *= x
            d += self.cdf
            d *= g
            return (d,)
        pdf = xp.exp(x * x * -0.5) * _INV_SQRT_2PI
        return (g * (_normal_cdf(x) + x * pdf),)  # recorded under create_graph


@public("silu", method=False)
class Silu(Op):
    """y = x sigmoid(x);  dx = g s (1 + x (1 - s)), s = sigmoid(x)."""

    __slots__ = ()
    label = "silu"

    def forward(self, x):
        self.save(x)
        return x * (0.5 + 0.5 * np.tanh(0.5 * x))

    def backward(self, g):
        (x,) = self.saved
        s = self.xp.tanh(x * 0.5) * 0.5 + 0.5
        return (g * (s * (x * (1.0 - s) + 1.0)),)


@public("elu", method=False)
class Elu(Op):
    """y = x for x > 0, else alpha (exp(x) - 1);  dx = g for x > 0, else g alpha exp(x)."""

    __slots__ = ("alpha",)
    label = "elu"

    @staticmethod
    def arguments(input, alpha=1.0):
        return (input,), {"alpha": float(alpha)}

    def forward(self, x):
        self.save(x)
        neg = np.minimum(x, 0)
        return np.where(x > 0, x, self.alpha * np.expm1(neg)).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved
        xp = self.xp
        pos = x > 0 if _is_array(x) else x._data > 0
        return (xp.where(pos, g, g * xp.exp(xp.minimum(x, 0)) * self.alpha),)


@public("softplus", method=False)
class Softplus(Op):
    """y = log(1 + exp(beta x)) / beta, and y = x where beta x > threshold;
    dx = g sigmoid(beta x) (g where beta x > threshold)."""

    __slots__ = ("beta", "threshold")
    label = "softplus"

    @staticmethod
    def arguments(input, beta=1.0, threshold=20.0):
        return (input,), {"beta": float(beta), "threshold": float(threshold)}

    def forward(self, x):
        self.save(x)
        bx = x * self.beta
        soft = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / self.beta
        return np.where(bx > self.threshold, x, soft).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved
        xp = self.xp
        over = (x if _is_array(x) else x._data) * self.beta > self.threshold
        s = xp.tanh(x * (0.5 * self.beta)) * 0.5 + 0.5
        return (xp.where(over, g, g * s),)


@public("hardtanh", method=False)
class Hardtanh(Op):
    """y = clip(x, min_val, max_val);  dx = g strictly inside (min_val, max_val), else 0."""

    __slots__ = ("min_val", "max_val")
    label = "hardtanh"

    @staticmethod
    def arguments(input, min_val=-1.0, max_val=1.0):
        if min_val > max_val:
            raise ValueError(
                f"hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val}).")
        return (input,), {"min_val": float(min_val), "max_val": float(max_val)}

    def forward(self, x):
        self.save(x)
        return np.clip(x, self.min_val, self.max_val).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved
        xp = self.xp
        v = x if _is_array(x) else x._data
        inside = (v > self.min_val) & (v < self.max_val)
        return (xp.attach(xp.keep_where(inside, g), x),)
