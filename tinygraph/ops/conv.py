"""Convolutions on NumPy: im2col through stride tricks, one matmul, col2im by kernel offset.

- ``Im2Col`` / ``Col2Im``: the unfolding of (N, C, *spatial) into (N, C * K, L) columns
  (K kernel positions, L output positions; torch's ``F.unfold`` layout) and its adjoint, the
  scatter back. Each is the other's backward, so both are linear graph ops and any backward
  built from them can be differentiated again.
- ``Conv``: ``conv1d``/``conv2d`` (stride, zero padding, dilation, groups, bias). Forward: the
  columns as a strided view (``sliding_window_view``, no copy) made contiguous once, then one
  BLAS product per group. Backward: dW = g @ cols^T (one product), dx = col2im(W^T @ g), the
  scatter a loop over the kh * kw kernel offsets (each adds a whole strided slab), never over
  pixels or the batch. The columns are saved for the backward and released after it.
- ``ConvTranspose``: ``conv_transpose2d`` (and 1-D): the adjoint of a convolution in its
  input, computed as col2im(W^T @ x); its backward is an im2col and two products.

Under ``create_graph`` the backwards are recorded from ``Im2Col``/``Col2Im`` and matmuls on
Tensors (the columns are rebuilt from the input, attached to the graph), so second
derivatives are exact.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..autograd import Op

as_strided = np.lib.stride_tricks.as_strided


# -- the array kernels ----------------------------------------------------------------------

def memory_order(ref) -> tuple | None:
    """``ref``'s axes from the outermost in memory to the innermost (None: C order)."""
    if ref.ndim < 2 or ref.flags.c_contiguous:
        return None
    return tuple(sorted(range(ref.ndim), key=lambda a: -abs(ref.strides[a])))


def full_like(ref, shape, value, dtype=None, order=None):
    """An array of ``shape`` filled with ``value``, its axes in ``ref``'s memory order (or
    ``order``), so a batch-innermost layout, which the convolutions produce, stays one."""
    dtype = ref.dtype if dtype is None else dtype
    order = memory_order(ref) if order is None and ref is not None else order
    if order is None:
        return np.full(shape, value, dtype=dtype)
    inverse = [order.index(a) for a in range(len(order))]
    return np.full([shape[a] for a in order], value, dtype=dtype).transpose(inverse)


def pad_spatial(x, pads, value=0.0):
    """x with its trailing spatial axes padded by ``pads`` ((lo, hi) per axis) with ``value``
    (the result in x's memory order)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    lead = x.ndim - len(pads)
    out = full_like(x, x.shape[:lead] + tuple(
        n + lo + hi for n, (lo, hi) in zip(x.shape[lead:], pads)), value)
    out[(Ellipsis,) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape[lead:], pads))] = x
    return out


def windows(xp_, kernel, stride, dilation, out_shape=None):
    """A strided view (N, C, *out, *kernel) of the padded input's windows (no copy)."""
    nd = len(kernel)
    lead = xp_.ndim - nd
    spatial_strides = xp_.strides[lead:]
    if out_shape is None:
        out_shape = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(
            xp_.shape[lead:], kernel, stride, dilation))
    shape = xp_.shape[:lead] + tuple(out_shape) + tuple(kernel)
    strides = (xp_.strides[:lead] + tuple(s * st for s, st in zip(stride, spatial_strides))
               + tuple(d * st for d, st in zip(dilation, spatial_strides)))
    return as_strided(xp_, shape, strides, writeable=False)


def slab(xp_, offset, stride, dilation, out_shape):
    """The elements of every window at one kernel ``offset``: a strided slice, (N, C, *out)."""
    return xp_[(Ellipsis,) + tuple(slice(o * d, o * d + s * (m - 1) + 1, s) for o, d, s, m in
                                   zip(offset, dilation, stride, out_shape))]


