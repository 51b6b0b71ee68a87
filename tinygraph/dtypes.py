"""dtypes: NumPy's dtype objects under PyTorch's names.

``tg.float32`` *is* ``np.dtype("float32")``, so a tinygraph dtype goes anywhere NumPy takes one
and ``x.dtype == tg.float32 == np.float32``. ``dtype=`` arguments accept these, NumPy's
spellings (``np.float64``, ``"float64"``) and Python's ``float``/``int``/``bool`` (float64,
int64 and bool, as in PyTorch).

The names ``float``, ``int`` and ``bool`` would shadow Python's builtins here, so they live
in the ``NAMES`` table; ``tinygraph/__init__.py`` makes them ``tg.<name>``.
"""

from __future__ import annotations

import numpy as np

NAMES = {
    "float16": np.dtype(np.float16), "half": np.dtype(np.float16),
    "float32": np.dtype(np.float32), "float": np.dtype(np.float32),
    "float64": np.dtype(np.float64), "double": np.dtype(np.float64),
    "int8": np.dtype(np.int8),
    "int16": np.dtype(np.int16), "short": np.dtype(np.int16),
    "int32": np.dtype(np.int32), "int": np.dtype(np.int32),
    "int64": np.dtype(np.int64), "long": np.dtype(np.int64),
    "uint8": np.dtype(np.uint8),
    "bool": np.dtype(np.bool_),
}

# What a tensor may hold: PyTorch's real dtypes (its unsigned 16/32/64-bit types included).
SUPPORTED = frozenset(NAMES.values()) | {np.dtype(t) for t in (np.uint16, np.uint32, np.uint64)}

# ``x.type()``: PyTorch's legacy type names, so code that compares them runs unchanged.
TYPE_NAMES = {
    np.dtype(np.float16): "torch.HalfTensor", np.dtype(np.float32): "torch.FloatTensor",
    np.dtype(np.float64): "torch.DoubleTensor", np.dtype(np.int8): "torch.CharTensor",
    np.dtype(np.int16): "torch.ShortTensor", np.dtype(np.int32): "torch.IntTensor",
    np.dtype(np.int64): "torch.LongTensor", np.dtype(np.uint8): "torch.ByteTensor",
    np.dtype(np.bool_): "torch.BoolTensor",
}
_BY_TYPE_NAME = {name.split(".")[1]: dtype for dtype, name in TYPE_NAMES.items()}


def name_of(dtype) -> str:
    """``tg.float64`` for float64: the name a repr shows."""
    return f"tg.{np.dtype(dtype).name}"


def as_dtype(dtype, what: str) -> np.dtype:
    """``dtype`` as a NumPy dtype a tensor can hold; anything else raises naming ``what``."""
    if isinstance(dtype, str) and dtype.split(".")[-1] in _BY_TYPE_NAME:
        return _BY_TYPE_NAME[dtype.split(".")[-1]]  # x.type("torch.DoubleTensor")
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{what}: dtype={dtype!r} is not a dtype; pass one of tg.float32, tg.float64, "
            "tg.float16, tg.int64, tg.int32, tg.int16, tg.int8, tg.uint8, tg.bool."
        ) from None
    check_dtype(result, what)
    return result


def check_dtype(dtype: np.dtype, what: str) -> None:
    """Refuse dtypes a tensor cannot hold: complex, strings, objects, dates, long double."""
    if dtype in SUPPORTED:
        return
    if dtype.kind == "c":
        raise TypeError(f"{what}: complex dtype {dtype} is not supported (gradients of complex "
                        "functions are not defined here); split real and imaginary parts.")
    if dtype.kind in "biuf" and dtype.newbyteorder("=") in SUPPORTED:
        raise TypeError(f"{what}: the array's byte order is not the machine's ({dtype.str}); "
                        "convert it first with array.astype(array.dtype.newbyteorder('=')).")
    if dtype.kind == "f":
        raise TypeError(f"{what}: dtype {dtype} is not supported (PyTorch has no {dtype}); "
                        "convert to float64 first.")
    raise TypeError(
        f"{what}: cannot make a tensor of dtype {dtype} (strings or Python objects, or dates: "
        "not numbers); pass numbers, nested lists of numbers, or a numeric NumPy array."
    )


def is_floating(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


# -- the default float dtype (here, below autograd, so that promotion can read it) ---------

_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype) -> None:
    """Set the dtype Python floats and the float factories produce (float32 unless changed).

    >>> tg.set_default_dtype(tg.float64)
    """
    global _default_dtype
    dtype = as_dtype(dtype, "set_default_dtype")
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point types can be the default, got "
                        f"{dtype}.")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The dtype Python floats and the float factories produce."""
    return _default_dtype
