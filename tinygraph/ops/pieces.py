"""Cutting a tensor into pieces along one dim: ``split``, ``chunk``, ``tensor_split``,
``unbind``.

Each piece is a basic-indexing slice of the input (``x[:, 2:4]``, ``x[:, 3]``): a view that
shares the input's storage, as PyTorch's pieces do, recorded as one ``getitem`` node whose
backward puts the piece's gradient back at its place. A piece nobody uses sends no gradient.
The results are tuples, as in PyTorch.

The price of one node per piece: each used piece's gradient arrives at the input as an array
of the input's full shape, so the backward of ``k`` used pieces costs ``k`` input-sized
additions (PyTorch's one split node costs one). That is nothing for a few pieces; unbinding a
long axis and using every slice is quadratic in its length.
"""

from __future__ import annotations

import operator

from ..autograd.mode import per_thread
from ..errors import DimError, ShapeError
from .args import given, ndim, shape
from .registry import public
from .shape import getitem
from .viewtrack import mark_multi_output


def _dim(dim, n: int, op: str) -> int:
    """``dim`` as a non-negative axis of a tensor with ``n`` dims (PyTorch's IndexError)."""
    try:
        dim = operator.index(dim)
    except TypeError:
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}.") from None
    if n == 0:  # IndexError (unbind's in PyTorch) and RuntimeError (chunk's)
        raise DimError(f"{op}: dim {dim} given but the tensor is 0-d (has no dimensions); "
                       "a 0-d tensor cannot be cut into pieces.")
    if not -n <= dim < n:
        raise DimError(f"{op}: dim {dim} is out of range for a tensor with {n} dimensions "
                       f"(expected to be in range of [{-n}, {n - 1}]).")
    return dim % n


def _pieces(input, dim: int, bounds, op: str) -> tuple:
    lead = (slice(None),) * dim
    return _multi(tuple(getitem(input, lead + (slice(start, stop),)) for start, stop in bounds),
                  input, op)


def _multi(pieces: tuple, input, op: str) -> tuple:
    """``pieces``, marked as PyTorch's multi-output views when autograd records them (an
    in-place change through one then raises, as in PyTorch)."""
    if per_thread.flags.grad_enabled and getattr(input, "requires_grad", False):
        mark_multi_output(pieces, op)
    return pieces


@public("split")
def split(tensor, split_size_or_sections=None, dim: int = 0, *, split_size=None) -> tuple:
    """Cut ``tensor`` along ``dim`` into pieces of ``split_size_or_sections`` (the last one
    may be smaller), or into pieces of the listed sizes, which must add up to the dim's size::

        a, b = tg.arange(10).split([3, 7])     # shapes (3,) and (7,)
    """
    if split_size is not None:  # Tensor.split's keyword in PyTorch
        split_size_or_sections = given((), split_size, "split_size", "split")[0]
    size = shape(tensor)
    if not size:
        raise ShapeError("split: expects at least a 1-dimensional tensor, got a 0-d one; "
                         "reshape it with x.reshape(1) first.")
    axis = _dim(dim, len(size), "split")
    length = size[axis]
    if isinstance(split_size_or_sections, (list, tuple)):
        try:
            sizes = [operator.index(n) for n in split_size_or_sections]
        except TypeError:
            raise TypeError(f"split: split sizes must be ints, got "
                            f"{split_size_or_sections!r}.") from None
        if any(n < 0 for n in sizes) or sum(sizes) != length:
            raise ShapeError(f"split: split sizes {sizes} must be non-negative and sum exactly "
                             f"to {length}, the size of dim {axis} of a tensor of shape {size}.")
    else:
        try:
            step = operator.index(split_size_or_sections)
        except TypeError:
            raise TypeError(f"split: split_size_or_sections must be an int or a list of ints, "
                            f"got {split_size_or_sections!r}.") from None
        if step < 0:
            raise ShapeError(f"split: split_size must be non-negative, got {step}.")
        if step == 0:
            if length:
                raise ShapeError(f"split: split_size can only be 0 if dim {axis} has size 0, "
                                 f"but it has size {length}.")
            sizes = [0]
        else:
            sizes = [min(step, length - start) for start in range(0, length, step)] or [0]
    starts = [0]
    for n in sizes:
        starts.append(starts[-1] + n)
    return _pieces(tensor, axis, zip(starts[:-1], starts[1:]), "split")


@public("chunk")
def chunk(input, chunks: int, dim: int = 0) -> tuple:
    """Cut ``input`` along ``dim`` into at most ``chunks`` pieces of ``ceil(size / chunks)``
    (PyTorch's rule: fewer pieces when the size does not divide evenly enough)."""
    try:
        chunks = operator.index(chunks)
    except TypeError:
        raise TypeError(f"chunk: chunks must be an int, got {chunks!r}.") from None
    if chunks <= 0:
        raise ShapeError(f"chunk: expects `chunks` to be greater than 0, got {chunks}.")
    size = shape(input)
    axis = _dim(dim, len(size), "chunk")
    length = size[axis]
    step = -(-length // chunks)
    if step == 0:  # an empty dim: `chunks` empty pieces, as PyTorch
        return _pieces(input, axis, [(0, 0)] * chunks, "chunk")
    return split(input, step, axis)


@public("tensor_split")
def tensor_split(input, indices_or_sections, dim: int = 0) -> tuple:
    """Cut ``input`` along ``dim``: into ``n`` pieces as equal as can be (the first
    ``size % n`` one longer) for an int ``n``, or before each of the listed indices (Python's
    slicing: ``x[:i0], x[i0:i1], ..., x[ik:]``, an index past the end gives an empty piece),
    as ``torch.tensor_split``. A 0-d or 1-D integer tensor counts as the int or the list."""
    if ndim(input) == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    axis = _dim(dim, ndim(input), "tensor_split")
    length = shape(input)[axis]
    cuts = indices_or_sections
    if hasattr(cuts, "tolist"):  # a Tensor or an array of indices (or a count, if 0-d)
        cuts = cuts.tolist()
    if isinstance(cuts, (list, tuple)):
        starts = [operator.index(i) for i in cuts]
        bounds = zip([0, *starts], [*starts, length])
        lead = (slice(None),) * axis
        return _multi(tuple(getitem(input, lead + (slice(a, b),)) for a, b in bounds), input,
                      "tensor_split")
    sections = operator.index(cuts)
    if sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
    small, extra = divmod(length, sections)
    sizes = [small + 1] * extra + [small] * (sections - extra)
    starts = [0]
    for n in sizes:
        starts.append(starts[-1] + n)
    return _pieces(input, axis, zip(starts[:-1], starts[1:]), "tensor_split")


@public("unbind")
def unbind(input, dim: int = 0) -> tuple:
    """The slices of ``input`` along ``dim``, that dim removed: ``x.unbind(0)`` is
    ``(x[0], x[1], ...)``."""
    axis = _dim(dim, ndim(input), "unbind")
    lead = (slice(None),) * axis
    return _multi(tuple(getitem(input, lead + (i,)) for i in range(shape(input)[axis])), input,
                  "unbind")
