"""Samplers: the order in which DataLoader visits a map-style dataset, as
``torch.utils.data``'s. The random ones draw from a ``tg.Generator`` (or a
``numpy.random.Generator``) when given one, else from the library's generator, so
``tg.manual_seed(n)`` repeats them; being NumPy's draws, they are not torch's numbers.

    loader = DataLoader(dataset, batch_size=32, sampler=SubsetRandomSampler(train_idx))
"""

from __future__ import annotations

import itertools

import numpy as np

from ... import random


def check_positive(owner: str, name: str, value) -> None:
    """PyTorch's check of a count argument: a positive integer, else ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner}: {name} should be a positive integer value, but got "
                         f"{name}={value!r}.")


def check_flag(owner: str, name: str, value, error: type = ValueError) -> None:
    """PyTorch's check of a flag argument: a bool, else ``error``."""
    if not isinstance(value, bool):
        raise error(f"{owner}: {name} should be a boolean value, but got {name}={value!r}.")

class Sampler:
    """Base: subclasses define ``__iter__`` (indices, or lists of indices for a batch
    sampler) and usually ``__len__``."""

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__}: subclasses of Sampler should "
                                  "implement __iter__.")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``: DataLoader's order without ``shuffle``."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A new random order every epoch (DataLoader's ``shuffle=True``); with
    ``replacement=True``, ``num_samples`` independent uniform draws."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None) -> None:
        check_flag("RandomSampler", "replacement", replacement, TypeError)
        random.generator(generator)  # refuse a wrong generator here, not at the first epoch
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        check_positive("RandomSampler", "num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, draw = len(self.data_source), random.generator(self.generator)
        if self.replacement:
            return (int(i) for i in draw.integers(0, n, self.num_samples))
        whole, rest = divmod(self.num_samples, n)
        orders = [draw.permutation(n) for _ in range(whole)] + [draw.permutation(n)[:rest]]
        return (int(i) for i in np.concatenate(orders))

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a new random order every epoch (a train/validation split of one
    dataset)."""

    def __init__(self, indices, generator=None) -> None:
        random.generator(generator)
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        order = random.generator(self.generator).permutation(len(self.indices))
        return (self.indices[int(i)] for i in order)

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (with
    replacement by default): rebalancing classes."""

    def __init__(self, weights, num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        check_positive("WeightedRandomSampler", "num_samples", num_samples)
        check_flag("WeightedRandomSampler", "replacement", replacement)
        weights = np.asarray(weights, dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1-d sequence, but "
                             f"given weights have shape {weights.shape}.")
        if (weights < 0).any() or not np.isfinite(weights).all() or weights.sum() <= 0:
            raise RuntimeError("WeightedRandomSampler: weights must be finite, non-negative "
                               "and not all zero.")
        if not replacement and num_samples > np.count_nonzero(weights):
            raise RuntimeError(f"WeightedRandomSampler: cannot draw {num_samples} samples "
                               f"without replacement from {np.count_nonzero(weights)} "
                               "non-zero weights.")
        random.generator(generator)
        self.weights = weights
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        draw = random.generator(self.generator)
        picked = draw.choice(len(self.weights), self.num_samples, replace=self.replacement,
                             p=self.weights / self.weights.sum())
        return (int(i) for i in picked)

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler`` (the last one shorter unless
    ``drop_last``).

    >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
    [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        check_positive("BatchSampler", "batch_size", batch_size)
        check_flag("BatchSampler", "drop_last", drop_last)
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        batch = list(itertools.islice(indices, self.batch_size))
        while batch:
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch
            batch = list(itertools.islice(indices, self.batch_size))

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
