"""Shape helpers PyTorch has beside the basic ones, each a composition of public ops (so
gradients, second derivatives and ONNX export come from those): ``clamp_min``,
``clamp_max``, ``tile``, ``repeat_interleave``, ``movedim``/``moveaxis``, ``ravel``,
``take_along_dim``, ``hstack``/``vstack``/``dstack``/``column_stack``, ``fliplr``/``flipud``,
``rot90`` and ``diff``."""

from __future__ import annotations

import operator

import numpy as np

from .. import autograd
from ..autograd.node import new_tensor
from .args import axis as _axis
from .args import data, ndim, shape
from .registry import functions as _f
from .registry import public


@public("clamp_min")
def clamp_min(input, min):  # noqa: A002 - PyTorch's name
    """``max(input, min)`` elementwise: ``clamp(input, min=min)``. A ``min`` tensor that
    requires grad gets the gradient where it is the larger (as in PyTorch)."""
    if getattr(min, "requires_grad", False):
        return _bound(input, min, lambda x, b: ~(x < b))
    return _f["clamp"](input, min=min)


@public("clamp_max")
def clamp_max(input, max):  # noqa: A002 - PyTorch's name
    """``min(input, max)`` elementwise: ``clamp(input, max=max)``. A ``max`` tensor that
    requires grad gets the gradient where it is the smaller (as in PyTorch)."""
    if getattr(max, "requires_grad", False):
        return _bound(input, max, lambda x, b: ~(x > b))
    return _f["clamp"](input, max=max)


def _bound(input, bound, keep):
    """``input`` where ``keep(input, bound)``, else ``bound``: both differentiable, broadcast
    and promoted together; a NaN on either side is the result, as in PyTorch."""
    x, b = np.asarray(data(input)), np.asarray(data(bound))
    with np.errstate(invalid="ignore"):
        mask = keep(x, b) & ~np.isnan(b) if b.dtype.kind == "f" else keep(x, b)
    return _f["where"](mask, input, bound)


@public("tile")
def tile(input, dims):
    """``input`` repeated ``dims[i]`` times along each dim; fewer dims than the tensor has
    are padded with 1s in front (unlike ``repeat``)."""
    if isinstance(dims, (int, np.integer)):
        raise TypeError("tile(): argument 'dims' must be tuple of ints, not int; write "
                        f"tile(x, ({dims},)).")
    dims = tuple(operator.index(d) for d in dims)
    dims = (1,) * (ndim(input) - len(dims)) + dims
    return _f["repeat"](input, dims)


