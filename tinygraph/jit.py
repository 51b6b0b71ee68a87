"""``torch.jit`` for programs written against it: tinygraph has no TorchScript compiler, so
``script`` and ``trace`` return the model or function itself, run eagerly as written (the same
as ``tg.compile``), and the values are the eager ones torch's scripted code computes.

    model = tg.jit.script(Net())                 # the same Net, run eagerly
    fn = tg.jit.trace(f, example_inputs=(x,))    # f itself

``ignore``, ``unused``, ``export`` and ``script_if_tracing`` leave functions as they are;
``is_scripting()`` and ``is_tracing()`` are False (code is never being scripted or traced);
``annotate(T, v)`` is ``v``; ``Final`` is ``typing.Final``. ``save``/``load`` refuse: there is
no TorchScript archive to write; save the weights (``tg.save(model.state_dict(), path)``) or
export to ONNX (``tg.onnx.export``).
"""

from __future__ import annotations

import contextlib
from typing import Final  # noqa: F401 - torch.jit.Final is typing.Final

from .names import missing_name

__all__ = ["Attribute", "Final", "annotate", "enable_onednn_fusion", "export", "freeze", "fuser",
           "ignore", "is_scripting", "is_tracing", "load", "onednn_fusion_enabled",
           "optimize_for_inference", "optimized_execution", "save", "script",
           "script_if_tracing", "set_fusion_strategy", "trace", "trace_module", "unused"]


def script(obj, optimize=None, _frames_up: int = 0, _rcb=None, example_inputs=None):
    """``torch.jit.script``: returns ``obj`` (a Module, function or class) unchanged; it runs
    eagerly."""
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace: bool = True,
          check_inputs=None, check_tolerance: float = 1e-5, strict: bool = True,
          _force_outplace: bool = False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs: bool = True):
    """``torch.jit.trace``: returns ``func`` (a Module or function) unchanged, without running
    it on ``example_inputs``; it runs eagerly, so data-dependent control flow keeps working
    (where torch's trace would freeze the branch taken by the example)."""
    return func


def trace_module(mod, inputs=None, *args, **kwargs):
    """``torch.jit.trace_module``: returns ``mod`` unchanged."""
    return mod


def freeze(mod, preserved_attrs=None, optimize_numerics: bool = True):
    """``torch.jit.freeze``: returns ``mod`` unchanged."""
    return mod


def optimize_for_inference(mod, other_methods=None):
    """``torch.jit.optimize_for_inference``: returns ``mod`` unchanged."""
    return mod


def ignore(drop=False, **kwargs):
    """``@torch.jit.ignore`` / ``@torch.jit.ignore(drop=True)``: the function unchanged."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    """``@torch.jit.unused``: the function unchanged."""
    return fn


def export(fn):
    """``@torch.jit.export``: the method unchanged."""
    return fn


def script_if_tracing(fn):
    """``@torch.jit.script_if_tracing``: the function unchanged."""
    return fn


def is_scripting() -> bool:
    """False: tinygraph never compiles code to TorchScript."""
    return False


def is_tracing() -> bool:
    """False: ``trace`` does not record, so code never runs under a tracer."""
    return False


def annotate(the_type, the_value):
    """``torch.jit.annotate(T, value)``: ``value``."""
    return the_value


def Attribute(value, type=None):  # noqa: N802, A002 - torch's names
    """``torch.jit.Attribute(value, type)``: ``value``."""
    return value


def optimized_execution(should_optimize: bool):
    """``with torch.jit.optimized_execution(False):``: accepted, changes nothing."""
    return contextlib.nullcontext()


def fuser(name: str):
    """``with torch.jit.fuser("fuser1"):``: accepted, changes nothing (nothing is fused)."""
    return contextlib.nullcontext()


def set_fusion_strategy(strategy):
    """Accepted; returns the strategy given (nothing is compiled or fused)."""
    return strategy


def enable_onednn_fusion(enabled: bool) -> None:
    """Accepted; nothing is fused."""


def onednn_fusion_enabled() -> bool:
    return False


_NO_ARCHIVE = ("tinygraph has no TorchScript: tg.jit.script/trace return the eager model, "
               "so there is no scripted archive to {}. Save the weights with "
               "tg.save(model.state_dict(), 'model.pt') and load them into the same model "
               "class with model.load_state_dict(tg.load('model.pt')); for another runtime, "
               "export with tg.onnx.export(model, example_input, 'model.onnx').")


def save(m, f, _extra_files=None):
    """Refused (``NotImplementedError``, a ``RuntimeError``): see the message."""
    raise NotImplementedError("tg.jit.save: " + _NO_ARCHIVE.format("write"))


def load(f, map_location=None, _extra_files=None, _restore_shapes: bool = False):
    """Refused (``NotImplementedError``, a ``RuntimeError``): see the message."""
    raise NotImplementedError("tg.jit.load: " + _NO_ARCHIVE.format("read"))


__getattr__ = missing_name(__name__, globals())
