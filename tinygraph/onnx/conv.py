"""ONNX mappings of the convolution, pooling and padding ops (merged into table.MAPPINGS).

float32 (and float16) convolutions export as ONNX's Conv / ConvTranspose. ONNX Runtime has no
float64 kernels for those, so float64 ones export as their definition: the windows gathered
by a constant index (im2col) and one MatMul, and a transposed convolution as a MatMul with the
constant 0/1 matrix of its scatter. Average pooling exports the same way (window sums times
the constant 1 / count, exactly tinygraph's divisor rules); max pooling is ONNX's MaxPool.
``F.unfold`` and ``F.fold`` (im2col, col2im) are that gather and that scatter alone.
The batch axis stays dynamic: every reshape copies it (0) from its input.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..ops import conv as conv_ops
from ..ops import grid_sample as grid_ops
from ..ops import pool as pool_ops
from ..ops import unpool as unpool_ops
from .errors import unsupported

_NATIVE = (np.float32, np.float16)


def _window_index(padded, kernel, stride, dilation, out_shape) -> np.ndarray:
    """(K, L): the flat position in the padded spatial block of each window element."""
    grids = np.meshgrid(*(np.arange(o) * s for o, s in zip(out_shape, stride)), indexing="ij")
    offsets = list(itertools.product(*(range(k) for k in kernel)))
    index = np.zeros((len(offsets), int(np.prod(out_shape))), np.int64)
    for row, offset in enumerate(offsets):
        pos = [(gr + o * d).reshape(-1) for gr, o, d in zip(grids, offset, dilation)]
        index[row] = np.ravel_multi_index(pos, padded)
    return index


def _pad(g, x, pads, dtype, value=0.0):
    if not any(lo or hi for lo, hi in pads):
        return x
    nd = len(pads)
    widths = [0, 0] + [lo for lo, _ in pads] + [0, 0] + [hi for _, hi in pads]
    assert len(widths) == 2 * (nd + 2)
    return g.op("Pad", x, g.ints(widths), g.const(value, dtype), mode="constant")


def _windows(g, x, spatial, kernel, stride, dilation, pads, out_shape, dtype):
    """(N, C, K, L): each window of the padded input, gathered by a constant index."""
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    flat = g.op("Reshape", _pad(g, x, pads, dtype), g.ints([0, 0, -1]))
    index = _window_index(padded, kernel, stride, dilation, out_shape)
    return g.op("Gather", flat, g.const(index), axis=2)


def _onnx_pads(pads):
    return [lo for lo, _ in pads] + [hi for _, hi in pads]


def conv(g, node, x, w, *bias):
    kernel = tuple(g.input_shape(node, 1)[2:])
    c_in = g.input_shape(node, 0)[1]
    c_out = g.input_shape(node, 1)[0]
    if np.dtype(node.dtype).type in _NATIVE:
        return g.op("Conv", x, w, *bias, kernel_shape=list(kernel), strides=list(node.stride),
                    pads=_onnx_pads(node.pads), dilations=list(node.dilation),
                    group=node.groups)
    groups = node.groups
    cols = _windows(g, x, node.spatial, kernel, node.stride, node.dilation, node.pads,
                    node.out_shape, node.dtype)  # (N, C, K, L)
    length = int(np.prod(node.out_shape))
    cols = g.op("Reshape", cols, g.ints([0, groups, c_in // groups * int(np.prod(kernel)),
                                         length]))
    w2 = g.op("Reshape", w, g.ints([groups, c_out // groups, -1]))
    y = g.op("Reshape", g.op("MatMul", w2, cols), g.ints([0, c_out, *node.out_shape]))
    if bias:
        y = g.op("Add", y, g.op("Reshape", bias[0], g.ints([c_out] + [1] * len(kernel))))
    return y


def conv_transpose(g, node, x, w, *bias):
    in_shape = g.input_shape(node, 0)
    w_shape = g.input_shape(node, 1)
    kernel = tuple(w_shape[2:])
    groups = node.groups
    c_in, c_out = in_shape[1], w_shape[1] * groups
    if np.dtype(node.dtype).type in _NATIVE:
        natural = [(i - 1) * s + d * (k - 1) + 1 - lo - hi for i, s, d, k, (lo, hi) in zip(
            in_shape[2:], node.stride, node.dilation, kernel, node.pads)]
        extra = [o - n for o, n in zip(node.spatial, natural)]
        return g.op("ConvTranspose", x, w, *bias, kernel_shape=list(kernel),
                    strides=list(node.stride), pads=_onnx_pads(node.pads),
                    dilations=list(node.dilation), group=groups, output_padding=extra)
    length = int(np.prod(in_shape[2:]))
    x2 = g.op("Reshape", x, g.ints([0, groups, c_in // groups, length]))
    w2 = g.op("Transpose", g.op("Reshape", w, g.ints([groups, c_in // groups, -1])),
              perm=[0, 2, 1])
    cols = g.op("Reshape", g.op("MatMul", w2, x2), g.ints([0, c_out, -1]))  # (N, C, K * L)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(node.spatial, node.pads))
    index = _window_index(padded, kernel, node.stride, node.dilation, node.in_shape)
    scatter = np.zeros((index.size, int(np.prod(padded))), np.dtype(node.dtype))
    scatter[np.arange(index.size), index.reshape(-1)] = 1
    y = g.op("Reshape", g.op("MatMul", cols, g.const(scatter)), g.ints([0, c_out, *padded]))
    nd = len(kernel)
    axes = list(range(2, 2 + nd))
    y = g.op("Slice", y, g.ints([lo for lo, _ in node.pads]),
             g.ints([n - hi for n, (_, hi) in zip(padded, node.pads)]), g.ints(axes))
    if bias:
        y = g.op("Add", y, g.op("Reshape", bias[0], g.ints([c_out] + [1] * nd)))
    return y


def im2col(g, node, x):
    """``F.unfold``: the windows gathered by a constant index, (N, C * K, L)."""
    channels = g.input_shape(node, 0)[1]
    cols = _windows(g, x, node.spatial, node.kernel, node.stride, node.dilation, node.pads,
                    node.out_shape, node.dtype)
    return g.op("Reshape", cols, g.ints([0, channels * int(np.prod(node.kernel)), -1]))


def col2im(g, node, cols):
    """``F.fold``: a MatMul with the constant 0/1 matrix of the scatter, then the padding
    cropped (as the transposed convolution)."""
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(node.spatial, node.pads))
    index = _window_index(padded, node.kernel, node.stride, node.dilation, node.out_shape)
    scatter = np.zeros((index.size, int(np.prod(padded))), np.dtype(node.dtype))
    scatter[np.arange(index.size), index.reshape(-1)] = 1
    flat = g.op("Reshape", cols, g.ints([0, node.channels, -1]))  # (N, C, K * L)
    y = g.op("Reshape", g.op("MatMul", flat, g.const(scatter)),
             g.ints([0, node.channels, *padded]))
    if not any(lo or hi for lo, hi in node.pads):
        return y
    axes = list(range(2, 2 + len(padded)))
    return g.op("Slice", y, g.ints([lo for lo, _ in node.pads]),
                g.ints([n - hi for n, (_, hi) in zip(padded, node.pads)]), g.ints(axes))


def max_pool(g, node, x):
    y = g.op("MaxPool", x, kernel_shape=list(node.kernel), strides=list(node.stride),
             pads=_onnx_pads(node.pads), dilations=list(node.dilation))
    return y


def avg_pool(g, node, x):
    spatial = g.input_shape(node, 0)[2:]
    nd = len(node.kernel)
    channels = g.input_shape(node, 0)[1]
    cols = _windows(g, x, spatial, node.kernel, node.stride, (1,) * nd, node.pads,
                    node.out_shape, node.dtype)
    total = g.reduce("ReduceSum", cols, [2], False)
    y = g.op("Mul", total, g.const((1.0 / node.divisor).reshape(-1), node.dtype))
    return g.op("Reshape", y, g.ints([0, channels, *node.out_shape]))


_SOURCE_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(g, node, x):
    """Constant: ONNX's Pad. The others: one Gather per padded axis with the index of the
    input element each output copies (ONNX's wrap mode needs opset 19; this needs none)."""
    if node.mode == "constant":
        widths = [lo for lo, _ in node.widths] + [hi for _, hi in node.widths]
        return g.op("Pad", x, g.ints(widths), g.const(node.value, node.dtype), mode="constant")
    shape = g.input_shape(node, 0)
    for axis, (lo, hi) in enumerate(node.widths):
        if lo or hi:
            source = np.pad(np.arange(shape[axis]), (lo, hi), mode=_SOURCE_MODES[node.mode])
            x = g.op("Gather", x, g.const(source.astype(np.int64)), axis=axis)
    return x


def max_unpool(g, node, x):
    """ScatterElements of the rows of x into zeros at the stored indices (a constant)."""
    rows, length = node.index.shape[0], int(np.prod(node.out_shape))
    flat = g.op("Reshape", x, g.ints([rows, -1]))
    zeros = g.const(np.zeros((rows, length), node.dtype))
    y = g.op("ScatterElements", zeros, g.const(node.index.astype(np.int64)), flat, axis=1)
    return g.op("Reshape", y, g.ints(list(node.shape)))


def multilabel_margin(g, node, x):
    """sum over (j, i) of pairs * max(0, 1 - x_j + x_i), divided by the number of classes."""
    column, row = g.op("Unsqueeze", x, g.ints([2])), g.op("Unsqueeze", x, g.ints([1]))
    hinge = g.op("Add", g.op("Sub", g.const(1.0, node.dtype), column), row)
    hinge = g.op("Max", hinge, g.const(0.0, node.dtype))
    total = g.reduce("ReduceSum", g.op("Mul", hinge, g.const(node.pairs)), [1, 2], False)
    return g.op("Div", total, g.const(float(node.pairs.shape[1]), node.dtype))


_GRID_MODES = {"bilinear": "linear", "bicubic": "cubic", "nearest": "nearest"}


def grid_sample(g, node, x, grid):
    """ONNX's GridSample (opset 16; 5-D input from opset 20), which ONNX Runtime runs in
    float32 only."""
    if np.dtype(node.dtype) != np.float32:
        raise unsupported(node, f"ONNX Runtime's GridSample has no {np.dtype(node.dtype)} "
                                "kernel; export the model in float32 (model.float()).")
    nd = len(g.input_shape(node, 0)) - 2
    if g.opset < (16 if nd == 2 else 20):
        raise unsupported(node, f"GridSample of a {nd + 2}-D input needs opset "
                                f"{16 if nd == 2 else 20}; export with a later opset_version.")
    mode = _GRID_MODES[node.mode] if g.opset >= 20 else node.mode
    return g.op("GridSample", x, grid, mode=mode, padding_mode=node.padding_mode,
                align_corners=int(node.align_corners))


def internal(g, node, *inputs):
    raise unsupported(node, "it appears only in recorded backwards (create_graph); export "
                            "the forward model instead.")


MAPPINGS = {
    conv_ops.Conv: conv,
    conv_ops.ConvTranspose: conv_transpose,
    conv_ops.Im2Col: im2col,
    conv_ops.Col2Im: col2im,
    pool_ops.MaxPool: max_pool,
    pool_ops.AvgPool: avg_pool,
    pool_ops.ScatterFlat: internal,
    pool_ops.GatherFlat: internal,
    pool_ops.Pad: pad,
    unpool_ops.MaxUnpool: max_unpool,
    unpool_ops.MultilabelMargin: multilabel_margin,
    grid_ops.GridSampler: grid_sample,
}
