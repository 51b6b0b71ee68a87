"""PyTorch's views and rearrangements: view, view_as, reshape_as, unflatten, permute, t, expand,
expand_as, narrow, diagonal (views of their input, as in PyTorch), and repeat, flip, roll,
tril, triu (copies).

The views are the ops of ``shape.py`` under PyTorch's names and argument rules (``view`` is a
reshape that refuses to copy, ``expand`` a broadcast that keeps ``-1`` axes), plus
``Diagonal``, a strided view. The rest are small op classes whose backward moves the gradient
back: sum the tiles of ``repeat``, flip or roll it back, keep the same triangle.
"""

from __future__ import annotations

import operator

import numpy as np

from ..autograd import Op
from ..errors import DimError, ShapeError
from .args import data, given, inferred, ndim, shape, size_args
from .registry import functions, methods, public
from .shape import BroadcastTo, GetItem, Reshape, Transpose, _axis
from .viewtrack import ViewOp


@public("view")
class View(Reshape):
    """y = x with a new shape, sharing its memory (refuses where that would need a copy);
    dx = g reshaped to x's shape."""

    __slots__ = ()
    label = "view"

    @staticmethod
    def arguments(input, *sizes, size=None):
        sizes = size_args(given(sizes, size, "size", "view"), "view", infer=True)
        target = inferred(shape(input), sizes, "view")
        array = data(input)
        if array.size > 1 and not np.may_share_memory(array.reshape(target), array):
            raise RuntimeError(
                f"view: a tensor of shape {shape(input)} laid out with strides "
                f"{_strides(input)} cannot be viewed as shape {target} without copying "
                "(at least one dimension spans two non-contiguous ranges). Use "
                ".reshape(...) instead, or .contiguous().view(...)."
            )
        return (input,), {"shape_out": target}


@public("unflatten")
class Unflatten(Reshape):
    """y = x with dim ``dim`` split into ``sizes``;  dx = g reshaped back."""

    __slots__ = ()
    label = "unflatten"

    @staticmethod
    def arguments(input, dim, sizes):
        old = shape(input)
        axis = _axis(dim, len(old), "unflatten")
        if not old:
            raise ShapeError("unflatten: a 0-d tensor has no dim to unflatten.")
        sizes = size_args((sizes,), "unflatten", infer=True)
        if not sizes:
            raise RuntimeError("unflatten: sizes must be non-empty.")
        part = inferred((old[axis],), sizes, "unflatten")
        return (input,), {"shape_out": old[:axis] + part + old[axis + 1:]}


@public("permute")
def permute(input, *order, dims=None):
    """The dims reordered (a view): ``x.permute(2, 0, 1)`` or ``tg.permute(x, (2, 0, 1))``."""
    dims = given(order, dims, "dims", "permute")
    if len(dims) == 1 and not isinstance(dims[0], (int, np.integer)):
        dims = tuple(dims[0])
    n = ndim(input)
    axes = tuple(_axis(operator.index(d), n, "permute") for d in dims)
    if len(axes) != n or sorted(axes) != list(range(n)):
        raise RuntimeError(
            f"permute: dims {tuple(dims)} must name each of the {n} dims of a tensor of shape "
            f"{shape(input)} exactly once."
        )
    return Transpose.apply(input, axes=axes)


@public("t")
def t(input):
    """A matrix transposed (a view); a 0-d or 1-d tensor comes back as it is."""
    n = ndim(input)
    if n > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dims, got shape {shape(input)}; "
                           "use x.transpose(d0, d1) or x.mT for a batch of matrices.")
    return Transpose.apply(input, axes=tuple(reversed(range(n))))


@public("expand")
def expand(input, *sizes, size=None):
    """A view of ``input`` broadcast to ``sizes``; ``-1`` keeps that dim's size."""
    sizes = size_args(given(sizes, size, "size", "expand"), "expand", infer=True)
    old = shape(input)
    lead = len(sizes) - len(old)
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes ({len(sizes)}) must be at least the "
                           f"tensor's number of dims ({len(old)}); shape {old}.")
    target = []
    for i, n in enumerate(sizes):
        if n == -1:
            if i < lead:
                raise RuntimeError(f"expand: -1 is not allowed in a new leading dim ({i}) of "
                                   f"{sizes}; give its size.")
            n = old[i - lead]
        target.append(n)
    inputs, attributes = BroadcastTo.arguments(input, tuple(target))  # checks the shapes
    return BroadcastTo.apply(*inputs, **attributes)


@public("expand_as")
def expand_as(input, other):
    """``input.expand(other.size())``."""
    return expand(input, shape(other))


@public("view_as")
def view_as(input, other):
    """``input.view(other.size())``: the same memory in ``other``'s shape."""
    return functions["view"](input, shape(other))


@public("reshape_as")
def reshape_as(input, other):
    """``input.reshape(other.size())``."""
    return functions["reshape"](input, shape(other))


