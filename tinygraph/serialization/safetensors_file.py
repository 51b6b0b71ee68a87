"""``.safetensors`` files, through the ``safetensors`` package (``pip install
tinygraph[safetensors]``).

A safetensors file is a flat map from names to tensors: a Module's ``state_dict()`` is one
already, with PyTorch's names and layouts, so ``safetensors.torch.load_file`` and PyTorch's
``load_state_dict`` read what ``tg.save`` writes, and the reverse. Nested objects (an
optimizer's state dict) and non-array values have no place in the format; ``.npz`` holds them.

The format is safe by design: a JSON header (at most 100 MB, checked by the package) gives
each tensor's dtype, shape and byte range, the ranges must tile the rest of the file exactly,
and each range must match its shape x dtype. A file can therefore never make ``load``
allocate more than its own size.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .errors import CheckpointError, damaged
from .structure import check_array

# The metadata Hugging Face's loaders look for; the layouts are PyTorch's.
METADATA = {"format": "pt"}


def _package(who: str):
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            f"{who}: .safetensors files need the safetensors package: "
            "pip install 'tinygraph[safetensors]' (or save to a .npz path)."
        ) from None
    return safetensors


def encode(obj) -> bytes:
    """The bytes of a safetensors file holding the flat dict ``obj`` of arrays/Tensors."""
    package = _package("tg.save")
    if not isinstance(obj, dict):
        raise TypeError(f"tg.save: a .safetensors file holds a dict of name -> tensor (a "
                        f"state_dict()), not a {type(obj).__name__}; save other objects to .npz.")
    arrays = {}
    for name, value in obj.items():
        if isinstance(value, Tensor):
            value = value._data
        if isinstance(value, np.generic):
            value = np.asarray(value)
        if not isinstance(name, str):
            raise TypeError(f"tg.save: .safetensors names are strings, got the key {name!r}; "
                            "save to a .npz path instead.")
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"tg.save: a .safetensors file holds only tensors, but {name!r} is a "
                f"{type(value).__name__}; nested checkpoints such as an optimizer's "
                "state_dict(), numbers and strings need a .npz path."
            )
        check_array(value, name)
        # The package writes an array's raw memory: a transposed or sliced view must be
        # copied into C order first, or its elements are saved in the wrong order.
        # (Not np.ascontiguousarray, which turns a 0-d array into shape (1,).)
        arrays[name] = value if value.flags.c_contiguous else value.copy(order="C")
    try:
        return package.numpy.save(arrays, metadata=METADATA)
    except package.SafetensorError as exc:  # a dtype the format has no code for
        raise TypeError(f"tg.save: cannot write this state_dict as .safetensors: {exc}; "
                        "use a .npz path for such arrays.") from None


def read(path: str) -> dict[str, np.ndarray]:
    """Every tensor of the file at ``path``, by name, as NumPy arrays (in the file's order:
    the format sorts names by dtype, so ``load_state_dict`` matches them by name)."""
    package = _package("tg.load")
    try:
        with package.safe_open(path, framework="np") as f:
            arrays = {name: f.get_tensor(name) for name in f.keys()}  # copies, not the mmap
    except TypeError as exc:
        if "bfloat16" not in str(exc):
            raise damaged(path, exc, "a .safetensors file") from None
        raise _bfloat16(path) from None
    except (package.SafetensorError, ValueError, OSError) as exc:
        raise damaged(path, exc, "a .safetensors file") from None
    # With ml_dtypes imported (onnx imports it) NumPy reads bfloat16 as a dtype of its own,
    # which no op of tinygraph computes with: refused the same way.
    if any(a.dtype.kind not in "biuf" for a in arrays.values()):
        raise _bfloat16(path)
    return arrays


def _bfloat16(path: str) -> CheckpointError:
    return CheckpointError(
        f"tg.load: {path!r} holds bfloat16 tensors, which NumPy (and so tinygraph) has no "
        "dtype for; convert them in PyTorch first (state_dict values .float())."
    )
