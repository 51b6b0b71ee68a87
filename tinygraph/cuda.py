"""``tg.cuda``: what a PyTorch program asks about CUDA, answered for a CPU-only library.

``tg.cuda.is_available()`` is False and ``device_count()`` 0, so the usual
``"cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU. Seeding CUDA's generators,
emptying its cache and asking how much memory it holds answer as a CPU-only PyTorch build does
(scripts call them unconditionally): nothing to do, zero bytes; anything else raises the
CPU-only error.
"""

from __future__ import annotations

from .amp import CudaAmp
from .device import cpu_only

amp = CudaAmp()  # tg.cuda.amp.GradScaler / autocast, PyTorch's older spelling


def is_available() -> bool:
    """False: tinygraph runs on the CPU."""
    return False


def device_count() -> int:
    """0: there are no CUDA devices to use."""
    return 0


def manual_seed(seed: int) -> None:
    """Nothing to seed (PyTorch ignores this call when CUDA is absent, too)."""


def manual_seed_all(seed: int) -> None:
    """Nothing to seed (PyTorch ignores this call when CUDA is absent, too)."""


def seed() -> None:
    """Nothing to seed."""


def seed_all() -> None:
    """Nothing to seed."""


def empty_cache() -> None:
    """No CUDA cache to empty (a no-op, as in a CPU-only PyTorch)."""


def is_initialized() -> bool:
    """False: CUDA is never initialised."""
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: no CUDA device."""
    return False


def memory_allocated(device=None) -> int:
    """0 bytes: nothing lives on a CUDA device."""
    return 0


def max_memory_allocated(device=None) -> int:
    return 0


def memory_reserved(device=None) -> int:
    return 0


def max_memory_reserved(device=None) -> int:
    return 0


def __getattr__(name: str):
    if name.startswith("_"):  # Python's and tools' own probes (__path__, _fields, ...)
        raise AttributeError(f"module 'tinygraph.cuda' has no attribute {name!r}")
    raise cpu_only(f"tg.cuda.{name}")