@public("narrow")
def narrow(input, dim: int, start: int, length: int):
    """The ``length`` elements of dim ``dim`` from ``start`` on (a view)."""
    old = shape(input)
    axis = _axis(dim, len(old), "narrow")
    if not old:
        raise RuntimeError("narrow: a 0-d tensor cannot be narrowed.")
    n = old[axis]
    start = operator.index(data(start))
    if not -n <= start <= n:
        raise IndexError(f"narrow: start {start} is out of range for dim {dim} of size {n}.")
    if start < 0:
        start += n
    if length < 0 or start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dim {dim} of "
                           f"size {n} (shape {old}).")
    index = (slice(None),) * axis + (slice(start, start + length),)
    return GetItem.apply(input, index=index)


def unfold(input, dimension: int, size: int, step: int):
    """``x.unfold(dimension, size, step)``: the windows of ``size`` elements every ``step``
    along ``dimension``, which becomes the number of windows, the window a new last dim.

    One ``index_select`` of the windows' positions (a copy, unlike PyTorch's strided view: an
    in-place change of the result does not reach ``x``), so gradients are exact."""
    old = shape(input)
    axis = _axis(dimension, max(len(old), 1), "unfold")
    size, step = operator.index(size), operator.index(step)
    length = old[axis] if old else 1
    if size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0.")
    if size > length:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {axis} is {length} "
                           f"but size is {size}.")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0.")
    if not old:
        return functions["reshape"](input, (size,))
    count = (length - size) // step + 1
    positions = (np.arange(count)[:, None] * step + np.arange(size)).reshape(-1)
    windows = functions["index_select"](input, axis, positions)
    windows = functions["reshape"](windows, old[:axis] + (count, size) + old[axis + 1:])
    return functions["movedim"](windows, axis + 1, -1)


methods["unfold"] = unfold  # a Tensor method only: torch.unfold does not exist


@public("diagonal")
class Diagonal(ViewOp):
    """y = the diagonal of x on dims (dim1, dim2) at ``offset``, as a last dim (a view);
    dx = zeros like x with g on that diagonal."""

    __slots__ = ("offset", "dim1", "dim2", "in_shape")
    label = "diagonal"

    @staticmethod
    def arguments(input, offset: int = 0, dim1: int = 0, dim2: int = 1):
        n = ndim(input)
        if n < 2:  # PyTorch: dim 1 out of range, an IndexError
            raise DimError(f"diagonal: needs a tensor with at least 2 dims, got shape "
                           f"{shape(input)}.")
        d1, d2 = _axis(dim1, n, "diagonal"), _axis(dim2, n, "diagonal")
        if d1 == d2:
            raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dim ({dim1}, "
                               f"{dim2}).")
        return (input,), {"offset": operator.index(offset), "dim1": d1, "dim2": d2}

    def forward(self, x):
        self.in_shape = x.shape
        return diagonal_view(x, self.offset, self.dim1, self.dim2)

    def positions(self):
        """The flat positions in x of the diagonal's elements (shaped as the output)."""
        return diagonal_view(np.arange(int(np.prod(self.in_shape))).reshape(self.in_shape),
                             self.offset, self.dim1, self.dim2)

    def backward(self, g):
        size = int(np.prod(self.in_shape))
        return (self.xp.scatter_add(g, self.positions(), (size,)).reshape(self.in_shape),)


def diagonal_view(x, offset: int, d1: int, d2: int):
    """NumPy's diagonal as a writable view (``np.diagonal`` returns a read-only one)."""
    n1, n2 = x.shape[d1], x.shape[d2]
    length = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    rest = [k for k in range(x.ndim) if k not in (d1, d2)]
    start = [0] * x.ndim
    if length:
        start[d1], start[d2] = max(-offset, 0), max(offset, 0)
        origin = x[tuple(slice(s, None) for s in start)]
    else:
        origin = x
    return np.lib.stride_tricks.as_strided(
        origin, shape=tuple(x.shape[k] for k in rest) + (length,),
        strides=tuple(x.strides[k] for k in rest) + (x.strides[d1] + x.strides[d2],),
        writeable=x.flags.writeable)


@public("repeat")
class Repeat(Op):
    """y = x tiled ``sizes`` times along each dim (new leading dims for extra sizes);
    dx = the sum of g's tiles."""

    __slots__ = ("sizes", "in_shape")
    label = "repeat"

    @staticmethod
    def arguments(input, *sizes, repeats=None):
        sizes = size_args(given(sizes, repeats, "repeats", "repeat"), "repeat")
        if len(sizes) < ndim(input):
            raise RuntimeError(
                f"repeat: the number of repeats ({len(sizes)}) must be at least the tensor's "
                f"number of dims ({ndim(input)}); shape {shape(input)}.")
        return (input,), {"sizes": sizes}

    def forward(self, x):
        self.in_shape = x.shape
        return self.xp.tile(x, self.sizes)

    def backward(self, g):
        padded = (1,) * (len(self.sizes) - len(self.in_shape)) + tuple(self.in_shape)
        split = [n for pair in zip(self.sizes, padded) for n in pair]
        summed = self.xp.sum(g.reshape(tuple(split)), axis=tuple(range(0, len(split), 2)))
        return (summed.reshape(self.in_shape),)


