"""Views that share memory with their base, and in-place changes through them (PyTorch's view
tracking, in small).

A view op (:class:`ViewOp`: reshape, getitem with a basic index, transpose, expand,
diagonal, ...) returns a NumPy view of its input's array, so a change through the view shows
in the base and back, in both grad modes. The output Tensor remembers its root base
(``._base``, PyTorch's name) and the base keeps a weak list of its views (``track``).

Under autograd an in-place op on a view (or on a base that has views) writes its result into
the shared memory and then fixes the graph the way PyTorch does: the base's ``grad_fn``
becomes a :class:`CopySlices` node (the old base, with the view's elements replaced by the
in-place op's result), and every live view's ``grad_fn`` becomes an :class:`AsStrided` node
that selects its elements from the new base. Elements are located by their memory offsets
(``positions``), so one mechanism serves every kind of view.

The pieces of ``split``, ``chunk`` and ``unbind`` made under autograd (and views of them) are
PyTorch's multi-output views: an in-place change through one raises, and one that saw its
base changed in place raises when differentiated (:func:`mark_multi_output`).
"""

from __future__ import annotations

import weakref

import numpy as np

from ..autograd import Op
from ..autograd import function as _function
from ..autograd.function import _DelayedError
from ..autograd.mode import per_thread


def _root(array):
    """The object that owns ``array``'s memory (NumPy mostly collapses chains of views;
    ``as_strided`` leaves one more link)."""
    base = array.base
    while base is not None:
        array, base = base, getattr(base, "base", None)
    return array


class ViewOp(Op):
    """An op whose output may be a view of its first input's memory (then tracked)."""

    __slots__ = ()

    @classmethod
    def apply(cls, *inputs, **attributes):
        out = _op_apply(cls, *inputs, **attributes)
        owner = out._data.base
        source = inputs[0]
        if owner is not None and not isinstance(source, np.ndarray):  # a Tensor
            array = source._data
            if owner is array or owner is array.base or _root(owner) is _root(array):
                track(source, out, array.base is not None)
        return out


_op_apply = Op.apply.__func__


class _Views(list):
    """A base's views: (weak reference, made in grad mode) pairs, pruned as they die."""

    __slots__ = ("limit",)


def track(source, view, source_is_view: bool = True) -> None:
    """Record that ``view`` shares ``source``'s memory (its root base's, for a view of a
    view), and whether it was made in grad mode."""
    base = source._base if source_is_view else None  # (an unset slot is slow to read)
    if base is None:
        base = source
    grad_mode = per_thread.flags.grad_enabled
    if _MULTI_OUTPUT and source_is_view and grad_mode:  # a view of a piece is one too
        op = multi_output(source)
        if op is not None:
            mark_multi_output((view,), op)
    view._base = base
    views = base._views
    if views is None:
        views = base._views = _Views()
        views.limit = 16
    views.append((weakref.ref(view), grad_mode))
    if len(views) > views.limit:  # drop dead entries; amortized O(1) per view
        views[:] = [entry for entry in views if entry[0]() is not None]
        views.limit = max(16, 2 * len(views))


# id -> (weak reference, op) for the multi-output views alive
_MULTI_OUTPUT: dict[int, tuple] = {}


def mark_multi_output(pieces, op: str) -> None:
    """Mark ``pieces`` (views that ``op`` returned together) as PyTorch's multi-output views."""
    for piece in pieces:
        key = id(piece)
        _MULTI_OUTPUT[key] = (weakref.ref(piece, lambda _, key=key: _MULTI_OUTPUT.pop(key, None)),
                              op)


def multi_output(tensor) -> str | None:
    """The op that made ``tensor`` as one of several views under autograd, or None."""
    entry = _MULTI_OUTPUT.get(id(tensor))
    return entry[1] if entry is not None and entry[0]() is tensor else None


def made_in_no_grad(view) -> bool:
    """True for a view made under no_grad (PyTorch forbids recording an in-place op on it)."""
    for ref, grad_mode in view._base._views or ():
        if ref() is view:
            return not grad_mode
    return False


def live_views(base) -> list:
    """(view, made in grad mode) for each live view still sharing the base's memory."""
    if not base._views:
        return []
    views = [(ref(), grad_mode) for ref, grad_mode in base._views]
    return [(v, grad_mode) for v, grad_mode in views
            if v is not None and _root(v._data) is _root(base._data)]


# -- where a view's elements are in its base ---------------------------------------------