def im2col(x, kernel, stride, dilation, pads, rows=False):
    """(N, C, *spatial) -> (N, C * K, L) columns, one copy of the strided window view; with
    ``rows``, (C * K, L * N) instead (one matrix for the whole batch, the batch innermost)."""
    view = windows(pad_spatial(x, pads), kernel, stride, dilation)
    nd = len(kernel)
    n, c = view.shape[:2]
    out = view.shape[2:2 + nd]
    k = int(np.prod(kernel))
    spatial_axes = tuple(range(2, 2 + nd))
    kernel_axes = tuple(range(2 + nd, 2 + 2 * nd))
    if rows:  # (N, C, *out, *k) -> (C, *k, *out, N): the batch innermost
        cols = np.ascontiguousarray(view.transpose((1,) + kernel_axes + spatial_axes + (0,)))
        return cols.reshape(c * k, n * int(np.prod(out)))
    # (N, C, *out, *k) -> (N, C, *k, *out): channels and kernel offsets become the rows
    cols = np.ascontiguousarray(view.transpose((0, 1) + kernel_axes + spatial_axes))
    return cols.reshape(n, c * k, int(np.prod(out)))


def col2im(cols, channels, spatial, kernel, stride, dilation, pads, out_shape, rows=None):
    """The adjoint of :func:`im2col`: columns (N, C * K, L) summed back into (N, C, *spatial)
    (``rows=N``: columns (C * K, L * N), the result an (N, C, ...) view of a (C, ..., N) array).

    One strided slab per kernel offset is added (a loop over kh * kw, not over pixels)."""
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    if rows is None:
        n = cols.shape[0]
        total = np.zeros((n, channels) + padded, dtype=cols.dtype)
        blocks = cols.reshape((n, channels) + tuple(kernel) + tuple(out_shape))
    else:  # (C, *k, *out, N) blocks into a (C, *padded, N) total: slabs with N innermost
        nd = len(kernel)
        total = np.zeros((channels,) + padded + (rows,), dtype=cols.dtype)
        blocks = cols.reshape((channels,) + tuple(kernel) + tuple(out_shape) + (rows,))
        blocks = blocks.transpose((1 + 2 * nd, 0) + tuple(range(1, 1 + 2 * nd)))
        total = total.transpose((total.ndim - 1, 0) + tuple(range(1, total.ndim - 1)))
    for offset in itertools.product(*(range(k) for k in kernel)):
        target = (slice(None), slice(None)) + tuple(
            slice(o * d, o * d + s * (m - 1) + 1, s)
            for o, d, s, m in zip(offset, dilation, stride, out_shape))
        total[target] += blocks[(slice(None), slice(None)) + offset]
    return crop(total, pads)


def crop(x, pads):
    if not any(lo or hi for lo, hi in pads):
        return x
    index = (slice(None),) * (x.ndim - len(pads)) + tuple(
        slice(lo, x.shape[x.ndim - len(pads) + i] - hi) for i, (lo, hi) in enumerate(pads))
    return x[index]


def out_size(size, kernel, stride, dilation, lo, hi):
    return (size + lo + hi - dilation * (kernel - 1) - 1) // stride + 1


# -- the linear graph ops ---------------------------------------------------------------------

class Im2Col(Op):
    """cols = unfold(x): (N, C, *spatial) -> (N, C * K, L);  dx = col2im(g) (the adjoint).

    Linear, so its backward needs nothing saved and is itself a graph op (``Col2Im``)."""

    __slots__ = ("kernel", "stride", "dilation", "pads", "spatial", "out_shape")
    label = "im2col"

    def forward(self, x):
        self.spatial = x.shape[2:]
        self.out_shape = tuple(out_size(s, k, st, d, lo, hi) for s, k, st, d, (lo, hi) in zip(
            self.spatial, self.kernel, self.stride, self.dilation, self.pads))
        return im2col(x, self.kernel, self.stride, self.dilation, self.pads)

    def backward(self, g):
        channels = g.shape[1] // int(np.prod(self.kernel))
        return (Col2Im.run(g, channels=channels, spatial=self.spatial, kernel=self.kernel,
                           stride=self.stride, dilation=self.dilation, pads=self.pads,
                           out_shape=self.out_shape),)


