"""DataLoader: batches from a map-style dataset, as ``torch.utils.data.DataLoader``."""

from __future__ import annotations

import itertools
import math

import numpy as np

from ... import random
from ...tensor import tensor
from .collate import default_collate, default_convert
from .dataset import IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, check_positive


def check_batch_size(batch_size, owner: str = "DataLoader", allow_none: bool = True) -> None:
    """``batch_size`` must be a positive integer (or None, where that means no batching)."""
    if batch_size is None and allow_none:
        return
    check_positive(owner, "batch_size", batch_size)


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples, collated by
    ``collate_fn`` (PyTorch's default: stacked into Tensors, structure kept).

    >>> loader = DataLoader(TensorDataset(X, Y), batch_size=32, shuffle=True)
    >>> for xb, yb in loader:
    ...     loss = loss_fn(model(xb), yb)

    As in PyTorch, the order comes from ``loader.sampler`` (a ``SequentialSampler``, or with
    ``shuffle=True`` a ``RandomSampler`` drawing a new order every epoch from ``generator``: a
    ``tg.Generator`` or a ``numpy.random.Generator``; by default the library's, so
    ``tg.manual_seed(n)`` makes it reproducible), grouped by ``loader.batch_sampler``. A
    ``sampler`` (any iterable of indices) or ``batch_sampler`` (of lists of indices) of your
    own chooses the order instead. ``drop_last=True`` skips a final short batch;
    ``batch_size=None`` yields single samples (arrays made Tensors). An ``IterableDataset`` is
    batched in the order it yields. ``len(loader)`` is the number of batches. The data is
    loaded in this process: ``num_workers``, ``pin_memory`` and the other worker options are
    accepted and change nothing.
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        iterable = isinstance(dataset, IterableDataset)
        if not iterable and not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: the dataset needs __len__ and __getitem__ (a "
                            f"map-style Dataset) or to be an IterableDataset, got "
                            f"{type(dataset).__name__}.")
        check_batch_size(batch_size)
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative; use "
                             "num_workers=0 to disable multiprocessing.")
        random.generator(generator)  # a tg.Generator, a numpy.random.Generator or None
        if iterable and (shuffle or sampler is not None or batch_sampler is not None):
            raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle, "
                             "sampler and batch_sampler options; the dataset's own __iter__ "
                             "gives the order.")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle.")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last.")
            batch_size = None
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last.")
        if sampler is None and not iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, bool(drop_last))
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory

    def __iter__(self):
        dataset = self.dataset
        if isinstance(dataset, IterableDataset):
            yield from self._iterate_stream()
            return
        if self.batch_sampler is None:  # no batching
            convert = default_convert if self.collate_fn is None else self.collate_fn
            for index in self.sampler:
                yield convert(dataset[index])
            return
        collate = default_collate if self.collate_fn is None else self.collate_fn
        fast = self.collate_fn is None and type(dataset) is TensorDataset
        for indices in self.batch_sampler:
            if fast:  # one gather per tensor instead of one index per sample, same batch
                rows = tensor(np.asarray(list(indices), dtype=np.int64))
                yield [t[rows] for t in dataset.tensors]
            else:
                yield collate([dataset[i] for i in indices])

    def _iterate_stream(self):
        """An IterableDataset's samples, batched in the order it yields them."""
        samples = iter(self.dataset)
        if self.batch_size is None:
            convert = default_convert if self.collate_fn is None else self.collate_fn
            yield from (convert(sample) for sample in samples)
            return
        collate = default_collate if self.collate_fn is None else self.collate_fn
        batch = list(itertools.islice(samples, self.batch_size))
        while batch and not (self.drop_last and len(batch) < self.batch_size):
            yield collate(batch)
            batch = list(itertools.islice(samples, self.batch_size))

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # a TypeError for a stream without __len__, as in torch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)


def get_worker_info():
    """None: tinygraph's DataLoader loads in the main process (PyTorch returns None there
    too), so code that splits a stream across workers takes its single-process branch."""
    return None
