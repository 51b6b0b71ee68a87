"""Op-table entries: the spatial-transformer ops (grid_sampler, affine_grid_generator), max
unpooling and the multi-label margin loss (tinygraph/ops/grid_sample.py, ops/unpool.py,
nn/margin_losses.py).

The NumPy references loop over output points and taps (slow but obviously right),
independent of the gathered taps the ops use."""

from __future__ import annotations

import itertools
import math

import numpy as np

import tinygraph as tg
from tinygraph.nn import functional as F

from .spec import OpSpec, _torch

MODES = ("bilinear", "nearest", "bicubic")
PADDINGS = ("zeros", "border", "reflection")


def _reflect(u, lo2, hi2):
    if lo2 == hi2:
        return 0.0
    low, span = lo2 / 2, (hi2 - lo2) / 2
    v = abs(u - low)
    extra = math.fmod(v, span)
    return extra + low if math.floor(v / span) % 2 == 0 else span - extra + low


def _pad(u, n, padding, align):
    if padding == "zeros":
        return u
    if padding == "reflection":
        u = _reflect(u, *((0, 2 * (n - 1)) if align else (-1, 2 * n - 1)))
    return min(max(u, 0.0), n - 1.0)


def _cubic(t):
    a = -0.75

    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def np_grid_sampler(x, grid, interpolation_mode, padding_mode, align_corners):
    """One output point at a time: its coordinate per axis, then a sum over its taps."""
    mode, padding = MODES[interpolation_mode], PADDINGS[padding_mode]
    n, c = x.shape[:2]
    spatial = x.shape[2:]
    nd = len(spatial)
    out = np.zeros((n, c) + grid.shape[1:-1])
    for b in range(n):
        for point in itertools.product(*map(range, grid.shape[1:-1])):
            taps_per_axis = []
            for axis, size in enumerate(spatial):
                g = grid[(b,) + point + (nd - 1 - axis,)]
                u = ((g + 1) / 2 * (size - 1)) if align_corners else ((g + 1) * size - 1) / 2
                if mode == "bicubic":
                    f = math.floor(u)
                    weights = _cubic(u - f)
                    taps = [_pad(f + o, size, padding, align_corners) for o in (-1, 0, 1, 2)]
                else:
                    u = _pad(u, size, padding, align_corners)
                    if mode == "nearest":
                        taps, weights = [float(np.rint(u))], [1.0]
                    else:
                        f = math.floor(u)
                        taps, weights = [f, f + 1], [1 - (u - f), u - f]
                taps_per_axis.append(list(zip(taps, weights)))
            for combo in itertools.product(*taps_per_axis):
                index = tuple(int(t) for t, _ in combo)
                if all(0 <= i < s for i, s in zip(index, spatial)):
                    w = np.prod([w for _, w in combo])
                    out[(b, slice(None)) + point] += w * x[(b, slice(None)) + index]
    return out


def _sampler_cases(shapes):
    nd = len(shapes[0]) - 2
    # bicubic in 2-D only; torch's own bicubic double backward fails on an empty grid
    modes = (0, 1, 2) if nd == 2 and all(shapes[1]) else (0, 1)
    return [{"interpolation_mode": m, "padding_mode": p, "align_corners": a}
            for m in modes for p in (0, 1, 2) for a in (False, True)]


def np_affine_grid(theta, size, align_corners):
    spatial = size[2:]
    axes = []
    for n in spatial:
        steps = np.linspace(-1, 1, n) if n > 1 else np.zeros(1)
        axes.append(steps if align_corners else steps * (n - 1) / n)
    out = np.zeros((size[0],) + tuple(spatial) + (len(spatial),))
    for b in range(size[0]):
        for point in itertools.product(*map(range, spatial)):
            coords = [axes[a][point[a]] for a in reversed(range(len(spatial)))] + [1.0]
            out[(b,) + point] = theta[b] @ np.array(coords)
    return out