class Col2Im(Op):
    """x = col2im(cols): (N, C * K, L) summed into (N, C, *spatial);  dcols = im2col(g)."""

    __slots__ = ("channels", "spatial", "kernel", "stride", "dilation", "pads", "out_shape")
    label = "col2im"

    def forward(self, cols):
        return col2im(cols, self.channels, self.spatial, self.kernel, self.stride,
                      self.dilation, self.pads, self.out_shape)

    def backward(self, g):
        return (Im2Col.run(g, kernel=self.kernel, stride=self.stride, dilation=self.dilation,
                           pads=self.pads),)

    @classmethod
    def run(cls, cols, **attrs):
        """col2im on an array, or the recorded op on a Tensor (inside a create_graph backward)."""
        if isinstance(cols, np.ndarray):
            return col2im(cols, attrs["channels"], attrs["spatial"], attrs["kernel"],
                          attrs["stride"], attrs["dilation"], attrs["pads"], attrs["out_shape"])
        return cls.apply(cols, **attrs)


def _im2col_run(cls, x, **attrs):
    if isinstance(x, np.ndarray):
        return im2col(x, attrs["kernel"], attrs["stride"], attrs["dilation"], attrs["pads"])
    return cls.apply(x, **attrs)


Im2Col.run = classmethod(_im2col_run)


# -- convolution ----------------------------------------------------------------------------

