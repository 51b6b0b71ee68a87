"""``tg.cuda``: what a PyTorch program asks about CUDA, answered for a CPU-only library.

``tg.cuda.is_available()`` is False and ``device_count()`` 0, so the usual
``"cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU. Seeding CUDA's generators,
``empty_cache()`` and the memory counters (0 bytes) answer as in a CPU-only PyTorch build,
where scripts call them unconditionally; anything else raises the CPU-only error.
"""

from __future__ import annotations

import sys

from .amp import CudaAmp
from .device import missing_device_attribute

# tg.cuda.amp.GradScaler / autocast, PyTorch's older spelling (both warn that they are
# deprecated, as torch's); `from tinygraph.cuda.amp import autocast` finds it too
amp = sys.modules[__name__ + ".amp"] = CudaAmp()


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
    """Nothing to seed (as in a CPU-only PyTorch build)."""


def seed_all() -> None:
    """Nothing to seed (as in a CPU-only PyTorch build)."""


def is_initialized() -> bool:
    """False: CUDA is never initialised here."""
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: there is no CUDA device."""
    return False


def empty_cache() -> None:
    """Nothing cached (scripts call it unconditionally after evaluation; a no-op in a
    CPU-only PyTorch build too)."""


def memory_allocated(device=None) -> int:
    """0 bytes: no CUDA memory is ever allocated."""
    return 0


max_memory_allocated = memory_reserved = max_memory_reserved = memory_allocated


def __getattr__(name: str):
    if name.startswith("_"):  # Python's and tools' own probes (__path__, _fields, ...)
        raise AttributeError(f"module 'tinygraph.cuda' has no attribute {name!r}")
    raise missing_device_attribute("tg.cuda", name)
