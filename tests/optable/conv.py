"""Op-table entries: convolution, pooling, padding and the normalisations of the CNN layers
(tinygraph/ops/conv.py, pool.py; tinygraph/nn/functional_conv.py).

The NumPy references are direct sums over windows (loops over output positions: slow but
obviously right), independent of the im2col code under test."""

from __future__ import annotations

import itertools

import numpy as np

import tinygraph as tg
from tinygraph.nn import functional as F

from .spec import OpSpec, _torch


def _tf():
    return _torch().nn.functional


def _pairs(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


def _np_conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """Direct convolution: for every output position, the window times the kernel."""
    nd = w.ndim - 2
    stride, dilation = _pairs(stride, nd), _pairs(dilation, nd)
    if padding == "same":
        total = [d * (k - 1) for d, k in zip(dilation, w.shape[2:])]
        pads = [(t // 2, t - t // 2) for t in total]
    else:
        pads = [(p, p) for p in _pairs(0 if padding == "valid" else padding, nd)]
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    c_out, cg = w.shape[:2]
    og = c_out // groups
    out = [(xp.shape[2 + i] - dilation[i] * (w.shape[2 + i] - 1) - 1) // stride[i] + 1
           for i in range(nd)]
    y = np.zeros((x.shape[0], c_out, *out))
    for pos in itertools.product(*(range(o) for o in out)):
        for o in range(c_out):
            g = o // og
            window = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + tuple(
                slice(p * s, p * s + d * (k - 1) + 1, d)
                for p, s, d, k in zip(pos, stride, dilation, w.shape[2:]))]
            y[(slice(None), o) + pos] = (window * w[o]).reshape(x.shape[0], -1).sum(-1)
    if b is not None:
        y += b.reshape((-1,) + (1,) * nd)
    return y


def _np_conv_transpose(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1,
                       dilation=1):
    """Direct transposed convolution: each input element scatters kernel * value."""
    nd = w.ndim - 2
    stride, padding, dilation = _pairs(stride, nd), _pairs(padding, nd), _pairs(dilation, nd)
    output_padding = _pairs(output_padding, nd)
    c_in, og = w.shape[:2]
    cg = c_in // groups
    full = [(x.shape[2 + i] - 1) * stride[i] + dilation[i] * (w.shape[2 + i] - 1) + 1
            + output_padding[i] for i in range(nd)]
    y = np.zeros((x.shape[0], og * groups, *full))
    for pos in itertools.product(*(range(n) for n in x.shape[2:])):
        for c in range(c_in):
            g = c // cg
            target = (slice(None), slice(g * og, (g + 1) * og)) + tuple(
                slice(p * s, p * s + d * (k - 1) + 1, d)
                for p, s, d, k in zip(pos, stride, dilation, w.shape[2:]))
            y[target] += x[(slice(None), c) + pos][(slice(None),) + (None,) * (nd + 1)] * w[c]
    y = y[(slice(None), slice(None)) + tuple(slice(p, n - p) for p, n in zip(padding, full))]
    if b is not None:
        y = y + b.reshape((-1,) + (1,) * nd)
    return y


def _np_pool(x, kernel_size, stride=None, padding=0, reduce="max", nd=2, ceil_mode=False,
             count_include_pad=True, dilation=1):
    if x.ndim == nd + 1:  # unbatched
        return _np_pool(x[None], kernel_size, stride, padding, reduce, nd, ceil_mode,
                        count_include_pad, dilation)[0]
    kernel = _pairs(kernel_size, nd)
    stride = kernel if stride is None else _pairs(stride, nd)
    padding, dilation = _pairs(padding, nd), _pairs(dilation, nd)
    spatial = x.shape[2:]
    out = []
    for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        o = (-(-(n + 2 * p - span) // s) if ceil_mode else (n + 2 * p - span) // s) + 1
        if ceil_mode and (o - 1) * s >= n + p:
            o -= 1
        out.append(o)
    y = np.zeros(x.shape[:2] + tuple(out))
    for pos in itertools.product(*(range(o) for o in out)):
        starts = [q * s - p for q, s, p in zip(pos, stride, padding)]
        idx = [np.arange(st, st + d * (k - 1) + 1, d) for st, d, k in zip(starts, dilation,
                                                                            kernel)]
        inside = [i[(i >= 0) & (i < n)] for i, n in zip(idx, spatial)]
        window = x[np.ix_(range(x.shape[0]), range(x.shape[1]), *inside)]
        if reduce == "max":
            y[(slice(None), slice(None)) + pos] = window.reshape(*x.shape[:2], -1).max(-1)
        else:
            ends = [min(st + k, n + p) for st, k, n, p in zip(starts, kernel, spatial, padding)]
            count = (np.prod([e - st for e, st in zip(ends, starts)]) if count_include_pad
                     else np.prod([len(i) for i in inside]))
            y[(slice(None), slice(None)) + pos] = window.reshape(
                *x.shape[:2], -1).sum(-1) / count
    return y


def _np_adaptive(x, output_size):
    oh, ow = _pairs(output_size, 2)
    h, w = x.shape[-2:]
    y = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[..., i, j] = x[..., (i * h) // oh:-(-((i + 1) * h) // oh),
                             (j * w) // ow:-(-((j + 1) * w) // ow)].mean(axis=(-2, -1))
    return y


_NP_PAD = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
           "circular": "wrap"}


def _np_pad(x, pad, mode="constant", value=None):
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == "constant":
        return np.pad(x, widths, constant_values=value or 0.0)
    return np.pad(x, widths, mode=_NP_PAD[mode])


def _np_group_norm(x, w, b, num_groups, eps=1e-5):
    g = x.reshape(x.shape[0], num_groups, -1)
    y = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + eps))
    shape = (-1,) + (1,) * (x.ndim - 2)
    return y.reshape(x.shape) * w.reshape(shape) + b.reshape(shape)


def _np_batch_norm(x, w, b, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (-1,) + (1,) * (x.ndim - 2)
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    return y * w.reshape(shape) + b.reshape(shape)


def _np_normalize(x, p=2.0, dim=1, eps=1e-12):
    norm = (np.abs(x) ** p).sum(dim, keepdims=True) ** (1 / p)
    return x / np.maximum(norm, eps)


CONV2D_KW = [{}, {"stride": 2, "padding": 1}, {"padding": "same", "dilation": (2, 1)},
             {"stride": (1, 2), "padding": (2, 0), "dilation": 2}]

OPS = [
    OpSpec("conv2d", lambda x, w, b, **k: tg.conv2d(x, w, b, **k), _np_conv,
           lambda x, w, b, **k: _tf().conv2d(x, w, b, **k), 3,
           [((2, 3, 5, 6), (4, 3, 3, 2), (4,)), ((1, 2, 4, 4), (3, 2, 1, 1), (3,))],
           kwargs=CONV2D_KW),
    OpSpec("conv2d_groups", lambda x, w, **k: tg.conv2d(x, w, **k), _np_conv,
           lambda x, w, **k: _tf().conv2d(x, w, **k), 2, [((2, 4, 5, 4), (6, 2, 2, 3))],
           kwargs=[{"groups": 2}, {"groups": 2, "stride": 2, "padding": 1}]),
    OpSpec("conv2d_unbatched", lambda x, w: tg.conv2d(x, w, padding=1),
           lambda x, w: _np_conv(x[None], w, padding=1)[0],
           lambda x, w: _tf().conv2d(x, w, padding=1), 2, [((2, 4, 3), (3, 2, 3, 3))]),
    OpSpec("conv1d", lambda x, w, b, **k: tg.conv1d(x, w, b, **k), _np_conv,
           lambda x, w, b, **k: _tf().conv1d(x, w, b, **k), 3,
           [((2, 3, 7), (4, 3, 3), (4,))],
           kwargs=[{}, {"stride": 2, "padding": 2, "dilation": 2}, {"padding": "same"}]),
    OpSpec("conv1d_groups", lambda x, w, **k: tg.conv1d(x, w, **k), _np_conv,
           lambda x, w, **k: _tf().conv1d(x, w, **k), 2, [((2, 4, 6), (4, 1, 3))],
           kwargs=[{"groups": 4, "padding": "valid"}]),
    OpSpec("conv_transpose2d", lambda x, w, b, **k: tg.conv_transpose2d(x, w, b, **k),
           _np_conv_transpose, lambda x, w, b, **k: _tf().conv_transpose2d(x, w, b, **k), 3,
           [((2, 3, 3, 4), (3, 2, 3, 2), (2,))],
           kwargs=[{}, {"stride": 2, "padding": 1, "output_padding": 1},
                   {"stride": (2, 1), "dilation": 2, "padding": (1, 0)}]),
    OpSpec("conv_transpose1d", lambda x, w, b, **k: tg.conv_transpose1d(x, w, b, **k),
           _np_conv_transpose, lambda x, w, b, **k: _tf().conv_transpose1d(x, w, b, **k), 3,
           [((2, 3, 4), (3, 2, 3), (2,))], kwargs=[{}, {"stride": 3, "padding": 1,
                                                        "output_padding": 2}]),
    OpSpec("conv3d", lambda x, w, b, **k: tg.conv3d(x, w, b, **k), _np_conv,
           lambda x, w, b, **k: _tf().conv3d(x, w, b, **k), 3,
           [((1, 2, 4, 3, 3), (3, 2, 2, 2, 2), (3,))],
           kwargs=[{}, {"stride": (2, 1, 1), "padding": 1}, {"padding": "same", "dilation": 2}]),
    OpSpec("conv_transpose3d", lambda x, w, b, **k: tg.conv_transpose3d(x, w, b, **k),
           _np_conv_transpose, lambda x, w, b, **k: _tf().conv_transpose3d(x, w, b, **k), 3,
           [((1, 2, 2, 3, 2), (2, 2, 2, 2, 1), (2,))], kwargs=[{}, {"stride": 2}]),
    OpSpec("conv_transpose2d_groups", lambda x, w, **k: tg.conv_transpose2d(x, w, **k),
           _np_conv_transpose, lambda x, w, **k: _tf().conv_transpose2d(x, w, **k), 2,
           [((2, 4, 3, 3), (4, 1, 2, 2))], kwargs=[{"groups": 2, "stride": 2}]),
    OpSpec("max_pool2d", lambda x, **k: tg.max_pool2d(x, **k),
           lambda x, **k: _np_pool(x, reduce="max", **k),
           lambda x, **k: _tf().max_pool2d(x, **k), 1, [((2, 3, 6, 5),)],
           kwargs=[{"kernel_size": 2}, {"kernel_size": 3, "stride": 1, "padding": 1},
                   {"kernel_size": (2, 3), "stride": 2, "ceil_mode": True},
                   {"kernel_size": 2, "dilation": 2, "padding": 1}]),
    OpSpec("max_pool1d", lambda x, **k: tg.max_pool1d(x, **k),
           lambda x, **k: _np_pool(x, reduce="max", nd=1, **k),
           lambda x, **k: _tf().max_pool1d(x, **k), 1, [((2, 3, 7),), ((3, 7),)],
           kwargs=[{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1}]),
    OpSpec("max_pool3d", lambda x, **k: tg.max_pool3d(x, **k),
           lambda x, **k: _np_pool(x, reduce="max", nd=3, **k),
           lambda x, **k: _tf().max_pool3d(x, **k), 1, [((1, 2, 4, 3, 4),)],
           kwargs=[{"kernel_size": 2}, {"kernel_size": (2, 1, 3), "stride": 1,
                                         "padding": (1, 0, 1)}]),
    OpSpec("avg_pool3d", lambda x, **k: tg.avg_pool3d(x, **k),
           lambda x, **k: _np_pool(x, reduce="avg", nd=3, **k),
           lambda x, **k: _tf().avg_pool3d(x, **k), 1, [((1, 2, 4, 3, 4),)],
           kwargs=[{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1}]),
    OpSpec("avg_pool2d", lambda x, **k: tg.avg_pool2d(x, **k),
           lambda x, **k: _np_pool(x, reduce="avg", **k),
           lambda x, **k: _tf().avg_pool2d(x, **k), 1, [((2, 3, 6, 5),)],
           kwargs=[{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
                   {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False,
                    "ceil_mode": True}]),
    OpSpec("avg_pool1d", lambda x, **k: tg.avg_pool1d(x, **k),
           lambda x, **k: _np_pool(x, reduce="avg", nd=1, **k),
           lambda x, **k: _tf().avg_pool1d(x, **k), 1, [((2, 3, 7),)],
           kwargs=[{"kernel_size": 3}, {"kernel_size": 2, "stride": 1, "padding": 1}]),
    OpSpec("adaptive_avg_pool2d", lambda x, **k: tg.adaptive_avg_pool2d(x, **k), _np_adaptive,
           lambda x, **k: _tf().adaptive_avg_pool2d(x, **k), 1, [((2, 3, 5, 7),)],
           kwargs=[{"output_size": 1}, {"output_size": (2, 3)}, {"output_size": (5, 7)}]),
    OpSpec("pad", lambda x, **k: tg.pad(x, **k), _np_pad, lambda x, **k: _tf().pad(x, **k), 1,
           [((2, 3, 4, 5),)],
           kwargs=[{"pad": (1, 2)}, {"pad": (1, 0, 2, 1), "value": 0.5},
                   {"pad": (2, 1, 1, 3), "mode": "reflect"},
                   {"pad": (2, 1, 1, 3), "mode": "replicate"},
                   {"pad": (1, 2, 3, 0), "mode": "circular"}]),
    OpSpec("batch_norm2d", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
           _np_batch_norm,
           lambda x, w, b: _tf().batch_norm(x, None, None, w, b, training=True), 3,
           [((3, 2, 3, 2), (2,), (2,))]),
    OpSpec("group_norm", lambda x, w, b, num_groups: F.group_norm(x, num_groups, w, b),
           lambda x, w, b, num_groups: _np_group_norm(x, w, b, num_groups),
           lambda x, w, b, num_groups: _tf().group_norm(x, num_groups, w, b), 3,
           [((2, 4, 3, 2), (4,), (4,)), ((3, 6, 5), (6,), (6,))],
           kwargs=[{"num_groups": 2}, {"num_groups": 1}]),
    OpSpec("normalize", lambda x, **k: F.normalize(x, **k), _np_normalize,
           lambda x, **k: _tf().normalize(x, **k), 1, [((3, 4),), ((2, 3, 2),)],
           kwargs=[{}, {"dim": -1, "p": 1.0}, {"dim": 0, "p": 3.0}],
           domains={0: (0.2, 2.0)}),
]