def _byte_offsets(array) -> np.ndarray:
    """The byte offset of every element of ``array`` from its first element's address."""
    offsets = np.zeros(array.shape, dtype=np.int64)
    for k, (n, stride) in enumerate(zip(array.shape, array.strides)):
        step = np.arange(n, dtype=np.int64) * stride
        offsets = offsets + step.reshape((n,) + (1,) * (array.ndim - k - 1))
    return offsets


def positions(base: np.ndarray, view: np.ndarray) -> np.ndarray:
    """The flat (C-order) index in ``base`` of each element of ``view`` (shaped as view)."""
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    offsets = _byte_offsets(view) + start
    if base.flags.c_contiguous:
        return offsets // base.itemsize
    layout = _byte_offsets(base).reshape(-1)
    order = np.argsort(layout, kind="stable")
    return order[np.searchsorted(layout[order], offsets)]


class CopySlices(Op):
    """y = the base with the view's elements replaced by v (already written in memory);
    dbase = g with those elements zeroed,  dv = g at those elements."""

    __slots__ = ("positions", "keep")
    label = "copy_slices"

    def forward(self, base, v):
        flat = np.ones(base.size, dtype=bool)
        flat[self.positions.reshape(-1)] = False
        self.keep = flat.reshape(base.shape)
        return base

    def backward(self, g):
        need_base, need_v = self.needs_grad
        g_base = self.xp.keep_where(self.keep, g) if need_base else None
        g_v = g.reshape(-1)[self.positions] if need_v else None
        return g_base, g_v


class AsStrided(Op):
    """y = the view's elements of the base (its memory, already there);
    dbase = zeros with g added at those elements."""

    __slots__ = ("positions", "view", "base_shape")
    label = "as_strided"

    def forward(self, base):
        self.base_shape = base.shape
        return self.view

    def backward(self, g):
        size = int(np.prod(self.base_shape))
        return (self.xp.scatter_add(g, self.positions, (size,)).reshape(self.base_shape),)


def protect_saved(result, start: int, data) -> None:
    """Give the nodes recorded since ``start`` (the in-place op's out-of-place twin) private
    copies of the saved arrays that share ``data``'s memory, which is about to be
    overwritten with the result."""
    root = _root(data)
    stack = [result.grad_fn]
    seen = set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or getattr(node, "seq", -1) <= start:
            continue
        seen.add(id(node))
        saved = node.saved
        if saved and any(isinstance(s, np.ndarray) and _root(s) is root for s in saved):
            node.saved = tuple(s.copy() if isinstance(s, np.ndarray) and _root(s) is root
                               else s for s in saved)
        stack.extend(node.parents or ())


def rebuild(base, changed=None) -> None:
    """After ``changed`` (the base or one of its views, holding a recorded in-place result)
    was written into the shared memory: point the base's and every live view's ``grad_fn`` at
    the new values."""
    if changed is not None and changed is not base:
        out = CopySlices.apply(base, changed, positions=positions(base._data, changed._data))
        base.grad_fn = out.grad_fn
        base._requires_grad = out._requires_grad
        base._version += 1
    elif changed is base:
        pass
    for view, grad_mode in live_views(base):
        op = multi_output(view) if _MULTI_OUTPUT and view is not changed else None
        if op is not None and base.requires_grad:
            out = _DelayedError.apply(view._data, base, message=_MULTI_OUTPUT_VIEW.format(op))
        elif grad_mode:
            out = AsStrided.apply(base, positions=positions(base._data, view._data),
                                  view=view._data)
        elif base.requires_grad:  # PyTorch refuses to differentiate through such a view
            out = _DelayedError.apply(view._data, base, message=_NO_GRAD_VIEW)
        else:
            continue
        view.grad_fn = out.grad_fn
        view._requires_grad = out._requires_grad


_NO_GRAD_VIEW = (
    "A view made under no_grad saw its base (or another view of it) changed in place with grad "
    "mode on, so its gradient is ambiguous and PyTorch forbids it. Make the view and the "
    "in-place change both inside the no_grad block or both outside it, or clone() the view."
)


_MULTI_OUTPUT_VIEW = (
    "This tensor is one of the views that {} returned, and its base (or another view of it) "
    "was changed in place afterwards; PyTorch forbids differentiating through it. clone() the "
    "pieces before changing the base, or change the base out of place."
)


def after_dirty(tensor) -> None:
    """A Function marked ``tensor`` dirty (``ctx.mark_dirty``): fix its base's and views'
    graph as for a built-in in-place op."""
    rebuild(tensor._base if tensor._base is not None else tensor, tensor)


_function.dirty_hooks[0] = after_dirty
