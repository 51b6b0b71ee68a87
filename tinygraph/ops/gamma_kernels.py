"""Vectorised float64 kernels of the gamma-family functions and erfinv, which NumPy lacks
(SciPy is not a dependency): ``lgamma``, ``digamma``, ``polygamma`` (through the Hurwitz zeta
function) and ``erfinv``. Each follows the algorithm PyTorch's CPU kernels use, so values,
poles and edges are PyTorch's:

- lgamma: the recurrence up to x >= 10, then Stirling's series; reflection for x < 0.
  lgamma(0) = lgamma(-n) = inf, lgamma(+-inf) = inf.
- digamma: the recurrence up to x >= 10, then the asymptotic series (Cephes' coefficients);
  reflection psi(x) = psi(1 - x) - pi / tan(pi x) for x < 0. digamma(0) = -inf,
  digamma(-0.0) = inf, digamma(-n) = NaN.
- polygamma(1, x): PyTorch's trigamma (its values: about 1e-9 from the exact ones).
- polygamma(n, x), n >= 2: (-1)^(n+1) n! zeta(n + 1, x), the Hurwitz zeta function by Cephes'
  Euler-Maclaurin summation (PyTorch's ``zeta``).
- erfinv: a rational initial guess and two Newton steps on erf; erfinv(+-1) = +-inf, NaN
  outside [-1, 1].
"""

from __future__ import annotations

import math

import numpy as np

from .activations import erf

_EPS = np.finfo(np.float64).eps
# Stirling's series: lgamma(w) ~ (w - 1/2) log w - w + log(2 pi) / 2 + sum_k c_k / w^(2k-1),
# c_k = B_2k / (2k (2k - 1)).
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156,
             -3617 / 122400)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_PSI_10 = 2.25175258906672110764
_DIGAMMA_A = (8.33333333333333333333e-2, -2.10927960927960927961e-2, 7.57575757575757575758e-3,
              -4.16666666666666666667e-3, 3.96825396825396825397e-3, -8.33333333333333333333e-3,
              8.33333333333333333333e-2)
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
           7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
           -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)


def _float64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def lgamma(x) -> np.ndarray:
    """log |Gamma(x)| of a float array, elementwise."""
    x = _float64(x)
    with np.errstate(all="ignore"):
        neg = x < 0
        w = np.where(neg, 1.0 - x, x)  # >= 0 (or inf/NaN)
        prod = np.ones_like(w)
        for _ in range(10):  # lgamma(w) = lgamma(w + 1) - log w, up to w >= 10
            low = w < 10
            prod = np.where(low, prod * w, prod)
            w = np.where(low, w + 1.0, w)
        inv = 1.0 / w
        inv2 = inv * inv
        series = _STIRLING[-1]
        for c in _STIRLING[-2::-1]:
            series = series * inv2 + c
        out = (w - 0.5) * np.log(w) - w + _HALF_LOG_2PI + series * inv - np.log(prod)
        out = np.where(np.isinf(w), np.inf, out)
        near = (np.abs(x - 1) < 0.3) | (np.abs(x - 2) < 0.3)
        if near.any():  # near the zeros 1 and 2, where the recurrence would cancel
            out[near] = _lgamma_near_roots(x[near])
        # reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x), sin(pi x) reduced
        r = x - np.round(x)
        reflected = np.log(math.pi / np.abs(np.sin(math.pi * r))) - out
        return np.where(neg, np.where(np.isinf(x), np.inf, reflected), out)


def _lgamma_near_roots(x: np.ndarray) -> np.ndarray:
    """lgamma(1 + e) = -gamma e + sum_k (-1)^k zeta(k) e^k / k for |e| < 0.3, and
    lgamma(2 + e) = lgamma(1 + e) + log1p(e): exact zeros at 1 and 2, full relative accuracy."""
    e = np.where(x > 1.5, x - 2, x - 1)
    series = np.zeros_like(e)
    for k in range(len(_ZETA_INTEGERS) + 1, 1, -1):
        series = (series + (-1) ** k * _ZETA_INTEGERS[k - 2] / k) * e
    series = (series - _EULER_GAMMA) * e
    return np.where(x > 1.5, series + np.log1p(e), series) + 0.0  # +0.0: lgamma(1) = 0.0


def _polevl(z, coefficients):
    out = coefficients[0]
    for c in coefficients[1:]:
        out = out * z + c
    return out


def digamma(x) -> np.ndarray:
    """psi(x) = d/dx lgamma(x) of a float array, elementwise."""
    x = _float64(x)
    with np.errstate(all="ignore"):
        neg = x < 0
        reflect = np.where(neg, -math.pi / np.tan(math.pi * (x - np.trunc(x))), 0.0)
        w = np.where(neg, 1.0 - x, x)
        result = np.zeros_like(w)
        for _ in range(10):  # psi(w) = psi(w + 1) - 1 / w, up to w >= 10
            low = w < 10
            result = np.where(low, result - 1.0 / w, result)
            w = np.where(low, w + 1.0, w)
        z = 1.0 / (w * w)
        tail = np.where(w < 1e17, z * _polevl(z, _DIGAMMA_A), 0.0)
        out = np.where(w == 10, result + _PSI_10, result + np.log(w) - 0.5 / w - tail)
        out = out + reflect
        out = np.where(neg & (x == np.trunc(x)), np.nan, out)  # negative integers, -inf
        return np.where(x == 0, np.copysign(np.inf, -x), out)


