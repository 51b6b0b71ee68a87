"""Ops that move elements without changing them: reshape, transpose, broadcast, indexing,
concatenate/stack, where.

Their backwards move the gradient back the same way: reshape it back, apply the inverse
permutation, scatter it back to the indexed positions (adding where an index repeats), or
split it between the joined inputs.
"""

from __future__ import annotations

from numpy import asarray as np_asarray
from numpy import broadcast_shapes as np_broadcast_shapes
from numpy import broadcast_to as np_broadcast_to
from numpy import int64 as np_int64
from numpy import nonzero as np_nonzero

from ..autograd import Op
from ..autograd.node import new_tensor
from ..autograd.promotion import result_dtype
from ..errors import DimError, ShapeError
from .args import axis, data, dims, given, index, inferred, ints_first, ndim, shape, size_args
from .registry import public
from .viewtrack import ViewOp


@public("reshape")
class Reshape(ViewOp):
    """y = x with a new shape (same elements in C order);  dx = g reshaped to x's shape."""

    __slots__ = ("shape_out", "in_shape")
    label = "reshape"

    @staticmethod
    def arguments(input, *sizes, shape=None):
        sizes = size_args(given(sizes, shape, "shape", "reshape"), "reshape", infer=True)
        return (input,), {"shape_out": inferred(getattr(data(input), "shape", ()), sizes,
                                                "reshape")}

    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.shape_out)

    def backward(self, g):
        return (g.reshape(self.in_shape),)


@public("squeeze")
class Squeeze(Reshape):
    """y = x without the given length-1 axes;  dx = g reshaped back."""

    __slots__ = ()
    label = "squeeze"

    @staticmethod
    def arguments(input, dim=None):
        old = shape(input)
        axes = dims(dim, len(old), "squeeze", empty_is_all=False)
        kept = tuple(n for i, n in enumerate(old) if n != 1 or (axes is not None and i not in axes))
        return (input,), {"shape_out": kept}


@public("unsqueeze", "expand_dims")
class Unsqueeze(Reshape):
    """y = x with a new length-1 axis;  dx = g reshaped back."""

    __slots__ = ()
    label = "unsqueeze"

    @staticmethod
    def arguments(input, dim):
        old = shape(input)
        if not -len(old) - 1 <= dim <= len(old):
            raise DimError(f"unsqueeze: dim {dim} is out of range for a result with "
                             f"{len(old) + 1} dimensions (valid: {-len(old) - 1} to {len(old)}).")
        dim %= len(old) + 1
        return (input,), {"shape_out": old[:dim] + (1,) + old[dim:]}


@public("flatten")
class Flatten(Reshape):
    """y = x with a range of axes merged into one;  dx = g reshaped back."""

    __slots__ = ()
    label = "flatten"

    @staticmethod
    def arguments(input, start_dim=0, end_dim=-1):
        old = shape(input)
        start, end = axis(start_dim, len(old), "flatten"), axis(end_dim, len(old), "flatten")
        if start > end:
            raise RuntimeError(f"flatten: start_dim ({start_dim}) cannot come after end_dim "
                               f"({end_dim}) for a tensor of shape {old}.")
        if not old:
            return (input,), {"shape_out": (1,)}
        merged = 1
        for n in old[start:end + 1]:
            merged *= n
        return (input,), {"shape_out": old[:start] + (merged,) + old[end + 1:]}


class Transpose(ViewOp):
    """y = x with its axes permuted;  dx = g with the inverse permutation."""

    __slots__ = ("axes",)
    label = "transpose"

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, g):
        inverse = [0] * len(self.axes)
        for position, moved in enumerate(self.axes):
            inverse[moved] = position
        return (g.transpose(tuple(inverse)),)


@public("broadcast_to")
class BroadcastTo(ViewOp):
    """y = x broadcast to ``shape_out``;  dx = g summed over the broadcast axes (by the engine)."""

    __slots__ = ("shape_out",)
    label = "broadcast_to"

    @staticmethod
    def arguments(input, *sizes, size=None):
        target = size_args(given(sizes, size, "size", "broadcast_to"), "broadcast_to")
        try:
            data_shape = shape(input)
            np_broadcast_shapes(data_shape, target)
        except ValueError:
            raise ShapeError(
                f"broadcast_to: a tensor of shape {data_shape} cannot be broadcast to {target}. "
                "Broadcasting aligns shapes from the right; each axis of the tensor must equal "
                "the target's or be 1."
            ) from None
        return (input,), {"shape_out": target}

    def forward(self, x):
        return np_broadcast_to(x, self.shape_out)  # a read-only view, as expand() in PyTorch

    def backward(self, g):
        return (g,)


