"""The switch between the compiled fast path and the pure-Python engine.

Two functions run for every op: ``Op.apply`` (recording, ``function.py``) and ``_sweep`` (the
backward pass, ``engine.py``). Their Python versions are the reference: they are what the
docs describe and what a reader should read. ``_fastpath.c`` is a line-by-line transcription
of both into C, built when tinygraph is installed (``setup.py``; optional: without a C
compiler the build goes on without it). When it is there, :func:`install` puts it in place
of the two Python functions; everything else, every op's forward and backward included,
stays Python, and every uncommon case the C code meets calls the same Python helper.

Set ``TINYGRAPH_PURE_PYTHON=1`` in the environment before importing tinygraph to run the
Python versions (the test suite runs once each way). ``ENABLED`` tells which one runs.
"""

from __future__ import annotations

import contextlib
import os

ENABLED = False  # True once the compiled fast path is installed
_python_versions: dict = {}  # what install() replaced: name -> the Python function


def _compiled_module():
    """The compiled module, or None when it is not built or is switched off."""
    if os.environ.get("TINYGRAPH_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:
        from . import _fastpath
    except ImportError:
        return None
    return _fastpath


def install() -> bool:
    """Swap the compiled ``Op.apply`` and sweep in (once the Tensor class is registered)."""
    global ENABLED
    compiled = _compiled_module()
    if compiled is None:
        return False
    from .. import backend
    from . import engine, function, mode, versions

    op = function.Op
    python_apply = op.__dict__["apply"]
    compiled.install({
        "Tensor": function.Tensor,
        "Function": function.Function,
        "AccumulateGrad": function.AccumulateGrad,
        "Flags": mode.Flags,
        "per_thread": mode.per_thread,
        "seq_counter": function._next_seq.__self__,
        "SCALAR_TYPES": backend.SCALAR_TYPES,
        "NAMESPACE_BY_TYPE": backend._NAMESPACE_BY_TYPE,
        "versions": versions,
        "OUTPUT_ONLY": function._OUTPUT_ONLY,
        "FIRST_TWO_INPUTS": function._FIRST_TWO_INPUTS,
        "python_apply": getattr(python_apply, "__func__", python_apply),
        "namespace_of": backend.namespace_of,
        "grad_accumulator": function.grad_accumulator,
        "explain_forward_error": function.explain_forward_error,
        "as_output_array": function._as_output_array,
        "origins": function._origins,
        "debug_record": function.debug_record,
        "check_saved_versions": versions.check_saved_versions,
        "run_hooks": engine._run_hooks,
        "call_backward": engine._call_backward,
        "note_site": engine._note_site,
        "check_finite": engine._check_finite,
        "unbroadcast": engine._unbroadcast,
        "freed_error": function.freed_error,
    })
    _python_versions.update(apply=python_apply, save=op.__dict__["save"], sweep=engine._sweep)
    op.apply = classmethod(compiled.op_apply)
    op.save = compiled.save_method(op)
    engine._sweep = compiled.sweep
    ENABLED = True
    return True


@contextlib.contextmanager
def python_engine():
    """Run the pure-Python ``Op.apply``, ``Op.save`` and sweep inside the block, whatever
    is installed (the tests compare the two on the same programs). Not thread-safe: it swaps
    the functions for every thread."""
    from . import engine, function

    if not _python_versions:  # nothing compiled is installed: Python already runs
        yield
        return
    op = function.Op
    compiled = op.__dict__["apply"], op.__dict__["save"], engine._sweep
    op.apply, op.save = _python_versions["apply"], _python_versions["save"]
    engine._sweep = _python_versions["sweep"]
    try:
        yield
    finally:
        op.apply, op.save, engine._sweep = compiled
