"""Strided views over a tensor's storage: ``as_strided`` (PyTorch's sizes, strides in
elements and storage offset), and the storage facts it needs (``storage_of``,
``storage_offset``).

A tensor's storage is the memory its array's root owns (``viewtrack._root``), seen as a flat
array of the tensor's dtype; ``storage_offset`` counts elements from its start. The view is
a NumPy strided view of that memory, tracked as every view op's output (an in-place change
through it shows in the input and back, and rebuilds the graph as ``x[i] += 1`` does).

Its gradient is PyTorch's: each storage element collects the gradient of the view's elements
that read it, and passes it to the input's elements there (shared evenly where the input
overlaps itself, as an ``expand``ed tensor); storage the input does not hold gets none.
"""

from __future__ import annotations

import operator

import numpy as np
from numpy.lib.stride_tricks import as_strided as _np_as_strided

from .args import data
from .registry import public
from .viewtrack import ViewOp, _root


def storage_of(array: np.ndarray) -> tuple:
    """``(flat storage array of array's dtype, array's offset in it in elements)``."""
    root = _root(array)
    if isinstance(root, np.ndarray) and (root.flags.c_contiguous or root.flags.f_contiguous) \
            and root.nbytes % array.itemsize == 0:
        if not root.size:
            return np.zeros(0, array.dtype), 0
        flat = root.ravel(order="K").view(np.uint8).view(array.dtype)  # the memory, in order
        start = flat.__array_interface__["data"][0]
        here = array.__array_interface__["data"][0]
        return flat, (here - start) // array.itemsize
    # memory NumPy does not own as an array (a buffer, a memory map): the array's own span
    low = int(min(0, *(s * (n - 1) for n, s in zip(array.shape, array.strides) if s < 0))) \
        if array.ndim else 0
    if low:
        return array.copy().reshape(-1), 0
    flat = _np_as_strided(array, (_span(array.shape, [s // array.itemsize for s in array.strides])
                                  if array.size else 0,), (array.itemsize,))
    return flat, 0


def _span(sizes, strides) -> int:
    """Elements of storage a view of ``sizes``/``strides`` reaches from its first element."""
    if any(n == 0 for n in sizes):
        return 0
    return 1 + sum((n - 1) * s for n, s in zip(sizes, strides))


def storage_offset(array: np.ndarray) -> int:
    return storage_of(array)[1]


def strided_view(storage: np.ndarray, sizes: tuple, strides: tuple, offset: int,
                 op: str = "as_strided") -> np.ndarray:
    """The view of ``sizes``/``strides`` (in elements) from ``offset`` into ``storage``."""
    if len(sizes) != len(strides):
        raise RuntimeError(f"{op}: mismatch in length of strides and shape ({len(sizes)} sizes, "
                           f"{len(strides)} strides).")
    if offset < 0:
        raise RuntimeError(f"{op}: Tensor: invalid storage offset {offset}.")
    if any(n < 0 for n in sizes) or any(s < 0 for s in strides):
        raise RuntimeError(f"{op}: sizes and strides must be non-negative, got sizes "
                           f"{list(sizes)} and strides {list(strides)}.")
    need = offset + _span(sizes, strides) if all(sizes) else 0
    if need > storage.size:
        item = storage.itemsize
        raise RuntimeError(f"{op}: setStorage: sizes {list(sizes)}, strides {list(strides)}, "
                           f"storage offset {offset}, and itemsize {item} requiring a storage "
                           f"size of {need * item} are out of bounds for storage of size "
                           f"{storage.size * item}.")
    start = storage[offset:] if offset < storage.size else storage[:0]
    if not all(sizes):
        return np.zeros(sizes, storage.dtype)
    return _np_as_strided(start, tuple(sizes), tuple(s * storage.itemsize for s in strides))


def _ints(values, op: str, what: str) -> tuple:
    if isinstance(values, (int, np.integer)):
        values = (values,)
    try:
        return tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{op}(): {what} must be a sequence of ints, got {values!r}.") from None


@public("as_strided")
class AsStridedView(ViewOp):
    """y = the view of the input's storage with sizes ``size``, strides ``stride`` (in
    elements) from ``storage_offset``;  dx = zeros like x with g added at the elements of x
    that y reads (repeated reads add up)."""

    __slots__ = ("sizes", "strides", "offset", "layout")
    label = "as_strided"

    @staticmethod
    def arguments(input, size, stride, storage_offset=None):
        array = data(input)
        if not isinstance(array, np.ndarray):
            raise TypeError(f"as_strided(): argument 'input' must be a Tensor, got "
                            f"{type(input).__name__}.")
        sizes, strides = _ints(size, "as_strided", "size"), _ints(stride, "as_strided", "stride")
        offset = None if storage_offset is None else operator.index(storage_offset)
        return (input,), {"sizes": sizes, "strides": strides, "offset": offset}

    def forward(self, x):
        storage, own = storage_of(x)
        offset = own if self.offset is None else self.offset
        view = strided_view(storage, self.sizes, self.strides, offset)
        self.offset = offset
        self.layout = (x.shape, tuple(s // x.itemsize for s in x.strides), own)
        return view

    def positions(self):
        """The flat index in the input of each element of the view (None: not all are)."""
        return _positions_in(*self.layout, self.sizes, self.strides, self.offset)

    def backward(self, g):
        in_shape = self.layout[0]
        mine = _element_offsets(*self.layout).reshape(-1)
        wanted = _element_offsets(self.sizes, self.strides, self.offset)
        ends = [a for a in (mine, wanted) if a.size]
        low = min(int(a.min()) for a in ends) if ends else 0
        span = (max(int(a.max()) for a in ends) if ends else 0) - low + 1
        # dstorage: the view's gradient summed per storage element; dx: read where x is
        storage = self.xp.scatter_add(g, (wanted - low,), (span,))
        picked = storage[mine - low]
        counts = np.bincount(mine - low, minlength=span)[mine - low]
        if counts.size and counts.max() > 1:  # x overlaps itself: share it evenly
            picked = picked * (1.0 / counts).astype(g.dtype)
        return (picked.reshape(in_shape),)


def _element_offsets(sizes, strides, offset) -> np.ndarray:
    """The storage offset (in elements) of every element of a strided layout."""
    result = np.full(tuple(sizes), offset, dtype=np.int64)
    for k, (n, s) in enumerate(zip(sizes, strides)):
        result = result + (np.arange(n, dtype=np.int64) * s).reshape(
            (n,) + (1,) * (len(sizes) - k - 1))
    return result


def _positions_in(in_shape, in_strides, own, sizes, strides, offset) -> np.ndarray | None:
    """The flat (C-order) index in the input (``in_shape``/``in_strides`` from ``own``) of
    each element of the view, or None where one of them is not an element of the input or
    the input overlaps itself."""
    mine = _element_offsets(in_shape, in_strides, own).reshape(-1)
    wanted = _element_offsets(sizes, strides, offset)
    order = np.argsort(mine, kind="stable")
    ranked = mine[order]
    if ranked.size > 1 and np.any(ranked[1:] == ranked[:-1]):
        return None
    found = np.searchsorted(ranked, wanted.reshape(-1))
    found = np.minimum(found, max(ranked.size - 1, 0))
    if wanted.size and (ranked.size == 0 or np.any(ranked[found] != wanted.reshape(-1))):
        return None
    return order[found].reshape(wanted.shape) if wanted.size else np.zeros(wanted.shape,
                                                                            np.int64)
