"""Minibatch iteration over arrays that share their first axis."""

from __future__ import annotations

import math

import numpy as np

from .random import generator
from .tensor import Tensor, tensor


class DataLoader:
    """Iterate over ``arrays`` in minibatches, yielding one tuple of Tensors per batch.

    >>> loader = DataLoader(X, Y, batch_size=32, shuffle=True)
    >>> for xb, yb in loader:
    ...     loss = loss_fn(model(xb), yb)

    The arrays (NumPy arrays, Tensors, or nested lists) must have the same length along their
    first axis. ``shuffle=True`` draws a new order every epoch from the library's generator, so
    ``tg.manual_seed(n)`` makes it reproducible. ``drop_last=True`` skips a final batch smaller
    than ``batch_size``; ``batch_size=None`` gives one batch of everything. ``len(loader)`` is
    the number of batches per epoch. Batches are new leaf Tensors (no gradient).
    """

    def __init__(self, *arrays, batch_size: int | None = 32, shuffle: bool = False,
                 drop_last: bool = False) -> None:
        if not arrays:
            raise ValueError("DataLoader: give at least one array, e.g. DataLoader(X, Y).")
        if batch_size is not None and (
                isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size must be a positive int or None, got "
                             f"{batch_size!r}.")
        self.arrays = tuple(_as_array(a, i) for i, a in enumerate(arrays))
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) != 1:
            shapes = ", ".join(f"array {i}: {a.shape}" for i, a in enumerate(self.arrays))
            raise ValueError(f"DataLoader: the arrays must have the same length along their "
                             f"first axis (one sample per row), got {shapes}.")
        self.n = lengths[0]
        self.batch_size = self.n if batch_size is None else int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last

    def __len__(self) -> int:
        if self.batch_size == 0:  # batch_size=None over no samples
            return 0
        if self.drop_last:
            return self.n // self.batch_size
        return math.ceil(self.n / self.batch_size)

    def __iter__(self):
        order = generator().permutation(self.n) if self.shuffle else None
        for b in range(len(self)):
            rows = slice(b * self.batch_size, (b + 1) * self.batch_size)
            if order is not None:
                rows = order[rows]
            yield tuple(tensor(a[rows]) for a in self.arrays)  # copies: never aliases the input


def _as_array(a, i: int) -> np.ndarray:
    if isinstance(a, Tensor):
        a = a._data
    elif not isinstance(a, np.ndarray):
        a = tensor(a)._data  # lists and numbers follow tg.tensor's dtype rules
    if a.ndim == 0:
        raise ValueError(f"DataLoader: array {i} is a scalar (shape ()); each array needs a "
                         "first axis of samples.")
    return a
