"""The op table: one ONNX mapping per op class.

A mapping is ``mapping(g, node, *inputs) -> output``: ``g`` is the :class:`GraphBuilder`,
``node`` the recorded op (its attributes: ``axis``, ``keepdims``, ``shape_out``, ...), ``inputs``
the names of its input values; it adds ONNX nodes with ``g.op`` (constants with ``g.const``)
and returns the name of the op's output. Supporting a new op is one entry in ``MAPPINGS``.

Values keep their tinygraph dtype. NumPy promotes mixed operands where ONNX refuses them, so
the arithmetic mappings first cast their operands to the op's output dtype (usually a no-op).
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import _DelayedError
from ..ops import arrange as ar
from ..ops import clamp as clamp_ops
from ..ops import copy as copy_ops
from ..ops import elementwise as ew
from ..ops import linalg
from ..ops import nn as nn_ops
from ..ops import reduce as red
from ..ops import shape as sh
from ..ops.namespace import Attach
from . import conv, indexing, selection
from .arrange import MAPPINGS as ARRANGE_MAPPINGS


def elementwise(onnx_op: str):
    """One ONNX op of the same name applied to the inputs in the output's dtype (Add, Exp,
    MatMul...)."""

    def mapping(g, node, *xs):
        return g.op(onnx_op, *(g.cast(x, node.dtype) for x in xs))

    mapping.__name__ = onnx_op
    return mapping


def reduction(onnx_op: str):
    """sum, mean, max, min, logsumexp: a Reduce* over the node's axes (a 0-d input: all)."""

    def mapping(g, node, x):
        axes = node.axis if g.input_shape(node, 0) else None
        return g.reduce(onnx_op, g.cast(x, node.dtype), axes, node.keepdims)

    mapping.__name__ = onnx_op
    return mapping


def along_axis(onnx_op: str):
    """softmax, log_softmax: one ONNX op along the node's axis (opset 13 semantics)."""

    def mapping(g, node, x):
        return g.op(onnx_op, x, axis=node.axis)

    mapping.__name__ = onnx_op
    return mapping


def clip(g, node, x):
    """Max with the lower bound, then Min with the upper (ONNX's Clip takes only scalars;
    tinygraph's bounds may be arrays, broadcast as in np.clip)."""
    if node.min is not None:
        x = g.op("Max", x, g.const(node.min, node.dtype))
    if node.max is not None:
        x = g.op("Min", x, g.const(node.max, node.dtype))
    return x


def cast(g, node, x):
    return g.cast(x, node.dtype_out)


def var(g, node, x):
    """sum((x - mean)^2) / (n - correction), n counted at run time (a batch axis may grow)."""
    axes = node.axis if g.input_shape(node, 0) else None
    centered = g.op("Sub", x, g.reduce("ReduceMean", x, axes, True))
    total = g.reduce("ReduceSum", g.op("Mul", centered, centered), axes, node.keepdims)
    shape = g.op("Shape", x, dtype=np.int64)
    sizes = g.op("Gather", shape, g.ints(axes), dtype=np.int64) if axes is not None else shape
    count = g.cast(g.reduce("ReduceProd", sizes, None, False, dtype=np.int64), node.dtype)
    return g.op("Div", total, g.op("Sub", count, g.const(node.correction, node.dtype)))


def reshape(g, node, x):
    """Reshape without freezing a dynamic axis: leading axes the reshape keeps are copied
    from the input at run time (0 in ONNX's shape), and the first remaining one is inferred
    (-1), so a batch axis may change size whether it is kept or merged."""
    in_shape, out_shape = node.in_shape, node.shape_out
    if 0 in out_shape or 0 in in_shape:  # empty: spell the shape out (0 means zero here)
        return g.op("Reshape", x, g.ints(node.shape_out), allowzero=1)
    kept = 0
    while kept < min(len(in_shape), len(out_shape)) and in_shape[kept] == out_shape[kept]:
        kept += 1
    target = [0] * kept
    if kept < len(out_shape):
        target += [-1, *out_shape[kept + 1:]]
    return g.op("Reshape", x, g.ints(target))