@public("flip")
class Flip(Op):
    """y = x with the order of ``dims`` reversed (a copy, as in PyTorch);  dx = g flipped."""

    __slots__ = ("axes",)
    label = "flip"

    @staticmethod
    def arguments(input, *order, dims=None):
        dims = given(order, dims, "dims", "flip")
        if len(dims) == 1 and not isinstance(dims[0], (int, np.integer)):
            dims = tuple(dims[0])
        n = ndim(input)
        axes = tuple(_axis(operator.index(d), n, "flip") for d in dims)
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"flip: dims {dims} repeat a dim.")
        return (input,), {"axes": axes}

    def forward(self, x):
        return self.xp.flip(x, self.axes).copy() if x.ndim else x.copy()

    def backward(self, g):
        return (self.xp.flip(g, self.axes) if g.ndim else g,)


@public("roll")
class Roll(Op):
    """y = x with elements shifted by ``shifts`` along ``dims`` (over the flattened tensor
    without dims), wrapping around;  dx = g rolled back."""

    __slots__ = ("shifts", "axes")
    label = "roll"

    @staticmethod
    def arguments(input, shifts, dims=None):
        shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
        if dims is None:
            if len(shifts) != 1:
                raise RuntimeError(f"roll: without dims, shifts must be one number, got "
                                   f"{shifts}.")
            return (input,), {"shifts": shifts[0], "axes": None}
        dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
        if len(dims) != len(shifts):
            raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must have the same "
                               "length.")
        n = ndim(input)
        axes = tuple(_axis(operator.index(d), n, "roll") for d in dims)
        return (input,), {"shifts": tuple(operator.index(s) for s in shifts), "axes": axes}

    def forward(self, x):
        return self.xp.roll(x, self.shifts, self.axes)

    def backward(self, g):
        back = (-self.shifts if self.axes is None else tuple(-s for s in self.shifts))
        return (self.xp.roll(g, back, self.axes),)


class Triangle(Op):
    """y = x with the elements off one triangle of its last two dims zeroed;  dx = g with the
    same elements zeroed."""

    __slots__ = ("k",)
    kernel = "tril"

    @staticmethod
    def arguments(input, diagonal: int = 0):
        if ndim(input) < 2:
            raise RuntimeError(f"tril/triu: needs a tensor with at least 2 dims, got shape "
                               f"{shape(input)}.")
        return (input,), {"k": operator.index(diagonal)}

    def forward(self, x):
        return getattr(self.xp, self.kernel)(x, self.k)

    def backward(self, g):
        return (getattr(self.xp, self.kernel)(g, self.k),)


@public("tril")
class Tril(Triangle):
    """y = the lower triangle of x (on and below diagonal ``k``);  dx = tril(g, k)."""

    __slots__ = ()
    label = kernel = "tril"
    arguments = Triangle.__dict__["arguments"]


@public("triu")
class Triu(Triangle):
    """y = the upper triangle of x (on and above diagonal ``k``);  dx = triu(g, k)."""

    __slots__ = ()
    label = kernel = "triu"
    arguments = Triangle.__dict__["arguments"]


def _strides(x) -> tuple:
    array = data(x)
    return tuple(s // array.itemsize for s in array.strides)


@public("broadcast_shapes", method=False)
def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` (each a sequence of sizes or one int) broadcast
    to, as a ``tg.Size``, without making any tensor."""
    from ..size import Size

    sizes = [(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    if any(n < 0 for s in sizes for n in s):
        raise ValueError("broadcast_shapes: Attempting to broadcast a dimension with negative "
                         "length!")
    result: list = []
    for i, s in enumerate(sizes):
        result = [1] * (len(s) - len(result)) + result
        for k, n in enumerate(s, start=len(result) - len(s)):
            if n != result[k] and 1 not in (n, result[k]):
                raise RuntimeError(
                    f"broadcast_shapes: Attempting to broadcast a dimension of length {n} at "
                    f"{k - len(result)}! Mismatching argument at index {i} had {s}; but "
                    f"expected shape should be broadcastable to {result}")
            if n != 1:
                result[k] = n
    return Size(result)


@public("broadcast_tensors", method=False)
def broadcast_tensors(*tensors):
    """The tensors expanded (views, as ``expand``) to their common broadcast shape; each
    keeps its dtype and gets the gradient of its own elements."""
    try:
        target = broadcast_shapes(*(shape(t) for t in tensors))
    except RuntimeError:
        shapes = ", ".join(str(tuple(shape(t))) for t in tensors)
        raise ShapeError(f"broadcast_tensors: the shapes {shapes} do not broadcast together: "
                         "aligned from the right, each dim must be equal or 1.") from None
    return tuple(expand(t, tuple(target)) for t in tensors)
