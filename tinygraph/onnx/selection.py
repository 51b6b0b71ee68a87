"""ONNX mappings of PyTorch's index ops along a dim and of einsum (``ops/indexing.py``,
``ops/einsum.py``) and of ``sort``/``topk``; merged into ``table.MAPPINGS``.

The index of ``gather``/``index_select``/``scatter_add`` and the mask of ``masked_fill`` are
constants of the op, stored as initializers.
"""

from __future__ import annotations

import numpy as np

from ..ops import einsum as es
from ..ops import indexing as ix
from ..ops import sorting
from ..ops import strided as st
from ..ops import utilities as ut
from .errors import unsupported


def _leading_block(g, x, have: tuple, want: tuple, skip: int | None = None):
    """``x[:want[0], :want[1], ...]`` (the axis ``skip`` left whole): the part of an input
    that an index smaller than it reaches; ``x`` itself when nothing is cut."""
    axes = [d for d, (h, w) in enumerate(zip(have, want)) if d != skip and w < h]
    if not axes:
        return x
    return g.op("Slice", x, g.ints([0] * len(axes)), g.ints([want[d] for d in axes]),
                g.ints(axes))


def gather(g, node, x):
    """GatherElements along the axis, on the part of x the index covers."""
    index = node.positions
    x = _leading_block(g, x, g.input_shape(node, 0), index.shape, skip=node.axis)
    return g.op("GatherElements", x, g.const(index.astype(np.int64)), axis=node.axis)


def sorted_values(g, node, x):
    """TopK along the axis, largest first or last: the model sorts its own input (the indices
    are not stored). ``sort`` takes k from the input's shape, so the axis may be dynamic."""
    if not g.input_shape(node, 0):  # a 0-d input: itself
        return g.op("Identity", x)
    if isinstance(node, sorting.TopK):
        k = g.ints([node.positions.shape[node.axis]])
    else:
        k = g.op("Gather", g.op("Shape", x, dtype=np.int64), g.ints([node.axis]), axis=0,
                 dtype=np.int64)
    return g.op("TopK", x, k, axis=node.axis, largest=int(node.largest), sorted=1, outputs=2)


def index_select(g, node, x):
    if not g.input_shape(node, 0):  # a 0-d input: index 0 of it is itself
        return g.op("Identity", x)
    return g.op("Gather", x, g.const(node.positions.astype(np.int64)), axis=node.axis)


def scatter_add(g, node, x, src):
    """ScatterElements with reduction='add' (opset 16 on), of the part of src the index
    covers."""
    if g.opset < 16:
        raise unsupported(node, "ScatterElements adds (reduction='add') from opset 16 on; "
                                "export with opset_version=16 or later.")
    index = node.positions
    src = _leading_block(g, g.cast(src, node.dtype), g.input_shape(node, 1), index.shape)
    return g.op("ScatterElements", g.cast(x, node.dtype), g.const(index.astype(np.int64)), src,
                axis=node.axis, reduction="add")


def masked_fill(g, node, x, value):
    return g.op("Where", g.const(np.asarray(node.mask, dtype=bool)), g.cast(value, node.dtype),
                g.cast(x, node.dtype))


def einsum(g, node, *xs):
    """ONNX's Einsum, with the equation written out in full (no '...', explicit output). ONNX
    does not broadcast a labelled dim of length 1: such an operand is expanded first."""
    shapes = [g.input_shape(node, i) for i in range(len(xs))]
    sizes: dict = {}
    for term, shape in zip(node.terms, shapes):
        for c, n in zip(term, shape):
            sizes[c] = max(sizes.get(c, 1), n)
    xs = [g.op("Expand", x, g.ints([sizes[c] for c in term]))
          if any(n != sizes[c] for c, n in zip(term, shape)) else x
          for x, term, shape in zip(xs, node.terms, shapes)]
    return g.op("Einsum", *xs, equation=node.equation)


def as_strided(g, node, x):
    """The view's elements picked from the flattened input (a Gather of constant positions);
    a view that reads storage outside its input's elements has none to pick."""
    positions = node.positions()
    if positions is None:
        raise unsupported(node, "the view reads storage elements outside its input's elements; "
                                "take it of the tensor that holds them.")
    flat = g.op("Reshape", x, g.ints([-1]))
    return g.op("Gather", flat, g.const(positions.astype(np.int64)), axis=0)


def nanmedian(g, node, x):
    raise unsupported(node, "the median's position is found in NumPy from the input's values "
                            "(NaNs left out); an exported graph would keep this input's "
                            "position. Export tg.median, or leave nanmedian out of the model.")


MAPPINGS = {
    st.AsStridedView: as_strided,
    ut.NanMedianAll: nanmedian,
    ut.NanMedianGather: nanmedian,
    ix.Gather: gather,
    ix.IndexSelect: index_select,
    sorting.Sort: sorted_values,
    sorting.TopK: sorted_values,
    ix.ScatterAddAlong: scatter_add,
    ix.MaskedFill: masked_fill,
    es.Einsum: einsum,
}
