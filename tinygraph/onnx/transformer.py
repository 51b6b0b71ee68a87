"""ONNX mappings for the transformer's ops (tinygraph/ops/activations.py, norm.py, losses.py),
merged into ``table.MAPPINGS``. Each is composed from opset-13 ops that ONNX Runtime runs in
float64 too (its Gelu, Elu, Softplus and LayerNormalization kernels are float32 only or need a
newer opset)."""

from __future__ import annotations

import math

import numpy as np

from ..ops import activations as act
from ..ops import attention, losses, norm


def _c(g, value):
    return g.const(value, g.current.dtype)


def _bool(g, op, *xs):
    return g.op(op, *xs, dtype=np.bool_)


def _horner(g, z, num, den, num_last, den_last):
    """Cody's rational form: (((num0 z + num1) z + ...) + num_last) / ((z + den0) z ... )."""
    n = g.op("Mul", _c(g, num[-1]), z)
    d = z
    for a, b in zip(num[:-1], den):
        n = g.op("Mul", g.op("Add", n, _c(g, a)), z)
        d = g.op("Mul", g.op("Add", d, _c(g, b)), z)
    return g.op("Div", g.op("Add", n, _c(g, num_last)), g.op("Add", d, _c(g, den_last)))


def normal_cdf(g, node, x):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2 with Cody's erf/erfc approximations (as
    ``activations.erf``), each range computed on clamped inputs and picked with Where: ONNX
    Runtime's Erf is float32 only, and 1 + erf loses the tails to cancellation."""
    u = g.op("Mul", x, _c(g, 1 / math.sqrt(2)))
    y = g.op("Abs", u)
    ys = g.op("Min", y, _c(g, 0.5))
    small = g.op("Mul", g.op("Min", g.op("Max", u, _c(g, -0.5)), _c(g, 0.5)), _horner(
        g, g.op("Mul", ys, ys), act._A[:3] + (act._A[4],), act._B[:3], act._A[3],
        act._B[3]))
    near = g.op("Add", g.op("Mul", small, _c(g, 0.5)), _c(g, 0.5))
    ym = g.op("Min", g.op("Max", y, _c(g, 0.5)), _c(g, 4.0))
    mid = g.op("Mul", g.op("Exp", g.op("Neg", g.op("Mul", ym, ym))), _horner(
        g, ym, act._C[:7] + (act._C[8],), act._D[:7], act._C[7], act._D[7]))
    yf = g.op("Max", y, _c(g, 4.0))
    z = g.op("Reciprocal", g.op("Mul", yf, yf))
    tail = g.op("Mul", z, _horner(g, z, act._P[:4] + (act._P[5],), act._Q[:4], act._P[4],
                                  act._Q[4]))
    far = g.op("Div", g.op("Mul", g.op("Exp", g.op("Neg", g.op("Mul", yf, yf))),
                           g.op("Sub", _c(g, act._SQRPI), tail)), yf)
    erfc = g.op("Where", _bool(g, "LessOrEqual", y, _c(g, 4.0)), mid, far)
    half = g.op("Mul", erfc, _c(g, 0.5))
    outer = g.op("Where", _bool(g, "Greater", u, _c(g, 0.0)), g.op("Sub", _c(g, 1.0), half),
                 half)
    return g.op("Where", _bool(g, "LessOrEqual", y, _c(g, 0.5)), near, outer)


def gelu(g, node, x):
    if node.approximate == "tanh":
        cube = g.op("Mul", g.op("Mul", x, x), x)
        inner = g.op("Add", x, g.op("Mul", cube, _c(g, 0.044715)))
        t = g.op("Tanh", g.op("Mul", inner, _c(g, math.sqrt(2 / math.pi))))
        return g.op("Mul", g.op("Mul", x, _c(g, 0.5)), g.op("Add", t, _c(g, 1.0)))
    return g.op("Mul", x, normal_cdf(g, node, x))


def silu(g, node, x):
    return g.op("Mul", x, g.op("Sigmoid", x))


def elu(g, node, x):
    neg = g.op("Mul", g.op("Sub", g.op("Exp", g.op("Min", x, _c(g, 0.0))), _c(g, 1.0)),
               _c(g, node.alpha))
    return g.op("Where", _bool(g, "Greater", x, _c(g, 0.0)), x, neg)


