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


# -- lazy modules' placeholders (torch.nn.parameter.UninitializedParameter/Buffer) ---------

_STORAGE = Tensor.__dict__["_data"]  # the slot itself, under the property that guards it
_USE = ("Attempted to use an uninitialized parameter in {}. This error happens when you are "
        "using a `LazyModule` or explicitly manipulating `torch.nn.parameter."
        "UninitializedParameter` objects. When using LazyModules Call `forward` with a dummy "
        "batch to initialize the parameters before calling torch functions")


class UninitializedTensorMixin:
    """A parameter or buffer of a lazy module before its first forward: it has a dtype and
    ``requires_grad`` but no shape and no values; reading them raises. ``materialize(shape)``
    gives it uninitialised storage and makes it a plain ``cls_to_become``."""

    __slots__ = ()
    cls_to_become: type = Tensor

    @property
    def _data(self):
        raise ValueError(_USE.format("an op (its values were read)"))

    @_data.setter
    def _data(self, value) -> None:
        _STORAGE.__set__(self, value)

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error "
            "usually happens in `load_state_dict` when trying to load an uninitialized "
            "parameter into an initialized one. Call `forward` to initialize the parameters "
            "before accessing their attributes.")

    @property
    def dtype(self):
        return _STORAGE.__get__(self).dtype

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give it storage of ``shape`` (uninitialised values) and become ``cls_to_become``."""
        dtype = self.dtype if dtype is None else np.dtype(dtype)
        _STORAGE.__set__(self, np.empty(tuple(int(n) for n in shape), dtype))
        self.__class__ = self.cls_to_become

    def _cast(self, dtype) -> None:
        _STORAGE.__set__(self, np.empty(0, dtype))

    def __copy__(self):
        return self.__deepcopy__({})

    def __deepcopy__(self, memo):
        new = object.__new__(type(self))
        memo[id(self)] = new
        _STORAGE.__set__(new, np.empty(0, self.dtype))
        for slot in ("_requires_grad", "name"):
            object.__setattr__(new, slot, getattr(self, slot))
        new._grad, new.grad_fn, new._version = None, None, 0
        for slot in ("_accumulator", "_hooks", "_base", "_views"):
            object.__setattr__(new, slot, None)
        if hasattr(self, "__dict__"):
            new.__dict__.update(self.__dict__)
        return new

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __getattribute__(self, name):  # numel(), sum(), ...: torch's ValueError, by name
        if name in _ALLOWED or name.startswith("__") or name in type(self).__dict__:
            return object.__getattribute__(self, name)
        value = object.__getattribute__(self, name)
        if callable(value) and not isinstance(value, type):
            raise ValueError(_USE.format(f"Tensor.{name}"))
        return value


_ALLOWED = frozenset({"_data", "shape", "dtype", "materialize", "_cast", "requires_grad",
                      "requires_grad_", "grad", "_grad", "_requires_grad", "grad_fn", "name",
                      "is_leaf", "persistent", "cls_to_become", "_version", "_hooks",
                      "_accumulator", "_base", "_views", "device", "__class__", "__dict__"})


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """The weight of a lazy module before its first forward (``nn.LazyLinear(3).weight``):
    a Parameter once materialised."""

    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        Parameter.__init__(self, np.empty(0, dtype or get_default_dtype()), requires_grad)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A lazy module's buffer (running statistics) before its first forward: a Tensor once
    materialised."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device=None, dtype=None,
                 persistent: bool = True) -> None:
        Tensor.__init__(self, np.empty(0, dtype or get_default_dtype()),
                        requires_grad=requires_grad)
