"""Op-table entries: exp2/expm1/log2/log10/log1p, rsqrt/square/reciprocal, erf, the
trigonometric and hyperbolic functions, rounding (zero gradient), remainder, lerp."""

from __future__ import annotations

import math

import numpy as np

import tinygraph as tg

from .spec import BINARY_SHAPES, UNARY_SHAPES, OpSpec, _torch


def _unary(name, ref, domain=None, torch_name=None, **options):
    return OpSpec(name, getattr(tg, name), ref,
                  lambda x: getattr(x, torch_name or name)(), 1, UNARY_SHAPES,
                  domains={0: domain} if domain else {}, **options)


_erf = np.vectorize(math.erf, otypes=[np.float64])  # the reference only: a loop is fine here


def _np_round(x, decimals=0):
    if decimals >= 0:
        return np.rint(x * 10.0**decimals) / 10.0**decimals
    return np.rint(x / 10.0**-decimals) * 10.0**-decimals


def _np_lerp(a, b, w):
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


LERP_SHAPES = [((), (), ()), ((3,), (3,), (3,)), ((2, 3), (3,), (2, 1)), ((2, 1), (1, 3), ()),
               ((0, 3), (3,), (1,))]

OPS = [
    _unary("exp2", np.exp2),
    _unary("expm1", np.expm1),
    _unary("log2", np.log2, (0.1, 5.0)),
    _unary("log10", np.log10, (0.1, 5.0)),
    _unary("log1p", np.log1p, (-0.5, 3.0)),
    _unary("rsqrt", lambda x: 1 / np.sqrt(x), (0.2, 4.0)),
    _unary("square", np.square),
    _unary("reciprocal", np.reciprocal, (0.5, 3.0)),
    _unary("erf", _erf, (-3.0, 3.0)),
    _unary("sin", np.sin, (-4.0, 4.0)),
    _unary("cos", np.cos, (-4.0, 4.0)),
    _unary("tan", np.tan, (-1.2, 1.2)),
    _unary("asin", np.arcsin, (-0.9, 0.9)),
    _unary("acos", np.arccos, (-0.9, 0.9)),
    _unary("atan", np.arctan, (-3.0, 3.0)),
    _unary("sinh", np.sinh),
    _unary("cosh", np.cosh),
    OpSpec("atan2", tg.atan2, np.arctan2, lambda a, b: _torch().atan2(a, b), 2, BINARY_SHAPES,
           domains={1: (0.3, 2.0)}, broadcasting=True),
    OpSpec("atan2_left_half_plane", tg.atan2, np.arctan2, lambda a, b: _torch().atan2(a, b), 2,
           BINARY_SHAPES[:4], domains={0: (0.2, 2.0), 1: (-2.0, -0.3)}),
    _unary("floor", np.floor, second_order=False),
    _unary("ceil", np.ceil, second_order=False),
    _unary("trunc", np.trunc, second_order=False),
    _unary("sign", np.sign, second_order=False),
    OpSpec("round", tg.round, _np_round, lambda x, decimals=0: x.round(decimals=decimals), 1,
           UNARY_SHAPES, kwargs=[{}, {"decimals": 1}, {"decimals": -1}],
           domains={0: (-30.0, 30.0)}, second_order=False),
    OpSpec("remainder", tg.remainder, np.remainder, lambda a, b: a % b, 2, BINARY_SHAPES,
           domains={0: (-3.0, 3.0), 1: (0.5, 2.0)}, broadcasting=True),
    OpSpec("remainder_negative_divisor", lambda a, b: a % b, np.remainder,
           lambda a, b: a % b, 2, BINARY_SHAPES[:4], domains={0: (-3.0, 3.0),
                                                              1: (-2.0, -0.5)}),
    OpSpec("rmod", lambda x, a: a % x, lambda x, a: np.remainder(a, x),
           lambda x, a: _torch().full_like(x, a) % x, 1,  # torch's `a % x` has no derivative
           UNARY_SHAPES, kwargs=[{"a": 5.0}, {"a": -2.5}], domains={0: (0.4, 2.0)}),
    OpSpec("lerp", tg.lerp, _np_lerp, lambda a, b, w: _torch().lerp(a, b, w), 3, LERP_SHAPES,
           domains={2: (-0.5, 1.5)}, broadcasting=True),
    OpSpec("lerp_scalar_weight", lambda a, b, w: a.lerp(b, w), lambda a, b, w: _np_lerp(a, b, w),
           lambda a, b, w: a.lerp(b, w), 2, BINARY_SHAPES[:4],
           kwargs=[{"w": 0.25}, {"w": 0.75}, {"w": 1.0}]),
]
