"""Conversions of a Tensor: to another dtype (``.to``, ``.float()``, ``.long()``, ...), to the
device it is already on (``.cpu()``), and out to Python and NumPy values (``.item()``,
``.tolist()``, ``.numpy()``).

A conversion between floating dtypes is the differentiable ``astype`` op (the gradient is
converted back); a conversion to an integer or bool dtype has no gradient, so its result is
detached, as in PyTorch. A conversion to the tensor's own dtype returns the tensor itself.
"""

from __future__ import annotations

import math

import numpy as np

from . import autograd
from .autograd.node import new_tensor
from .device import CPU, as_device, cpu_only, is_device
from .dtypes import NAMES, TYPE_NAMES, as_dtype
from .layouts import check_memory_format, strided
from .ops import registry


def parse_to(owner: str, args: tuple, dtype=None, device=None):
    """The dtype that ``.to(*args, dtype=, device=)`` asks for, or None; the device, which
    must be the CPU, is checked. ``args``: a dtype, a device, both, or a tensor to match."""
    if len(args) > 2:
        raise TypeError(f"{owner}.to() takes a device and a dtype, or a tensor; got {args!r}.")
    for arg in args:
        if isinstance(arg, autograd.Tensor):
            dtype = arg.dtype
        elif is_device(arg):
            device = arg
        elif arg is not None:
            dtype = arg
    if device is not None:
        as_device(device, f"{owner}.to({str(device)!r})")
    return None if dtype is None else as_dtype(dtype, f"{owner}.to()")


