"""Thread-local recording state: grad mode, anomaly mode, and the Module being run."""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable


class Flags:
    """One thread's recording switches (read once per op, so they live in slots)."""

    __slots__ = ("grad_enabled", "anomaly", "debug", "module")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False  # backward checks gradients for NaN/Inf
        self.debug = False  # nodes keep their creation site and inputs (anomaly, record_inputs)
        self.module = None  # set by nn.Module.__call__ so that viz can group nodes by module


class _PerThread(threading.local):
    def __init__(self) -> None:
        self.flags = Flags()


per_thread = _PerThread()


def flags() -> Flags:
    """The calling thread's switches: ``flags().grad_enabled``, ``.module``, ..."""
    return per_thread.flags


class _StateAccessor:
    """``state.grad_enabled`` and friends read and write the calling thread's :class:`Flags`.

    Hot paths read ``per_thread.flags`` once and then its slots: one thread-local lookup per
    op instead of one per switch.
    """

    __slots__ = ()

    def __getattr__(self, name):
        return getattr(per_thread.flags, name)

    def __setattr__(self, name, value) -> None:
        setattr(per_thread.flags, name, value)


state = _StateAccessor()


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default; see :class:`no_grad`)."""
    return per_thread.flags.grad_enabled


class _GradModeContext:
    """Base of no_grad / enable_grad: a context manager that is also a decorator."""

    enabled: bool

    def __new__(cls, fn: Callable | None = None):
        self = super().__new__(cls)
        return self if fn is None else self(fn)  # @tg.no_grad without parentheses, as torch

    def __enter__(self):
        self._flags = f = per_thread.flags
        self._previous = f.grad_enabled
        f.grad_enabled = self.enabled
        return self

    def __exit__(self, *exc_info):
        self._flags.grad_enabled = self._previous
        return False

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Context manager and decorator: ops inside record nothing (evaluation, updates).

    >>> with tg.no_grad():
    ...     y = model(x)        # y.requires_grad is False
    """

    enabled = False


class enable_grad(_GradModeContext):
    """Context manager and decorator: turn recording back on inside a ``no_grad`` block."""

    enabled = True


class detect_anomaly:
    """Context manager: every backward checks its gradients for NaN/Inf.

    On the first non-finite gradient it raises ``RuntimeError`` naming the forward op whose
    backward produced it and the line of user code that created that op. While it is on,
    every recorded node keeps that line (``node.site``) and its input values, so errors
    raised in backward name the line and ``tg.check_graph`` can check every node.
    """

    def __enter__(self):
        self._previous = (state.anomaly, state.debug)
        state.anomaly = state.debug = True
        return self

    def __exit__(self, *exc_info):
        state.anomaly, state.debug = self._previous
        return False


class record_inputs:
    """Context manager (``tg.debug.record_inputs()``): nodes recorded inside keep their inputs
    and creation line for ``tg.check_graph``, as under ``detect_anomaly`` but without its NaN
    checks in backward."""

    def __enter__(self):
        self._previous = state.debug
        state.debug = True
        return self

    def __exit__(self, *exc_info):
        state.debug = self._previous
        return False


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_site() -> str | None:
    """'file:line in function' of the first frame outside tinygraph (anomaly mode only)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return None
    code = frame.f_code
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"
