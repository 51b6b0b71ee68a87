"""Datasets and batching with ``torch.utils.data``'s names and semantics.

    from tinygraph.utils.data import DataLoader, TensorDataset, random_split

    train, val = random_split(TensorDataset(X, Y), [0.8, 0.2])
    for xb, yb in DataLoader(train, batch_size=32, shuffle=True):
        ...

``tinygraph.data.DataLoader(X, Y, batch_size=32)`` is the shorthand over arrays.
"""

from ...names import missing_name
from .collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "Subset",
           "random_split", "DataLoader", "default_collate", "default_convert", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler", "ChainDataset", "StackDataset", "get_worker_info"]

__getattr__ = missing_name(__name__, globals())
