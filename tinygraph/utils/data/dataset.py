"""Datasets, as ``torch.utils.data``: Dataset, IterableDataset, TensorDataset, ConcatDataset,
Subset, random_split."""

from __future__ import annotations

import math
import numbers
import warnings
from bisect import bisect_right
from itertools import accumulate

import numpy as np

from ... import random
from ...tensor import Tensor, tensor


class SizeMismatchError(ValueError, AssertionError):
    """Tensors of a TensorDataset with different first sizes: an ``AssertionError`` as
    PyTorch's (an ``assert``), and a ``ValueError`` (a bad argument)."""


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(index)`` (one sample) and
    ``__len__``. Any object with those two works with ``DataLoader`` (a list, too).

    >>> class Squares(Dataset):
    ...     def __len__(self): return 10
    ...     def __getitem__(self, i): return float(i), float(i * i)
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__}: subclasses of Dataset should "
                                  "implement __getitem__.")

    def __add__(self, other) -> ConcatDataset:
        """``train + extra``: the samples of both, one after the other."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__`` (and may define ``__len__``).
    DataLoader batches what it yields, in order (no shuffle, no sampler).

    >>> class Counter(IterableDataset):
    ...     def __iter__(self): return iter(range(10))
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__}: subclasses of IterableDataset "
                                  "should implement __iter__.")

    def __add__(self, other) -> ChainDataset:
        """``stream + other_stream``: one stream after the other (a ChainDataset)."""
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """The streams of ``datasets`` (IterableDatasets), one after the other, chained lazily;
    ``len`` is the sum of their lengths."""

    def __init__(self, datasets) -> None:
        self.datasets = datasets

    def _checked(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset, got "
                                     f"{type(d).__name__}.")
            yield d

    def __iter__(self):
        for d in self._checked():
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self._checked())


class StackDataset(Dataset):
    """Sample i of several equal-length datasets together: ``StackDataset(a, b)[i]`` is
    ``(a[i], b[i])``, ``StackDataset(x=a, y=b)[i]`` is ``{"x": a[i], "y": b[i]}``."""

    def __init__(self, *args, **kwargs) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or ``dict``- (via "
                             "``kwargs``) like input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts = list(args or kwargs.values())
        self._length = len(parts[0])
        if any(len(d) != self._length for d in parts):
            raise ValueError(f"Size mismatch between datasets: lengths "
                             f"{[len(d) for d in parts]}.")
        self.datasets = args or kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """The samples of ``datasets``, one after the other; ``cumulative_sizes[i]`` is where
    dataset i ends.

    >>> both = ConcatDataset([train, extra])   # or train + extra
    """

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("ConcatDataset: datasets should not be an empty iterable.")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset.")
        self.cumulative_sizes = list(accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError(f"ConcatDataset: absolute value of index {index} should not "
                                 f"exceed dataset length {len(self)}.")
            index += len(self)
        which = bisect_right(self.cumulative_sizes, index)
        if which == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} is out of range for {len(self)} "
                             "samples.")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class TensorDataset(Dataset):
    """Samples are rows: ``dataset[i]`` is ``(t[i] for t in tensors)`` as a tuple.

    >>> dataset = TensorDataset(tg.randn(100, 3), tg.randn(100, 1))
    >>> x, y = dataset[0]
    """

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor, e.g. TensorDataset(X, Y).")
        tensors = tuple(t if isinstance(t, Tensor) else tensor(t) for t in tensors)
        for i, t in enumerate(tensors):
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is a scalar (shape ()); each needs "
                                 "a first axis of samples.")
        if len({t.shape[0] for t in tensors}) != 1:
            shapes = ", ".join(f"tensor {i}: {tuple(t.shape)}" for i, t in enumerate(tensors))
            raise SizeMismatchError(
                f"TensorDataset: size mismatch between tensors: they must have the same length "
                f"along the first axis (one sample per row), got {shapes}.")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    >>> first_ten = Subset(dataset, range(10))
    """

    def __init__(self, dataset, indices) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def _lengths(lengths, n: int) -> list[int]:
    """Whole lengths summing to ``n``: given as ints, or as fractions of ``n`` that sum to 1
    (the remainder of the rounding goes one by one to the first subsets, as in PyTorch)."""
    lengths = list(lengths)
    total = sum(lengths)
    if all(isinstance(k, numbers.Integral) for k in lengths):
        if any(k < 0 for k in lengths):
            raise ValueError(f"random_split: lengths must not be negative, got {lengths}.")
    elif math.isclose(total, 1) and total <= 1:
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1: "
                                 f"{fraction}.")
        counts = [math.floor(n * fraction) for fraction in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"random_split: length of split at index {i} is 0. This might "
                              "result in an empty dataset.", stacklevel=3)
        return counts
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}, from {lengths}) "
                         f"does not equal the length of the input dataset ({n}). Give whole "
                         "lengths that sum to it, or fractions that sum to 1.")
    return [int(k) for k in lengths]


def random_split(dataset, lengths, generator=None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random Subsets of the given ``lengths`` (whole
    numbers summing to ``len(dataset)``, or fractions summing to 1).

    The order is drawn from ``generator`` (a ``tg.Generator`` or a ``numpy.random.Generator``),
    by default the library's, so ``tg.manual_seed(n)`` makes it reproducible.

    >>> train, val = random_split(dataset, [0.8, 0.2])
    """
    counts = _lengths(lengths, len(dataset))
    order = [int(i) for i in np.asarray(random.generator(generator).permutation(sum(counts)))]
    return [Subset(dataset, order[end - count:end])
            for end, count in zip(accumulate(counts), counts)]