def transpose(g, node, x):
    """Transpose; a 0-d tensor (no axes to permute) passes through."""
    if not node.axes:
        return g.op("Identity", x)
    return g.op("Transpose", x, perm=list(node.axes))


def broadcast_to(g, node, x):
    """Expand; an axis the input already has at full length is given as 1 (kept as is)."""
    in_shape = g.input_shape(node, 0)
    lead = len(node.shape_out) - len(in_shape)
    target = [1 if i >= lead and in_shape[i - lead] == n else n
              for i, n in enumerate(node.shape_out)]
    return g.op("Expand", x, g.ints(target))


def concatenate(g, node, *xs):
    if node.skip:  # PyTorch's skipped 1-d empty tensors
        xs = [x for x, skipped in zip(xs, node.skip) if not skipped]
    return g.op("Concat", *(g.cast(x, node.dtype) for x in xs), axis=node.axis)


def stack(g, node, *xs):
    axis = g.ints([node.axis])
    return g.op("Concat", *(g.op("Unsqueeze", g.cast(x, node.dtype), axis) for x in xs),
                axis=node.axis)


def where(g, node, a, b):
    cond = g.const(np.asarray(node.cond, dtype=bool))
    return g.op("Where", cond, g.cast(a, node.dtype), g.cast(b, node.dtype))


def linear(g, node, *inputs):
    """Gemm for a batch of vectors; otherwise x @ W^T (+ b)."""
    x, w, *bias = (g.cast(v, node.dtype) for v in inputs)
    b = bias[0] if bias else None
    if len(g.input_shape(node, 0)) == 2:
        return g.op("Gemm", x, w, *([b] if b else []), transB=1)
    y = g.op("MatMul", x, g.op("Transpose", w, perm=[1, 0]))
    return g.op("Add", y, b) if b else y


def softmax_cross_entropy(g, node, x, t):
    log_probs = g.op("LogSoftmax", x, axis=-1)
    return g.op("Neg", g.reduce("ReduceSum", g.op("Mul", t, log_probs), [-1], False))


def softmax_cross_entropy_labels(g, node, x):
    """The labels' log-probabilities gathered per row, then the node's reduction."""
    labels = g.const(np.asarray(node.labels, dtype=np.int64).reshape(-1, 1))
    picked = g.op("GatherElements", g.op("LogSoftmax", x, axis=1), labels, axis=1)
    losses = g.op("Reshape", picked, g.ints([-1]))
    if node.reduction != "none":
        losses = g.reduce("ReduceSum" if node.reduction == "sum" else "ReduceMean", losses,
                          None, False)
    return g.op("Neg", losses)


def binary_cross_entropy(g, node, p, t):
    """-(t log p + (1 - t) log(1 - p)) with each log floored at -100, as PyTorch."""
    one, floor = g.const(1, node.dtype), g.const(-100, node.dtype)

    def floored_log(v):
        return g.op("Max", g.op("Log", v), floor)

    hit = g.op("Mul", t, floored_log(p))
    miss = g.op("Mul", g.op("Sub", one, t), floored_log(g.op("Sub", one, p)))
    return g.op("Neg", g.op("Add", hit, miss))


def binary_cross_entropy_with_logits(g, node, x, t):
    """max(x, 0) - x t + log(1 + exp(-|x|)): the stable form (no overflow; ONNX has no log1p
    and ONNX Runtime's Softplus is float32 only, so the tail is exact to 1 ulp of 1)."""
    tail = g.op("Log", g.op("Add", g.const(1, node.dtype), g.op("Exp", g.op("Neg", g.op(
        "Abs", x)))))
    return g.op("Add", g.op("Sub", g.op("Relu", x), g.op("Mul", x, t)), tail)


