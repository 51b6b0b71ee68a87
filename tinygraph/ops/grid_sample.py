"""Sampling an input at the points of a grid (``torch.grid_sampler``, behind
``F.grid_sample``) and the grid of an affine map (``torch.affine_grid_generator``, behind
``F.affine_grid``).

A grid point (x, y[, z]) in [-1, 1] is first made a pixel coordinate u = g a + b of each input
axis (``align_corners``: -1 and 1 are the centres or the outer edges of the corner pixels),
then padded (``border`` clips it to the input, ``reflection`` mirrors it at the edges, then
clips). Interpolation reads a few taps around it: nearest (1), bilinear (2 per axis) or bicubic
(4 per axis, Keys' kernel with A = -0.75, its taps padded one by one); taps outside the input
read 0. Every tap's position and validity are constants of the grid's values; what depends on
the grid is the fraction t = c - floor(c) of the padded coordinate c, written t = S g + R with
S = a times the padding's derivative (0 where a clip is active, -1 where a reflection flips),
so the weights and their derivatives are polynomials in the grid that the backward records
under ``create_graph`` (second derivatives in the input and in the grid, as PyTorch's).
"""

from __future__ import annotations

import itertools

import numpy as np

from ..autograd import Op
from ..errors import ShapeError
from .args import data, shape
from .registry import functions, public

MODES = ("bilinear", "nearest", "bicubic")
PADDINGS = ("zeros", "border", "reflection")
A = -0.75  # the bicubic convolution's constant, PyTorch's (and OpenCV's)


def _reflect(u, twice_low, twice_high):
    """u mirrored into [low, high] (PyTorch's reflect_coordinates) and its derivative ±1."""
    if twice_low == twice_high:
        return np.zeros_like(u), np.zeros_like(u)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    v = u - low
    sign = np.where(v < 0, -1.0, 1.0)
    v = np.abs(v)
    extra = np.fmod(v, span)
    even = np.floor(v / span) % 2 == 0
    return (np.where(even, extra + low, span - extra + low),
            np.where(even, sign, -sign).astype(u.dtype))


def pad_coordinates(u, n, padding_mode, align_corners):
    """(c, s): the padded coordinate of u on an axis of n pixels and its derivative dc/du."""
    if padding_mode == "zeros":
        return u, np.ones_like(u)
    s = np.ones_like(u)
    if padding_mode == "reflection":
        bounds = (0, 2 * (n - 1)) if align_corners else (-1, 2 * n - 1)
        u, s = _reflect(u, *bounds)
    inside = (u > 0) & (u < n - 1)  # PyTorch counts the borders as clipped (gradient 0)
    return np.where(np.isnan(u), 0, np.clip(u, 0, n - 1)), s * inside  # NaN: clipped to 0


def _taps(mode):
    return {"bilinear": (0, 1), "nearest": (0,), "bicubic": (-1, 0, 1, 2)}[mode]


def _cubic(t):
    """Keys' kernel at the four taps -1, 0, 1, 2 around a point at fraction t, and its
    derivatives in t."""
    s = 1 - t
    u, v = t + 1, 2 - t
    w = [((A * u - 5 * A) * u + 8 * A) * u - 4 * A, ((A + 2) * t - (A + 3)) * t * t + 1,
         ((A + 2) * s - (A + 3)) * s * s + 1, ((A * v - 5 * A) * v + 8 * A) * v - 4 * A]
    d = [(3 * A * u - 10 * A) * u + 8 * A, (3 * (A + 2) * t - 2 * (A + 3)) * t,
         -((3 * (A + 2) * s - 2 * (A + 3)) * s), -((3 * A * v - 10 * A) * v + 8 * A)]
    return w, d


def _weights(ts, mode):
    """Per axis: the tap weights and their derivatives in t (numbers or arrays/Tensors)."""
    if mode == "nearest":
        return [([1.0], [0.0]) for _ in ts]
    if mode == "bilinear":
        return [([1 - t, t], [-1.0, 1.0]) for t in ts]
    return [_cubic(t) for t in ts]


