"""Finding elements, as PyTorch: ``nonzero``/``argwhere`` (where), ``unique`` and
``unique_consecutive`` (which values), ``isin`` (membership), ``searchsorted`` and
``bucketize`` (where values would go in a sorted sequence).

Their results are indices, counts or booleans: new tensors without gradient (int64 for
indices and counts, as PyTorch).

    >>> tg.tensor([[0, 3], [2, 0]]).nonzero()
    tensor([[0, 1],
            [1, 0]])
"""

from __future__ import annotations

import numpy as np

from ..autograd.node import new_tensor
from .args import data
from .registry import public
from .sorting import _axis


def _array(input, op: str) -> np.ndarray:
    if not hasattr(data(input), "dtype"):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, got "
                        f"{type(input).__name__}.")
    return np.asarray(data(input))


def _long(array) -> object:
    return new_tensor(np.array(array, dtype=np.int64, order="C"), None)


@public("nonzero")
def nonzero(input, *, out=None, as_tuple: bool = False):
    """The int64 indices of the non-zero elements of ``input``: one row per element, one
    column per dim (``(n, ndim)``), or with ``as_tuple`` one 1-D tensor per dim (a 0-d input
    counts as 1-D then, as in PyTorch)."""
    array = _array(input, "nonzero")
    if as_tuple:
        return tuple(_long(i) for i in np.nonzero(np.atleast_1d(array)))
    if array.ndim == 0:
        result = np.zeros((int(bool(array)), 0), dtype=np.int64)
    else:
        result = np.argwhere(array)
    if out is not None:
        from .outarg import write_out

        return write_out("nonzero", out, _long(result))
    return _long(result)


@public("argwhere")
def argwhere(input):
    """``nonzero(input)``: the int64 ``(n, ndim)`` indices of the non-zero elements."""
    return nonzero(input)


def _rows(array: np.ndarray, axis: int) -> np.ndarray:
    """The slices of ``array`` along ``axis``, each flattened into one row."""
    rest = int(np.prod(array.shape)) // array.shape[axis] if array.shape[axis] else 0
    return np.moveaxis(array, axis, 0).reshape(array.shape[axis], rest)


def _results(values, inverse, counts, return_inverse: bool, return_counts: bool):
    values = new_tensor(values, None)
    if not return_inverse and not return_counts:
        return values
    result = (values,)
    if return_inverse:
        result += (_long(inverse),)
    if return_counts:
        result += (_long(counts),)
    return result


@public("unique")
def unique(input, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None):
    """The distinct elements of ``input`` in ascending order (with ``dim``: the distinct
    slices along ``dim``, in lexicographic order); ``return_inverse`` adds where each element
    (slice) went, ``return_counts`` how often each value occurs. NaNs are all distinct, as
    in PyTorch; ``sorted=False`` sorts too (as PyTorch does on the CPU)."""
    array = _array(input, "unique")
    if dim is None:
        values, inverse, counts = np.unique(array.reshape(-1), return_inverse=True,
                                            return_counts=True, equal_nan=False)
        return _results(values, inverse.reshape(array.shape), counts, return_inverse,
                        return_counts)
    axis = _axis(dim, array.ndim, "unique")
    if array.ndim == 0:
        raise IndexError(f"unique: dim {dim} is out of range for a 0-d tensor; pass dim=None.")
    if array.size == 0 and array.shape[axis] != 0:
        raise RuntimeError(f"unique: there are 0 sized dimensions in shape {tuple(array.shape)}"
                           f", and they aren't selected (dim {dim}), so unique cannot be "
                           "applied.")
    if array.shape[axis] == 0:
        return _results(array.copy(), np.zeros(0), np.zeros(0), return_inverse, return_counts)
    rows = _rows(array, axis)
    order = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(len(rows))
    ordered = rows[order]
    new = np.ones(len(rows), dtype=bool)
    new[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    group = np.cumsum(new) - 1
    inverse = np.empty(len(rows), dtype=np.int64)
    inverse[order] = group
    values = np.take(array, order[new], axis=axis)
    return _results(values, inverse, np.bincount(group), return_inverse, return_counts)


@public("unique_consecutive")
def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """``input`` with each run of equal consecutive elements (slices along ``dim``) kept
    once; ``return_inverse`` adds which run each element belongs to, ``return_counts`` the
    length of each run."""
    array = _array(input, "unique_consecutive")
    if dim is None:
        flat = array.reshape(-1)
        new = np.ones(flat.shape, dtype=bool)
        new[1:] = flat[1:] != flat[:-1]
        group = np.cumsum(new) - 1
        return _results(flat[new], group.reshape(array.shape), np.bincount(group, minlength=0),
                        return_inverse, return_counts)
    axis = _axis(dim, array.ndim, "unique_consecutive")
    if array.ndim == 0:
        raise IndexError(f"unique_consecutive: dim {dim} is out of range for a 0-d tensor; "
                         "pass dim=None.")
    rows = _rows(array, axis)
    new = np.ones(len(rows), dtype=bool)
    new[1:] = np.any(rows[1:] != rows[:-1], axis=1)
    group = np.cumsum(new) - 1
    values = np.compress(new, array, axis=axis)
    return _results(values, group, np.bincount(group, minlength=0), return_inverse,
                    return_counts)


@public("isin", method=False)
def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False):
    """Which elements of ``elements`` occur in ``test_elements`` (bool, ``elements``'s
    shape; either may be a number); ``invert`` asks which do not."""
    if not hasattr(data(elements), "dtype") and not hasattr(data(test_elements), "dtype"):
        raise TypeError("isin(): at least one of 'elements' and 'test_elements' must be a "
                        "Tensor.")
    values = np.asarray(data(elements))
    tests = np.asarray(data(test_elements))
    return new_tensor(np.isin(values, tests, invert=invert), None)


