"""What a new Tensor holds: the default float dtype, and turning user data into an array.

Python floats become the default float dtype (float32 unless ``set_default_dtype`` changed
it); NumPy arrays keep their dtype. Data a tensor cannot hold is refused here, where it enters,
with the fix in the message: complex numbers, strings and Python objects, masked arrays (whose
mask would be lost silently).
"""

from __future__ import annotations

import numpy as np

_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype) -> None:
    """Set the dtype Python floats and the float factories produce (float32 unless changed)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dtype}.")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The dtype Python floats and the float factories produce."""
    return _default_dtype


def to_array(data, dtype, what: str = "tensor") -> np.ndarray:
    """The array a new Tensor holds: a copy; NumPy data keeps its dtype, Python data is float."""
    if isinstance(data, np.ma.MaskedArray):
        raise TypeError(
            f"{what}: got a NumPy masked array; its mask would be lost. Fill the masked values "
            "first (data.filled(value)) or pass data.data to ignore the mask."
        )
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data, dtype=dtype, copy=True)
    else:
        try:
            array = np.array(data, dtype=dtype)
        except ValueError as exc:
            if "inhomogeneous" in str(exc):
                raise ValueError(f"{what}: the nested lists are ragged (rows of different "
                                 f"lengths): {exc}") from None
            raise
        if dtype is None and array.dtype.kind in "iuf":
            array = array.astype(_default_dtype)
    check_dtype(array.dtype, what)
    return array


def check_dtype(dtype, what: str) -> None:
    """Refuse dtypes a tensor cannot hold: complex, strings, objects."""
    kind = np.dtype(dtype).kind
    if kind == "c":
        raise TypeError(f"{what}: complex dtype {np.dtype(dtype)} is not supported (gradients of "
                        "complex functions are not defined here); split real and imaginary parts.")
    if kind not in "biuf":
        raise TypeError(
            f"{what}: cannot make a tensor of dtype {np.dtype(dtype)} (strings or Python "
            "objects); pass numbers, nested lists of numbers, or a numeric NumPy array."
        )


def check_float(dtype, what: str) -> None:
    if np.dtype(dtype).kind != "f":
        raise TypeError(
            f"{what}: only floating-point tensors can require gradients, but the dtype is "
            f"{np.dtype(dtype)}. Convert first, e.g. tg.tensor(x, dtype=np.float32, "
            "requires_grad=True)."
        )