class GridSampler(Op):
    """y[n, c, p] = sum_k V_k w_k(t) x[n, c, i_k]  (taps k at the flat positions i_k, V_k = 0
    for taps outside the input, w_k = prod_axes phi(t_axis), t = S g + R);
    dx = the g V_k w_k scattered to i_k;  dgrid[..., axis] = S sum_k V_k dw_k/dt_axis
    sum_c g x[n, c, i_k] (zero for nearest)."""

    __slots__ = ("mode", "padding_mode", "align_corners", "index", "valid", "S", "R", "table",
                 "clean")
    label = "grid_sampler"

    def forward(self, x, grid):
        with np.errstate(invalid="ignore"):  # NaN or infinite points propagate as torch's
            self.plan(grid, x.shape[2:])
        self.save(x, grid)
        return self.sample(x, grid, np)

    def plan(self, grid, spatial):
        """The constants: each tap's flat index and validity, and S, R of each axis."""
        nd = len(spatial)
        points = grid.reshape(_points(grid))
        strides = np.cumprod((1,) + tuple(spatial[:0:-1]))[::-1]
        self.S, self.R, positions, inside = [], [], [], []
        self.clean = None
        for axis, size in enumerate(spatial):
            g = points[..., nd - 1 - axis]  # x is the last axis (width), y the one before
            a = (size - 1) / 2 if self.align_corners else size / 2
            u = g * a + (size - 1) / 2
            if self.mode == "bicubic":  # the coordinate is not padded, its taps are
                c, s = u, np.ones_like(u)
            else:
                c, s = pad_coordinates(u, size, self.padding_mode, self.align_corners)
            base = np.rint(c) if self.mode == "nearest" else np.floor(c)
            self.S.append((s * a).astype(grid.dtype))
            finite = np.isfinite(g)
            self.R.append((c - base - np.where(finite, s * a * g, 0)).astype(grid.dtype))
            if not finite.all():  # t reads 0 * g there, which must not make 0 * inf = NaN
                self.clean = [np.isfinite(points[..., nd - 1 - j]) for j in range(nd)]
            where, ok = [], []
            for offset in _taps(self.mode):
                tap = base + offset
                if self.mode == "bicubic":
                    tap = pad_coordinates(tap, size, self.padding_mode, self.align_corners)[0]
                ok.append((tap >= 0) & (tap <= size - 1))
                where.append(np.clip(np.nan_to_num(tap), 0, size - 1).astype(np.intp))
            positions.append(where)
            inside.append(ok)
        table = list(itertools.product(*(range(len(_taps(self.mode))),) * nd))
        self.table = table
        self.index = np.stack([sum(positions[j][k[j]] * strides[j] for j in range(nd))
                               for k in table])
        self.valid = np.stack([np.logical_and.reduce([inside[j][k[j]] for j in range(nd)])
                               for k in table])

    def fractions(self, grid, xp):
        nd = len(self.S)
        points = grid.reshape(_points(grid))
        parts = [points[:, :, nd - 1 - j] for j in range(nd)]
        if self.clean is not None:
            parts = [xp.where(ok, p, 0.0) for ok, p in zip(self.clean, parts)]
        return [p * self.S[j] + self.R[j] for j, p in enumerate(parts)]

    def tap_weights(self, grid, xp, axis=None):
        """w_k for each tap k (times V_k), or dw_k/dt_axis where ``axis`` is given."""
        per_axis = _weights(self.fractions(grid, xp), self.mode)
        out = []
        for k, taps in enumerate(self.table):
            w = 1.0
            for j, tap in enumerate(taps):
                w = w * per_axis[j][1 if j == axis else 0][tap]
            out.append(w * self.valid[k].astype(self.S[0].dtype))
        return out

    def gathered(self, x, k):
        n, c = x.shape[:2]
        flat = x.reshape((n, c, int(np.prod(x.shape[2:]))))
        return flat[np.arange(n)[:, None, None], np.arange(c)[None, :, None],
                    self.index[k][:, None, :]]

    def sample(self, x, grid, xp):
        n, c = x.shape[:2]
        out = None
        for k, w in enumerate(self.tap_weights(grid, xp)):
            term = self.gathered(x, k) * w.reshape((n, 1, _points(grid)[1]))
            out = term if out is None else out + term
        return out.reshape((n, c) + grid.shape[1:-1])

    def backward(self, g):
        x, grid = self.saved
        xp = self.xp
        n, c = x.shape[:2]
        g = g.reshape((n, c, _points(grid)[1]))
        gx = ggrid = None
        if self.needs_grad[0]:
            weights = self.tap_weights(grid, xp)
            flat = ((np.arange(n)[:, None, None] * c + np.arange(c)[None, :, None])
                    * (int(np.prod(x.shape[2:])))) + self.index[:, :, None, :]
            terms = [g * w.reshape((n, 1, g.shape[2])) for w in weights]
            size = int(np.prod(x.shape))
            if isinstance(g, np.ndarray):
                gx = np.bincount(flat.reshape(-1), np.stack(terms).reshape(-1), minlength=size)
                gx = gx.astype(g.dtype, copy=False)
            else:
                gx = xp.scatter_add(xp.stack(terms).reshape(-1), flat.reshape(-1), (size,))
            gx = gx.reshape(x.shape)
        if self.needs_grad[1]:
            if self.mode == "nearest":
                ggrid = xp.zeros(grid.shape, dtype=grid.dtype)
            else:
                values = [xp.sum(g * self.gathered(x, k), 1) for k in range(len(self.table))]
                parts = []
                nd = len(self.S)
                for axis in reversed(range(nd)):  # the grid's last axis: x, y[, z]
                    dw = self.tap_weights(grid, xp, axis)
                    total = sum(v * d for v, d in zip(values, dw))
                    parts.append(total * self.S[axis])
                ggrid = xp.stack(parts, -1).reshape(grid.shape)
        return gx, ggrid


