"""The process-wide knobs a PyTorch script turns before training, answered for a CPU library on
NumPy: ``compile`` (there is no compiler: the model runs as written), matmul precision and
deterministic-algorithm flags (NumPy's float32 products are always full float32 and its ops
deterministic), thread counts (NumPy's BLAS takes ``OMP_NUM_THREADS`` at start), print options
(the tensor printing's precision, threshold, edge items, line width and scientific mode),
``finfo``/``iinfo``, and the default device (the CPU).
"""

from __future__ import annotations

import os

import numpy as np

from . import printing
from .device import as_device, device

_state = {"matmul_precision": "highest", "deterministic": False, "warn_only": False,
          "threads": None}


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor",  # noqa: A001
            mode=None, options=None, disable: bool = False):
    """``torch.compile``'s signature; returns ``model`` itself (tinygraph has no compiler, and
    the eager model computes the same values). Without ``model``, a decorator."""
    if model is None:
        return lambda fn: fn
    return model


def set_float32_matmul_precision(precision: str) -> None:
    """Accepted as PyTorch's ("highest", "high", "medium"); NumPy's float32 products always
    use full float32 precision."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"set_float32_matmul_precision: invalid precision {precision!r}; "
                           "expected 'highest', 'high' or 'medium'.")
    _state["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return _state["matmul_precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accepted: tinygraph's ops are deterministic already (NumPy on the CPU)."""
    _state["deterministic"], _state["warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _state["deterministic"]


def set_num_threads(n: int) -> None:
    """Recorded for ``get_num_threads``; NumPy's BLAS reads its thread count from
    ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS`` when the process starts."""
    if int(n) < 1:
        raise ValueError(f"set_num_threads: expected a positive number of threads, got {n}.")
    _state["threads"] = int(n)


def set_num_interop_threads(n: int) -> None:
    """Recorded for ``get_num_interop_threads`` (tinygraph runs ops one after another)."""
    if int(n) < 1:
        raise ValueError(f"set_num_interop_threads: expected a positive number of threads, "
                         f"got {n}.")
    _state["interop_threads"] = int(n)


def get_num_interop_threads() -> int:
    """What ``set_num_interop_threads`` set, else 1: ops never run concurrently here."""
    return _state.get("interop_threads", 1)


def get_num_threads() -> int:
    if _state["threads"] is not None:
        return _state["threads"]
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return os.cpu_count() or 1


_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
             "full": (4, float("inf"), 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """How tensors print, as ``torch.set_printoptions``: decimals, the element count past
    which a tensor is summarized, the items shown at each edge, the line width, a profile
    ("default", "short", "full") and ``sci_mode`` (True/False forces, None decides)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; choose one of "
                             f"{sorted(_PROFILES)}.")
        (printing.PRECISION, printing.THRESHOLD, printing.EDGEITEMS,
         printing.LINEWIDTH) = _PROFILES[profile]
    if precision is not None:
        printing.PRECISION = int(precision)
    if threshold is not None:
        printing.THRESHOLD = threshold
    if edgeitems is not None:
        printing.EDGEITEMS = int(edgeitems)
    if linewidth is not None:
        printing.LINEWIDTH = int(linewidth)
    printing.SCI_MODE = sci_mode


class finfo:  # noqa: N801 - PyTorch's name
    """Limits of a floating dtype (default: the default float dtype), as torch's: ``eps``,
    ``max``, ``min``, ``tiny`` = ``smallest_normal``, ``resolution`` as Python floats (so
    ``tg.tensor(tg.finfo(tg.float64).min)`` takes the default dtype, as torch's does),
    ``bits`` an int and ``dtype`` the name."""

    def __init__(self, type=None):  # noqa: A002 - PyTorch's argument name
        from .dtypes import get_default_dtype

        dtype = np.dtype(get_default_dtype() if type is None else type)
        if dtype.kind != "f":
            raise TypeError(f"finfo: expected a floating dtype, got {dtype}; use tg.iinfo "
                            "for integers.")
        info = np.finfo(dtype)
        self.bits, self.dtype = int(info.bits), dtype.name
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


def iinfo(type):  # noqa: A002 - PyTorch's argument name
    """NumPy's ``iinfo`` of an integer dtype: ``max``, ``min``, ``bits``."""
    dtype = np.dtype(type)
    if dtype.kind not in "iu":
        raise TypeError(f"iinfo: expected an integer dtype, got {dtype}; use tg.finfo for "
                        "floating dtypes.")
    return np.iinfo(dtype)


def set_default_device(value) -> None:
    """Accepted for the CPU (tinygraph's one device); another device raises the CPU-only
    error."""
    as_device(value, "set_default_device")


def get_default_device() -> device:
    return as_device(None, "get_default_device")
