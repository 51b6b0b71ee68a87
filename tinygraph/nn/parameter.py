"""Parameter: a Tensor that a Module registers as learnable; Buffer: one it registers as
state (PyTorch 2.5's ``nn.Buffer``)."""

from __future__ import annotations

import numpy as np

from ..autograd.versions import note_mutation
from ..tensor import Tensor, get_default_dtype


class Parameter(Tensor):
    """A leaf Tensor that requires grad (unless ``requires_grad=False``); assigning one to a
    Module attribute registers it, so ``parameters()`` and ``state_dict()`` find it.

    As in PyTorch, ``Parameter(t)`` of a Tensor shares ``t``'s storage (a new leaf, cut from
    ``t``'s graph); an array or a list is copied (lists become the default float dtype);
    ``Parameter()`` is an empty float tensor.

    >>> w = nn.Parameter(tg.zeros(3, 2))
    >>> w.requires_grad, w.is_leaf
    (True, True)
    """

    # no __slots__: programs tag parameters (``p._no_weight_decay = True``), as torch allows;
    # copy.copy and deepcopy carry such attributes along

    def __init__(self, data=None, requires_grad: bool = True, dtype=None,
                 name: str | None = None) -> None:
        if data is None:
            data = np.empty(0, get_default_dtype())
        elif dtype is None and isinstance(data, np.ndarray):
            dtype = data.dtype  # tg.Tensor(array) alone would convert to the default dtype
        elif dtype is None and not isinstance(data, Tensor):
            dtype = get_default_dtype()
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, name=name)
        if isinstance(data, Tensor) and self._data.dtype == data._data.dtype:
            self._data = data._data  # share the storage, as torch.nn.Parameter(t) does

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        """As torch's Parameter: values and ``requires_grad``, but not ``.grad`` (a model
        deep-copied mid-training starts with no gradients: ``copy.deepcopy(model)`` for a
        target network or a fast-weights copy accumulates from zero)."""
        new = super().__deepcopy__(memo)
        new._grad = None
        return new


class Buffer(Tensor):
    """A Tensor that a Module registers as a buffer when it is assigned to an attribute, as
    ``register_buffer(name, t, persistent)`` would (``persistent=False``: left out of
    ``state_dict``). Shares ``data``'s storage, detached from its graph.

    >>> self.steps = nn.Buffer(tg.zeros(()), persistent=False)
    """

    # no __slots__: ``persistent`` lives in the instance dict, which deepcopy copies

    def __init__(self, data=None, *, persistent: bool = True) -> None:
        if data is None:
            data = Tensor(np.empty(0, get_default_dtype()))
        if not isinstance(data, Tensor):
            raise TypeError(f"nn.Buffer: expected a Tensor, got {type(data).__name__}.")
        super().__init__(data, requires_grad=data.requires_grad, dtype=data.dtype)
        self._data = data._data
        self.persistent = persistent


def overwrite(tensor: Tensor, values) -> Tensor:
    """Write ``values`` into ``tensor``'s storage in place, outside the graph (init, loading a
    checkpoint, clipping gradients), counted as an in-place change: a graph that saved the old
    values refuses its backward instead of using the new ones."""
    tensor._data[...] = values
    tensor._version += 1
    note_mutation(tensor, tensor._data)
    return tensor
