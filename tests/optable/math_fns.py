"""Op-table entries of the mathfns ops: asinh/acosh/atanh, sinc, sgn, frac, frexp's mantissa,
fmod, copysign, float_power, logaddexp2, ldexp, nextafter, fmax, fmin, renorm, logcumsumexp,
i0 and tg.special's i0e, i1, i1e, erfcx, ndtri, log_ndtr, entr, xlog1py. The references of the
special functions are scalar loops on Python's math module (series, bisection), independent of
the vectorised kernels."""

from __future__ import annotations

import math

import numpy as np

import tinygraph as tg

from .spec import BINARY_SHAPES, REDUCE_SHAPES, UNARY_SHAPES, OpSpec, _torch, one_axis_for


def _elementwise(fn):
    return lambda *xs: (np.vectorize(lambda *v: fn(*map(float, v)), otypes=[np.float64])(*xs)
                        if np.broadcast(*xs).size else np.zeros(np.broadcast(*xs).shape))


def _bessel_series(x: float, n: int) -> float:
    """I_n(x) = sum_k (x/2)^(2k+n) / (k! (k+n)!) (|x| <= 10: 60 terms are plenty)."""
    term = (x / 2) ** n / math.factorial(n)
    total = term
    for k in range(1, 60):
        term *= (x / 2) ** 2 / (k * (k + n))
        total += term
    return total


def _ndtr(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


def _ndtri(p: float) -> float:
    low, high = -40.0, 40.0
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if _ndtr(mid) < p else (low, mid)
    x = (low + high) / 2
    return x - (_ndtr(x) - p) * math.sqrt(2 * math.pi) * math.exp(x * x / 2)


def _special(name):
    return lambda *xs: getattr(tg.special, name)(*xs)


def _torch_special(name):
    return lambda *xs: getattr(_torch().special, name)(*xs)


def _unary(name, fn, ref, torch_fn, domain, **options):
    return OpSpec(name, fn, ref, torch_fn, 1, UNARY_SHAPES, domains={0: domain}, **options)


def _method(name):
    return lambda x: getattr(x, name)()


def _binary(name, ref, domains=None, **options):
    return OpSpec(name, getattr(tg, name), ref, lambda a, b: getattr(_torch(), name)(a, b), 2,
                  BINARY_SHAPES, domains=domains or {}, broadcasting=True, **options)


def _np_renorm(x, p, dim, maxnorm):
    others = tuple(i for i in range(x.ndim) if i != dim % x.ndim)
    if p == math.inf:
        norm = np.max(np.abs(x), axis=others, keepdims=True)
    else:
        norm = np.sum(np.abs(x) ** p, axis=others, keepdims=True) ** (1 / p)
    return x * np.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)


def _np_logcumsumexp(x, axis):
    return x.copy() if x.ndim == 0 else np.log(np.cumsum(np.exp(x), axis=axis))


