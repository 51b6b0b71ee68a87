"""Thread-local recording state: grad mode, anomaly mode, and the Module being run."""

from __future__ import annotations

import functools
import inspect
import os
import sys
import threading
from collections.abc import Callable


class Flags:
    """One thread's recording switches (read once per op, so they live in slots)."""

    __slots__ = ("grad_enabled", "inference", "anomaly_mode", "anomaly", "debug", "module")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.inference = False  # inside inference_mode (grad is off too)
        self.anomaly_mode = False  # inside detect_anomaly / set_detect_anomaly(True)
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


def is_inference_mode_enabled() -> bool:
    """True inside :class:`inference_mode`."""
    return per_thread.flags.inference


def is_anomaly_enabled() -> bool:
    """True inside :class:`detect_anomaly` (or after ``set_detect_anomaly(True)``)."""
    return per_thread.flags.anomaly_mode


def is_anomaly_check_nan_enabled() -> bool:
    """True when backward checks its gradients for NaN/Inf (anomaly mode with check_nan)."""
    return per_thread.flags.anomaly


# -- context managers that are also decorators ------------------------------------------------


class _ModeContext:
    """A context manager that is also a decorator, as PyTorch's grad-mode classes.

    Used as ``@mode()``, each call of the decorated function runs inside a fresh copy of the
    context (``clone``); a generator function runs inside it each time it is resumed, and the
    caller's own mode is back in between.
    """

    def clone(self) -> _ModeContext:
        return type(self)()

    def __call__(self, fn: Callable) -> Callable:
        if not callable(fn):
            raise TypeError(
                f"{type(self).__name__}: a decorator takes a function, got "
                f"{type(fn).__name__}; use it as @{type(self).__name__}() or `with "
                f"{type(self).__name__}():`."
            )
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(self.clone, fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper


def _wrap_generator(make_context: Callable, fn: Callable) -> Callable:
    """``fn``, a generator function, with every step of the generator run inside a context."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        generator = fn(*args, **kwargs)
        try:
            with make_context():
                value = next(generator)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    with make_context():
                        generator.close()
                    raise
                except BaseException as exc:
                    with make_context():
                        value = generator.throw(exc)
                else:
                    with make_context():
                        value = generator.send(sent)
        except StopIteration as stop:
            return stop.value

    return wrapper


class _GradModeContext(_ModeContext):
    """Base of no_grad / enable_grad: set grad mode inside, restore the previous one after."""

    enabled: bool

    def __new__(cls, fn: Callable | None = None):
        self = super().__new__(cls)
        return self if fn is None else self(fn)  # @tg.no_grad without parentheses, as torch

    def __enter__(self) -> None:
        self._flags = f = per_thread.flags
        self._previous = f.grad_enabled
        f.grad_enabled = self.enabled  # `with no_grad() as x`: x is None, as in PyTorch

    def __exit__(self, *exc_info):
        self._flags.grad_enabled = self._previous
        return False


class no_grad(_GradModeContext):
    """Context manager and decorator: ops inside record nothing (evaluation, updates).

    >>> with tg.no_grad():
    ...     y = model(x)        # y.requires_grad is False
    """

    enabled = False


class enable_grad(_GradModeContext):
    """Context manager and decorator: turn recording back on inside a ``no_grad`` block."""

    enabled = True


class set_grad_enabled(_ModeContext):
    """Set grad mode on or off: as a plain call, a context manager or a decorator (PyTorch's).

    >>> tg.set_grad_enabled(False)          # from here on, this thread records nothing
    >>> with tg.set_grad_enabled(is_train): # inside only; the previous mode after
    ...     loss = model(x).sum()

    As a plain call it switches the mode at once (and returns an object nobody needs); in a
    ``with`` block the mode before the call comes back at the end; as ``@set_grad_enabled(m)``
    it leaves the mode alone until the decorated function runs.
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(
                f"set_grad_enabled(mode): mode must be True or False, got "
                f"{type(mode).__name__} {mode!r}; e.g. tg.set_grad_enabled(bool(training))."
            )
        self.mode = mode
        self._flags = f = per_thread.flags
        self._previous = f.grad_enabled
        f.grad_enabled = mode

    def clone(self) -> set_grad_enabled:
        return type(self)(self.mode)

    def __call__(self, fn: Callable) -> Callable:
        self._flags.grad_enabled = self._previous  # decorating must not switch the mode now
        return super().__call__(fn)

    def __enter__(self) -> None:
        self._flags.grad_enabled = self.mode

    def __exit__(self, *exc_info):
        self._flags.grad_enabled = self._previous
        return False

    def __repr__(self) -> str:
        return f"tinygraph.autograd.set_grad_enabled(mode={self.mode})"


class inference_mode(_ModeContext):
    """Context manager and decorator for evaluation: here it is exactly :class:`no_grad`
    (and ``is_inference_mode_enabled()`` is True inside).

    >>> with tg.inference_mode():
    ...     y = model(x)        # y.requires_grad is False

    ``inference_mode(False)`` turns grad mode on and inference mode off inside, as PyTorch's.
    PyTorch's extra restrictions are not kept: tensors made inside may later be used in
    recorded computations, and ``enable_grad()`` inside turns recording back on.
    """

    def __new__(cls, mode: bool = True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # @tg.inference_mode without parentheses

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode

    def clone(self) -> inference_mode:
        return type(self)(self.mode)

    def __enter__(self) -> None:
        self._flags = f = per_thread.flags
        self._previous = (f.grad_enabled, f.inference)
        f.grad_enabled = not self.mode
        f.inference = self.mode

    def __exit__(self, *exc_info):
        self._flags.grad_enabled, self._flags.inference = self._previous
        return False


# -- anomaly mode -------------------------------------------------------------------------------


class detect_anomaly:
    """Context manager: every backward checks its gradients for NaN/Inf.

    On the first non-finite gradient it raises ``RuntimeError`` naming the forward op whose
    backward produced it and the line of user code that created that op. While it is on,
    every recorded node keeps that line (``node.site``) and its input values, so errors
    raised in backward name the line and ``tg.check_graph`` can check every node.
    ``check_nan=False`` keeps the lines but skips the NaN/Inf checks (PyTorch's argument).
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = bool(check_nan)

    def __enter__(self) -> None:
        self._previous = _set_anomaly(True, self.check_nan)

    def __exit__(self, *exc_info):
        _restore_anomaly(self._previous)
        return False


class set_detect_anomaly:
    """Turn anomaly mode on or off (see :class:`detect_anomaly`): at once as a plain call, or
    for a ``with`` block, after which the previous mode comes back (PyTorch's).

    >>> with tg.autograd.set_detect_anomaly(debugging):
    ...     loss.backward()
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._previous = _set_anomaly(bool(mode), bool(mode) and bool(check_nan))

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc_info):
        _restore_anomaly(self._previous)
        return False


def _set_anomaly(mode: bool, check_nan: bool) -> tuple:
    """Switch anomaly mode; returns what to restore. Lines are kept while it is on (``debug``);
    turning it off keeps them only if they were kept for ``record_inputs`` alone."""
    f = per_thread.flags
    previous = (f.anomaly_mode, f.anomaly, f.debug)
    f.anomaly_mode = mode
    f.anomaly = check_nan
    f.debug = mode or (f.debug and not previous[0])
    return previous


def _restore_anomaly(previous: tuple) -> None:
    f = per_thread.flags
    f.anomaly_mode, f.anomaly, f.debug = previous


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
