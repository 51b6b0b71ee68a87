"""Index factories, as PyTorch: ``tril_indices`` and ``triu_indices``, the ``(2, n)``
row and column indices of a matrix's lower or upper triangle, row by row."""

from __future__ import annotations

import operator

import numpy as np

from .dtypes import as_dtype
from .factories import make
from .tensor import Tensor


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """The indices of the lower triangle of a ``row`` x ``col`` matrix (the elements on and
    below diagonal ``offset``): row indices, then column indices (int64 unless ``dtype``)."""
    return _triangle("tril_indices", np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """The indices of the upper triangle of a ``row`` x ``col`` matrix (the elements on and
    above diagonal ``offset``): row indices, then column indices (int64 unless ``dtype``)."""
    return _triangle("triu_indices", np.triu_indices, row, col, offset, dtype, device)


def _triangle(what: str, indices, row, col, offset, dtype, device) -> Tensor:
    try:
        row, col, offset = (operator.index(v) for v in (row, col, offset))
    except TypeError:
        raise TypeError(f"{what}: row, col and offset must be ints, got {row!r}, {col!r}, "
                        f"{offset!r}.") from None
    for name, value in (("row", row), ("col", col)):
        if value < 0:
            raise RuntimeError(f"{what}: {name} must be non-negative, got {value}.")
    dtype = np.dtype(np.int64) if dtype is None else as_dtype(dtype, what)
    if dtype.kind not in "iu":
        raise NotImplementedError(f"\"{what}\" not implemented for {dtype}; pass an integer "
                                  "dtype.")
    rows, cols = indices(row, offset, col)
    return make(np.stack([rows, cols]).astype(dtype).reshape(2, -1), False, device, what)