OPS = [
    _unary("asinh", tg.asinh, np.arcsinh, _method("asinh"), (-3.0, 3.0)),
    _unary("acosh", tg.arccosh, np.arccosh, _method("acosh"), (1.2, 4.0)),
    _unary("atanh", tg.atanh, np.arctanh, _method("atanh"), (-0.9, 0.9)),
    _unary("sinc", tg.sinc, np.sinc, _method("sinc"), (0.2, 2.5)),
    _unary("sinc_negative", lambda x: x.sinc(), np.sinc, _method("sinc"), (-3.5, -0.3)),
    _unary("sgn", tg.sgn, np.sign, _method("sgn"), (-2.0, 2.0), second_order=False),
    _unary("frac", tg.frac, lambda x: x - np.trunc(x), _method("frac"), (-3.0, 3.0)),
    _unary("frexp", lambda x: tg.frexp(x).mantissa, lambda x: np.frexp(x)[0],
           lambda x: _torch().frexp(x).mantissa, (1.1, 1.9)),
    _unary("frexp_negative", lambda x: x.frexp()[0], lambda x: np.frexp(x)[0],
           lambda x: x.frexp()[0], (-7.5, -4.5)),
    _binary("fmod", np.fmod, {0: (-3.0, 3.0), 1: (0.5, 2.0)}),
    OpSpec("fmod_negative_divisor", tg.fmod, np.fmod, lambda a, b: _torch().fmod(a, b), 2,
           BINARY_SHAPES[:4], domains={0: (-3.0, 3.0), 1: (-2.0, -0.5)}),
    OpSpec("fmod_scalar", lambda x, b: x.fmod(b), lambda x, b: np.fmod(x, b),
           lambda x, b: x.fmod(b), 1, UNARY_SHAPES, kwargs=[{"b": 0.75}, {"b": -1.25}],
           domains={0: (-3.0, 3.0)}),
    _binary("copysign", np.copysign),
    OpSpec("copysign_scalar", lambda x, s: tg.copysign(x, s), lambda x, s: np.copysign(x, s),
           lambda x, s: _torch().copysign(x, s), 1, UNARY_SHAPES, kwargs=[{"s": -1.0},
                                                                         {"s": 2.0}]),
    # float_power computes in float64: cast back to the input's dtype for the float32 case
    # (its float64 result is tested in tests/test_math_functions_more.py)
    OpSpec("float_power", lambda a, b: tg.float_power(a, b).to(a.dtype), np.power,
           lambda a, b: _torch().float_power(a, b), 2, BINARY_SHAPES,
           domains={0: (0.5, 2.0), 1: (-2.0, 2.0)}, broadcasting=True),
    OpSpec("float_power_scalar", lambda x, e: x.float_power(e).to(x.dtype),
           lambda x, e: np.power(x, e),
           lambda x, e: x.float_power(e), 1, UNARY_SHAPES, kwargs=[{"e": 2}, {"e": -1.5}],
           domains={0: (0.5, 2.0)}),
    _binary("logaddexp2", np.logaddexp2, {0: (-3.0, 3.0), 1: (-3.0, 3.0)}),
    _binary("ldexp", lambda a, b: a * 2.0 ** b),
    _binary("nextafter", np.nextafter),
    _binary("fmax", np.fmax),
    _binary("fmin", np.fmin),
    OpSpec("renorm", tg.renorm, _np_renorm,
           lambda x, p, dim, maxnorm: _torch().renorm(x, p, dim, maxnorm), 1,
           [((4, 3),), ((3, 2, 4),)],
           kwargs=lambda shapes: [{"p": p, "dim": d, "maxnorm": 1.5}
                                  for p in (2, 1, 3.0, math.inf)
                                  for d in range(-len(shapes[0]), len(shapes[0]))]),
    OpSpec("logcumsumexp", lambda x, axis: tg.logcumsumexp(x, axis), _np_logcumsumexp,
           lambda x, axis: _torch().logcumsumexp(x, axis), 1, REDUCE_SHAPES,
           kwargs=one_axis_for, domains={0: (-3.0, 3.0)}),
    _unary("i0", tg.i0, np.i0, _method("i0"), (-4.0, 4.0)),
    _unary("special_i0e", _special("i0e"), lambda x: np.i0(x) * np.exp(-np.abs(x)),
           _torch_special("i0e"), (-4.0, 4.0)),
    _unary("special_i1", _special("i1"), _elementwise(lambda x: _bessel_series(x, 1)),
           _torch_special("i1"), (-4.0, 4.0)),
    _unary("special_i1e", _special("i1e"),
           _elementwise(lambda x: _bessel_series(x, 1) * math.exp(-abs(x))),
           _torch_special("i1e"), (-4.0, 4.0)),
    _unary("special_erfcx", _special("erfcx"),
           _elementwise(lambda x: math.exp(x * x) * math.erfc(x)), _torch_special("erfcx"),
           (-2.0, 3.0)),
    _unary("special_ndtri", _special("ndtri"), _elementwise(_ndtri), _torch_special("ndtri"),
           (0.05, 0.95)),
    _unary("special_ndtri_tail", _special("ndtri"), _elementwise(_ndtri),
           _torch_special("ndtri"), (1e-4, 0.02)),
    _unary("special_log_ndtr", _special("log_ndtr"),
           _elementwise(lambda x: math.log(_ndtr(x))), _torch_special("log_ndtr"), (-5.0, 3.0)),
    _unary("special_log_ndtr_tail", _special("log_ndtr"),
           _elementwise(lambda x: math.log(_ndtr(x))), _torch_special("log_ndtr"),
           (-30.0, -10.0)),
    _unary("special_entr", _special("entr"), lambda x: -x * np.log(x), _torch_special("entr"),
           (0.1, 3.0)),
    OpSpec("special_xlog1py", _special("xlog1py"), lambda a, b: a * np.log1p(b),
           _torch_special("xlog1py"), 2, BINARY_SHAPES, domains={1: (-0.5, 2.0)},
           broadcasting=True),
]
