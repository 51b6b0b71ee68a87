"""Vectorised float64 kernels of the special functions NumPy lacks (SciPy is not a
dependency): the modified Bessel functions ``i0``, ``i0e``, ``i1``, ``i1e``, the scaled
complementary error function ``erfcx`` and the normal distribution's ``ndtri`` (inverse CDF)
and ``log_ndtr`` (log CDF). Values at the edges are PyTorch's.

- i0, i1 (and their scaled forms i0e = exp(-|x|) i0, i1e = exp(-|x|) i1): the power series
  sum_k (x^2/4)^k / (k! (k + n)!) (x/2)^n for |x| <= 20, whose terms are all positive (no
  cancellation), and the asymptotic expansion e^x / sqrt(2 pi x) sum_k (-1)^k a_k(n) / x^k
  beyond, truncated at its smallest term (below 1e-17 there). i0(+-inf) and i1(+-inf) are
  NaN, as PyTorch's (Cephes') kernels give; i0e(+-inf) = 0.
- erfcx(x) = exp(x^2) erfc(x): Cody's rational approximations of erfc for x >= 0.5 (which
  compute erfcx first), exp(x^2) (1 - erf(x)) nearer 0, and 2 exp(x^2) - erfcx(-x) for
  negative x (inf below about -26.6).
- log_ndtr(x): log(erfcx(-x/sqrt 2) / 2) - x^2/2 for x < -1, log1p(-erfc(x/sqrt 2) / 2)
  elsewhere (PyTorch's formula).
- ndtri(p): sqrt(2) erfinv(2p - 1) for p in [0.25, 0.75] (2p - 1 is exact there); in the
  tails a rational first guess refined by Newton steps on log_ndtr(x) = log(q), q = min(p, 1 - p)
  (1 - p is exact for p >= 1/2), which keeps full relative accuracy down to 5e-324.
"""

from __future__ import annotations

import math

import numpy as np

from .activations import _erfc_tail, erf

_SERIES_TERMS = 60
_SPLIT = 20.0
_ASYMPTOTIC_TERMS = 45
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT2 = math.sqrt(2.0)
_INV_SQRT2 = math.sqrt(0.5)  # M_SQRT1_2, rounded as PyTorch's constant


def _float64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _series(y: np.ndarray, n: int) -> np.ndarray:
    """sum_k (y^2/4)^k / (k! (k + n)!) (y/2)^n for y >= 0 (n = 0 or 1)."""
    q = y * y * 0.25
    term = np.ones_like(y) if n == 0 else y * 0.5
    total = term.copy()
    for k in range(1, _SERIES_TERMS):
        term = term * q / (k * (k + n))
        total += term
        if k % 8 == 0 and not np.any(term > total * 1e-17):  # every term left is smaller
            break
    return total


def _asymptotic_scaled(y: np.ndarray, n: int) -> np.ndarray:
    """exp(-y) I_n(y) for y >= 20: sum_k (-1)^k prod_{j<=k} (4n^2 - (2j-1)^2) / (j 8y)
    / sqrt(2 pi y), summed until the terms stop decreasing."""
    mu = 4.0 * n * n
    term = np.ones_like(y)
    total = term.copy()
    done = np.zeros(y.shape, bool)
    for k in range(1, _ASYMPTOTIC_TERMS):
        nxt = term * -(mu - (2 * k - 1) ** 2) / (k * 8.0 * y)
        done |= np.abs(nxt) >= np.abs(term)
        term = np.where(done, 0.0, nxt)
        total += term
    return total * _INV_SQRT_2PI / np.sqrt(y)


def _bessel(x, n: int, scaled: bool) -> np.ndarray:
    x = _float64(x)
    y = np.abs(x)
    out = np.empty_like(y)
    with np.errstate(all="ignore"):
        near = y <= _SPLIT
        yn = y[near]
        s = _series(yn, n)
        out[near] = s * np.exp(-yn) if scaled else s
        far = ~near & np.isfinite(y)
        yf = y[far]
        a = _asymptotic_scaled(yf, n)
        out[far] = a if scaled else a * np.exp(yf)  # inf past e^709.78, as PyTorch's
        inf = np.isinf(y)
        out[inf] = 0.0 if scaled else np.nan
        out[np.isnan(y)] = np.nan
    if n == 1:
        out = np.where(x < 0, -out, out)
        out = np.where(x == 0, 0.0, out)  # i1(-0.0) is +0.0, as PyTorch's
    return out


def i0(x) -> np.ndarray:
    """The modified Bessel function of the first kind, order 0."""
    return _bessel(x, 0, False)


def i0e(x) -> np.ndarray:
    """exp(-|x|) i0(x)."""
    return _bessel(x, 0, True)


def i1(x) -> np.ndarray:
    """The modified Bessel function of the first kind, order 1 (odd)."""
    return _bessel(x, 1, False)


def i1e(x) -> np.ndarray:
    """exp(-|x|) i1(x)."""
    return _bessel(x, 1, True)


def _erfcx_positive(y: np.ndarray) -> np.ndarray:
    """erfcx(y) for y >= 0."""
    out = np.empty_like(y)
    near = y < 0.5
    yn = y[near]
    out[near] = np.exp(yn * yn) * (1.0 - erf(yn))
    rest = ~near
    yr = y[rest]
    # Cody's tail is erfcx(y) * exp(-y^2): undo the exp with the same split of y^2
    with np.errstate(all="ignore"):
        tail = _erfcx_tail(yr)
    out[rest] = tail
    return out


