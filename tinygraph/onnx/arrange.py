"""ONNX mappings of the views and rearrangements of ``ops/arrange.py`` (merged into
``table.MAPPINGS``). Index patterns that depend on the traced shape (a diagonal's elements, a
roll's wrap-around, a triangle's mask) are constants of the traced shape."""

from __future__ import annotations

import numpy as np

from ..ops import arrange as ar
from ..ops import viewtrack
from .indexing import _BIG


def diagonal(g, node, x):
    """GatherND of the diagonal's coordinates."""
    return g.op("GatherND", x, g.const(_coordinates(node.positions(), node.in_shape)))


def repeat(g, node, x):
    """Tile, after new leading axes of length 1 where repeat adds dims."""
    extra = len(node.sizes) - len(node.in_shape)
    if extra:
        x = g.op("Unsqueeze", x, g.ints(list(range(extra))))
    return g.op("Tile", x, g.ints(list(node.sizes)))


def flip(g, node, x):
    """One Slice with step -1 over the flipped axes."""
    if not node.axes or not g.input_shape(node, 0):
        return g.op("Identity", x)
    n = len(node.axes)
    return g.op("Slice", x, g.ints([-1] * n), g.ints([-_BIG] * n), g.ints(list(node.axes)),
                g.ints([-1] * n))


def roll(g, node, x):
    """A Gather per rolled axis with the wrapped-around positions (over the flattened tensor
    when roll has no dims)."""
    shape = g.input_shape(node, 0)
    if node.axes is None:
        size = int(np.prod(shape))
        flat = g.op("Reshape", x, g.ints([-1]))
        rolled = g.op("Gather", flat, g.ints(np.roll(np.arange(size), node.shifts)), axis=0)
        return g.op("Reshape", rolled, g.ints(list(shape)), allowzero=1)
    for shift, axis in zip(node.shifts, node.axes):
        x = g.op("Gather", x, g.ints(np.roll(np.arange(shape[axis]), shift)), axis=axis)
    return x


def triangle(g, node, x):
    """Where with the triangle's mask over the last two dims."""
    rows, cols = g.input_shape(node, 0)[-2:]
    mask = getattr(np, node.kernel)(np.ones((rows, cols), dtype=bool), node.k)
    return g.op("Where", g.const(mask), x, g.const(0, node.dtype))


def _coordinates(positions, shape) -> np.ndarray:
    return np.stack(np.unravel_index(positions, shape), axis=-1).astype(np.int64)


def copy_slices(g, node, base, v):
    """An in-place change through a view: ScatterND of the view's new values into the base."""
    shape = g.input_shape(node, 0)
    return g.op("ScatterND", base, g.const(_coordinates(node.positions, shape)),
                g.cast(v, node.dtype))


def as_strided(g, node, base):
    """A view regenerated from its changed base: GatherND of its elements."""
    return g.op("GatherND", base, g.const(_coordinates(node.positions, node.base_shape)))


MAPPINGS = {
    viewtrack.CopySlices: copy_slices,
    viewtrack.AsStrided: as_strided,
    ar.Diagonal: diagonal,
    ar.Repeat: repeat,
    ar.Flip: flip,
    ar.Roll: roll,
    ar.Tril: triangle,
    ar.Triu: triangle,
}
