"""``torch.distributed``, as scripts probe it before using it: ``is_available()`` is False
(tinygraph runs in one process, with no communication backend) and ``is_initialized()`` is
False, so ``if dist.is_available() and dist.is_initialized(): ...`` takes the single-process
path. Any other name raises, saying so.
"""

from __future__ import annotations


def is_available() -> bool:
    """False: tinygraph has no distributed backend."""
    return False


def is_initialized() -> bool:
    """False: no process group exists."""
    return False


def __getattr__(name: str):
    if name.startswith("_"):
        raise AttributeError(f"module 'tinygraph.distributed' has no attribute {name!r}")
    raise _Missing(f"tg.distributed.{name}: tinygraph runs in a single process and has no "
                   "distributed backend (tg.distributed.is_available() is False); run the "
                   "script's single-process path.")


class _Missing(AttributeError, RuntimeError):
    """A distributed function tinygraph lacks: an AttributeError (``hasattr`` is False) and
    a RuntimeError, as torch raises when no process group is initialised."""


__all__ = ["is_available", "is_initialized"]
