"""The switch between the compiled fast path and the pure-Python engine.

Every op runs through ``Op.apply`` and ``Op.save`` (recording, ``function.py``) and, in the
backward pass, through ``_sweep`` and ``_fill_leaves`` (``engine.py``). Their Python versions
are the reference: they are what the docs describe and what a reader should read.
``_fastpath.c`` transcribes them into C, step for step, and is built when tinygraph is
installed (``setup.py``; optional: without a C compiler the build goes on without it). When it
is there, :func:`install` puts the compiled versions in their place, and gives Tensor's
operators and methods that only call an op's ``apply`` (``x * y``, ``x.tanh()``: functions
marked ``_applies`` in ``ops/functions.py``) a compiled twin that calls it directly. Everything
else, every op's forward and backward included, stays Python, and every uncommon case the C
code meets (errors, hooks, anomaly mode, create_graph, user Functions) calls the same Python
helper. One thing only the compiled apply does: it leaves a node that cannot sit on a reference
cycle untracked by the cycle collector (``_fastpath.c`` says when; ``function.track`` undoes it
for a hook).

Set ``TINYGRAPH_PURE_PYTHON=1`` in the environment before importing tinygraph to run the
Python versions (``make test`` runs the suite once each way). ``ENABLED`` tells which runs.
"""

from __future__ import annotations

import contextlib
import os

ENABLED = False  # True once the compiled fast path is installed
_python_versions: dict = {}  # what install() replaced: name -> the Python function
_tensor_methods: dict = {}  # Tensor attributes install() replaced: name -> the Python function


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
    """Swap the compiled ``Op.apply``, ``Op.save``, sweep, leaf filling and Tensor methods in
    (once the Tensor class is registered)."""
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
        "accumulate": engine._accumulate,
        "call_backward": engine._call_backward,
        "note_site": engine._note_site,
        "check_finite": engine._check_finite,
        "unbroadcast": engine._unbroadcast,
        "freed_error": function.freed_error,
    })
    _python_versions.update(apply=python_apply, save=op.__dict__["save"], sweep=engine._sweep,
                            fill_leaves=engine._fill_leaves,
                            needs_grad=function.Function.__dict__["needs_grad"])
    op.apply = classmethod(compiled.op_apply)
    op.save = compiled.save_method(op)
    function.Function.needs_grad = compiled.needs_grad_property(function.Function)
    # Compiled nodes may be untracked by the cycle collector; track() is what undoes that, so
    # it stays in place under python_engine() (nodes recorded before the block need it).
    function.track = compiled.track
    engine._sweep = compiled.sweep
    engine._fill_leaves = compiled.fill_leaves
    # Tensor's operators and methods that only call an op's apply (marked by functions.py's
    # _applies) call the compiled apply directly.
    tensor = function.Tensor
    for name, value in list(vars(tensor).items()):
        op_class = getattr(value, "applies", None)
        if op_class is not None:
            _tensor_methods[name] = value
            setattr(tensor, name, compiled.op_function(op_class, value))
    ENABLED = True
    return True


@contextlib.contextmanager
def python_engine():
    """Run the pure-Python ``Op.apply``, ``Op.save``, ``needs_grad``, sweep, leaf filling and
    Tensor methods inside the block, whatever is installed (the tests compare the two on the same
    programs). Not thread-safe: it swaps the functions for every thread."""
    from . import engine, function

    if not _python_versions:  # nothing compiled is installed: Python already runs
        yield
        return
    op, tensor, node = function.Op, function.Tensor, function.Function
    compiled = op.__dict__["apply"], op.__dict__["save"], engine._sweep, engine._fill_leaves
    compiled_needs_grad = node.__dict__["needs_grad"]
    compiled_methods = {name: vars(tensor)[name] for name in _tensor_methods}
    op.apply, op.save = _python_versions["apply"], _python_versions["save"]
    engine._sweep = _python_versions["sweep"]
    engine._fill_leaves = _python_versions["fill_leaves"]
    node.needs_grad = _python_versions["needs_grad"]
    for name, method in _tensor_methods.items():
        setattr(tensor, name, method)
    try:
        yield
    finally:
        op.apply, op.save, engine._sweep, engine._fill_leaves = compiled
        node.needs_grad = compiled_needs_grad
        for name, method in compiled_methods.items():
            setattr(tensor, name, method)
