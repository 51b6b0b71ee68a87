"""Datasets and batching with ``torch.utils.data``'s names and semantics.

    from tinygraph.utils.data import DataLoader, TensorDataset, random_split

    train, val = random_split(TensorDataset(X, Y), [0.8, 0.2])
    for xb, yb in DataLoader(train, batch_size=32, shuffle=True):
        ...

``tinygraph.data.DataLoader(X, Y, batch_size=32)`` is the shorthand over arrays.
"""

from ...names import missing_name
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import Dataset, Subset, TensorDataset, random_split

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "DataLoader",
           "default_collate", "default_convert"]

__getattr__ = missing_name(__name__, globals())
