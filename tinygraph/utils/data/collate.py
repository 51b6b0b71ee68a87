"""How DataLoader turns a list of samples into a batch: PyTorch's ``default_collate`` rules.

Tensors, arrays and NumPy scalars are stacked into one Tensor with a new first axis (their
dtype kept); Python floats become a float64 Tensor, ints int64, bools bool; strings stay a
list; a dict, tuple, list or named tuple is collated field by field and keeps its structure
(a tuple becomes a list, as in PyTorch).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ...ops import functions as ops
from ...tensor import Tensor, tensor

_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
          "found {}")


def _numeric_array(array: np.ndarray) -> bool:
    return array.dtype.kind in "biuf"


def default_collate(batch):
    """Stack a list of samples into a batch (see the module docstring)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return ops.stack(list(batch))
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        if not _numeric_array(np.asarray(elem)):
            raise TypeError(_ERROR.format(np.asarray(elem).dtype))
        return tensor(np.stack([np.asarray(b) for b in batch]))
    if isinstance(elem, float):
        return tensor(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, int):  # bools too: [True, False] gives a bool tensor
        return tensor(np.asarray(batch))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        return _same_type(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, Sequence):
        if len({len(sample) for sample in batch}) != 1:
            raise RuntimeError("default_collate: each element in the batch should be of equal "
                               f"size, got sizes {[len(sample) for sample in batch]}.")
        fields = [default_collate(field) for field in zip(*batch)]
        return fields if isinstance(elem, tuple) else _same_type(elem, fields)
    raise TypeError(_ERROR.format(type(elem)))


def default_convert(data):
    """Without batching (``batch_size=None``): arrays become Tensors, structures keep their
    shape, everything else is left as it is."""
    if isinstance(data, (np.ndarray, np.generic)) and _numeric_array(np.asarray(data)):
        return tensor(np.asarray(data))
    if isinstance(data, Mapping):
        return _same_type(data, {key: default_convert(value) for key, value in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return _same_type(data, [default_convert(d) for d in data])
    return data


def _same_type(original, contents):
    """``contents`` in ``original``'s container type when that type can be built from it."""
    try:
        return type(original)(contents)
    except TypeError:
        return contents
