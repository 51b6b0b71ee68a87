"""Op-table entries: arithmetic and elementwise functions."""

from __future__ import annotations

import numpy as np

import tinygraph as tg

from .spec import (
                   BINARY_SHAPES,
                   UNARY_SHAPES,
                   OpSpec,
                   _torch,
)

OPS = [
    OpSpec("add", tg.add, np.add, lambda a, b: a + b, 2, BINARY_SHAPES, broadcasting=True),
    OpSpec("sub", tg.sub, np.subtract, lambda a, b: a - b, 2, BINARY_SHAPES,
           broadcasting=True),
    # alpha= (PyTorch's input + alpha * other); the default 2.5 is what hypothesis draws with
    OpSpec("add_alpha", lambda a, b, alpha=2.5: tg.add(a, b, alpha=alpha),
           lambda a, b, alpha=2.5: a + alpha * b,
           lambda a, b, alpha=2.5: _torch().add(a, b, alpha=alpha), 2, BINARY_SHAPES,
           kwargs=[{"alpha": 2.5}, {"alpha": -1}], broadcasting=True),
    OpSpec("sub_alpha", lambda a, b, alpha=0.5: tg.sub(a, b, alpha=alpha),
           lambda a, b, alpha=0.5: a - alpha * b,
           lambda a, b, alpha=0.5: _torch().sub(a, b, alpha=alpha), 2, BINARY_SHAPES,
           kwargs=[{"alpha": 0.5}], broadcasting=True),
    OpSpec("mul", tg.mul, np.multiply, lambda a, b: a * b, 2, BINARY_SHAPES,
           broadcasting=True),
    OpSpec("div", tg.div, np.divide, lambda a, b: a / b, 2, BINARY_SHAPES,
           domains={1: (0.5, 2.0)}, broadcasting=True),
    # rounding_mode: the quotient rounded, a zero gradient (PyTorch's)
    OpSpec("div_trunc", lambda a, b: tg.div(a, b, rounding_mode="trunc"),
           lambda a, b: np.trunc(a / b),
           lambda a, b: _torch().div(a, b, rounding_mode="trunc"), 2, BINARY_SHAPES,
           domains={0: (-4.0, 4.0), 1: (0.5, 2.0)}),
    OpSpec("div_floor", lambda a, b: tg.div(a, b, rounding_mode="floor"), np.floor_divide,
           lambda a, b: _torch().div(a, b, rounding_mode="floor"), 2, BINARY_SHAPES,
           domains={0: (-4.0, 4.0), 1: (-2.0, -0.5)}),
    OpSpec("pow", tg.pow, np.power, lambda a, b: a**b, 2, BINARY_SHAPES,
           domains={0: (0.5, 2.0)}, broadcasting=True),
    OpSpec("pow_scalar", lambda x, p: tg.pow(x, p), lambda x, p: np.power(x, p),
           lambda x, p: x**p, 1, UNARY_SHAPES,
           kwargs=[{"p": 2}, {"p": 3}, {"p": 0.5}, {"p": -1.5}, {"p": 0}, {"p": 1}],
           domains={0: (0.5, 2.0)}),
    OpSpec("pow_int_negative_base", lambda x, p: x**p, lambda x, p: np.power(x, p),
           lambda x, p: x**p, 1, UNARY_SHAPES, kwargs=[{"p": 2}, {"p": 3}],
           domains={0: (-2.0, -0.5)}),
    OpSpec("rpow", lambda x, base: base**x, lambda x, base: np.power(base, x),
           lambda x, base: base**x, 1, UNARY_SHAPES, kwargs=[{"base": 2.0}, {"base": 0.5}]),
    OpSpec("neg", tg.neg, np.negative, lambda x: -x, 1, UNARY_SHAPES),
    OpSpec("maximum", tg.maximum, np.maximum, lambda a, b: _torch().maximum(a, b), 2,
           BINARY_SHAPES, broadcasting=True),
    OpSpec("minimum", tg.minimum, np.minimum, lambda a, b: _torch().minimum(a, b), 2,
           BINARY_SHAPES, broadcasting=True),
    OpSpec("matmul", tg.matmul, np.matmul, lambda a, b: a @ b, 2, [
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3, 4)),
        ((2, 2, 3), (3, 4)),
        ((3,), (2, 3, 4)),
        ((2, 3, 4), (4,)),
        ((2, 1, 2, 3), (4, 3, 2)),   # batch axes broadcast both ways: (2, 4)
        ((0, 3), (3, 2)),
    ]),
    OpSpec("exp", tg.exp, np.exp, lambda x: x.exp(), 1, UNARY_SHAPES),
    OpSpec("log", tg.log, np.log, lambda x: x.log(), 1, UNARY_SHAPES,
           domains={0: (0.1, 5.0)}),
    OpSpec("sqrt", tg.sqrt, np.sqrt, lambda x: x.sqrt(), 1, UNARY_SHAPES,
           domains={0: (0.1, 5.0)}),
    OpSpec("abs", tg.abs, np.abs, lambda x: x.abs(), 1, UNARY_SHAPES),
    OpSpec("clip", tg.clip, lambda x, min=None, max=None: np.clip(x, min, max),
           lambda x, min=None, max=None: x.clamp(min, max), 1, UNARY_SHAPES,
           kwargs=[{"min": -0.5, "max": 0.7}, {"min": -1.0}, {"max": 0.25}]),
    # Tensor bounds that require grad (a composite of where: min and max get gradients too);
    # the domains keep min < max and away from x's kinks
    OpSpec("clamp_tensor_bounds", lambda x, lo, hi: x.clamp(lo, hi), np.clip,
           lambda x, lo, hi: x.clamp(lo, hi), 3,
           [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), ()), ((4,), (), (4,))],
           domains={1: (-1.5, -0.2), 2: (0.2, 1.5)}),
    OpSpec("clamp_tensor_min", lambda x, lo: tg.clamp(x, min=lo), np.maximum,
           lambda x, lo: x.clamp(min=lo), 2, [((2, 3), (2, 3)), ((2, 3), (3,))]),
    OpSpec("relu", tg.relu, lambda x: np.maximum(x, 0), lambda x: x.relu(), 1, UNARY_SHAPES),
    OpSpec("sigmoid", tg.sigmoid, lambda x: 1 / (1 + np.exp(-x)), lambda x: x.sigmoid(), 1,
           UNARY_SHAPES, domains={0: (-6.0, 6.0)}),
    OpSpec("tanh", tg.tanh, np.tanh, lambda x: x.tanh(), 1, UNARY_SHAPES),
    OpSpec("astype", tg.astype, lambda x, dtype: x.astype(dtype),
           lambda x, dtype: x.to(_torch().float64), 1, UNARY_SHAPES,
           kwargs=[{"dtype": np.float64}]),
]