def penalty(term: str):
    """lam * sum(|w|) or lam * sum(w * w)."""

    def mapping(g, node, w):
        inner = g.op("Abs", w) if term == "l1" else g.op("Mul", w, w)
        total = g.reduce("ReduceSum", inner, None, False)
        return g.op("Mul", total, g.const(node.lam, node.dtype))

    mapping.__name__ = f"{term}_penalty"
    return mapping


MAPPINGS = {
    # elementwise
    ew.Add: elementwise("Add"),
    ew.Sub: elementwise("Sub"),
    ew.Mul: elementwise("Mul"),
    ew.Div: elementwise("Div"),
    ew.Pow: elementwise("Pow"),
    ew.Maximum: elementwise("Max"),
    ew.Minimum: elementwise("Min"),
    ew.Neg: elementwise("Neg"),
    ew.Exp: elementwise("Exp"),
    ew.Log: elementwise("Log"),
    ew.Sqrt: elementwise("Sqrt"),
    ew.Abs: elementwise("Abs"),
    ew.ReLU: elementwise("Relu"),
    ew.Sigmoid: elementwise("Sigmoid"),
    ew.Tanh: elementwise("Tanh"),
    clamp_ops.Clip: clip,
    ew.Cast: cast,
    linalg.MatMul: elementwise("MatMul"),
    # reductions and the softmax family
    red.Sum: reduction("ReduceSum"),
    red.Mean: reduction("ReduceMean"),
    red.Max: reduction("ReduceMax"),
    red.Min: reduction("ReduceMin"),
    red.LogSumExp: reduction("ReduceLogSumExp"),
    red.Var: var,
    red.Softmax: along_axis("Softmax"),
    red.LogSoftmax: along_axis("LogSoftmax"),
    # shape
    sh.Reshape: reshape,
    sh.Squeeze: reshape,
    sh.Unsqueeze: reshape,
    sh.Flatten: reshape,
    sh.Transpose: transpose,
    ar.View: reshape,
    ar.Unflatten: reshape,
    sh.BroadcastTo: broadcast_to,
    sh.GetItem: indexing.getitem,
    sh.SetItem: indexing.setitem,
    sh.ScatterAdd: indexing.scatter_add,
    sh.Concatenate: concatenate,
    sh.Stack: stack,
    sh.Where: where,
    Attach: lambda g, node, x, *sources: g.op("Identity", x),
    _DelayedError: lambda g, node, x, *sources: g.op("Identity", x),  # once_differentiable
    # fused nn ops
    nn_ops.Linear: linear,
    nn_ops.SoftmaxCrossEntropy: softmax_cross_entropy,
    nn_ops.SoftmaxCrossEntropyLabels: softmax_cross_entropy_labels,
    nn_ops.BinaryCrossEntropy: binary_cross_entropy,
    nn_ops.BinaryCrossEntropyWithLogits: binary_cross_entropy_with_logits,
    nn_ops.L1Penalty: penalty("l1"),
    nn_ops.L2Penalty: penalty("l2"),
    # copies
    copy_ops.Clone: lambda g, node, x: g.op("Identity", x),
    # views and rearrangements (onnx/arrange.py)
    **ARRANGE_MAPPINGS,
}

MAPPINGS.update(selection.MAPPINGS)  # gather, scatter_add, index_select, masked_fill, einsum

# The transformer's ops (activations, layer_norm, embedding, the Huber loss).
from .transformer import MAPPINGS as _TRANSFORMER  # noqa: E402

MAPPINGS.update(_TRANSFORMER)
MAPPINGS.update(conv.MAPPINGS)  # convolution, pooling, padding (onnx/conv.py)

# issue 17's math: exp2 ... erf, rounding, prod, norm, cumprod (its helpers come from here)
from . import maths  # noqa: E402

MAPPINGS.update(maths.MAPPINGS)

from . import more as _more  # noqa: E402 - erfc, det (and inverse, refused by name)

MAPPINGS.update(_more.MAPPINGS)

from . import mathfns as _mathfns  # noqa: E402 - asinh ... logaddexp2 (and the refused ones)

MAPPINGS.update(_mathfns.MAPPINGS)
