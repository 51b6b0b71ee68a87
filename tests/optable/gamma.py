"""Op-table entries: lgamma, digamma, polygamma and erfinv (ops/gamma.py). Their references are
plain scalar loops written independently of the vectorised kernels (math.lgamma; recurrence and
Euler-Maclaurin sums; bisection on math.erf)."""

from __future__ import annotations

import math

import numpy as np

import tinygraph as tg

from .spec import UNARY_SHAPES, OpSpec, _torch

# B_2j / (2j)!, j = 1..7: the Euler-Maclaurin coefficients
_B_OVER_FACTORIAL = [1 / 12, -1 / 720, 1 / 30240, -1 / 1209600, 1 / 47900160,
                     -691 / 1307674368000, 1 / 74724249600]


def _elementwise(fn):
    return lambda x, **kwargs: np.vectorize(lambda v: fn(float(v), **kwargs),
                                            otypes=[np.float64])(x) if x.size else x.copy()


def _digamma(x: float) -> float:
    if x < 0.5:  # reflection
        return _digamma(1 - x) - math.pi / math.tan(math.pi * x)
    shift = 0.0
    while x < 20:
        shift -= 1 / x
        x += 1
    # psi(x) ~ log x - 1/(2x) - sum_j B_2j / (2j x^2j)
    bernoulli = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66]
    series = sum(b / (2 * j) / x ** (2 * j) for j, b in enumerate(bernoulli, start=1))
    return shift + math.log(x) - 0.5 / x - series


def _trigamma_torch(x: float) -> float:
    """PyTorch's trigamma algorithm (its values are within about 1e-9 of the exact ones, and
    tinygraph matches them)."""
    sign, result = 1.0, 0.0
    if x < 0.5:
        sign = -1.0
        result -= math.pi ** 2 / math.sin(math.pi * x) ** 2
        x = 1 - x
    for _ in range(6):
        result += 1 / (x * x)
        x += 1
    ixx = 1 / (x * x)
    result += (1 + 1 / (2 * x) + ixx * (1 / 6 - ixx * (1 / 30 - ixx / 42))) / x
    return sign * result


def _polygamma(x: float, n: int) -> float:
    """(-1)^(n+1) n! sum_k (x + k)^-(n+1): 30 terms, then the Euler-Maclaurin tail."""
    if n == 0:
        return _digamma(x)
    if n == 1:
        return _trigamma_torch(x)
    s = n + 1
    total = sum((x + k) ** -s for k in range(30))
    a = x + 30
    total += a ** (1 - s) / (s - 1) + 0.5 * a ** -s
    rising = s  # s (s + 1) ... (s + 2j - 2)
    for j, b in enumerate(_B_OVER_FACTORIAL, start=1):
        total += b * rising * a ** (-s - 2 * j + 1)
        rising *= (s + 2 * j - 1) * (s + 2 * j)
    return (-1) ** (n + 1) * math.factorial(n) * total


def _erfinv(y: float) -> float:
    low, high = -6.0, 6.0
    for _ in range(200):
        mid = (low + high) / 2
        if math.erf(mid) < y:
            low = mid
        else:
            high = mid
    x = (low + high) / 2
    return x - (math.erf(x) - y) / (2 / math.sqrt(math.pi) * math.exp(-x * x))


def _unary(name, ref, domain):
    return OpSpec(name, getattr(tg, name.split("_")[0]), ref,
                  lambda x: getattr(x, name.split("_")[0])(), 1, UNARY_SHAPES,
                  domains={0: domain})


OPS = [
    _unary("lgamma", _elementwise(math.lgamma), (0.2, 5.0)),
    _unary("lgamma_negative", _elementwise(math.lgamma), (-2.9, -2.1)),
    _unary("digamma", _elementwise(_digamma), (0.2, 5.0)),
    _unary("digamma_negative", _elementwise(_digamma), (-1.9, -1.1)),
    OpSpec("polygamma", lambda x, n: tg.polygamma(n, x), _elementwise(_polygamma),
           lambda x, n: _torch().polygamma(n, x), 1, UNARY_SHAPES,
           kwargs=[{"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}], domains={0: (0.3, 4.0)}),
    OpSpec("polygamma_method", lambda x, n: x.polygamma(n), _elementwise(_polygamma),
           lambda x, n: x.polygamma(n), 1, UNARY_SHAPES[:3], kwargs=[{"n": 2}],
           domains={0: (-1.8, -1.2)}),
    _unary("erfinv", _elementwise(_erfinv), (-0.9, 0.9)),
    OpSpec("mvlgamma", lambda x, p: tg.mvlgamma(x, p),
           lambda x, p: sum(_elementwise(math.lgamma)(x - i / 2) for i in range(p))
           + math.log(math.pi) * p * (p - 1) / 4,
           lambda x, p: _torch().mvlgamma(x, p), 1, UNARY_SHAPES,
           kwargs=[{"p": 1}, {"p": 3}], domains={0: (1.2, 4.0)}),
]


def _igamma_scalar(a: float, x: float, upper: bool = False) -> float:
    """P(a, x) (or Q) by the plain series for x < a + 1, else by Lentz's evaluation of the
    continued fraction of Q: written independently of the vectorised kernels."""
    log_prefactor = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = total = 1 / a
        n = 0
        while abs(term) > 1e-17 * abs(total):
            n += 1
            term *= x / (a + n)
            total += term
        p = total * math.exp(log_prefactor)
        return 1 - p if upper else p
    b = x + 1 - a
    c, d = 1e300, 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = 1 / (an * d + b)
        c = b + an / c
        h *= d * c
        if abs(d * c - 1) < 1e-17:
            break
    q = h * math.exp(log_prefactor)
    return q if upper else 1 - q


def _igamma_ref(upper):
    def ref(x, a):
        return np.vectorize(lambda u, v: _igamma_scalar(float(v), float(u), upper),
                            otypes=[np.float64])(x, a) if x.size else x.copy()
    return ref


def _shape_a(shapes):  # the shape parameter a: a constant of the op (no gradient in torch)
    (shape,) = shapes
    return [{"a": np.linspace(0.4, 4.0, int(np.prod(shape))).reshape(shape)}]


OPS += [
    OpSpec(f"igamma{suffix}", lambda x, a, fn=fn: fn(tg.tensor(a, dtype=x.dtype), x),
           _igamma_ref(upper),
           lambda x, a, name=name: getattr(_torch(), name)(
               _torch().tensor(a, dtype=x.dtype), x),
           1, UNARY_SHAPES, kwargs=_shape_a, domains={0: (0.1, 6.0)})
    for suffix, name, fn, upper in [("", "igamma", tg.igamma, False),
                                    ("c", "igammac", tg.igammac, True)]
]
