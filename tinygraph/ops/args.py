"""Argument handling shared by the public ops: dims, shapes, indices, raw values."""

from __future__ import annotations

import math
import operator

import numpy as np

from .. import autograd
from ..errors import ArgumentError, DimError, ShapeError


def data(x):
    """The array behind a Tensor; anything else as it is."""
    return x._data if isinstance(x, autograd.Tensor) else x


def ndim(x) -> int:
    return getattr(data(x), "ndim", 0)


def shape(x) -> tuple:
    return tuple(getattr(data(x), "shape", ()))


def dims(dim, ndim: int, op: str, empty_is_all: bool = True):
    """A reduction's ``dim`` (None, an int or a sequence) as None or a sorted tuple of
    non-negative axes; out-of-range or repeated axes raise naming the op. An empty sequence
    reduces every axis, as PyTorch's sum (``empty_is_all=False``: none, as its all, any and
    squeeze); a 0-d tensor takes dim 0 or -1 and has no axis to reduce."""
    if dim is None:
        return None
    if type(dim) is int and 0 <= dim < ndim:
        return (dim,)
    axes = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not axes:
        return None if empty_is_all else ()
    result = [axis(a, ndim, op) for a in axes]
    if len(set(result)) != len(result):
        raise ShapeError(f"{op}: dim {dim} repeats an axis.")
    return tuple(sorted(result)) if ndim else ()


def axis(dim, ndim: int, op: str) -> int:
    """One ``dim`` as a non-negative axis (0 for a 0-d tensor, which takes 0 and -1, as in
    PyTorch); out of range raises ``DimError``, an ``IndexError`` as PyTorch's."""
    try:
        dim = operator.index(dim)
    except TypeError:
        raise TypeError(f"{op}: dim must be an int, got {dim!r}.") from None
    span = max(ndim, 1)
    if not -span <= dim < span:
        raise DimError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dimensions "
                       f"(expected to be in range of [{-span}, {span - 1}]).")
    return dim % span


def one_dim(dim: int, ndim: int, op: str) -> int:
    """A single ``dim`` (softmax, cat, ...) as a non-negative axis."""
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be one int, got {dim!r}.")
    return axis(dim, ndim, op)


def given(args: tuple, keyword, name: str, op: str) -> tuple:
    """An op's sizes or dims as given: positionally (``x.reshape(2, 3)``, ``x.permute((1, 0))``)
    or by PyTorch's keyword instead (``x.reshape(shape=(2, 3))``, ``x.permute(dims=(1, 0))``)."""
    if keyword is None:
        return args
    if args:
        raise TypeError(f"{op}() got {name} both positionally and as {name}=; give one.")
    return (keyword,)


def keepdims_shape(shape: tuple, axes) -> tuple:
    """``shape`` with the reduced ``axes`` (None = all) kept as length 1."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def size_args(sizes, op: str, infer: bool = False) -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` alike, as a tuple of non-negative ints (with ``infer``, one
    -1 is allowed: reshape's inferred size). A float or a negative size raises: 2.5 rows is a
    mistake, not 2."""
    if len(sizes) == 1 and not isinstance(sizes[0], (int, np.integer)) and np.ndim(sizes[0]):
        sizes = sizes[0]  # f((2, 3)); a 0-d integer tensor is one size, as in PyTorch
    try:
        result = tuple(operator.index(n) for n in sizes)
    except TypeError:
        raise TypeError(
            f"{op}: sizes must be integers, got {sizes!r} (a float is not rounded: pass int(n))."
        ) from None
    low = -1 if infer else 0
    if any(n < low for n in result):
        raise ArgumentError(f"{op}: sizes must be non-negative, got {result}.")
    return result


def inferred(old: tuple, sizes: tuple, op: str) -> tuple:
    """``sizes`` with its one ``-1`` replaced by what the element count leaves; sizes that do
    not fit raise ``ShapeError`` (PyTorch's RuntimeError, NumPy's ValueError)."""
    total = math.prod(old)
    unknown = [i for i, n in enumerate(sizes) if n == -1]
    if len(unknown) > 1:
        raise ShapeError(f"{op}: only one size can be -1, got {sizes}.")
    known = math.prod(n for n in sizes if n != -1)
    if unknown:
        if known == 0 or total % known:
            raise ShapeError(f"{op}: shape {sizes} is invalid for a tensor of {total} "
                             f"elements (shape {old}).")
        sizes = sizes[:unknown[0]] + (total // known,) + sizes[unknown[0] + 1:]
    elif known != total:
        raise ShapeError(f"{op}: shape {sizes} is invalid for a tensor of {total} elements "
                         f"(shape {old}).")
    return tuple(sizes)


def index(idx):
    """An index with Tensors and lists inside replaced by arrays (NumPy's own index types)."""
    if isinstance(idx, tuple):
        return tuple(_index_part(part) for part in idx)
    return _index_part(idx)


def _index_part(part):
    if isinstance(part, autograd.Tensor):
        return part._data
    if isinstance(part, list):
        return np.asarray(part) if part else np.zeros(0, np.int64)  # x[[]]: no rows
    return part


def ints_first(idx) -> tuple | None:
    """PyTorch applies integer indices first (each removes its dim), then index arrays; NumPy
    broadcasts the integers with the arrays, which moves the arrays' dims to the front when
    the two are apart (``x[0, :, [1, 2]]`` is (3, 2) in PyTorch, (2, 3) in NumPy). For such an
    index: ``(the integers, the rest)`` to apply one after the other; else None."""
    if not isinstance(idx, tuple):
        return None
    ints = [i for i, p in enumerate(idx) if _is_int_index(p)]
    arrays = [i for i, p in enumerate(idx) if isinstance(p, np.ndarray) and p.ndim]
    advanced = sorted(ints + arrays)
    if not ints or not arrays or advanced[-1] - advanced[0] == len(advanced) - 1:
        return None  # adjacent: NumPy's order is PyTorch's
    first, rest = [], []
    for i, part in enumerate(idx):
        if i in ints:
            first.append(part)
        elif part is None or part is Ellipsis:
            first.append(part)
            rest.append(slice(None) if part is None else part)
        else:
            bool_mask = isinstance(part, np.ndarray) and part.dtype == bool
            first.extend([slice(None)] * (part.ndim if bool_mask else 1))
            rest.append(part)
    return tuple(first), tuple(rest)


def _is_int_index(part) -> bool:
    if isinstance(part, np.ndarray):
        return part.ndim == 0 and part.dtype.kind in "iu"
    return isinstance(part, (int, np.integer)) and not isinstance(part, (bool, np.bool_))


def expands_to(shape: tuple, target: tuple) -> bool:
    """Whether an array of ``shape`` broadcasts to exactly ``target`` (what an in-place write
    into a tensor of ``target`` accepts)."""
    try:
        return np.broadcast_shapes(tuple(shape), tuple(target)) == tuple(target)
    except ValueError:
        return False