@public("repeat_interleave")
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (slice along ``dim``; of the flattened tensor when ``dim`` is None)
    repeated ``repeats`` times in place: an int, or a tensor of one count per element.
    ``repeat_interleave(counts)`` alone gives ``arange(len(counts))`` repeated by counts."""
    if repeats is None:  # the one-argument form: input holds the counts
        counts = np.asarray(data(input))
        if counts.ndim > 1 or counts.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave: repeats must be 0-dim or 1-dim tensor of "
                               f"ints, got shape {counts.shape} and dtype {counts.dtype}.")
        counts = counts.reshape(-1)
        _check_counts(counts)
        return new_tensor(np.repeat(np.arange(counts.size, dtype=np.int64), counts), None)
    if dim is None:
        input = _f["reshape"](input, (-1,))
        axis = 0
    else:
        axis = _axis(dim, ndim(input), "repeat_interleave")
    if ndim(input) == 0:
        input = _f["reshape"](input, (1,))
    size = shape(input)[axis]
    counts = data(repeats)
    if isinstance(counts, np.ndarray):
        if counts.dtype.kind not in "iu" or counts.ndim > 1:
            raise RuntimeError("repeat_interleave: repeats must be 0-dim or 1-dim tensor of "
                               f"ints, got shape {counts.shape} and dtype {counts.dtype}.")
        counts = counts.reshape(-1)
        if counts.size == 1:
            counts = np.full(size, counts[0])
        elif counts.size != size:
            raise RuntimeError(f"repeat_interleave: repeats must have the same size as input "
                               f"along dim {axis}, but got repeats.size(0) = {counts.size} "
                               f"and input.size({axis}) = {size}.")
    else:
        counts = np.full(size, operator.index(counts))
    _check_counts(counts)
    positions = np.repeat(np.arange(size, dtype=np.int64), counts)
    if output_size is not None and positions.size != output_size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match "
                           f"the {positions.size} repeated elements.")
    return _f["index_select"](input, axis, new_tensor(positions, None))


def _check_counts(counts: np.ndarray) -> None:
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeat_interleave: repeats can not be negative "
                           f"(got {counts.min()}).")


@public("movedim", "moveaxis")
def movedim(input, source, destination):
    """``input`` with dims ``source`` moved to positions ``destination`` (ints or
    sequences of equal length), the other dims keeping their order: a view."""
    n = ndim(input)
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims).")
    src = [_axis(d, n, "movedim") for d in src]
    dst = [_axis(d, n, "movedim") for d in dst]
    for what, axes in (("source", src), ("destination", dst)):
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"movedim: repeated dim in `{what}` ({axes}).")
    if n == 0:
        return _f["view"](input, ())
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return _f["permute"](input, order)


@public("ravel")
def ravel(input):
    """``input`` flattened to one dim (a view where the memory allows, as ``reshape``)."""
    return _f["reshape"](input, (-1,))


@public("take_along_dim")
def take_along_dim(input, indices, dim=None):
    """The elements of ``input`` at ``indices`` along ``dim`` (of the flattened tensor when
    ``dim`` is None); input and indices broadcast on the other dims (``gather`` with
    broadcasting)."""
    index = data(indices)
    if not isinstance(index, np.ndarray) or index.dtype.kind not in "iu":
        kind = getattr(index, "dtype", type(index).__name__)
        raise RuntimeError(f"take_along_dim(): dtype of indices should be Long but got {kind}.")
    if dim is None:
        return _f["gather"](_f["reshape"](input, (-1,)), 0,
                            new_tensor(index.reshape(-1).astype(np.int64), None))
    n = ndim(input)
    if index.ndim != n:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {n} dimensions for input, and "
                           f"{index.ndim} dimensions for indices.")
    if n == 0:
        return _f["gather"](input, dim, new_tensor(index.astype(np.int64), None))
    axis = _axis(dim, n, "take_along_dim")
    x_shape = shape(input)
    try:
        common = list(np.broadcast_shapes(
            tuple(1 if d == axis else s for d, s in enumerate(x_shape)),
            tuple(1 if d == axis else s for d, s in enumerate(index.shape))))
    except ValueError:
        raise RuntimeError(f"take_along_dim: the shapes of input {x_shape} and indices "
                           f"{index.shape} cannot be broadcast on the dims other than "
                           f"{axis}.") from None
    x_target = tuple(x_shape[d] if d == axis else s for d, s in enumerate(common))
    i_target = tuple(index.shape[d] if d == axis else s for d, s in enumerate(common))
    if x_target != x_shape:
        input = _f["expand"](input, x_target)
    index = np.broadcast_to(index, i_target).astype(np.int64)
    return _f["gather"](input, axis, new_tensor(index, None))


def _tensors(tensors, op: str) -> list:
    if isinstance(tensors, autograd.Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' must be tuple of Tensors, not "
                        f"{type(tensors).__name__}.")
    if not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList.")
    return list(tensors)


def _at_least(t, n: int):
    """``atleast_1d/2d/3d``: a 0-d tensor becomes (1,)*n; a 1-D (k,) becomes (1, k) for n=2
    and (1, k, 1) for n=3; a 2-D (a, b) becomes (a, b, 1) for n=3."""
    s = shape(t)
    if len(s) >= n:
        return t
    if not s:
        new = (1,) * n
    elif len(s) == 1:
        new = (1, s[0]) if n == 2 else (1, s[0], 1)
    else:
        new = s + (1,)
    return _f["reshape"](t, new)


@public("hstack", method=False)
def hstack(tensors):
    """The tensors concatenated along dim 1 (dim 0 for 1-D ones; 0-d count as 1-D)."""
    parts = [_at_least(t, 1) for t in _tensors(tensors, "hstack")]
    return _f["cat"](parts, 0 if ndim(parts[0]) == 1 else 1)


@public("vstack", method=False)
def vstack(tensors):
    """The tensors, made at least 2-D (a 1-D (k,) is a row (1, k)), concatenated along
    dim 0."""
    return _f["cat"]([_at_least(t, 2) for t in _tensors(tensors, "vstack")], 0)


@public("dstack", method=False)
def dstack(tensors):
    """The tensors, made at least 3-D, concatenated along dim 2."""
    return _f["cat"]([_at_least(t, 3) for t in _tensors(tensors, "dstack")], 2)


@public("column_stack", method=False)
def column_stack(tensors):
    """The tensors as columns: 0-d and 1-D ones become (k, 1), then all are concatenated
    along dim 1."""
    parts = [_f["reshape"](t, (-1, 1)) if ndim(t) <= 1 else t
             for t in _tensors(tensors, "column_stack")]
    return _f["cat"](parts, 1)


@public("fliplr")
def fliplr(input):
    """``input`` with dim 1 reversed (left and right swap); needs at least 2 dims."""
    if ndim(input) < 2:
        raise RuntimeError(f"fliplr: Input must be >= 2-d, got shape {shape(input)}.")
    return _f["flip"](input, (1,))


@public("flipud")
def flipud(input):
    """``input`` with dim 0 reversed (up and down swap); needs at least 1 dim."""
    if ndim(input) < 1:
        raise RuntimeError("flipud: Input must be >= 1-d, got a 0-d tensor.")
    return _f["flip"](input, (0,))


@public("rot90")
def rot90(input, k=1, dims=(0, 1)):
    """``input`` rotated by 90 degrees ``k`` times in the plane of ``dims``, from the first
    dim toward the second (as ``numpy.rot90``)."""
    dims = tuple(dims)
    n = ndim(input)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = "
                           f"{len(dims)}.")
    if n < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {n}.")
    d0, d1 = (_axis(d, n, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = "
                           f"{dims[0]} and dim1 = {dims[1]}.")
    k = operator.index(k) % 4
    if k == 1:
        return _f["transpose"](_f["flip"](input, (d1,)), d0, d1)
    if k == 2:
        return _f["flip"](input, (d0, d1))
    if k == 3:
        return _f["transpose"](_f["flip"](input, (d0,)), d0, d1)
    return _f["clone"](input)


@public("diff")
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim``: ``out[i] = x[i + 1] - x[i]`` applied
    ``n`` times, after ``prepend`` and ``append`` (tensors matching ``input`` except along
    ``dim``) are concatenated; bool tensors give ``x[i + 1] != x[i]``."""
    if ndim(input) == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional.")
    n = operator.index(n)
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}.")
    axis = _axis(dim, ndim(input), "diff")
    parts = []
    for extra, what in ((prepend, "prepend"), (None, None), (append, "append")):
        if what is None:
            parts.append(input)
        elif extra is not None:
            if not isinstance(extra, autograd.Tensor):
                raise TypeError(f"diff(): argument '{what}' must be Tensor, not "
                                f"{type(extra).__name__}.")
            if ndim(extra) != ndim(input):
                raise RuntimeError(f"diff expects {what} to have the same number of "
                                   f"dimensions as input ({ndim(input)}), got shape "
                                   f"{shape(extra)}.")
            parts.append(extra)
    x = _f["cat"](parts, axis) if len(parts) > 1 else input
    boolean = data(x).dtype == np.bool_
    for _ in range(n):
        size = shape(x)[axis]
        if size == 0:
            break
        upper = _f["narrow"](x, axis, 1, size - 1)
        lower = _f["narrow"](x, axis, 0, size - 1)
        x = _f["ne"](upper, lower) if boolean else upper - lower
    return _f["clone"](input) if x is input else x
