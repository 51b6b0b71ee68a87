"""The Module methods for dtypes, devices and compilation: ``to``'s arguments (the dtype to
cast to, and the device, which must be the CPU), the cast itself, and ``compile`` and
``share_memory``, which have nothing to do on the CPU in one process.

tinygraph computes with NumPy on the CPU; a request for another device is refused with the
one CPU-only error (tinygraph/device.py) that names the ways to run the model elsewhere
(ONNX export, safetensors into PyTorch). Parsing is ``Tensor.to``'s (tinygraph/conversions.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import layouts
from ..conversions import parse_to
from ..device import as_device

if TYPE_CHECKING:
    from .module import Module


def check_device(owner: str, device) -> None:
    as_device(device, f"{owner}.to({str(device)!r})")


def target_dtype(owner: str, *args, device=None, dtype=None, non_blocking=False,
                 memory_format=None, **unknown):
    """Parse ``Module.to``'s arguments: the dtype to cast to (or None); devices are checked,
    and a memory format (4-d weights' layout in PyTorch) keeps tinygraph's C layout."""
    if memory_format is not None and not isinstance(memory_format, layouts.memory_format):
        raise TypeError(f"{owner}.to(): memory_format must be a tg.memory_format, got "
                        f"{memory_format!r}.")
    if unknown:
        raise TypeError(f"{owner}.to() got unexpected keyword arguments {sorted(unknown)}.")
    dtype = parse_to(owner, args, dtype, device)
    if dtype is not None and dtype.kind != "f":
        raise TypeError(f"{owner}.to() only accepts floating point dtypes, but got desired "
                        f"dtype={dtype}.")
    return dtype


def cast_floats(tensors, dtype) -> None:
    """Give each floating-point tensor (and its gradient) ``dtype`` in place: the same Tensor
    objects, new storage."""
    for t in tensors:
        if hasattr(t, "materialize") and t.dtype.kind == "f":  # a lazy module's placeholder
            t._cast(dtype)
        elif t.dtype.kind == "f" and t.dtype != dtype:
            t.data = t._data.astype(dtype)
            if t.grad is not None:
                t.grad.data = t.grad._data.astype(dtype)


class Casting:
    """``Module``'s dtype and device methods (a mixin: no state)."""

    __slots__ = ()

    def to(self, *args, **kwargs) -> Module:
        """Cast floating-point parameters and buffers (and gradients) in place; returns self.

        ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)`` or keywords
        ``device=``/``dtype=``, as in PyTorch. The device must be the CPU.
        """
        dtype = target_dtype(type(self).__name__, *args, **kwargs)
        return self if dtype is None else self._cast_floats(dtype)

    def float(self) -> Module:
        return self._cast_floats(np.dtype(np.float32))

    def double(self) -> Module:
        return self._cast_floats(np.dtype(np.float64))

    def half(self) -> Module:
        return self._cast_floats(np.dtype(np.float16))

    def cpu(self) -> Module:  # the CPU is the only device
        return self

    def cuda(self, device=None) -> Module:
        check_device(type(self).__name__, "cuda")
        return self

    def _cast_floats(self, dtype: np.dtype) -> Module:
        cast_floats([*self.parameters(), *self.buffers()], dtype)
        return self

    def type(self, dst_type) -> Module:
        """Every parameter and buffer (and gradient) as ``dst_type``, a dtype or a legacy type
        (``tg.DoubleTensor``, ``"torch.DoubleTensor"``), integer buffers included, as torch's
        ``Module.type``; returns self."""
        for t in [*self.parameters(), *self.buffers()]:
            converted = t.type(dst_type)
            if converted.dtype != t.dtype:
                t.data = converted  # the same Tensor object, new storage (as .to())
                if t.grad is not None:
                    t.grad = t.grad.type(dst_type)
        return self

    def compile(self, *args, **kwargs) -> None:
        """``torch.nn.Module.compile``: compiles the forward in place in PyTorch; tinygraph
        runs it eagerly (the same values), so there is nothing to do. Returns None, as torch."""

    def share_memory(self):
        """For ``torch.multiprocessing``; tinygraph runs in one process. Returns self."""
        return self