def _erfcx_tail(y: np.ndarray) -> np.ndarray:
    """Cody's rational approximation of erfcx for y >= 0.5 (before the exp(-y^2) factor)."""
    from .activations import _C, _D, _P, _Q, _SQRPI

    out = np.empty_like(y)
    mid = y <= 4.0
    ym = y[mid]
    num = _C[8] * ym
    den = ym.copy()
    for i in range(7):
        num = (num + _C[i]) * ym
        den = (den + _D[i]) * ym
    out[mid] = (num + _C[7]) / (den + _D[7])
    far = ~mid
    yf = y[far]
    z = 1.0 / (yf * yf)
    num = _P[5] * z
    den = z.copy()
    for i in range(4):
        num = (num + _P[i]) * z
        den = (den + _Q[i]) * z
    res = z * (num + _P[4]) / (den + _Q[4])
    out[far] = np.where(np.isinf(yf), 0.0, (_SQRPI - res) / yf)
    return out


def _rounded(values: np.ndarray, dtype) -> np.ndarray:
    """``values`` rounded to ``dtype`` (PyTorch's float32 kernels round there), in float64."""
    return values if dtype == np.float64 else values.astype(dtype).astype(np.float64)


def erfcx(x, dtype=np.float64) -> np.ndarray:
    """exp(x^2) erfc(x), without overflow for large positive x (``dtype``: where PyTorch's
    kernel rounds x^2 for negative x)."""
    x = _float64(x)
    flat = x.reshape(-1)
    y = np.abs(flat)
    with np.errstate(all="ignore"):
        pos = _erfcx_positive(np.where(np.isnan(y), 0.0, y))
        neg = flat < 0
        if neg.any():  # erfcx(-y) = 2 exp(y^2) - erfcx(y) (y^2 rounded, as PyTorch's)
            yn = y[neg]
            square = _rounded(yn * yn, dtype)
            pos[neg] = np.where(np.isinf(yn), np.inf, 2.0 * np.exp(square) - pos[neg])
    pos[np.isnan(flat)] = np.nan
    return pos.reshape(x.shape)


def log_ndtr(x) -> np.ndarray:
    """log of the standard normal CDF, accurate far into the lower tail."""
    x = _float64(x)
    t = x * _INV_SQRT2
    out = np.empty_like(x)
    with np.errstate(all="ignore"):
        low = x < -1.0
        tl = t[low]
        out[low] = np.log(erfcx(-tl) * 0.5) - tl * tl
        high = ~low
        th = t[high]
        erfc_h = np.empty_like(th)
        big = np.abs(th) >= 0.5
        erfc_h[~big] = 1.0 - erf(th[~big])
        tb = th[big]
        tail = _erfc_tail(np.abs(tb))
        erfc_h[big] = np.where(tb < 0, 2.0 - tail, tail)
        out[high] = np.log1p(-erfc_h * 0.5)
    return out


# Acklam's rational approximation of the normal quantile in the lower tail (relative error
# about 1e-9): a first guess that the Newton steps below make exact.
_TAIL_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
           -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_TAIL_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
           3.754408661907416e+00)
_CENTRAL_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
              1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_CENTRAL_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
              6.680131188771972e+01, -1.328068155288572e+01)
_P_LOW = 0.02425


def _first_guess(q: np.ndarray) -> np.ndarray:
    """Acklam's approximation of ndtri(q) for 0 < q <= 1/2."""
    with np.errstate(all="ignore"):
        r = np.sqrt(-2.0 * np.log(q))
        num = _TAIL_C[0]
        for c in _TAIL_C[1:]:
            num = num * r + c
        den = _TAIL_D[0]
        for d in _TAIL_D[1:]:
            den = den * r + d
        tail = num / (den * r + 1.0)
        u = q - 0.5
        s = u * u
        num = _CENTRAL_A[0]
        for a in _CENTRAL_A[1:]:
            num = num * s + a
        den = _CENTRAL_B[0]
        for b in _CENTRAL_B[1:]:
            den = den * s + b
        central = u * num / (den * s + 1.0)
    return np.where(q < _P_LOW, tail, central)


def ndtri(p) -> np.ndarray:
    """The inverse of the standard normal CDF: -inf at 0, inf at 1, NaN outside [0, 1]."""
    from .gamma_kernels import erfinv

    p = _float64(p)
    flat = p.reshape(-1)
    out = np.full(flat.shape, np.nan)
    middle = (flat >= 0.25) & (flat <= 0.75)
    out[middle] = _SQRT2 * erfinv(2.0 * flat[middle] - 1.0)
    tails = ((flat > 0) & (flat < 0.25)) | ((flat > 0.75) & (flat < 1))
    if tails.any():
        pt = flat[tails]
        upper = pt > 0.5
        q = np.where(upper, 1.0 - pt, pt)  # exact for p >= 1/2
        x = _first_guess(q)
        log_q = np.log(q)
        for _ in range(2):  # Newton on log Phi(x) = log q: d/dx log Phi = phi / Phi
            with np.errstate(all="ignore"):
                ratio = _mills(x)  # Phi(x) / phi(x)
                x = x - (log_ndtr(x) - log_q) * ratio
        out[tails] = np.where(upper, -x, x)
    out[flat == 0] = -np.inf
    out[flat == 1] = np.inf
    return out.reshape(p.shape)


def _mills(x: np.ndarray) -> np.ndarray:
    """Phi(x) / phi(x) = sqrt(pi / 2) erfcx(-x / sqrt 2), for x <= 0."""
    return math.sqrt(math.pi / 2) * erfcx(-x * _INV_SQRT2)
