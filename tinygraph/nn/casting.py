"""``Module.to``'s arguments (the dtype to cast to, and the device, which must be the CPU)
and the cast itself.

tinygraph computes with NumPy on the CPU; a request for another device is refused with the
one CPU-only error (tinygraph/device.py) that names the ways to run the model elsewhere
(ONNX export, safetensors into PyTorch). Parsing is ``Tensor.to``'s (tinygraph/conversions.py).
"""

from __future__ import annotations

from ..conversions import parse_to
from ..device import as_device


def check_device(owner: str, device) -> None:
    as_device(device, f"{owner}.to({str(device)!r})")


def target_dtype(owner: str, *args, device=None, dtype=None, non_blocking=False, **unknown):
    """Parse ``Module.to``'s arguments: the dtype to cast to (or None); devices are checked."""
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
