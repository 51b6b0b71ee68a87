"""Row-wise sums, means and maxima of arrays by the fast route (array kernels only).

NumPy reduces along the last axis of a C-ordered array one short row at a time: for the
(512, 64) activations of a small transformer, ``x.sum(-1)`` costs five times ``x @ ones``,
which BLAS vectorises across rows. Summing the rows of a matrix (``g.sum(0)``, a bias
gradient) is likewise three times slower than ``ones @ g``. Both are the same sums in the same
precision (BLAS accumulates float32 in float32, as NumPy does); these helpers take the fast
form for float32 and float64 arrays and fall back to NumPy's reduction for anything else
(other dtypes, which matmul does not hand to BLAS, and non-contiguous inputs).
"""

from __future__ import annotations

import functools

import numpy as np

_BLAS = (np.dtype(np.float32), np.dtype(np.float64))


@functools.lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype, value: float) -> np.ndarray:
    out = np.full(n, value, dtype)
    out.flags.writeable = False
    return out


def row_sum(x: np.ndarray, keepdims: bool = True, scale: float = 1.0) -> np.ndarray:
    """``scale * x.sum(axis=-1, keepdims=keepdims)``, as ``x @ (scale * ones)`` where BLAS can
    (``scale=1/n`` gives the mean: a power-of-two n scales exactly)."""
    if x.dtype in _BLAS and x.ndim >= 1 and x.flags.c_contiguous and x.size:
        out = x @ _ones(x.shape[-1], x.dtype, scale)
        return out[..., None] if keepdims else out
    out = np.add.reduce(x, axis=-1, keepdims=keepdims)
    return out * scale if scale != 1.0 else out


def row_mean(x: np.ndarray) -> np.ndarray:
    """``x.mean(axis=-1, keepdims=True)``."""
    n = x.shape[-1]
    if not (x.dtype in _BLAS and x.flags.c_contiguous and x.size):
        return x.mean(axis=-1, keepdims=True)
    return row_sum(x, True, 1.0 / n)


def column_sum(x: np.ndarray) -> np.ndarray:
    """The sum over every axis but the last (``x.reshape(-1, n).sum(0)``), as ``ones @ x``."""
    n = x.shape[-1]
    if x.dtype in _BLAS and x.flags.c_contiguous and x.size:
        x2 = x.reshape(-1, n)
        return _ones(x2.shape[0], x.dtype, 1.0) @ x2
    return np.add.reduce(x, axis=tuple(range(x.ndim - 1)))  # (reshape(-1, 0) is ambiguous)


def row_max(x: np.ndarray) -> np.ndarray:
    """``x.max(axis=-1, keepdims=True)``. NumPy's maximum along a short last axis goes row
    by row (80 us for 1024 rows of 32); over the first axis of the transposed copy it runs
    across all rows at once, and copy and reduction together take a third of that. The same
    maximum (NaN propagates alike), for rows of up to 256."""
    n = x.shape[-1] if x.ndim else 0
    if x.ndim < 2 or not 1 < n <= 256 or x.dtype.kind != "f" or not x.size:
        return np.maximum.reduce(x, axis=-1, keepdims=True)
    columns = np.ascontiguousarray(x.reshape(-1, n).T)
    return np.maximum.reduce(columns, axis=0).reshape(x.shape[:-1] + (1,))
