"""Python's protocols on a Tensor, as PyTorch has them: ``len``, iteration, ``bool``/``float``/
``int``/``index`` of one-element tensors, ``format``, NumPy's ``__array__`` and
``__array_ufunc__``, ``repr``, and ``copy.deepcopy`` of leaves. Pickling is refused: tinygraph
never pickles (``tg.save``)."""

from __future__ import annotations

import copy

import numpy as np

from . import autograd, printing
from .autograd.node import new_tensor
from .creation import get_default_dtype
from .dtypes import name_of
from .ops import registry

# dtypes a repr does not name besides the default float dtype (as PyTorch: int64 and bool)
_UNNAMED = (np.dtype(np.int64), np.dtype(np.bool_))


class Protocols:
    """The Python protocols of :class:`~tinygraph.tensor.Tensor` (a mixin: no state)."""

    __slots__ = ()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(self._data.shape[0]):
            yield self[i]

    def __bool__(self) -> bool:
        if self._data.size != 1:
            quantity = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(
                f"Boolean value of a tensor with {quantity} (shape {tuple(self._data.shape)}) "
                "is ambiguous; use .any() or .all(), or compare a single element."
            )
        return bool(self._data)

    def __float__(self) -> float:
        return float(self._one_value("float"))

    def __int__(self) -> int:
        return int(self._one_value("int"))

    def __index__(self) -> int:
        """A one-element integer tensor used as an index: ``items[tg.tensor(1)]``."""
        if self._data.size != 1 or self._data.dtype.kind not in "biu":
            raise TypeError(
                f"only integer tensors of a single element can be converted to an index; this "
                f"one has dtype {self._data.dtype} and shape {tuple(self._data.shape)}."
            )
        return int(self._data.item())

    def _one_value(self, what: str):
        if self._data.size != 1:
            raise ValueError(
                f"{what}(): only one-element tensors can be converted to Python scalars; this "
                f"one has shape {tuple(self._data.shape)}."
            )
        return self._data.item()

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats a 0-d tensor's value, as in PyTorch."""
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        return object.__format__(self, spec)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy ufuncs on Tensors: ``np.exp(x)`` is ``tg.exp(x)`` (recorded) where tinygraph has
        the op; otherwise the values are computed, and refused when that would silently drop
        the gradient of an input that requires grad. ``out=`` arrays receive values only."""
        function = registry.ufuncs.get(ufunc.__name__)
        if function is not None and method == "__call__" and not kwargs:
            return function(*inputs)
        arrays = [x._data if isinstance(x, autograd.Tensor) else x for x in inputs]
        out = kwargs.get("out")
        if out is not None:  # a Tensor out= gets the values through copy_: an in-place change
            buffers = tuple(o._data.copy() if isinstance(o, autograd.Tensor) else o for o in out)
            kwargs["out"] = buffers  # (its version counter, a leaf's refusal), no graph
        result = getattr(ufunc, method)(*arrays, **kwargs)
        if out is not None:
            for target, values in zip(out, buffers):
                if isinstance(target, autograd.Tensor):
                    target.copy_(new_tensor(values, None))
            return out[0] if len(out) == 1 else out
        results = result if isinstance(result, tuple) else (result,)
        tracked = [x for x in inputs if isinstance(x, autograd.Tensor) and x.requires_grad]
        if tracked and any(np.asarray(r).dtype.kind == "f" for r in results):
            raise TypeError(
                f"np.{ufunc.__name__}: tinygraph has no differentiable op for this NumPy "
                "function, and an input requires grad, so the result would silently lose its "
                "gradient. Use tinygraph's ops, or pass x.detach() to compute values only."
            )
        wrapped = tuple(new_tensor(np.asarray(r), None) for r in results)
        return wrapped if isinstance(result, tuple) else wrapped[0]

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __repr__(self) -> str:
        data = self._data
        extras = []
        if data.size:
            body = printing.values(data)
        else:
            body = "[]"
            if data.shape != (0,):
                extras.append(f"size={tuple(data.shape)}")
        if data.dtype != get_default_dtype() and (data.dtype not in _UNNAMED or not data.size):
            extras.append(f"dtype={name_of(data.dtype)}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return printing.tensor_repr(body, extras)

    # -- copies --------------------------------------------------------------------------

    def __copy__(self):
        """A new leaf sharing the storage (``copy.copy``), as in PyTorch: ``requires_grad``
        and a subclass's attributes (the same objects) come along, ``.grad`` does not."""
        new = object.__new__(type(self))
        _copy_fields(self, new, self._data, None)
        if hasattr(self, "__dict__"):  # a user's subclass with attributes of its own
            new.__dict__.update(self.__dict__)
        return new

    def __deepcopy__(self, memo):
        """An independent copy of a leaf: values, ``requires_grad``, ``.grad``, ``name``.
        Tensors sharing one storage share it in the copy too (tied weights stay tied)."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "copy.deepcopy: only leaf tensors (made by the user, not by an op) can be "
                "deep-copied, as in PyTorch; copy x.detach() to copy the values."
            )
        new = object.__new__(type(self))
        memo[id(self)] = new
        _copy_fields(self, new, copy.deepcopy(self._data, memo),
                     copy.deepcopy(self._grad, memo))
        if hasattr(self, "__dict__"):  # a user's subclass with attributes of its own
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    def __reduce_ex__(self, protocol):
        raise TypeError(
            "tinygraph tensors cannot be pickled (tinygraph never pickles: loading a pickle can "
            "run code). Save with tg.save({'x': x}, 'file.npz') (or a state_dict, or "
            "'.safetensors') and read it back with tg.load."
        )


def _copy_fields(source, target, data, grad) -> None:
    target._data = data
    target._grad = grad
    target._requires_grad = source._requires_grad
    target.grad_fn = None
    target.name = source.name
    target._version = 0
    target._accumulator = None
    target._hooks = None
