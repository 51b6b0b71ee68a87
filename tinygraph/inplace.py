"""In-place changes of a Tensor: ``+=``, ``x[idx] = v``, ``fill_``, ``zero_``.

Outside recording (under ``no_grad``, or when nothing requires grad) the array is changed in
place and the change is stamped (``autograd.versions``), so a graph that saved the old values
refuses its backward instead of using the new ones. While recording, the op is recorded out of
place and the tensor takes the result's place in the graph. A leaf that requires grad refuses
in-place changes while recording: its old value is what the gradient is taken at.
"""

from __future__ import annotations

from .autograd.mode import per_thread
from .autograd.versions import note_mutation
from .backend import namespace_of
from .ops import registry
from .ops.args import index as _index
from .ops.shape import setitem


class InPlace:
    """The in-place methods of :class:`~tinygraph.tensor.Tensor` (a mixin: no state)."""

    __slots__ = ()

    def _check_inplace(self, what: str) -> None:
        if self.requires_grad and self.grad_fn is None and per_thread.flags.grad_enabled:
            raise RuntimeError(
                f"{what}: in-place operation on a leaf tensor that requires grad (shape "
                f"{self.shape}). Its old value is needed to compute gradients. Update "
                "parameters inside `with tg.no_grad():`, or write x = x + ... to make a new "
                "tensor."
            )

    def _records(self, other) -> bool:
        return per_thread.flags.grad_enabled and (
            self.requires_grad or (getattr(other, "requires_grad", False)))

    def _rebind(self, result):
        """Make self take the place of ``result`` in the graph (a recorded in-place op)."""
        self._data = result._data
        self.grad_fn = result.grad_fn
        self.requires_grad = result.requires_grad
        self._version += 1
        return self

    def _changed(self):
        """Count and stamp an in-place change of the array."""
        self._version += 1
        note_mutation(self, self._data)
        return self

    def _inplace(self, op: str, ufunc: str, other, symbol: str):
        self._check_inplace(symbol)
        if self._records(other):
            return self._rebind(registry.functions[op](self, other))
        value = other._data if isinstance(other, type(self)) else other
        try:
            getattr(namespace_of(self._data), ufunc)(self._data, value, out=self._data)
        except TypeError as exc:  # NumPy's casting error: the result does not fit the dtype
            raise RuntimeError(
                f"x {symbol} other: the result's dtype cannot be stored in this {self.dtype} "
                f"tensor in place (PyTorch refuses it too: an integer tensor cannot take a "
                f"float result); write x = x {symbol[0]} other, or convert first "
                "(x = x.float())."
            ) from exc
        return self._changed()

    def __iadd__(self, other):
        return self._inplace("add", "add", other, "+=")

    def __isub__(self, other):
        return self._inplace("sub", "subtract", other, "-=")

    def __imul__(self, other):
        return self._inplace("mul", "multiply", other, "*=")

    def __itruediv__(self, other):
        return self._inplace("div", "true_divide", other, "/=")

    def __setitem__(self, index, value) -> None:
        self._check_inplace("x[index] = value")
        if self._records(value):
            self._rebind(setitem(self, index, value))
            return
        self._data[_index(index)] = value._data if isinstance(value, type(self)) else value
        self._changed()

    def zero_(self):
        """Fill with zeros in place (allowed on leaves under ``tg.no_grad()``)."""
        return self.fill_(0)

    def fill_(self, value):
        """Fill with ``value`` in place (allowed on leaves under ``tg.no_grad()``)."""
        self._check_inplace("fill_")
        self._data[...] = value
        return self._changed()