def _side(right: bool, side: str | None, op: str) -> str:
    if side is None:
        return "right" if right else "left"
    if side not in ("left", "right"):
        raise RuntimeError(f"{op}: side can only be 'left' or 'right', got {side!r}.")
    if right and side == "left":
        raise RuntimeError(f"{op}: side and right can't be set to opposites, got side of left "
                           "while right was True; pass one of them.")
    return side


def _positions(sequence: np.ndarray, values: np.ndarray, side: str, op: str):
    if sequence.ndim == 0:
        raise RuntimeError(f"{op}: the sorted sequence must have at least one dim, got a 0-d "
                           "tensor.")
    if sequence.ndim == 1:
        return np.searchsorted(sequence, values, side=side)
    if values.ndim == 0 or values.shape[:-1] != sequence.shape[:-1]:
        raise RuntimeError(f"{op}: boundaries tensor should be 1 dimension or the first N-1 "
                           f"dimensions of boundaries tensor and input value tensor must "
                           f"match, but we got boundaries tensor {list(sequence.shape)} and "
                           f"input value tensor {list(values.shape)}.")
    rows = sequence.reshape(-1, sequence.shape[-1])
    found = [np.searchsorted(row, v, side=side)
             for row, v in zip(rows, values.reshape(len(rows), -1), strict=True)]
    return np.asarray(found, dtype=np.int64).reshape(values.shape)


def _indices(result, out_int32: bool):
    return new_tensor(np.asarray(result, dtype=np.int32 if out_int32 else np.int64), None)


@public("searchsorted", method=False)
def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter=None):
    """Where each value of ``input`` would be inserted into ``sorted_sequence`` (sorted along
    its last dim) to keep it sorted: the first such place, or with ``right=True`` /
    ``side="right"`` the last (int64, ``input``'s shape; a number gives a 0-d tensor)."""
    sequence = _array(sorted_sequence, "searchsorted")
    side = _side(right, side, "searchsorted")
    if sorter is not None:
        order = np.asarray(data(sorter))
        if order.size and (order.min() < 0 or order.max() >= sequence.shape[-1]):
            raise RuntimeError(f"torch.searchsorted(): sorter index out of range: it holds "
                               f"{order.min()}..{order.max()} for a sequence of "
                               f"{sequence.shape[-1]} along its last dim.")
        sequence = np.take_along_axis(sequence, order, axis=-1)
    values = np.asarray(data(input))
    return _indices(_positions(sequence, values, side, "searchsorted"), out_int32)


@public("bucketize", method=False)
def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False):
    """The bucket of each value of ``input`` among the 1-D ascending ``boundaries``: i with
    ``boundaries[i-1] < x <= boundaries[i]`` (``right=True``: ``boundaries[i-1] <= x <
    boundaries[i]``), as int64 in ``input``'s shape."""
    edges = _array(boundaries, "bucketize")
    if edges.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got dim("
                           f"{edges.ndim}).")
    values = np.asarray(data(input))
    side = "right" if right else "left"
    return _indices(np.searchsorted(edges, values, side=side), out_int32)
