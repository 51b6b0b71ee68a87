"""The Tensor: an array plus the record of how it was computed.

A Tensor holds its values in ``._data`` (a NumPy array) and, when it was produced by ops on
inputs that require grad, the node of the op that made it (``.grad_fn``). Every operator and
method here is a one-line delegation to a function of ``tinygraph.ops``.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import autograd
from .autograd.node import new_tensor
from .conversions import Conversions
from .creation import (
    check_float,
    get_default_dtype,  # noqa: F401 - nn's modules import it from here
    legacy_array,
    to_array,
)
from .device import as_device
from .dtypes import as_dtype
from .errors import ShapeError
from .inplace import InPlace
from .inplace_math import InPlaceMath
from .inplace_more import InPlaceMore
from .layouts import check_memory_format
from .ops import registry
from .ops.shape import getitem
from .protocols import Protocols
from .size import Size, size_of
from .tensor_grad import GradAttributes
from .tensor_legacy import Legacy
from .tensor_names import missing_attribute

_new_tuple = tuple.__new__
_SLOT_DEFAULTS = {"_grad": None, "name": None, "_version": 0, "_accumulator": None, "_hooks": None,
                  "_base": None, "_views": None}


class Tensor(GradAttributes, InPlace, InPlaceMath, InPlaceMore, Conversions, Legacy, Protocols):
    """An n-dimensional array that records the ops applied to it.

    >>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = ("_data", "_grad", "_requires_grad", "grad_fn", "name", "_version",
                 "_accumulator", "_hooks", "_base", "_views", "__weakref__")

    def __getattr__(self, attribute):
        # Op outputs are built without storing the rarely read slots (see
        # autograd.new_tensor); an unset slot lands here and reads as its default.
        try:
            return _SLOT_DEFAULTS[attribute]
        except KeyError:
            raise missing_attribute(self, attribute) from None

    def __init__(self, *data, dtype=None, device=None, requires_grad: bool = False,
                 name: str | None = None):
        """``torch.Tensor``'s constructor: ``tg.Tensor(2, 3)`` is a (2, 3) tensor of zeros,
        ``tg.Tensor([1, 2])`` the values in the default float dtype, ``tg.Tensor(t)`` a new leaf
        sharing ``t``'s storage. (Prefer ``tg.tensor(data)``, which infers the dtype.)"""
        as_device(device, "tg.Tensor")
        if len(data) == 1 and isinstance(data[0], Tensor):
            array = data[0]._data
            if dtype is not None:
                array = array.astype(as_dtype(dtype, "tg.Tensor"), copy=False)
        else:
            array = legacy_array(data, dtype)
        _init_leaf(self, array, requires_grad, name, "tg.Tensor")

    # -- attributes ----------------------------------------------------------------------

    @property
    def data(self) -> Tensor:
        """The values as a new tensor outside the graph that shares them (PyTorch's ``.data``):
        ``p.data -= lr * p.grad`` and ``w.data.uniform_(-a, a)`` change ``p`` and ``w`` in
        place. The array itself is ``x.numpy()``."""
        return new_tensor(self._data, None)

    @data.setter
    def data(self, value) -> None:
        array = value._data if isinstance(value, Tensor) else np.asarray(value)
        if array is self._data:  # `p.data -= u` assigns back the tensor it changed in place
            return
        if self.requires_grad:
            check_float(array.dtype, "x.data = value (x requires grad)")
        if array.shape != self._data.shape:
            raise ShapeError(
                f"x.data = value: value has shape {tuple(array.shape)} but the tensor has shape "
                f"{tuple(self._data.shape)}; assign values of the tensor's own shape."
            )
        self._data = array
        self._version += 1

    @property
    def shape(self) -> Size:
        """The shape, as ``x.size()``: a ``tg.Size`` (a tuple of ints, like ``torch.Size``)."""
        return _new_tuple(Size, self._data.shape)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    def size(self, dim: int | None = None):
        """The shape as a ``tg.Size`` (a tuple), or the length of dim ``dim``."""
        shape = self._data.shape
        if dim is None:
            return size_of(shape)
        if not -len(shape) <= dim < len(shape):
            valid = f"valid: {-len(shape)} to {len(shape) - 1}" if shape else "it has none"
            raise IndexError(f"size({dim}): dim out of range for a tensor with {len(shape)} "
                             f"dims ({valid}).")
        return shape[dim]

    def numel(self) -> int:
        """The number of elements."""
        return self._data.size

    nelement = numel

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    ndimension = dim

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        return registry.functions["transpose"](self)

    @property
    def mT(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The last two dims swapped (a batch of matrices transposed)."""
        if self._data.ndim < 2:
            raise ShapeError(f"x.mT: needs a matrix or a batch of matrices, got a tensor of "
                             f"shape {tuple(self._data.shape)}; use x.T or x.reshape first.")
        return registry.functions["transpose"](self, -2, -1)

    # -- autograd ------------------------------------------------------------------------

    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        A one-element tensor is seeded with 1; any other shape needs ``gradient`` (same shape).
        The graph's saved values are freed afterwards unless ``retain_graph=True``.
        ``inputs=[w, ...]``: accumulate into those tensors' ``.grad`` only.
        """
        autograd.api.backward_one(self, gradient, retain_graph, create_graph, inputs)

    def where(self, condition, y) -> Tensor:
        """``tg.where(condition, self, y)``, as PyTorch's ``Tensor.where``."""
        return registry.functions["where"](condition, self, y)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut off from the graph."""
        return new_tensor(self._data, None)

    def contiguous(self, memory_format=None) -> Tensor:
        """Itself if its values are laid out C-contiguously, else a contiguous ``clone``
        (``memory_format`` is checked, and the layout stays C-contiguous: tinygraph/layouts.py)."""
        check_memory_format(memory_format, self._data.ndim, "contiguous")
        if self._data.flags.c_contiguous:
            return self
        return registry.functions["clone"](self)

    # -- operators -----------------------------------------------------------------------
    # The public functions themselves (ops/registry.py); reflected forms swap the operands.
    # + and - skip the argument parsing of add/sub (their alpha=): the op on its inputs.

    __add__ = registry.functions["add"].operator
    __sub__ = registry.functions["sub"].operator
    __mul__ = registry.functions["mul"]
    __truediv__ = registry.functions["div"]
    __pow__ = registry.functions["pow"]
    __floordiv__ = registry.functions["floor_divide"]
    __mod__ = registry.functions["remainder"]
    __matmul__ = registry.functions["matmul"]
    __neg__ = registry.functions["neg"]
    __abs__ = registry.functions["abs"]
    __getitem__ = getitem

    def __radd__(self, other):
        return registry.functions["add"].operator(other, self)

    def __rsub__(self, other):
        return registry.functions["sub"].operator(other, self)

    def __rmul__(self, other):
        return registry.functions["mul"](other, self)

    def __rtruediv__(self, other):
        return registry.functions["div"](other, self)

    def __rfloordiv__(self, other):
        return registry.functions["floor_divide"](other, self)

    def __rmod__(self, other):
        return registry.functions["remainder"](other, self)

    def __rpow__(self, other):
        return registry.functions["pow"](other, self)

    def __rmatmul__(self, other):
        return registry.functions["matmul"](other, self)

    def __pos__(self):
        return self

    # Comparisons and bitwise logic (ops/compare.py): no gradient. Comparisons give bool;
    # & | ^ ~ are logical on bool tensors and bitwise on integer ones, refused on floats.

    __lt__ = registry.functions["lt"]
    __le__ = registry.functions["le"]
    __gt__ = registry.functions["gt"]
    __ge__ = registry.functions["ge"]

    def __eq__(self, other):  # type: ignore[override]
        if not isinstance(other, _COMPARABLE):
            return NotImplemented  # x == None is False, as in PyTorch
        return registry.functions["eq"](self, other)

    def __ne__(self, other):  # type: ignore[override]
        if not isinstance(other, _COMPARABLE):
            return NotImplemented
        return registry.functions["ne"](self, other)

    __and__ = __rand__ = registry.functions["bitwise_and"]
    __or__ = __ror__ = registry.functions["bitwise_or"]
    __xor__ = __rxor__ = registry.functions["bitwise_xor"]
    __invert__ = registry.functions["bitwise_not"]

    __hash__ = object.__hash__  # hashable by identity, like torch.Tensor


_COMPARABLE = (Tensor, np.ndarray, np.generic, numbers.Number)


def tensor(data, dtype=None, device=None, requires_grad: bool = False,
           name: str | None = None) -> Tensor:
    """A new leaf Tensor holding a copy of ``data``, with PyTorch's dtype rules.

    Python floats become the default float dtype (float32, see ``set_default_dtype``), Python
    ints int64, bools bool; NumPy arrays and scalars keep their dtype. ``requires_grad=True``
    needs a floating dtype.

    >>> tg.tensor([1, 2]).dtype, tg.tensor([1.0, 2.0]).dtype
    (dtype('int64'), dtype('float32'))
    """
    as_device(device, "tensor")
    array = to_array(data._data if isinstance(data, Tensor) else data, dtype)
    return leaf(array, requires_grad, name, "tensor")


def leaf(array: np.ndarray, requires_grad: bool = False, name: str | None = None,
         what: str = "tensor") -> Tensor:
    """A new leaf Tensor around ``array`` (not copied): what every creation function returns."""
    t = object.__new__(Tensor)
    _init_leaf(t, array, requires_grad, name, what)
    return t


def _init_leaf(t: Tensor, array: np.ndarray, requires_grad, name, what: str) -> None:
    if requires_grad:
        check_float(array.dtype, what)
    t._data = array
    t._grad = None
    t._requires_grad = bool(requires_grad)
    t.grad_fn = None
    t.name = name
    t._version = 0
    t._accumulator = None
    t._hooks = None


# The methods every public op declares (ops/registry.py): x.exp(), x.sum(dim), ...
for _name, _function in registry.methods.items():
    if _name not in vars(Tensor):
        setattr(Tensor, _name, _function)

autograd.register_tensor_type(Tensor)
