"""``scatter_reduce``, as PyTorch's: ``src``'s elements reduced into ``input`` at the positions
``index`` names along ``dim`` ("sum", "prod", "mean", "amax", "amin"; with
``include_self=False`` the input's values at those positions are left out). Each reduction is
a composition of differentiable ops (``scatter_add``, ``masked_fill``, products), chosen so
that its gradient is PyTorch's (``scatter_reduce_backward``): "mean" divides by the count,
"prod" multiplies the factors one occurrence rank at a time (so a zero factor's gradient is the
product of the others), and "amax"/"amin" split the gradient evenly among the values equal to
the result. The in-place ``scatter_reduce_`` is this run through tinygraph/inplace.py."""

from __future__ import annotations

import numpy as np

from ..autograd.node import new_tensor
from .args import data, ndim
from .indexing import _along, _axis, _check_bounds, _check_index_shape, _index_array
from .registry import functions as _f
from .registry import public

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


@public("scatter_reduce")
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """A copy of ``input`` with ``src[i][j]`` reduced into ``out[index[i][j]][j]`` (dim 0;
    likewise along any dim) by ``reduce``; ``include_self=False`` leaves the input's values
    out where something is scattered. Differentiable in ``input`` and ``src``."""
    if reduce not in REDUCTIONS:
        raise RuntimeError(f"scatter_reduce(): reduce argument must be either sum, prod, mean, "
                           f"amax or amin, got {reduce}")
    if ndim(input) == 0:
        _axis(dim, 0, "scatter_reduce")
        flat = new_tensor(_index_array(index, "scatter_reduce").reshape(-1), None)
        result = scatter_reduce(_f["reshape"](input, (1,)), 0, flat, _f["reshape"](src, (-1,)),
                                reduce, include_self=include_self)
        return _f["reshape"](result, ())
    x, s = data(input), data(src)
    if s.dtype != x.dtype:
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype, "
                           f"got {x.dtype} and {s.dtype}; convert src with .to(input.dtype).")
    index = _index_array(index, "scatter_reduce")
    axis = _axis(dim, x.ndim, "scatter_reduce")
    if s.ndim != index.ndim:
        raise RuntimeError(f"scatter_reduce(): Expected index (shape {index.shape}) and src "
                           f"(shape {s.shape}) to have the same number of dimensions.")
    _check_index_shape(index, x.shape, axis, "scatter_reduce", s.shape)
    _check_bounds(index, x.shape[axis], axis, "scatter_reduce")
    if s.shape != index.shape:
        src = src[tuple(slice(0, n) for n in index.shape)]
    where = _along(index, axis)
    hit = np.zeros(x.shape, dtype=bool)
    hit[where] = True
    index_t = new_tensor(index, None)
    if reduce in ("sum", "mean"):
        base = input if include_self else _f["masked_fill"](input, hit, 0)
        total = _f["scatter_add"](base, axis, index_t, src)
        if reduce == "sum":
            return total
        counts = np.zeros(x.shape, dtype=x.dtype)
        np.add.at(counts, where, 1)
        counts += 1 if include_self else ~hit
        if x.dtype.kind == "f":
            return total / counts
        return _f["floor_divide"](total, counts)
    if reduce == "prod":
        return _product(input, src, axis, index, index_t, where, hit, include_self)
    return _extreme(input, src, axis, index_t, where, hit, include_self, reduce == "amax")


def _ranks(where: tuple, x_shape: tuple) -> np.ndarray:
    """For each index position, how many earlier positions (in C order) name the same
    element: the occurrence rank, so that each rank scatters to distinct elements."""
    target = np.ravel_multi_index(np.broadcast_arrays(*where), x_shape).reshape(-1)
    order = np.argsort(target, kind="stable")
    ordered = target[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, ordered.size])
    ranks = np.empty_like(target)
    ranks[order] = np.arange(ordered.size) - np.repeat(starts, sizes)
    return ranks.reshape(np.broadcast_shapes(*(w.shape for w in where)))


