"""ONNX mappings of the mathfns ops (merged into ``table.MAPPINGS``): Asinh, Acosh, Atanh
(ONNX Runtime's kernels are float32 only, so a float64 graph computes them in float32), sinc
from Sin, fmod as ``Mod(fmod=1)``, fmax/fmin as Max/Min that skip NaN, logaddexp2 composed.

ONNX has no copysign (its sign bit of -0.0 and NaN), nextafter, frexp, running log-sum-exp,
Bessel functions, erfcx, ndtri, log_ndtr, entr or xlog1py, and no random Poisson draws:
those ops are refused by name.
"""

from __future__ import annotations

import math

from ..ops import binary_fns, math_fns, scan_fns, special_ops
from .errors import unsupported
from .maths import _in, composed, in_float32


def refused(g, node, *inputs):
    raise unsupported(node, f"ONNX has no {node.label} op (nor the functions to compose it "
                            "from exactly); export the model without it, or compute it outside "
                            "the exported part and pass it as an input.")


def renorm_factor(g, node, n):
    """Where(n > maxnorm, maxnorm / (n + 1e-7), 1)."""
    c = lambda v: g.const(v, node.dtype)  # noqa: E731
    n = g.cast(n, node.dtype)
    big = g.op("Greater", n, c(node.maxnorm), dtype=bool)
    return g.op("Where", big, g.op("Div", c(node.maxnorm), g.op("Add", n, c(1e-7))), c(1.0))


def sinc(g, c, x):
    """Sin(pi x) / (pi x), 1 where x = 0."""
    px = g.op("Mul", x, c(math.pi))
    zero = g.op("Equal", x, c(0.0), dtype=bool)
    safe = g.op("Where", zero, c(1.0), px)
    return g.op("Where", zero, c(1.0), g.op("Div", g.op("Sin", safe), safe))


def fmod(g, node, a, b):
    return g.op("Mod", *_in(g, node, a, b), fmod=1)


def nan_ignoring(onnx_op: str):
    """Max/Min of a and b, the other operand where one is NaN (floats)."""

    def mapping(g, node, a, b):
        a, b = _in(g, node, a, b)
        both = g.op(onnx_op, a, b)
        if node.dtype.kind != "f":
            return both
        nan_a = g.op("IsNaN", a, dtype=bool)
        nan_b = g.op("IsNaN", b, dtype=bool)
        return g.op("Where", nan_b, a, g.op("Where", nan_a, b, both))

    mapping.__name__ = onnx_op
    return mapping


def logaddexp2(g, c, a, b):
    """max(a, b) + log(1 + 2**-|a - b|) / ln 2."""
    spread = g.op("Neg", g.op("Abs", g.op("Sub", a, b)))
    tail = g.op("Log", g.op("Add", c(1.0), g.op("Pow", c(2.0), spread)))
    return g.op("Add", g.op("Max", a, b), g.op("Div", tail, c(math.log(2.0))))


MAPPINGS = {
    math_fns.Asinh: in_float32("Asinh"),
    math_fns.Acosh: in_float32("Acosh"),
    math_fns.Atanh: in_float32("Atanh"),
    math_fns.Sinc: composed(sinc),
    binary_fns.Fmod: fmod,
    binary_fns.Fmax: nan_ignoring("Max"),
    binary_fns.Fmin: nan_ignoring("Min"),
    binary_fns.Logaddexp2: composed(logaddexp2),
    **dict.fromkeys([binary_fns.Copysign, binary_fns.Nextafter, math_fns.FrexpMantissa,
                     scan_fns.Logcumsumexp, scan_fns.Poisson, special_ops.I0, special_ops.I0e,
                     special_ops.I1, special_ops.I1e, special_ops.Erfcx, special_ops.Ndtri,
                     special_ops.LogNdtr, special_ops.Entr, special_ops.Xlog1py], refused),
    scan_fns.RenormFactor: renorm_factor,
}
