"""ONNX mappings of the math ops of issue 17: max/min over a dim, prod, std, norm, cumsum,
cumprod (merged into ``table.MAPPINGS``)."""

from __future__ import annotations

import numpy as np

from ..ops import extrema, norms, reduce, scan
from .table import reduction, var


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
    extrema.MaxDim: reduction("ReduceMax"),
    extrema.MinDim: reduction("ReduceMin"),
    reduce.Std: std,
    scan.Prod: reduction("ReduceProd"),
    scan.CumSum: cumsum,
    scan.CumProd: cumprod,
    norms.Norm: reduction("ReduceL2"),
}
