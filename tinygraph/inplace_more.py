"""More in-place changes of a Tensor, through the machinery of ``inplace.py`` (version
counters, the refusal on leaves that require grad, recording on views): ``index_put_``,
``index_copy_``, ``put_`` (the out-of-place ops of ``ops/index_put.py``, run in place),
``apply_``/``map_`` (a Python callable on every element; no gradient, refused on tensors
that require grad, as PyTorch) and ``resize_``/``resize_as_`` (a new shape over the same
storage, growing it when needed; refused on tensors that require grad).
"""

from __future__ import annotations

import numbers

import numpy as np

from .autograd.versions import note_mutation
from .ops.args import data, size_args
from .ops.strided import storage_of


class InPlaceMore:
    """Mixin of :class:`~tinygraph.tensor.Tensor` (no state)."""

    __slots__ = ()

    def index_put_(self, indices, values, accumulate: bool = False):
        """``self[indices] = values`` (or ``+=`` with ``accumulate``) in place; returns
        self."""
        _tensor_argument("index_put_", "values", values)
        return self._through("index_put_", "index_put", indices, values, accumulate)

    def index_copy_(self, dim, index, source):
        """``index_copy`` in place: the slices ``index`` along ``dim`` replaced by
        ``source``'s."""
        _tensor_argument("index_copy_", "source", source)
        return self._through("index_copy_", "index_copy", dim, index, source)

    def put_(self, index, source, accumulate: bool = False):
        """``put`` in place: ``source``'s elements written (or added) at the positions
        ``index`` of the flattened tensor."""
        _tensor_argument("put_", "source", source)
        return self._through("put_", "put", index, source, accumulate)

    # -- Python callables ------------------------------------------------------------------

    def _refuse_grad(self, what: str) -> None:
        if self.requires_grad:
            raise RuntimeError(f"Can't call {what}() on Variable that requires grad. Use "
                               f"var.detach().{what}() instead (tensor of shape "
                               f"{tuple(self.shape)}).")

    def _write_values(self, what: str, results: list):
        for value in results:
            if not isinstance(value, numbers.Number) or isinstance(value, complex):
                raise TypeError(f"{what}: the callable must return a real number, not "
                                f"{type(value).__name__}.")
        array = self._data
        values = np.array(results, dtype=np.float64 if array.dtype.kind == "f" else None)
        return self._update(what, None, lambda a: a.__setitem__(
            ..., values.reshape(a.shape).astype(a.dtype)))

    def apply_(self, callable):  # noqa: A002 - PyTorch's name
        """``callable(v)`` of every element (a Python number) written back in place (as
        this dtype); CPU only in PyTorch, as everything here. Returns self."""
        self._refuse_grad("apply_")
        values = self._data.reshape(-1).tolist()
        return self._write_values("apply_", [callable(v) for v in values])

    def map_(self, tensor, callable):  # noqa: A002 - PyTorch's name
        """``callable(a, b)`` of every element ``a`` of self and the matching element ``b``
        of ``tensor`` (broadcast to self's shape), written back in place. Returns self."""
        self._refuse_grad("map_")
        other = np.asarray(data(tensor))
        try:
            other = np.broadcast_to(other, self._data.shape)
        except ValueError:
            raise RuntimeError(f"map_: a tensor of shape {tuple(other.shape)} cannot be "
                               f"broadcast to this tensor's shape {tuple(self.shape)}.") from None
        mine = self._data.reshape(-1).tolist()
        theirs = other.reshape(-1).tolist()
        return self._write_values("map_", [callable(a, b) for a, b in zip(mine, theirs)])

    # -- a new shape over the storage ------------------------------------------------------

    def resize_(self, *sizes, memory_format=None):
        """This tensor with shape ``sizes`` over its storage: the first ``prod(sizes)``
        elements from its offset, C-contiguous (a new, larger storage holding the old
        elements first when they do not fit; the new ones are zeros here, uninitialised in
        PyTorch). Refused on tensors that require grad, as PyTorch. Returns self."""
        if self.requires_grad:
            raise RuntimeError(f"resize_: cannot resize variables that require grad (shape "
                               f"{tuple(self.shape)}); resize x.detach(), or make a new "
                               "tensor (x.new_zeros(...)).")
        shape = size_args(sizes, "resize_")
        count = int(np.prod(shape))
        storage, offset = storage_of(self._data)
        if not self._data.flags.writeable:
            raise RuntimeError(f"resize_: the tensor's memory is read-only (an expand()ed or "
                               f"broadcast view, shape {tuple(self.shape)}); clone() it first.")
        if offset + count <= storage.size:
            array = storage[offset:offset + count].reshape(shape)
        else:
            grown = np.zeros(count, dtype=self._data.dtype)
            kept = storage[offset:]
            grown[:kept.size] = kept
            array = grown.reshape(shape)
        self._data = array
        self._version += 1
        note_mutation(self, array)
        return self

    def resize_as_(self, the_template, memory_format=None):
        """``self.resize_(the_template.shape)``."""
        return self.resize_(tuple(the_template.shape))


def _tensor_argument(what: str, name: str, value) -> None:
    """PyTorch's TypeError for a number where a Tensor of values is expected (checked before
    the in-place machinery, which reports what fails inside as a RuntimeError)."""
    if not hasattr(value, "_data"):
        raise TypeError(f"{what}(): argument '{name}' must be Tensor, not "
                        f"{type(value).__name__}; write tg.tensor({value!r}).")
