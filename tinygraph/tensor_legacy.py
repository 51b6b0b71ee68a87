"""PyTorch's older Tensor surface, still common in real programs: the legacy tensor types
(``tg.FloatTensor([1, 2])``, ``tg.LongTensor(3)``, ``isinstance(x, tg.FloatTensor)``),
``x.new(...)``, the conjugate views of real tensors (``x.H``, ``x.mH``, ``x.real``), and the
storage facts (``data_ptr``, ``storage_offset``, ``is_shared``/``share_memory_``,
``is_pinned``/``pin_memory`` as CPU-only PyTorch answers them).

    >>> isinstance(tg.ones(2), tg.FloatTensor), tg.LongTensor([1, 2]).type()
    (True, 'torch.LongTensor')
"""

from __future__ import annotations

import warnings
import weakref

import numpy as np

from .creation import legacy_array
from .device import as_device
from .dtypes import NAMES, TYPE_NAMES
from .ops import registry
from .ops.strided import storage_of
from .ops.viewtrack import _root

# storages (their owning arrays) that share_memory_() was called on, by id, kept weakly
_SHARED: dict[int, weakref.ref] = {}


def _legacy_new(dtype: np.dtype, args: tuple, what: str):
    """``torch.FloatTensor(*args)`` / ``x.new(*args)``: sizes give a new tensor of that shape
    (zeros; uninitialised in PyTorch), a sequence its values, a Tensor of the same dtype a new
    leaf sharing its storage."""
    from .tensor import Tensor, leaf

    if len(args) == 1 and isinstance(args[0], Tensor):
        source = args[0]
        if source.dtype != dtype:
            raise TypeError(f"{what}: expected a tensor of dtype {dtype}, got one of "
                            f"{source.dtype}; convert it first (x.to({dtype.name})).")
        return leaf(source._data, False, None, what)
    if len(args) == 1 and isinstance(args[0], (float, bool, np.floating)):
        raise TypeError(f"{what}: data must be a sequence (got {type(args[0]).__name__}); pass "
                        "sizes as ints or the values as a list.")
    return leaf(legacy_array(args, dtype, what), False, None, what)


class tensortype(type):  # noqa: N801 - PyTorch's metaclass name
    """The metaclass of the legacy tensor types: calling one makes a tensor of its dtype,
    and ``isinstance`` tests a tensor's dtype."""

    def __call__(cls, *args, device=None):
        as_device(device, cls.__name__)
        return _legacy_new(cls.dtype, args, f"tg.{cls.__name__}")

    def __instancecheck__(cls, instance) -> bool:
        from .tensor import Tensor

        return isinstance(instance, Tensor) and instance.dtype == cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'tinygraph.{cls.__name__}'>"


def _legacy_type(name: str, dtype: str):
    return tensortype(name, (), {"dtype": NAMES[dtype], "is_cuda": False, "is_sparse": False,
                                 "__module__": "tinygraph",
                                 "__doc__": f"Legacy constructor of {dtype} tensors."})


FloatTensor = _legacy_type("FloatTensor", "float32")
DoubleTensor = _legacy_type("DoubleTensor", "float64")
HalfTensor = _legacy_type("HalfTensor", "float16")
LongTensor = _legacy_type("LongTensor", "int64")
IntTensor = _legacy_type("IntTensor", "int32")
ShortTensor = _legacy_type("ShortTensor", "int16")
CharTensor = _legacy_type("CharTensor", "int8")
ByteTensor = _legacy_type("ByteTensor", "uint8")
BoolTensor = _legacy_type("BoolTensor", "bool")

LEGACY_TYPES = {cls.__name__: cls for cls in (
    FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor,
    ByteTensor, BoolTensor)}
assert set(TYPE_NAMES.values()) == {f"torch.{n}" for n in LEGACY_TYPES}


class Legacy:
    """The legacy and storage methods of :class:`~tinygraph.tensor.Tensor` (a mixin)."""

    __slots__ = ()

    def new(self, *args, device=None):
        """PyTorch's legacy constructor in this tensor's dtype: ``x.new(2, 3)`` a (2, 3)
        tensor (zeros here, uninitialised in PyTorch), ``x.new([1, 2])`` those values,
        ``x.new()`` an empty one. Prefer ``new_zeros``/``new_tensor``."""
        as_device(device, "x.new")
        return _legacy_new(self._data.dtype, args, "x.new")

    # -- conjugate views (of real tensors: transposes and the tensor itself) -----------------

    @property
    def H(self):  # noqa: N802 - PyTorch's name
        """The conjugate transpose of a matrix: for real tensors ``x.T`` (a view)."""
        n = self._data.ndim
        if n not in (0, 2):
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{n}-D tensor." + (" For batches of matrices, consider using "
                                                   "tensor.mH" if n > 2 else ""))
        if n == 0:
            warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
                          UserWarning, stacklevel=2)
            return self
        return registry.functions["transpose"](self)

    @property
    def mH(self):  # noqa: N802 - PyTorch's name
        """The conjugate transpose of a (batch of) matrices: for real tensors ``x.mT``."""
        if self._data.ndim < 2:
            raise RuntimeError(f"tensor.mH is only supported on matrices or batches of "
                               f"matrices. Got {self._data.ndim}-D tensor.")
        return registry.functions["transpose"](self, -2, -1)

    @property
    def real(self):
        """The real part: the tensor itself (tinygraph's dtypes are all real)."""
        return self

    @property
    def imag(self):
        raise RuntimeError(f"imag is not implemented for tensors with non-complex dtypes "
                           f"(this one is {self._data.dtype}); tinygraph has no complex "
                           "dtypes, so the imaginary part of a real tensor is zeros_like(x).")

    # -- storage ---------------------------------------------------------------------------

    def data_ptr(self) -> int:
        """The address of the first element (equal for views that start at the same element
        of one storage; 0 for an empty storage)."""
        if self._data.size == 0 and storage_of(self._data)[0].size == 0:
            return 0
        return self._data.__array_interface__["data"][0]

    def storage_offset(self) -> int:
        """How many elements of its storage come before this tensor's first element."""
        return int(storage_of(self._data)[1])

    def share_memory_(self):
        """Marks the storage shared (``is_shared()`` is True afterwards for every tensor on
        it). tinygraph runs in one process, so the memory itself does not move."""
        root = _root(self._data)
        key = id(root)
        try:
            _SHARED[key] = weakref.ref(root, lambda _, key=key: _SHARED.pop(key, None))
        except TypeError:  # memory owned by an object without weak references: keep it
            _SHARED[key] = lambda root=root: root
        return self

    def is_shared(self) -> bool:
        """Whether ``share_memory_()`` was called on this tensor's storage."""
        root = _root(self._data)
        ref = _SHARED.get(id(root))
        return ref is not None and ref() is root

    def is_pinned(self, device=None) -> bool:
        """False: there is no accelerator, so no page-locked memory (as CPU-only PyTorch)."""
        return False

    def pin_memory(self, device=None):
        raise RuntimeError("pin_memory: Cannot access accelerator device when none is "
                           "available (as CPU-only PyTorch): there is no accelerator to copy "
                           "to faster, so drop the pin_memory() call (DataLoader's "
                           "pin_memory=True is accepted and does nothing).")
