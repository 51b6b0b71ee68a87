"""``tg.accelerator``: PyTorch's device-agnostic questions, answered for a CPU-only library.

``tg.accelerator.is_available()`` is False, ``current_accelerator()`` None and
``device_count()`` 0, so the tutorials' ``torch.accelerator.current_accelerator().type if
torch.accelerator.is_available() else "cpu"`` picks the CPU; ``synchronize()`` has nothing to
wait for. Anything else raises the CPU-only error.
"""

from __future__ import annotations

from .device import missing_device_attribute


def is_available() -> bool:
    """False: tinygraph runs on the CPU, which PyTorch does not count as an accelerator."""
    return False


def current_accelerator(check_available: bool = False):
    """None: there is no accelerator."""
    return None


def device_count() -> int:
    """0: there are no accelerator devices."""
    return 0


def synchronize(device=None) -> None:
    """Nothing to wait for: every op has finished when it returns."""


def __getattr__(name: str):
    if name.startswith("_"):  # Python's and tools' own probes (__path__, _fields, ...)
        raise AttributeError(f"module 'tinygraph.accelerator' has no attribute {name!r}")
    raise missing_device_attribute("tg.accelerator", name)