def softplus(g, node, x):
    """x where beta x > threshold, else (relu(bx) + log(1 + exp(-|bx|))) / beta."""
    bx = g.op("Mul", x, _c(g, node.beta))
    tail = g.op("Log", g.op("Add", _c(g, 1.0), g.op("Exp", g.op("Neg", g.op("Abs", bx)))))
    soft = g.op("Div", g.op("Add", g.op("Relu", bx), tail), _c(g, node.beta))
    return g.op("Where", _bool(g, "Greater", bx, _c(g, node.threshold)), x, soft)


def hardtanh(g, node, x):
    return g.op("Max", g.op("Min", x, _c(g, node.max_val)), _c(g, node.min_val))


def layer_norm(g, node, x, *params):
    axes = list(node.axes)
    centered = g.op("Sub", x, g.reduce("ReduceMean", x, axes, True))
    var = g.reduce("ReduceMean", g.op("Mul", centered, centered), axes, True)
    y = g.op("Div", centered, g.op("Sqrt", g.op("Add", var, _c(g, node.eps))))
    if node.has_weight:
        y = g.op("Mul", y, params[0])
    if node.has_bias:
        y = g.op("Add", y, params[-1])
    return y


def embedding(g, node, w):
    """Gather rows; the indices are the graph input they came from when they are one (an
    integer input reaches the op as its very array), else a constant."""
    indices = node.indices
    if indices.dtype != np.int64:
        indices = indices.astype(np.int64)
    return g.op("Gather", w, g._constant(indices), axis=0)


def huber(g, node, x, t):
    d = g.op("Sub", x, t)
    a = g.op("Abs", d)
    inner = g.op("Mul", g.op("Mul", d, d), _c(g, 0.5))
    outer = g.op("Mul", g.op("Sub", a, _c(g, 0.5 * node.delta)), _c(g, node.delta))
    return g.op("Where", _bool(g, "Less", a, _c(g, node.delta)), inner, outer)


def masked_softmax(g, node, x, mask):
    return g.op("Softmax", g.op("Add", x, g.cast(mask, node.dtype)), axis=-1)


def attention_op(g, node, q, k, v, *mask):
    """softmax(q k^T * scale + mask) v: MatMul, Mul, Add, Softmax, MatMul."""
    rank = len(g.input_shape(node, 1))
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    s = g.op("Mul", g.op("MatMul", q, g.op("Transpose", k, perm=perm)), _c(g, node.scale))
    if mask:
        s = g.op("Add", s, g.cast(mask[0], node.dtype))
    return g.op("MatMul", g.op("Softmax", s, axis=-1), v)


def self_attention(g, node, qkv, *mask):
    """The packed projection split into heads (Reshape, Transpose, Gather), attention as
    above, the heads merged back (Transpose, Reshape); the batch and length axes stay free."""
    e3 = g.input_shape(node, 0)[-1]
    h = node.heads
    parts = g.op("Transpose", g.op("Reshape", qkv, g.ints([0, 0, 3, h, e3 // (3 * h)])),
                 perm=[2, 0, 3, 1, 4])
    q, k, v = (g.op("Gather", parts, g._constant(np.asarray(i, np.int64)), axis=0)
               for i in range(3))
    s = g.op("Mul", g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2])),
             _c(g, node.scale))
    if mask:
        s = g.op("Add", s, g.cast(mask[0], node.dtype))
    out = g.op("MatMul", g.op("Softmax", s, axis=-1), v)
    return g.op("Reshape", g.op("Transpose", out, perm=[0, 2, 1, 3]), g.ints([0, 0, e3 // 3]))


MAPPINGS = {
    attention.SelfAttention: self_attention,
    attention.MaskedSoftmax: masked_softmax,
    attention.ScaledDotProductAttention: attention_op,
    act.NormalCdf: normal_cdf,
    act.Gelu: gelu,
    act.Silu: silu,
    act.Elu: elu,
    act.Softplus: softplus,
    act.Hardtanh: hardtanh,
    norm.LayerNorm: layer_norm,
    norm.Embedding: embedding,
    losses.Huber: huber,
}