class Conversions:
    """The conversion methods of :class:`~tinygraph.tensor.Tensor` (a mixin: no state)."""

    __slots__ = ()

    def to(self, *args, dtype=None, device=None, non_blocking: bool = False,
           copy: bool = False, memory_format=None):
        """This tensor in another dtype (``x.to(tg.float64)``, ``x.to("cpu", tg.float64)``,
        ``x.to(other)``); itself when nothing changes, unless ``copy=True``."""
        target = parse_to("x", args, dtype, device)
        check_memory_format(memory_format, self._data.ndim, "to")
        result = self if target is None else self._as(target)
        if copy and result is self:
            result = registry.functions["clone"](self)
        return result

    def type(self, dtype=None, non_blocking: bool = False, **kwargs):
        """Without ``dtype``, PyTorch's type name (``'torch.FloatTensor'``, so code comparing
        it runs unchanged); with one (a dtype or such a name), ``self.to(dtype)``."""
        if dtype is None:
            return TYPE_NAMES.get(self.dtype, f"torch.{self.dtype.name}")
        if isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), np.dtype):
            dtype = dtype.dtype  # a legacy type: x.type(tg.DoubleTensor)
        elif isinstance(dtype, type) and issubclass(dtype, autograd.Tensor):
            from .creation import get_default_dtype

            dtype = get_default_dtype()  # x.type(tg.Tensor): the default tensor type
        return self._as(as_dtype(dtype, "x.type()"))

    def type_as(self, other):
        """This tensor in ``other``'s dtype (``self.to(other.dtype)``)."""
        return self.to(other.dtype)

    # -- new tensors like this one (PyTorch's new_*: this dtype unless dtype= says otherwise)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False):
        return self._new("zeros", size, dtype, device, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False):
        return self._new("ones", size, dtype, device, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False):
        return self._new("empty", size, dtype, device, requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None,
                 requires_grad: bool = False):
        from . import factories  # factories build Tensors: imported when first used

        return factories.full(size, fill_value, dtype=dtype or self._data.dtype,
                              device=device, requires_grad=requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad: bool = False):
        from .tensor import tensor  # the module that defines Tensor, so imported late

        return tensor(data, dtype=dtype or self._data.dtype, device=device,
                               requires_grad=requires_grad)

    def _new(self, kind: str, size: tuple, dtype, device, requires_grad: bool):
        from . import factories

        return getattr(factories, kind)(*size, dtype=dtype or self._data.dtype, device=device,
                                        requires_grad=requires_grad)

    def _as(self, dtype: np.dtype):
        if dtype == self._data.dtype:
            return self
        if dtype.kind == "f":
            return registry.functions["astype"](self, dtype)
        return new_tensor(self._data.astype(dtype), None)  # no gradient through ints or bools

    def float(self, memory_format=None):
        """As float32 (differentiable from a floating dtype)."""
        return self._as(NAMES["float32"])

    def double(self, memory_format=None):
        """As float64 (differentiable from a floating dtype)."""
        return self._as(NAMES["float64"])

    def half(self, memory_format=None):
        """As float16 (differentiable from a floating dtype)."""
        return self._as(NAMES["float16"])

    def long(self, memory_format=None):
        """As int64, truncated toward zero; no gradient."""
        return self._as(NAMES["int64"])

    def int(self, memory_format=None):
        """As int32, truncated toward zero; no gradient."""
        return self._as(NAMES["int32"])

    def bool(self, memory_format=None):
        """As bool (nonzero is True); no gradient."""
        return self._as(NAMES["bool"])

    def short(self, memory_format=None):
        """As int16, truncated toward zero; no gradient."""
        return self._as(NAMES["int16"])

    def char(self, memory_format=None):
        """As int8, truncated toward zero; no gradient."""
        return self._as(NAMES["int8"])

    def byte(self, memory_format=None):
        """As uint8; no gradient."""
        return self._as(NAMES["uint8"])

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the values are laid out C-contiguously (``contiguous()`` returns self); with
        ``tg.channels_last`` (``_3d``), whether that C layout is also channels-last (one channel,
        or one pixel), as tinygraph never reorders memory."""
        if getattr(memory_format, "_rank", None) is None:
            check_memory_format(memory_format, self._data.ndim, "is_contiguous")
            return bool(self._data.flags.c_contiguous)
        shape = self._data.shape
        return (len(shape) == memory_format._rank and bool(self._data.flags.c_contiguous)
                and (shape[1] == 1 or math.prod(shape[2:]) == 1))

    @property
    def layout(self):
        """``tg.strided``: every tensor is a strided NumPy array."""
        return strided

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element (``element_size()``)."""
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes the elements take: ``numel() * element_size()``."""
        return self._data.size * self._data.itemsize

    def stride(self, dim: int | None = None):
        """How many elements apart consecutive indices of each dim are in memory (a tuple), or
        of dim ``dim`` (an int); an expanded dim has stride 0."""
        array = self._data
        if array.size == 0:  # NumPy's strides of an empty array are arbitrary: contiguous ones
            strides, step = [], 1
            for n in reversed(array.shape):
                strides.append(step)
                step *= max(n, 1)
            strides = tuple(reversed(strides))
        else:
            strides = tuple(s // array.itemsize for s in array.strides)
        if dim is None:
            return strides
        if not -array.ndim <= dim < array.ndim:
            raise IndexError(f"stride: dim {dim} is out of range for a tensor with "
                             f"{array.ndim} dimensions (expected to be in range of "
                             f"[{-array.ndim}, {array.ndim - 1}]).")
        return strides[dim]

    # -- the device ----------------------------------------------------------------------

    @property
    def device(self):
        """Always ``device(type='cpu')``."""
        return CPU

    is_cuda = False
    is_cpu = True
    # what library code asks before special-casing a tensor: never so here (dense, CPU)
    is_sparse = is_sparse_csr = is_quantized = is_meta = is_mps = is_xpu = is_nested = False
    is_mkldnn = is_vulkan = is_ipu = is_xla = is_mtia = is_maia = False

    def get_device(self) -> int:
        """-1, torch's answer for a CPU tensor."""
        return -1

    def is_conj(self) -> bool:
        """False: no tensor is complex here."""
        return False

    def is_neg(self) -> bool:
        """False: no lazy negation bit here."""
        return False

    def is_signed(self) -> bool:
        """Whether the dtype holds negative numbers (floats and signed integers)."""
        return self._data.dtype.kind in "fi"

    def is_same_size(self, other) -> bool:
        """Whether ``other`` has this tensor's shape."""
        return tuple(self.shape) == tuple(other.shape)

    def sum_to_size(self, *size):
        """Summed over the broadcast dims down to ``size`` (which must broadcast to this
        tensor's shape): the reverse of ``expand``."""
        size = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else size
        shape = tuple(self.shape)
        if len(size) > len(shape) or any(s not in (1, n) for s, n in
                                          zip(size[::-1], shape[::-1])):
            raise RuntimeError(f"sum_to_size: size {list(size)} is not expandable to size "
                               f"{list(shape)}.")
        lead = len(shape) - len(size)
        dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size)
                                          if s == 1 and shape[lead + i] != 1)
        out = registry.functions["sum"](self, dims, keepdim=True) if dims else self
        return out.reshape(size)

    def cpu(self, memory_format=None):
        """Itself: tensors live on the CPU."""
        return self

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None):
        raise cpu_only("x.cuda()")

    # -- values out ----------------------------------------------------------------------

    def numpy(self, force: bool = False) -> np.ndarray:
        """The storage itself (shared, not copied), also when the tensor requires grad."""
        return self._data

    def item(self):
        """The single value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"item(): a tensor with {self._data.size} elements (shape "
                f"{tuple(self._data.shape)}) cannot be converted to a Python number; index or "
                "reduce it first."
            )
        return self._data.item()

    def tolist(self):
        """The values as (nested) Python lists of numbers."""
        return self._data.tolist()
