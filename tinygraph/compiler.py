"""``torch.compiler``: what library code asks about compilation. tinygraph runs every
function as written (``tg.compile`` returns it unchanged), so nothing is ever being compiled.
"""

from __future__ import annotations


def is_compiling() -> bool:
    """False: code here is never traced by a compiler."""
    return False


is_dynamo_compiling = is_compiling


def disable(fn=None, recursive: bool = True, *, reason: str | None = None):
    """``fn`` unchanged (there is no compiler to keep away from it); usable as
    ``@disable`` or ``@disable(recursive=False)``."""
    if fn is None:
        return lambda f: f
    return fn


def reset() -> None:
    """Nothing to reset."""


def allow_in_graph(fn):
    """``fn`` unchanged."""
    return fn


__all__ = ["is_compiling", "is_dynamo_compiling", "disable", "reset", "allow_in_graph"]