class GetItem(ViewOp):
    """y = x[index];  dx = zeros like x with g added at index (repeated indices accumulate)."""

    __slots__ = ("index", "in_shape")
    label = "getitem"

    def forward(self, x):
        self.in_shape = x.shape
        return x[self.index]

    def backward(self, g):
        return (self.xp.scatter_add(g, self.index, self.in_shape),)


class ScatterAdd(Op):
    """y = zeros(shape) with x added at index;  dx = g[index]. (GetItem's backward.)"""

    __slots__ = ("index", "shape_out")
    label = "scatter_add"

    def forward(self, x):
        return self.xp.scatter_add(x, self.index, self.shape_out)

    def backward(self, g):
        return (g[self.index],)


class SetItem(Op):
    """y = copy of x with y[index] = v;  dx = g with g[index] = 0,  dv = g[index]."""

    __slots__ = ("index",)
    label = "setitem"

    def forward(self, x, v):
        return self.xp.setitem(x, self.index, v)

    def backward(self, g):
        need_x, need_v = self.needs_grad
        gx = self.xp.setitem(g, self.index, 0) if need_x else None
        gv = g[self.index] if need_v else None
        return gx, gv


@public("cat", "concat", "concatenate", method=False)
class Concatenate(Op):
    """y = inputs joined along ``axis``;  each input gets its slice of g."""

    __slots__ = ("axis", "sizes", "skip")
    label = "concatenate"
    promotes = True  # PyTorch's result dtype: int32 with float32 is float32

    @staticmethod
    def arguments(tensors, dim=0):
        _sequence(tensors, "cat")
        ranks = {ndim(t) for t in tensors}
        skip = None
        if len(ranks) > 1:  # PyTorch skips 1-d empty tensors (``out = tg.tensor([])`` and
            skip = tuple(shape(t) == (0,) for t in tensors)  # ``out = tg.cat([out, x])``)
            ranks = {ndim(t) for t, skipped in zip(tensors, skip) if not skipped}
        if 0 in ranks:
            raise ShapeError("cat: a zero-dimensional tensor cannot be concatenated; use "
                             "tg.stack, or give it a dim with x.reshape(1).")
        if len(ranks) > 1:
            raise ShapeError(f"cat: tensors must have the same number of dimensions, got "
                             f"shapes {[shape(t) for t in tensors]}.")
        dim = axis(dim, ranks.pop(), "cat")
        kept = [shape(t) for t, s in zip(tensors, skip or [False] * len(tensors)) if not s]
        if len({n[:dim] + n[dim + 1:] for n in kept}) > 1:
            raise ShapeError(f"cat (concatenate): sizes of tensors must match except in dim "
                             f"{dim}, got shapes {kept}.")
        return tuple(tensors), {"axis": dim, "skip": skip}

    def forward(self, *xs):
        skip = self.skip or (False,) * len(xs)
        y = self.xp.concatenate([x for x, s in zip(xs, skip) if not s], axis=self.axis)
        self.sizes = [None if s else x.shape[self.axis] for x, s in zip(xs, skip)]
        return y

    def backward(self, g):
        lead = (slice(None),) * self.axis
        grads = []
        start = 0
        for size, need in zip(self.sizes, self.needs_grad):
            if size is None:  # a skipped 1-d empty tensor: an empty gradient
                grads.append(g.reshape(-1)[:0] if need else None)
                continue
            grads.append(g[lead + (slice(start, start + size),)] if need else None)
            start += size
        return tuple(grads)