class Conv(Op):
    """y[n, o] = sum_{c, k} W[o, c, k] x_pad[n, c, s * l + d * k] + b[o]  (per group);
    dW = g @ cols^T,  dx = col2im(W^T @ g),  db = sum of g over batch and positions.

    ``x`` (N, C_in, *spatial), ``W`` (C_out, C_in / groups, *kernel), ``b`` (C_out,) or absent.
    """

    __slots__ = ("stride", "dilation", "pads", "groups", "spatial", "out_shape")
    label = "conv"

    def forward(self, x, w, b=None):
        kernel = w.shape[2:]
        self.spatial = x.shape[2:]
        cols = im2col(x, kernel, self.stride, self.dilation, self.pads,
                      rows=self.groups == 1)
        self.out_shape = out_shape = tuple(
            out_size(s, k, st, d, lo, hi) for s, k, st, d, (lo, hi) in zip(
                self.spatial, kernel, self.stride, self.dilation, self.pads))
        n, groups, c_out = x.shape[0], self.groups, w.shape[0]
        if groups == 1:
            # one product (C_out, C K) @ (C K, L N); the result is returned as an (N, C_out,
            # ...) view of the (C_out, ..., N) array: the ops after it keep that memory order
            # (batch innermost: long inner loops for NumPy on small images), so the gradient
            # arrives in it and the backward needs no transposing copy
            y = (w.reshape(c_out, -1) @ cols).reshape((c_out,) + out_shape + (n,))
            y = y.transpose((y.ndim - 1,) + tuple(range(y.ndim - 1)))
        else:
            y = np.matmul(w.reshape(groups, c_out // groups, -1),
                          cols.reshape(n, groups, -1, cols.shape[-1]))
            y = y.reshape((n, c_out) + out_shape)
        if b is not None:
            y += b.reshape((c_out,) + (1,) * len(out_shape))
        self.save(x, w, cols)
        return y

    def backward(self, g):
        x, w, cols = self.saved
        xp = self.xp
        need = self.needs_grad
        n, c_out = g.shape[0], g.shape[1]
        groups = self.groups
        kernel = tuple(w.shape[2:])
        geometry = dict(kernel=kernel, stride=self.stride, dilation=self.dilation,
                        pads=self.pads)
        if isinstance(x, np.ndarray) and groups == 1:
            return self._backward_rows(g, x, w, cols)
        if not isinstance(x, np.ndarray):  # create_graph: the columns, from x on the graph
            cols = Im2Col.run(x, **geometry)
        length = int(np.prod(self.out_shape))
        gg = g.reshape((n, groups, c_out // groups, length))
        cg = cols.reshape((n, groups, -1, length))
        w2 = w.reshape((groups, c_out // groups, -1))
        gx = gw = gb = None
        if need[0]:
            gcols = (w2.transpose((0, 2, 1)) @ gg).reshape((n, -1, length))
            gx = Col2Im.run(gcols, channels=x.shape[1], spatial=self.spatial,
                            out_shape=self.out_shape, **geometry)
        if need[1]:
            # one product: (G, C_out/G, N * L) @ (G, N * L, C_in/G * K)
            left = gg.transpose((1, 2, 0, 3)).reshape((groups, c_out // groups, n * length))
            right = cg.transpose((1, 0, 3, 2)).reshape((groups, n * length, -1))
            gw = (left @ right).reshape(w.shape)
        if len(need) == 3 and need[2]:
            gb = xp.sum(g, axis=(0,) + tuple(range(2, g.ndim)))
        return (gx, gw, gb) if len(need) == 3 else (gx, gw)

    def _backward_rows(self, g, x, w, cols):
        """The array backward for groups=1, columns (C K, N L): two products, no copies but
        the gradient's (free when it arrives in the forward's (C_out, N, ...) order)."""
        need = self.needs_grad
        c_out = w.shape[0]
        g2 = g.transpose(tuple(range(1, g.ndim)) + (0,)).reshape(c_out, -1)
        gx = gw = gb = None
        if need[0]:
            gcols = w.reshape(c_out, -1).T @ g2
            gx = col2im(gcols, x.shape[1], self.spatial, w.shape[2:], self.stride,
                        self.dilation, self.pads, self.out_shape, rows=x.shape[0])
        if need[1]:
            gw = (g2 @ cols.T).reshape(w.shape)
        if len(need) == 3 and need[2]:
            gb = g2.sum(axis=1)
        return (gx, gw, gb) if len(need) == 3 else (gx, gw)


class ConvTranspose(Op):
    """y = col2im(W^T @ x) + b: the adjoint of a convolution in its input (per group);
    dx = W @ im2col(g),  dW = x @ im2col(g)^T,  db = sum of g over batch and positions.

    ``x`` (N, C_in, *spatial), ``W`` (C_in, C_out / groups, *kernel), ``b`` (C_out,) or absent;
    ``pads`` are the convolution's (the output is cropped by them), ``spatial`` the output's.
    """

    __slots__ = ("stride", "dilation", "pads", "groups", "spatial", "in_shape")
    label = "conv_transpose"

    def forward(self, x, w, b=None):
        n, c_in = x.shape[:2]
        groups = self.groups
        kernel = tuple(w.shape[2:])
        c_out = w.shape[1] * groups
        self.in_shape = tuple(x.shape[2:])
        length = int(np.prod(self.in_shape))
        w2 = w.reshape(groups, c_in // groups, -1)
        cols = np.matmul(w2.transpose(0, 2, 1), x.reshape(n, groups, c_in // groups, length))
        y = col2im(cols.reshape(n, -1, length), c_out, self.spatial, kernel, self.stride,
                   self.dilation, self.pads, self.in_shape)
        if b is not None:
            y += b.reshape((c_out,) + (1,) * len(kernel))
        self.save(x, w)
        return y

    def backward(self, g):
        x, w = self.saved
        xp = self.xp
        need = self.needs_grad
        n, c_in = x.shape[0], x.shape[1]
        groups = self.groups
        kernel = tuple(w.shape[2:])
        length = int(np.prod(self.in_shape))
        gcols = Im2Col.run(g, kernel=kernel, stride=self.stride, dilation=self.dilation,
                           pads=self.pads)
        gc = gcols.reshape((n, groups, -1, length))  # (N, G, C_out/G * K, L)
        w2 = w.reshape((groups, c_in // groups, -1))
        x2 = x.reshape((n, groups, c_in // groups, length))
        gx = gw = gb = None
        if need[0]:
            gx = (w2 @ gc).reshape(x.shape)
        if need[1]:
            left = x2.transpose((1, 2, 0, 3)).reshape((groups, c_in // groups, n * length))
            right = gc.transpose((1, 0, 3, 2)).reshape((groups, n * length, -1))
            gw = (left @ right).reshape(w.shape)
        if len(need) == 3 and need[2]:
            gb = xp.sum(g, axis=(0,) + tuple(range(2, g.ndim)))
        return (gx, gw, gb) if len(need) == 3 else (gx, gw)
