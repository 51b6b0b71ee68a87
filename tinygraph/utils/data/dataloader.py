"""DataLoader: batches from a map-style dataset, as ``torch.utils.data.DataLoader``."""

from __future__ import annotations

import math

import numpy as np

from ... import random
from ...tensor import tensor
from .collate import default_collate, default_convert
from .dataset import TensorDataset


def check_batch_size(batch_size, owner: str = "DataLoader", allow_none: bool = True) -> None:
    """``batch_size`` must be a positive integer (or None, where that means no batching)."""
    if batch_size is None and allow_none:
        return
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or (
            batch_size < 1):
        raise ValueError(f"{owner}: batch_size should be a positive integer value, but got "
                         f"batch_size={batch_size!r}.")


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples, collated by
    ``collate_fn`` (PyTorch's default: stacked into Tensors, structure kept).

    >>> loader = DataLoader(TensorDataset(X, Y), batch_size=32, shuffle=True)
    >>> for xb, yb in loader:
    ...     loss = loss_fn(model(xb), yb)

    ``shuffle=True`` draws a new order every epoch from ``generator`` (a ``tg.Generator`` or a
    ``numpy.random.Generator``; by default the library's, so ``tg.manual_seed(n)`` makes it
    reproducible). ``sampler`` (an iterable of indices) or ``batch_sampler`` (an iterable of
    lists of indices) choose the order instead. ``drop_last=True`` skips a final short batch;
    ``batch_size=None`` yields single samples (arrays made Tensors). ``len(loader)`` is the
    number of batches. The data is loaded in this process: ``num_workers``, ``pin_memory``
    and the other worker options are accepted and change nothing.
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = False,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False) -> None:
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: the dataset needs __len__ and __getitem__ (a "
                            f"map-style Dataset), got {type(dataset).__name__}.")
        check_batch_size(batch_size)
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative; use "
                             "num_workers=0 to disable multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle.")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last.")
        random.generator(generator)  # a tg.Generator, a numpy.random.Generator or None
        self.dataset = dataset
        self.batch_size = None if batch_sampler is not None else batch_size
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.drop_last = drop_last
        self.generator = generator
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory

    def _indices(self):
        """The order of the samples for one epoch."""
        if self.sampler is not None:
            return iter(self.sampler)
        n = len(self.dataset)
        if self.shuffle:
            return (int(i) for i in random.generator(self.generator).permutation(n))
        return iter(range(n))

    def _batches(self):
        """Lists of indices, one per batch."""
        if self.batch_sampler is not None:
            yield from (list(batch) for batch in self.batch_sampler)
            return
        batch = []
        for index in self._indices():
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __iter__(self):
        if self.batch_size is None and self.batch_sampler is None:  # no batching
            convert = default_convert if self.collate_fn is None else self.collate_fn
            for index in self._indices():
                yield convert(self.dataset[index])
            return
        collate = default_collate if self.collate_fn is None else self.collate_fn
        fast = self.collate_fn is None and type(self.dataset) is TensorDataset
        for indices in self._batches():
            if fast:  # one gather per tensor instead of one index per sample, same batch
                rows = tensor(np.asarray(indices, dtype=np.int64))
                yield [t[rows] for t in self.dataset.tensors]
            else:
                yield collate([self.dataset[i] for i in indices])

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
