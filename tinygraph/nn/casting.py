"""``Module.to``'s arguments: the dtype to cast to, and the device, which must be the CPU.

tinygraph computes with NumPy on the CPU; a request for another device is refused with an
error that names the ways to run the model elsewhere (ONNX export, safetensors into PyTorch).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor

_DEVICE_WORDS = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "ipu", "mtia", "vulkan")


def check_device(owner: str, device) -> None:
    kind = str(getattr(device, "type", device)).split(":")[0]
    if kind != "cpu":
        raise RuntimeError(
            f"{owner}.to({str(device)!r}): tinygraph runs on the CPU only. To run the model "
            "elsewhere, export it with tg.onnx.export(model, example_input, 'model.onnx') "
            "(ONNX Runtime runs it on GPUs), or save its weights with tg.save("
            "model.state_dict(), 'model.safetensors') and load them into the same model "
            "written with torch.nn."
        )


def target_dtype(owner: str, *args, device=None, dtype=None, non_blocking=False, **unknown):
    """Parse ``Module.to``'s arguments: the dtype to cast to (or None); devices are checked."""
    if unknown:
        raise TypeError(f"{owner}.to() got unexpected keyword arguments {sorted(unknown)}.")
    if len(args) > 2:
        raise TypeError(f"{owner}.to() takes at most a device and a dtype, got {args!r}.")
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif _is_device(arg):
            device = arg
        else:
            dtype = arg
    if device is not None:
        check_device(owner, device)
    if dtype is None:
        return None
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{owner}.to({dtype!r}): not a dtype or a device.") from None
    if dtype.kind != "f":
        raise TypeError(f"{owner}.to() only accepts floating point dtypes, but got desired "
                        f"dtype={dtype}.")
    return dtype


def _is_device(arg) -> bool:
    if isinstance(arg, str):
        return arg.split(":")[0] in _DEVICE_WORDS
    return hasattr(arg, "type") and not isinstance(arg, (type, np.dtype))
