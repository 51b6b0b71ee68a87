"""Pooling and padding: max and average pooling over strided window views, and ``pad``.

- ``MaxPool``: the windows of the (-inf padded) input as a strided view, and a running
  maximum (and the winner's offset, uint8) over the kernel offsets, each a whole strided slab.
  Backward: g written into each offset's slab where that offset won, when windows do not
  overlap; otherwise the winners' flat positions scattered with a ``bincount``.
  ``ScatterFlat``/``GatherFlat`` are that scatter and its adjoint as graph ops, for
  ``create_graph``.
- ``AvgPool``: the window sums of the strided view (no copy) divided by the window counts
  (PyTorch's ``count_include_pad`` and ``ceil_mode`` rules, or ``divisor_override``);
  backward: g / count spread back over each window with ``col2im`` (a loop over kernel
  offsets).
- ``Pad``: constant, reflect, replicate and circular padding; backward: a crop (constant) or,
  for the other modes, one product per padded axis with the 0/1 matrix that says which input
  each output copies (so reflected borders add their gradients back).
"""

from __future__ import annotations

import itertools

import numpy as np

from ..autograd import Op
from .conv import Col2Im, crop, full_like, memory_order, pad_spatial, slab, windows


def pool_geometry(spatial, kernel, stride, padding, dilation, ceil_mode):
    """(out_shape, pads): PyTorch's output size, and the (lo, hi) padding per axis with the
    extra right padding ``ceil_mode`` windows need."""
    out, pads = [], []
    for size, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        n = size + 2 * p - span
        o = (-(-n // s) if ceil_mode else n // s) + 1
        if ceil_mode and (o - 1) * s >= size + p:
            o -= 1
        out.append(o)
        pads.append((p, p + max(0, (o - 1) * s + span - (size + 2 * p))))
    return tuple(out), tuple(pads)


class MaxPool(Op):
    """y = max over each window of x (padding counts as -inf);  dx = g scattered to each
    window's first maximum (summed where windows overlap)."""

    __slots__ = ("kernel", "stride", "dilation", "pads", "out_shape", "full_shape", "order")
    label = "max_pool"

    def forward(self, x):
        low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        padded = pad_spatial(x, self.pads, low)
        self.full_shape = padded.shape
        self.order = memory_order(x)  # the gradient is laid out as the input
        # a running maximum over the kernel offsets (each a strided slice of the input): the
        # first maximum wins, as in PyTorch. The result keeps the
        # input's memory order (order="K"), so a batch-innermost layout stays one.
        geometry = (self.stride, self.dilation, self.out_shape)
        offsets = list(itertools.product(*map(range, self.kernel)))
        y = slab(padded, offsets[0], *geometry).copy(order="K")
        arg = np.zeros_like(y, dtype=np.uint8 if len(offsets) < 256 else np.intp)
        for k, offset in enumerate(offsets[1:], 1):
            values = slab(padded, offset, *geometry)
            better = values > y
            np.maximum(y, values, out=y)
            # k is larger than every offset before it: where this one wins, arg becomes k
            # (a masked copy, copyto(where=) or putmask, costs 20 times more)
            np.maximum(arg, better.view(np.uint8) * arg.dtype.type(k), out=arg)
        if y.dtype.kind == "f" and y.size and np.isnan(y.max()):  # PyTorch: the last NaN wins
            for k, offset in enumerate(offsets):
                arg[np.isnan(slab(padded, offset, *geometry))] = k
        self.save(arg)
        return y

    def backward(self, g):
        (arg,) = self.saved
        if isinstance(g, np.ndarray) and not self.overlap:
            # each input is in at most one window: write g / 0 into each offset's slab
            total = full_like(None, self.full_shape, 0, g.dtype, self.order)
            nd = len(self.kernel)
            for k, offset in enumerate(itertools.product(*map(range, self.kernel))):
                target = (Ellipsis,) + tuple(
                    slice(o * d, o * d + s * (m - 1) + 1, s) for o, d, s, m in zip(
                        offset, self.dilation, self.stride, self.out_shape))
                np.multiply(g, arg == k, out=total[target])
            return (crop(total, self.pads) if nd else total,)
        index = self.flat_index(arg)
        return (ScatterFlat.run(g, index=index, full_shape=self.full_shape, pads=self.pads,
                                overlap=self.overlap),)

    def flat_index(self, arg):
        """The flat position of each maximum in the (C-ordered) padded input: where its window
        starts, plus the winner's offset in the window (a table lookup), plus the position of
        its sample and channel."""
        nd = len(self.kernel)
        full = self.full_shape
        spatial = full[-nd:]
        steps = np.cumprod((1,) + spatial[:0:-1])[::-1]  # element strides of the spatial axes
        table = np.zeros(int(np.prod(self.kernel)), np.intp)
        for i, offset in enumerate(np.ndindex(*self.kernel)):
            table[i] = sum(o * d * st for o, d, st in zip(offset, self.dilation, steps))
        starts = sum(np.arange(o).reshape((-1,) + (1,) * (nd - 1 - i)) * (s * st)
                     for i, (o, s, st) in enumerate(zip(self.out_shape, self.stride, steps)))
        size = int(np.prod(spatial))
        base = np.arange(0, int(np.prod(full[:-nd])) * size, size).reshape(
            full[:-nd] + (1,) * nd)
        index = table[arg]
        index += starts
        index += base
        return index

    @property
    def overlap(self) -> bool:
        return any(s < d * (k - 1) + 1 for k, s, d in zip(self.kernel, self.stride,
                                                           self.dilation))


class ScatterFlat(Op):
    """y = crop(zeros(full_shape) with g added at the flat positions ``index``);
    dg = the padded gradient read at ``index`` (``GatherFlat``). Linear in g."""

    __slots__ = ("index", "full_shape", "pads", "overlap")
    label = "scatter_flat"

    def forward(self, g):
        return scatter_flat(g, self.index, self.full_shape, self.pads, self.overlap)

    def backward(self, gg):
        return (GatherFlat.run(gg, index=self.index, full_shape=self.full_shape,
                               pads=self.pads, overlap=self.overlap),)

    @classmethod
    def run(cls, g, **attrs):
        if isinstance(g, np.ndarray):
            return scatter_flat(g, **attrs)
        return cls.apply(g, **attrs)


class GatherFlat(Op):
    """y = pad(x)[index] (flat positions);  dx = ``ScatterFlat`` of g. Linear in x."""

    __slots__ = ("index", "full_shape", "pads", "overlap")
    label = "gather_flat"

    def forward(self, x):
        return pad_spatial(x, self.pads).reshape(-1)[self.index]

    def backward(self, g):
        return (ScatterFlat.run(g, index=self.index, full_shape=self.full_shape,
                                pads=self.pads, overlap=self.overlap),)

    @classmethod
    def run(cls, x, **attrs):
        if isinstance(x, np.ndarray):
            return pad_spatial(x, attrs["pads"]).reshape(-1)[attrs["index"]]
        return cls.apply(x, **attrs)


def scatter_flat(g, index, full_shape, pads, overlap):
    size = int(np.prod(full_shape))
    if overlap:  # several outputs may pick the same input: sum them
        total = np.bincount(index.reshape(-1), weights=g.reshape(-1), minlength=size)
        total = total.astype(g.dtype, copy=False)
    else:
        total = np.zeros(size, dtype=g.dtype)
        total[index.reshape(-1)] = g.reshape(-1)
    return crop(total.reshape(full_shape), pads)


class AvgPool(Op):
    """y = sum over each window of x (zero padded) / count;  dx = g / count spread over each
    window (``col2im``). ``divisor``: the counts, an array of the output's spatial shape."""

    __slots__ = ("kernel", "stride", "pads", "out_shape", "divisor", "spatial")
    label = "avg_pool"

    def forward(self, x):
        nd = len(self.kernel)
        self.spatial = x.shape[-nd:]
        view = windows(pad_spatial(x, self.pads), self.kernel, self.stride, (1,) * nd)
        view = view[(Ellipsis,) + tuple(slice(0, o) for o in self.out_shape) + (slice(None),) * nd]
        y = view.sum(axis=tuple(range(-nd, 0)))
        y /= self.divisor.astype(y.dtype, copy=False)
        return y

    def backward(self, g):
        nd = len(self.kernel)
        lead = g.shape[:-nd]
        k = int(np.prod(self.kernel))
        length = int(np.prod(self.out_shape))
        gd = (g / self.divisor.astype(g.dtype, copy=False)).reshape((-1, 1, length))
        if isinstance(gd, np.ndarray):
            cols = np.broadcast_to(gd, (gd.shape[0], k, length))
        else:
            cols = self.xp.broadcast_to(gd, (gd.shape[0], k, length))
        gx = Col2Im.run(cols, channels=1, spatial=self.spatial, kernel=self.kernel,
                        stride=self.stride, dilation=(1,) * nd, pads=self.pads,
                        out_shape=self.out_shape)
        return (gx.reshape(lead + tuple(self.spatial)),)


def avg_divisor(spatial, kernel, stride, padding, pads, out_shape, count_include_pad):
    """How many elements each window averages: those inside the padded input (PyTorch's
    count_include_pad=True) or inside the input itself."""
    nd = len(kernel)
    if count_include_pad:
        region = pad_spatial(np.ones(tuple(s + 2 * p for s, p in zip(spatial, padding))),
                             tuple((0, hi - lo) for lo, hi in pads))
    else:
        region = pad_spatial(np.ones(tuple(spatial)), pads)
    view = windows(region, kernel, stride, (1,) * nd)
    view = view[tuple(slice(0, o) for o in out_shape)]
    return view.sum(axis=tuple(range(-nd, 0)))


_NUMPY_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
                "circular": "wrap"}


class Pad(Op):
    """y = x padded by ``widths`` ((lo, hi) per axis) in ``mode``;  dx = g cropped (constant)
    or g @ M per padded axis, M[i, j] = 1 where output i copies input j (the other modes)."""

    __slots__ = ("widths", "mode", "value")
    label = "pad"

    def forward(self, x):
        if self.mode == "constant":
            return np.pad(x, self.widths, constant_values=self.value)
        return np.pad(x, self.widths, mode=_NUMPY_MODES[self.mode])

    def backward(self, g):
        if self.mode == "constant":
            return (g[tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in
                            enumerate(self.widths))],)
        for axis, (lo, hi) in enumerate(self.widths):
            if not (lo or hi):
                continue
            n = g.shape[axis] - lo - hi
            source = np.pad(np.arange(n), (lo, hi), mode=_NUMPY_MODES[self.mode])
            copies = np.zeros((source.size, n), dtype=g.dtype)
            copies[np.arange(source.size), source] = 1
            perm = tuple(a for a in range(g.ndim) if a != axis) + (axis,)
            inverse = tuple(int(i) for i in np.argsort(perm))
            g = (g.transpose(perm) @ copies).transpose(inverse)
        return (g,)