def zeta(s: float, q) -> np.ndarray:
    """The Hurwitz zeta function sum_k (q + k)^-s for a float s > 1, elementwise in q."""
    q = _float64(q)
    shape, q = q.shape, q.reshape(-1)
    with np.errstate(all="ignore"):
        total = q ** -s
        a = q.copy()
        b = np.zeros_like(q)
        done = ~np.isfinite(q) | (q <= 0) & (q == np.floor(q))
        live = np.flatnonzero(~done)
        i = 0
        while live.size:  # direct sum while i < 9 or a <= 9, on the elements still summing
            i += 1
            a[live] += 1.0
            b[live] = a[live] ** -s
            total[live] += b[live]
            converged = np.abs(b[live] / total[live]) < _EPS
            done[live[converged]] = True
            live = live[~converged]
            if i >= 9:
                live = live[a[live] <= 9]
        w = a
        live = ~done
        total = np.where(live, total + b * w / (s - 1) - 0.5 * b, total)
        factor, k = 1.0, 0.0
        for coefficient in _ZETA_A:  # Euler-Maclaurin correction
            factor *= s + k
            b = b / w
            t = factor * b / coefficient
            total = np.where(live, total + t, total)
            live &= ~(np.abs(t / total) < _EPS)
            k += 1.0
            factor *= s + k
            b = b / w
            k += 1.0
        total = np.where(q == np.inf, np.nan, total)  # Cephes' (and PyTorch's) value
        total = np.where((q <= 0) & (q == np.floor(q)), np.inf, total)
        return total.reshape(shape)


def _trigamma(x: np.ndarray) -> np.ndarray:
    """psi'(x) as PyTorch computes it (six recurrence steps, a short asymptotic series;
    reflection below 1/2): within about 1e-9 of the exact value, and equal to PyTorch's."""
    with np.errstate(all="ignore"):
        low = x < 0.5
        result = np.where(low, -(math.pi * math.pi) / np.sin(math.pi * x) ** 2, 0.0)
        x = np.where(low, 1.0 - x, x)
        for _ in range(6):
            result = result + 1.0 / (x * x)
            x = x + 1.0
        ixx = 1.0 / (x * x)
        result = result + (1 + 1 / (2 * x) + ixx * (1 / 6 - ixx * (1 / 30 - ixx / 42))) / x
        return np.where(low, -result, result)


_EULER_GAMMA = 0.57721566490153286061
_ZETA_INTEGERS = [float(zeta(float(k), np.array(1.0))) for k in range(2, 34)]  # zeta(2..33)


def polygamma(n: int, x) -> np.ndarray:
    """psi^(n)(x), the n-th derivative of digamma, elementwise."""
    if n == 0:
        return digamma(x)
    if n == 1:
        return _trigamma(_float64(x))
    sign = 1.0 if n % 2 else -1.0
    with np.errstate(over="ignore"):  # inf near the poles, silently as torch
        return sign * math.exp(math.lgamma(n + 1.0)) * zeta(n + 1.0, x)


_ERFINV_A = (0.886226899, -1.645349621, 0.914624893, -0.140543331)
_ERFINV_B = (-2.118377725, 1.442710462, -0.329097515, 0.012229801)
_ERFINV_C = (-1.970840454, -1.624906493, 3.429567803, 1.641345311)
_ERFINV_D = (3.543889200, 1.637067800)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def erfinv(y) -> np.ndarray:
    """The inverse of erf on [-1, 1], elementwise: erf(erfinv(y)) = y."""
    y = _float64(y)
    a, b, c, d = _ERFINV_A, _ERFINV_B, _ERFINV_C, _ERFINV_D
    with np.errstate(all="ignore"):
        ay = np.abs(y)
        z = y * y
        num = ((a[3] * z + a[2]) * z + a[1]) * z + a[0]
        den = (((b[3] * z + b[2]) * z + b[1]) * z + b[0]) * z + 1.0
        central = y * num / den
        t = np.sqrt(-np.log((1.0 - ay) / 2.0))
        num = ((c[3] * t + c[2]) * t + c[1]) * t + c[0]
        den = (d[1] * t + d[0]) * t + 1.0
        x = np.where(ay <= 0.7, central, np.copysign(num, y) / den)
        finite = ay < 1
        x = np.where(finite, x, 0.0)
        for _ in range(2):  # Newton steps on erf(x) = y
            x = x - (erf(x) - y) / (_TWO_OVER_SQRT_PI * np.exp(-x * x))
        x = np.where(ay == 1, np.copysign(np.inf, y), x)
        return np.where((ay > 1) | np.isnan(y), np.nan, x)