def _product(input, src, axis, index, index_t, where, hit, include_self):
    """The input (or ones) times each occurrence rank's factors in turn: within one rank every
    element gets at most one factor, scattered into ones (exact, zeros included)."""
    x = data(input)
    result = input if include_self else _f["masked_fill"](input, hit, 1)
    ranks = _ranks(where, x.shape)
    for r in range(int(ranks.max()) + 1 if ranks.size else 0):
        picked = ranks == r
        hit_r = np.zeros(x.shape, dtype=bool)
        hit_r[tuple(w[picked] for w in np.broadcast_arrays(*where))] = True
        ones = new_tensor((~hit_r).astype(x.dtype), None)
        factors = _f["scatter_add"](ones, axis, index_t, _f["masked_fill"](src, ~picked, 0))
        result = result * factors
    return result


def _extreme(input, src, axis, index_t, where, hit, include_self, largest):
    """The elementwise max (min) of the input (where included) and the scattered values; the
    gradient goes to the values equal to it, split evenly, counting the input's value among
    the ties even where it is not included (PyTorch's rule)."""
    x, s = data(input), data(src)
    result = x.copy()
    if not include_self:
        if x.dtype.kind == "f":
            fill = -np.inf if largest else np.inf
        else:
            fill = np.iinfo(x.dtype).min if largest else np.iinfo(x.dtype).max
        result[hit] = fill
    (np.maximum if largest else np.minimum).at(result, where, s)
    out = new_tensor(result, None)
    if not any(getattr(t, "requires_grad", False) for t in (input, src)):
        return out
    self_ties = (x == result).astype(x.dtype)
    src_ties = (s == result[where]).astype(x.dtype)
    share = self_ties.copy()
    np.add.at(share, where, src_ties)
    share = 1 / np.where(share == 0, 1, share)
    w_self = self_ties * share if include_self else np.where(hit, 0, self_ties * share)
    w_src = src_ties * share[where]
    picked = _f["scatter_add"](_f["masked_fill"](input, w_self == 0, 0) * w_self, axis, index_t,
                               _f["masked_fill"](src, w_src == 0, 0) * w_src)
    return out + (picked - picked.detach())


@public("index_reduce")
def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """A copy of ``input`` with ``source``'s slices along ``dim`` reduced into the slices
    ``index`` names ("prod", "mean", "amax" or "amin"; ``include_self=False`` leaves the
    input's values out where something lands): ``scatter_reduce`` with ``index`` spread
    over ``source``'s other dims, so its gradients are the same."""
    if reduce not in REDUCTIONS[1:]:
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    array = data(index)
    if not isinstance(array, np.ndarray) or array.dtype.type not in (np.int32, np.int64):
        raise RuntimeError(f"index_reduce(): Expected dtype int32/int64 for index, got "
                           f"{getattr(array, 'dtype', type(array).__name__)}.")
    if array.ndim > 1:
        raise IndexError(f"index_reduce(): Index is supposed to be a vector, got shape "
                         f"{array.shape}.")
    s = data(source).shape
    if len(s) != ndim(input):
        raise RuntimeError(f"index_reduce(): source tensor shape must match self tensor "
                           f"shape, excluding the specified dimension; got source shape {s} "
                           f"and self shape {data(input).shape}.")
    if len(s) == 0:
        return scatter_reduce(input, dim, index, source, reduce, include_self=include_self)
    axis = _axis(dim, len(s), "index_reduce")
    if array.size != s[axis]:
        raise RuntimeError(f"index_reduce(): Number of indices ({array.size}) should be "
                           f"equal to source.size({dim}) ({s[axis]}).")
    along = [1] * len(s)
    along[axis] = -1
    spread = np.ascontiguousarray(np.broadcast_to(array.reshape(along), s))
    return scatter_reduce(input, axis, new_tensor(spread, None), source, reduce,
                          include_self=include_self)
