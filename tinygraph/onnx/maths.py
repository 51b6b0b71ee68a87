"""ONNX mappings of the math ops of issue 17 (merged into ``table.MAPPINGS``): max/min over a
dim, prod, std, norm, cumsum, cumprod; exp2 ... erf, the trigonometric functions, rounding,
floor_divide, remainder, lerp.

ONNX has no Exp2, Expm1, Log2, Log10, Log1p, Rsqrt, Atan2, Trunc, CumProd or float Mod: they
are composed from ops it has. ONNX Runtime's CPU kernels of Asin, Acos, Atan and Erf are
float32 only, so a float64 graph computes those four in float32 (about 1e-7 relative); Tan,
Sinh and Cosh are composed from Sin, Cos and Exp, which run in float64.
"""

from __future__ import annotations

import math

import numpy as np

from ..ops import explog, extrema, norms, reduce, rounding, scan, trig
from .table import elementwise, reduction, var


def _in(g, node, *xs):
    """The inputs in the node's output dtype (ONNX refuses mixed operands)."""
    return [g.cast(x, node.dtype) for x in xs]


def composed(build):
    """A mapping from ``build(g, c, *xs)``: ``xs`` the inputs in the output dtype, ``c(v)`` a
    constant in that dtype."""

    def mapping(g, node, *inputs):
        return build(g, lambda v: g.const(v, node.dtype), *_in(g, node, *inputs))

    mapping.__name__ = build.__name__
    return mapping


def in_float32(onnx_op: str):
    """One ONNX op whose ONNX Runtime kernel is float32 only: float64 goes through float32."""

    def mapping(g, node, x):
        x = g.cast(x, node.dtype)
        if node.dtype == np.float32:
            return g.op(onnx_op, x)
        return g.cast(g.op(onnx_op, g.cast(x, np.float32), dtype=np.float32), node.dtype)

    mapping.__name__ = onnx_op
    return mapping


def _cos(g, x, dtype):
    """Cos, or in float64 Sin(x + pi/2): ONNX Runtime before 1.24 (the last releases for
    Python 3.10) has no float64 Cos kernel, and the shifted Sin is exact to rounding."""
    if dtype == np.float32:
        return g.op("Cos", x)
    return g.op("Sin", g.op("Add", x, g.const(math.pi / 2, dtype)))


def cos(g, node, x):
    return _cos(g, g.cast(x, node.dtype), node.dtype)


def tan(g, node, x):
    x = g.cast(x, node.dtype)
    return g.op("Div", g.op("Sin", x), _cos(g, x, node.dtype))


def _exp_pair(g, x):
    return g.op("Exp", x), g.op("Exp", g.op("Neg", x))


def sinh(g, c, x):
    plus, minus = _exp_pair(g, x)
    return g.op("Mul", g.op("Sub", plus, minus), c(0.5))


def cosh(g, c, x):
    plus, minus = _exp_pair(g, x)
    return g.op("Mul", g.op("Add", plus, minus), c(0.5))


def atan2(g, node, a, b):
    """atan(a / b), moved by +-pi where b < 0 (to the side of a's sign)."""
    a, b = _in(g, node, a, b)
    zero = g.const(0, node.dtype)
    base = in_float32("Atan")(g, node, g.op("Div", a, b))
    turn = g.op("Where", g.op("Less", a, zero, dtype=bool), g.const(-math.pi, node.dtype),
                g.const(math.pi, node.dtype))
    return g.op("Where", g.op("Less", b, zero, dtype=bool), g.op("Add", base, turn), base)


def round_(g, node, x):
    if node.dtype.kind != "f":
        return g.op("Identity", x)
    if node.decimals == 0:
        return g.op("Round", x)
    if node.decimals > 0:
        scale = g.const(10.0 ** node.decimals, node.dtype)
        return g.op("Div", g.op("Round", g.op("Mul", x, scale)), scale)
    scale = g.const(10.0 ** -node.decimals, node.dtype)
    return g.op("Mul", g.op("Round", g.op("Div", x, scale)), scale)


def step(onnx_op: str):
    """Floor, Ceil: integers pass unchanged."""

    def mapping(g, node, x):
        return g.op("Identity", x) if node.dtype.kind != "f" else g.op(onnx_op, x)

    mapping.__name__ = onnx_op
    return mapping


def trunc(g, node, x):
    if node.dtype.kind != "f":
        return g.op("Identity", x)
    negative = g.op("Less", x, g.const(0, node.dtype), dtype=bool)
    return g.op("Where", negative, g.op("Ceil", x), g.op("Floor", x))


def remainder(g, node, a, b):
    """Integers: Mod (the divisor's sign). Floats: fmod, plus b where its sign differs from
    b's (ONNX allows only fmod for floats), as PyTorch computes it."""
    a, b = _in(g, node, a, b)
    if node.dtype.kind != "f":
        return g.op("Mod", a, b, fmod=0)
    mod = g.op("Mod", a, b, fmod=1)
    zero = g.const(0, node.dtype)
    differs = g.op("Xor", g.op("Less", mod, zero, dtype=bool),
                   g.op("Less", b, zero, dtype=bool), dtype=bool)
    fix = g.op("And", differs, g.op("Not", g.op("Equal", mod, zero, dtype=bool), dtype=bool),
               dtype=bool)
    return g.op("Where", fix, g.op("Add", mod, b), mod)