def _unpool_indices(shape, kernel, nd):
    """The indices max pooling returns for a fixed random input of the pooled size."""
    pooled = [s * kernel for s in shape[-nd:]]
    x = np.random.default_rng(7).standard_normal(tuple(shape[:-nd]) + tuple(pooled))
    pool = (tg.max_pool1d, tg.max_pool2d, tg.max_pool3d)[nd - 1]
    return pool(tg.tensor(x), kernel, return_indices=True)[1].numpy()


def np_max_unpool(x, indices, kernel_size, output_size=None, nd=2):
    out = output_size or tuple((s - 1) * kernel_size + kernel_size for s in x.shape[-nd:])
    lead = x.shape[:-nd]
    y = np.zeros(lead + tuple(out)).reshape(lead + (-1,))
    for pos in np.ndindex(*x.shape):
        y[pos[:-nd] + (indices[pos],)] = x[pos]
    return y.reshape(lead + tuple(out))


def _unpool_spec(nd, shapes):
    name = f"max_unpool{nd}d"

    def kwargs(case):
        idx = _unpool_indices(case[0], 2, nd)
        cases = [{"indices": idx, "kernel_size": 2}]
        bigger = tuple(2 * s + 1 for s in case[0][-nd:])
        cases.append({"indices": idx, "kernel_size": 2, "output_size": bigger})
        return cases

    def fn(x, indices, **k):
        return getattr(F, name)(x, tg.tensor(indices), **k)

    def torch_fn(x, indices, **k):
        t = _torch()
        return getattr(t.nn.functional, name)(x, t.tensor(indices), **k)

    return OpSpec(name, fn, lambda x, indices, **k: np_max_unpool(x, indices, nd=nd, **k),
                  torch_fn, 1, shapes, kwargs=kwargs)


def np_multilabel_margin(x, target, reduction="mean"):
    rows = x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)
    labels = target.reshape(rows.shape)
    losses = []
    for row, t in zip(rows, labels):
        listed = []
        for j in t:
            if j == -1:
                break
            listed.append(j)
        total = sum(max(0.0, 1 - row[j] + row[i]) for j in listed
                    for i in range(len(row)) if i not in listed)
        losses.append(total / len(row))
    losses = np.array(losses).reshape(x.shape[:-1] if x.ndim > 1 else ())
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](losses)


def _multilabel_cases(shapes):
    rng = np.random.default_rng(3)
    c = shapes[0][-1]
    target = rng.integers(-1, c, size=shapes[0])
    return [{"target": target}, {"target": target, "reduction": "none"},
            {"target": target, "reduction": "sum"}]


OPS = [
    OpSpec("grid_sampler", tg.grid_sampler, np_grid_sampler,
           lambda x, g, **k: _torch().grid_sampler(x, g, k["interpolation_mode"],
                                                   k["padding_mode"], k["align_corners"]),
           2, [((2, 2, 4, 5), (2, 3, 2, 2)), ((1, 2, 3, 2, 4), (1, 2, 1, 2, 3)),
               ((2, 1, 3, 3), (2, 0, 2, 2))],
           kwargs=_sampler_cases, domains={1: (-1.6, 1.6)}),
    OpSpec("affine_grid_generator", tg.affine_grid_generator, np_affine_grid,
           lambda t, **k: _torch().affine_grid_generator(t, **k), 1,
           [((2, 2, 3),), ((2, 3, 4),)],
           kwargs=lambda s: [{"size": (2, 1, 3, 4) if s[0][1] == 2 else (2, 1, 2, 3, 4),
                              "align_corners": a} for a in (False, True)]),
    _unpool_spec(1, [((2, 3, 4),), ((3, 4),)]),
    _unpool_spec(2, [((2, 2, 3, 2),), ((2, 2, 3),)]),
    _unpool_spec(3, [((1, 2, 2, 1, 2),)]),
    OpSpec("multilabel_margin_loss",
           lambda x, target, **k: F.multilabel_margin_loss(x, tg.tensor(target), **k),
           np_multilabel_margin,
           lambda x, target, **k: _torch().nn.functional.multilabel_margin_loss(
               x, _torch().tensor(target), **k),
           1, [((3, 5),), ((4,),)], kwargs=_multilabel_cases, second_order=False),
]
