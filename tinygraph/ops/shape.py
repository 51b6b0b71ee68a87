"""Ops that move elements without changing them: reshape, transpose, broadcast, indexing,
concatenate/stack, where.

Their backwards move the gradient back the same way: reshape it back, apply the inverse
permutation, scatter it back to the indexed positions (adding where an index repeats), or
split it between the joined inputs.
"""

from __future__ import annotations

from ..autograd import Op


class Reshape(Op):
    """y = x with a new shape (same elements in C order);  dx = g reshaped to x's shape."""

    __slots__ = ("shape_out", "in_shape")
    label = "reshape"

    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.shape_out)

    def backward(self, g):
        return (g.reshape(self.in_shape),)


class Squeeze(Reshape):
    """y = x without the given length-1 axes;  dx = g reshaped back."""

    __slots__ = ()
    label = "squeeze"


class Unsqueeze(Reshape):
    """y = x with a new length-1 axis;  dx = g reshaped back."""

    __slots__ = ()
    label = "unsqueeze"


class Flatten(Reshape):
    """y = x with a range of axes merged into one;  dx = g reshaped back."""

    __slots__ = ()
    label = "flatten"


class Transpose(Op):
    """y = x with its axes permuted;  dx = g with the inverse permutation."""

    __slots__ = ("axes",)
    label = "transpose"

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, g):
        inverse = [0] * len(self.axes)
        for position, axis in enumerate(self.axes):
            inverse[axis] = position
        return (g.transpose(tuple(inverse)),)


class BroadcastTo(Op):
    """y = x broadcast to ``shape_out``;  dx = g summed over the broadcast axes (by the engine)."""

    __slots__ = ("shape_out",)
    label = "broadcast_to"

    def forward(self, x):
        return self.xp.broadcast_to(x, self.shape_out)

    def backward(self, g):
        return (g,)


class GetItem(Op):
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


class Concatenate(Op):
    """y = inputs joined along ``axis``;  each input gets its slice of g."""

    __slots__ = ("axis", "sizes")
    label = "concatenate"

    def forward(self, *xs):
        y = self.xp.concatenate(xs, axis=self.axis)
        self.axis %= y.ndim
        self.sizes = [x.shape[self.axis] for x in xs]
        return y

    def backward(self, g):
        lead = (slice(None),) * self.axis
        grads = []
        start = 0
        for size, need in zip(self.sizes, self.needs_grad):
            grads.append(g[lead + (slice(start, start + size),)] if need else None)
            start += size
        return tuple(grads)


class Stack(Op):
    """y = inputs stacked along a new ``axis``;  input i gets g[..., i, ...]."""

    __slots__ = ("axis",)
    label = "stack"

    def forward(self, *xs):
        y = self.xp.stack(xs, axis=self.axis)
        self.axis %= y.ndim
        return y

    def backward(self, g):
        lead = (slice(None),) * self.axis
        return tuple(g[lead + (i,)] if need else None for i, need in enumerate(self.needs_grad))


class Where(Op):
    """y = a where cond else b;  da = g where cond, db = g where not cond."""

    __slots__ = ("cond",)
    label = "where"

    def forward(self, a, b):
        return self.xp.where(self.cond, a, b)

    def backward(self, g):
        xp = self.xp
        need_a, need_b = self.needs_grad
        ga = xp.where(self.cond, g, 0) if need_a else None
        gb = xp.where(self.cond, 0, g) if need_b else None
        return ga, gb