def floor_divide(g, node, a, b):
    """Floats: Floor(a / b). Integers: (a - a mod b) / b, exact (ONNX's Div truncates)."""
    a, b = _in(g, node, a, b)
    if node.dtype.kind == "f":
        return g.op("Floor", g.op("Div", a, b))
    return g.op("Div", g.op("Sub", a, g.op("Mod", a, b, fmod=0)), b)


def div_rounded(g, node, a, b):
    """``div(a, b, rounding_mode=...)``: floor as ``//``; trunc as ONNX's integer Div, or a
    float Div truncated."""
    if node.mode == "floor":
        return floor_divide(g, node, a, b)
    quotient = g.op("Div", *_in(g, node, a, b))
    return trunc(g, node, quotient) if node.dtype.kind == "f" else quotient


def lerp(g, node, a, b, w):
    """a + w (b - a) where |w| < 0.5, else b - (b - a)(1 - w), as PyTorch."""
    a, b, w = _in(g, node, a, b, w)
    diff = g.op("Sub", b, a)
    low = g.op("Add", a, g.op("Mul", w, diff))
    high = g.op("Sub", b, g.op("Mul", diff, g.op("Sub", g.const(1, node.dtype), w)))
    near_a = g.op("Less", g.op("Abs", w), g.const(0.5, node.dtype), dtype=bool)
    return g.op("Where", near_a, low, high)


def clamp_bounds(g, node, x, *bounds):
    """Max with the lower bound, then Min with the upper (tensors, broadcast)."""
    x, *bounds = _in(g, node, x, *bounds)
    if node.has_min:
        x = g.op("Max", x, bounds[0])
    if node.has_max:
        x = g.op("Min", x, bounds[-1])
    return x


def p_norm(g, node, x):
    """sum(|x|**p) ** (1/p) over the node's axes."""
    axes = node.axis if g.input_shape(node, 0) else None
    powered = g.op("Pow", g.op("Abs", x), g.const(node.p, node.dtype))
    total = g.reduce("ReduceSum", powered, axes, node.keepdims)
    return g.op("Pow", total, g.const(1 / node.p, node.dtype))


def std(g, node, x):
    return g.op("Sqrt", var(g, node, x))


def cumsum(g, node, x):
    if not g.input_shape(node, 0):  # a 0-d tensor: itself
        return g.op("Identity", x)
    return g.op("CumSum", x, g.const(node.axis, np.int64))


def cumprod(g, node, x):
    """ONNX has no CumProd: y_i = prod_j where(j <= i, x_j, 1), a ReduceProd over a lower
    triangle (n x n values for an axis of length n; the axis is moved last and back)."""
    shape = g.input_shape(node, 0)
    if not shape:
        return g.op("Identity", x)
    n, last = shape[node.axis], len(shape) - 1
    perm = list(range(len(shape)))
    perm[node.axis], perm[last] = last, node.axis
    moved = x if node.axis == last else g.op("Transpose", x, perm=perm)
    rows = g.op("Unsqueeze", moved, g.ints([len(shape) - 1]))  # (..., 1, n)
    lower = g.const(np.tril(np.ones((n, n), dtype=bool)))
    spread = g.op("Where", lower, rows, g.const(1, node.dtype))  # (..., n, n)
    y = g.reduce("ReduceProd", spread, [len(shape)], False)
    return y if node.axis == last else g.op("Transpose", y, perm=perm)


MAPPINGS = {
    explog.Exp2: composed(lambda g, c, x: g.op("Pow", c(2.0), x)),
    explog.Expm1: composed(lambda g, c, x: g.op("Sub", g.op("Exp", x), c(1.0))),
    explog.Log2: composed(lambda g, c, x: g.op("Div", g.op("Log", x), c(math.log(2.0)))),
    explog.Log10: composed(lambda g, c, x: g.op("Div", g.op("Log", x), c(math.log(10.0)))),
    explog.Log1p: composed(lambda g, c, x: g.op("Log", g.op("Add", c(1.0), x))),
    explog.Rsqrt: composed(lambda g, c, x: g.op("Reciprocal", g.op("Sqrt", x))),
    explog.Reciprocal: elementwise("Reciprocal"),
    explog.Square: composed(lambda g, c, x: g.op("Mul", x, x)),
    explog.Erf: in_float32("Erf"),
    trig.Sin: elementwise("Sin"),
    trig.Cos: cos,
    trig.Tan: tan,
    trig.Asin: in_float32("Asin"),
    trig.Acos: in_float32("Acos"),
    trig.Atan: in_float32("Atan"),
    trig.Atan2: atan2,
    trig.Sinh: composed(sinh),
    trig.Cosh: composed(cosh),
    rounding.Floor: step("Floor"),
    rounding.Ceil: step("Ceil"),
    rounding.Trunc: trunc,
    rounding.Round: round_,
    rounding.Sign: lambda g, node, x: g.op("Sign", x),
    rounding.FloorDivide: floor_divide,
    rounding.Remainder: remainder,
    rounding.Lerp: lerp,
    rounding.DivRounded: div_rounded,
    rounding.ClampBounds: clamp_bounds,
    extrema.MaxDim: reduction("ReduceMax"),
    extrema.MinDim: reduction("ReduceMin"),
    reduce.Std: std,
    scan.Prod: reduction("ReduceProd"),
    scan.CumSum: cumsum,
    scan.CumProd: cumprod,
    norms.Norm: reduction("ReduceL2"),
    norms.PNorm: p_norm,
}