def _sequence(tensors, op: str) -> None:
    """cat's and stack's ``tensors``: a non-empty list or tuple."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of Tensors, got "
                        f"{type(tensors).__name__}; write tg.{op}([a, b]).")
    if not tensors:
        raise ShapeError(f"{op}: expected a non-empty list of Tensors.")


@public("stack", method=False)
class Stack(Op):
    """y = inputs stacked along a new ``axis``;  input i gets g[..., i, ...]."""

    __slots__ = ("axis",)
    label = "stack"
    promotes = True  # PyTorch's result dtype, as cat

    @staticmethod
    def arguments(tensors, dim=0):
        _sequence(tensors, "stack")
        shapes = {shape(t) for t in tensors}
        if len(shapes) > 1:
            raise ShapeError(f"stack: expects each tensor to be equal size, got shapes "
                             f"{[shape(t) for t in tensors]}.")
        return tuple(tensors), {"axis": axis(dim, len(shapes.pop()) + 1, "stack")}

    def forward(self, *xs):
        return self.xp.stack(xs, axis=self.axis)

    def backward(self, g):
        lead = (slice(None),) * self.axis
        return tuple(g[lead + (i,)] if need else None for i, need in enumerate(self.needs_grad))


class Where(Op):
    """y = a where cond else b;  da = g where cond, db = g where not cond."""

    __slots__ = ("cond",)
    label = "where"
    promotes = True

    @staticmethod
    def arguments(condition, input, other):
        condition = data(condition)
        kind = getattr(getattr(condition, "dtype", None), "kind", "b")  # a Python bool: fine
        if kind != "b":
            raise RuntimeError(f"where: expected the condition to be a bool tensor, got dtype "
                               f"{condition.dtype} (as PyTorch); compare first, e.g. x != 0.")
        if not hasattr(input, "dtype") and not hasattr(other, "dtype"):  # two Python numbers:
            dtype = result_dtype([input, other])  # PyTorch's dtype (where(c, 1.0, 0.0): float32)
            input, other = np_asarray(input, dtype), np_asarray(other, dtype)
        try:
            np_broadcast_shapes(shape(condition), shape(input), shape(other))
        except ValueError:
            raise ShapeError(
                f"where: the condition (shape {shape(condition)}) and the values (shapes "
                f"{shape(input)} and {shape(other)}) cannot be broadcast together; each pair of "
                "axes, aligned from the right, must be equal or 1."
            ) from None
        return (input, other), {"cond": condition}

    def forward(self, a, b):
        return self.xp.where(self.cond, a, b)

    def backward(self, g):
        xp = self.xp
        need_a, need_b = self.needs_grad
        ga = xp.where(self.cond, g, 0) if need_a else None
        gb = xp.where(self.cond, 0, g) if need_b else None
        return ga, gb


@public("where", method=False)
def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other`` (Tensors or numbers, broadcast);
    ``tg.where(condition)`` alone is the indices of its true elements, one int64 Tensor per
    dim (``condition.nonzero(as_tuple=True)``). ``x.where(condition, y)`` is
    ``tg.where(condition, x, y)``."""
    if input is None and other is None:
        return tuple(new_tensor(i.astype(np_int64), None) for i in np_nonzero(data(condition)))
    inputs, attributes = Where.arguments(condition, input, other)
    return Where.apply(*inputs, **attributes)


@public("transpose")
def transpose(input, *dims, dim0=None, dim1=None):
    """Swap two dims (PyTorch: ``x.transpose(0, 1)``); with no dims reverse them all, and with
    one sequence or more than two dims permute them (NumPy's ``transpose``)."""
    if dim0 is not None or dim1 is not None:  # PyTorch's keywords: transpose(x, dim0=, dim1=)
        dims = dims + tuple(d for d in (dim0, dim1) if d is not None)
    n = ndim(input)
    sequence = len(dims) == 1 and not isinstance(dims[0], int)  # every dim: never a swap
    if len(dims) == 1:
        if isinstance(dims[0], int):
            raise TypeError(f"transpose() missing 1 required positional argument: 'dim1' "
                            f"(got dim0={dims[0]}); give the two dims to swap, e.g. "
                            f"x.transpose({dims[0]}, {1 if dims[0] == 0 else 0}).")
        dims = tuple(dims[0])
    if not dims:
        axes = tuple(reversed(range(n)))
    elif len(dims) == 2 and not sequence:
        axes = list(range(n))
        a, b = (_axis(d, n, "transpose") for d in dims)
        axes[a], axes[b] = axes[b], axes[a]
        axes = tuple(axes)
    else:
        axes = tuple(_axis(d, n, "transpose") for d in dims)
        if sorted(axes) != list(range(n)):
            raise ShapeError(
                f"transpose: {dims} is not a permutation of the {n} dims of a tensor of shape "
                f"{shape(input)}; give two dims to swap, or every dim once."
            )
    return Transpose.apply(input, axes=axes)


@public("swapaxes", "swapdims")
def swapaxes(input, axis0: int, axis1: int):
    """Exchange two dims (PyTorch's ``swapaxes``; ``transpose(input, axis0, axis1)``)."""
    return transpose(input, axis0, axis1)


_axis = axis  # one dim as a non-negative axis; out of range: DimError (IndexError)


def getitem(input, idx):
    """x[idx] with ints, slices, None, ..., integer arrays and boolean masks."""
    idx = index(idx)
    split = ints_first(idx)
    if split is not None:  # PyTorch's order: the integers, then the arrays
        return GetItem.apply(GetItem.apply(input, index=split[0]), index=split[1])
    return GetItem.apply(input, index=idx)


def scatter_into(input, idx, shape_out):
    """zeros(shape_out) with ``input`` added at ``idx`` (repeated indices accumulate)."""
    return ScatterAdd.apply(input, index=index(idx), shape_out=tuple(shape_out))


def setitem(input, idx, value):
    """A copy of input with ``input[idx] = value``, differentiable in both."""
    return SetItem.apply(input, value, index=index(idx))