def _points(grid):
    """(N, P, nd): the grid's points in rows."""
    s = grid.shape
    return (s[0], int(np.prod(s[1:-1])), s[-1])


def _check_sampler(input, grid, mode):
    s, gs = shape(input), shape(grid)
    op = "grid_sampler"
    if len(s) not in (4, 5) or len(gs) != len(s):
        raise ShapeError(f"{op}: expected a 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input and a "
                         f"grid with the same number of dimensions, but got input with sizes "
                         f"{list(s)} and grid with sizes {list(gs)}.")
    if s[0] != gs[0]:
        raise ShapeError(f"{op}: expected grid and input to have same batch size, but got "
                         f"input with sizes {list(s)} and grid with sizes {list(gs)}.")
    if gs[-1] != len(s) - 2:
        raise ShapeError(f"{op}: expected grid to have size {len(s) - 2} in last dimension, "
                         f"but got grid with sizes {list(gs)}.")
    for i, size in enumerate(s[2:], 2):
        if size == 0:
            raise ShapeError(f"{op}: expected input to have non-empty spatial dimensions, but "
                             f"input has sizes {list(s)} with dimension {i} being empty.")
    if mode == "bicubic" and len(s) == 5:
        raise ShapeError(f"{op}: bicubic interpolation only supports 4D input, got input "
                         f"with sizes {list(s)}; use mode='bilinear' or 'nearest'.")
    a, b = np.asarray(data(input)), np.asarray(data(grid))
    if a.dtype.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for {a.dtype} input; convert the "
                                  "input and the grid to a floating dtype.")
    if a.dtype != b.dtype:
        raise RuntimeError(f"{op}: expected input and grid of the same dtype, got {a.dtype} "
                           f"input and {b.dtype} grid.")


@public("grid_sampler", method=False)
def grid_sampler(input, grid, interpolation_mode: int, padding_mode: int,
                 align_corners: bool):
    """``input`` (N, C, [D,] H, W) sampled at the points of ``grid`` (N, [D',] H', W', 2 or
    3), PyTorch's ``torch.grid_sampler``: ``interpolation_mode`` 0 bilinear, 1 nearest,
    2 bicubic; ``padding_mode`` 0 zeros, 1 border, 2 reflection."""
    if interpolation_mode not in (0, 1, 2) or padding_mode not in (0, 1, 2):
        raise ValueError(f"grid_sampler: interpolation_mode and padding_mode must be 0, 1 or "
                         f"2, got {interpolation_mode} and {padding_mode}.")
    _check_sampler(input, grid, MODES[interpolation_mode])
    return GridSampler.apply(input, grid, mode=MODES[interpolation_mode],
                             padding_mode=PADDINGS[padding_mode],
                             align_corners=bool(align_corners))


def base_grid(spatial, align_corners, dtype):
    """The (prod(spatial), nd + 1) rows [x, y, (z,) 1] of the identity grid, x fastest."""
    axes = []
    for n in spatial:
        steps = np.linspace(-1, 1, n) if n > 1 else np.zeros(1)
        axes.append(steps if align_corners else steps * (n - 1) / n)
    mesh = np.meshgrid(*axes, indexing="ij")  # (D,) H, W
    rows = [m.reshape(-1) for m in reversed(mesh)] + [np.ones(int(np.prod(spatial)))]
    return np.stack(rows, -1).astype(dtype)


@public("affine_grid_generator", method=False)
def affine_grid_generator(theta, size, align_corners: bool):
    """The sampling grid (N, [D,] H, W, nd) of the affine maps ``theta`` (N, nd, nd + 1) for
    an output of ``size`` (N, C, [D,] H, W): each identity-grid point [x, y, (z,) 1] times
    theta transposed (one batched matmul, so differentiable to any order)."""
    size = tuple(int(v) for v in size)
    spatial = size[2:]
    dtype = np.asarray(data(theta)).dtype
    if len(shape(theta)) != 3 or shape(theta)[0] != size[0]:
        raise ShapeError(f"affine_grid_generator: expected theta of shape ({size[0]}, "
                         f"{len(spatial)}, {len(spatial) + 1}) for size {list(size)}, got "
                         f"{tuple(shape(theta))}.")
    base = base_grid(spatial, align_corners, dtype)
    grid = functions["matmul"](base, functions["transpose"](theta, 1, 2))
    return functions["reshape"](grid, (size[0],) + spatial + (len(spatial),))
