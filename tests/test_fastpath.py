"""The compiled fast path (``tinygraph/autograd/_fastpath.c``) against the Python engine it
transcribes: the same values bit for bit, the same graph, the same errors, no leaked
references.

``make test`` runs the whole suite twice, once per engine; here the two also run side by side
in one process (``fastpath.python_engine()`` swaps the Python versions in for a block).
Under ``TINYGRAPH_PURE_PYTHON=1`` both sides are the Python engine and the comparisons hold
trivially; the reference counting tests check whichever engine runs.
"""

from __future__ import annotations

import ast
import gc
import inspect
import os
import sys

import numpy as np
import pytest
from conftest import IN_CI
from hypothesis import given
from hypothesis import strategies as st
from test_engine_fuzz import _run, programs

import tinygraph as tg
from tinygraph.autograd import Function, Op, engine, fastpath, toposort
from tinygraph.autograd.function import OUTPUT
from tinygraph.ops import elementwise as ew
from tinygraph.ops import functions as F

PURE = os.environ.get("TINYGRAPH_PURE_PYTHON", "") not in ("", "0")


def _is_compiled(function) -> bool:
    return type(function).__name__ in ("builtin_function_or_method", "method_descriptor")


def test_the_engine_the_environment_asks_for_is_running():
    apply, save = Op.__dict__["apply"].__func__, Op.__dict__["save"]
    if PURE:
        assert not fastpath.ENABLED
        assert not _is_compiled(apply) and not _is_compiled(save)
        assert not _is_compiled(engine._sweep) and not _is_compiled(engine._fill_leaves)
        return
    if not fastpath.ENABLED:
        message = ("the compiled fast path is not built (pip install -e . needs a C compiler); "
                   "set TINYGRAPH_PURE_PYTHON=1 to test the Python engine alone")
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    assert _is_compiled(apply) and _is_compiled(save) and _is_compiled(engine._sweep)
    assert _is_compiled(engine._fill_leaves)
    with fastpath.python_engine():
        assert not _is_compiled(Op.__dict__["apply"].__func__)
        assert not _is_compiled(engine._sweep) and not _is_compiled(engine._fill_leaves)
        assert type(Function.__dict__["needs_grad"]) is property
    assert _is_compiled(Op.__dict__["apply"].__func__)
    assert type(Function.__dict__["needs_grad"]).__name__ == "getset_descriptor"


def _describe_graph(out) -> list:
    """Everything recorded about the graph behind ``out``, with node numbers made relative."""
    nodes = toposort(out)
    position = {id(node): i for i, node in enumerate(nodes)}
    order = sorted((node.seq, i) for i, node in enumerate(nodes) if hasattr(node, "seq"))
    rank = {i: r for r, (_, i) in enumerate(order)}
    described = []
    for i, node in enumerate(nodes):
        parents = tuple(None if p is None else position[id(p)] for p in node.parents)
        if not hasattr(node, "seq"):  # a leaf's sink
            described.append(("sink", node.shape))
            continue
        attributes = {name: getattr(node, name) for name in type(node).__slots__
                      if hasattr(node, name) and name not in ("saved", "count")}
        saved = node.saved or ()
        described.append((node.op_name(), parents, rank[i], node.shape, node.dtype,
                          getattr(node, "origins", "unset"), len(saved),
                          repr(attributes), node.module))
    return described


def _run_program(program, seed):
    rng = np.random.default_rng(seed)
    values = [rng.uniform(-1.5, 1.5, shape) for shape in [(3, 4), (4,), (3, 1)]]
    inputs = [tg.tensor(v, requires_grad=True) for v in values]
    out = _run(program, inputs, 0)
    graph = _describe_graph(out)
    weights = tg.tensor(rng.standard_normal(out.shape))
    loss = (out * weights).sum()
    loss.backward(retain_graph=True)
    grads = [x.grad.numpy().copy() for x in inputs]
    first = tg.grad(loss, inputs, create_graph=True)
    penalty = sum((g * g).sum() for g in first)
    second = (tg.grad(penalty, inputs, allow_unused=True) if penalty.requires_grad
              else [None] * len(inputs))
    with tg.no_grad():
        inference = _run(program, [tg.tensor(v) for v in values], 0)
    return {
        "out": out.numpy(), "graph": graph, "grads": grads,
        "first": [g.numpy() for g in first],
        "second": [None if g is None else g.numpy() for g in second],
        "inference": inference.numpy(), "inference_recorded": inference.grad_fn is not None,
    }


@given(program=programs, seed=st.integers(0, 2**16))
def test_random_programs_give_the_same_values_graphs_and_gradients_on_both_engines(
        program, seed):
    ours = _run_program(program, seed)
    with fastpath.python_engine():
        reference = _run_program(program, seed)
    assert ours["graph"] == reference["graph"]
    assert ours["inference_recorded"] is reference["inference_recorded"] is False
    for key in ("out", "inference"):
        np.testing.assert_array_equal(ours[key], reference[key])  # bit for bit
    for key in ("grads", "first", "second"):
        for got, want in zip(ours[key], reference[key]):
            if want is None:
                assert got is None
            else:
                np.testing.assert_array_equal(got, want)


def _errors(fn) -> tuple:
    """(type, message, type of the cause) of what fn raises, on each engine."""
    found = []
    for use_python in (False, True):
        with fastpath.python_engine() if use_python else _nothing():
            with pytest.raises(Exception) as info:
                fn()
        cause = info.value.__cause__
        found.append((type(info.value), str(info.value), type(cause) if cause else None))
    return tuple(found)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


@pytest.mark.parametrize("fn", [
    lambda: tg.ones(3, requires_grad=True) + tg.ones(4),  # broadcasting: explained
    lambda: tg.ones(2, 3, requires_grad=True) @ tg.ones(2, 3),  # matmul shapes: explained
    lambda: tg.ones(2, requires_grad=True).reshape(5),  # NumPy's own message, op named
    lambda: tg.ones(2, 2).sum(axis=4),  # an argument check before the op runs
], ids=["broadcast", "matmul", "reshape", "axis"])
def test_forward_errors_are_the_same_on_both_engines(fn):
    compiled, python = _errors(fn)
    assert compiled == python


def test_backward_errors_are_the_same_on_both_engines():
    def twice():
        y = (tg.ones(3, requires_grad=True) * 2).sum()
        y.backward()
        y.backward()

    def stale():
        x = tg.ones(3, requires_grad=True)
        h = x * 1.0
        y = (h * h).sum()
        with tg.no_grad():
            h += 1
        y.backward()

    for fn in (twice, stale):
        compiled, python = _errors(fn)
        assert compiled == python


class _Scaled(Op):
    """y = s * x with the scale set in __init__ (the fast path calls such classes)."""

    __slots__ = ("scale",)

    def __init__(self):
        super().__init__()
        self.scale = 3.0

    def forward(self, x):
        return x * self.scale

    def backward(self, g):
        return (g * self.scale,)


class _Many(Op):
    """The sum of any number of inputs (more than the fast path's 8 go to the Python one)."""

    __slots__ = ()

    def forward(self, *xs):
        return sum(xs[1:], xs[0])

    def backward(self, g):
        return (g,) * len(self)


@pytest.mark.parametrize("n", [1, 2, 3, 8, 9, 12])
def test_ops_with_any_number_of_inputs_and_an_init_of_their_own(n):
    xs = [tg.tensor(np.full(2, float(i)), requires_grad=i % 2 == 0) for i in range(n)]
    total = _Many.apply(*xs)
    np.testing.assert_array_equal(total.numpy(), np.full(2, sum(range(n))))
    (total.sum() + _Scaled.apply(xs[0]).sum()).backward()
    assert [x.grad is None for x in xs] == [i % 2 == 1 for i in range(n)]
    np.testing.assert_array_equal(xs[0].grad.numpy(), [4.0, 4.0])


class _SavesAPattern(Op):
    """x * y, saving the values its ``pattern`` names: x, y, the output or a constant."""

    __slots__ = ("pattern",)

    def forward(self, x, y):
        out = x * y
        values = {"x": x, "y": y, "out": out, "constant": np.ones(3)}
        self.save(*(values[name] for name in self.pattern))
        return out

    def backward(self, g):
        return g, g


@pytest.mark.parametrize("pattern", [
    (), ("x",), ("y",), ("out",), ("x", "y"), ("y", "x"), ("x", "x"), ("x", "constant"),
    ("out", "y", "constant", "x", "out"), ("constant",) * 9,
])
def test_origins_of_saved_values_are_the_same_on_both_engines(pattern):
    def origins():
        x = tg.tensor(np.arange(3.0), requires_grad=True)
        y = tg.tensor(np.ones(3), requires_grad=True)
        node = _SavesAPattern.apply(x, y, pattern=pattern).grad_fn
        return getattr(node, "origins", ())  # nothing saved: no origins either

    compiled = origins()
    with fastpath.python_engine():
        python = origins()
    assert compiled == python
    names = {"x": 0, "y": 1, "out": OUTPUT, "constant": None}
    assert python == tuple(names[name] for name in pattern)


def test_numpy_scalars_act_as_python_numbers_and_attributes_land_on_the_node():
    x = tg.ones(2, 3, requires_grad=True)
    y = x * np.float64(2.0)  # no float32 -> float64 promotion
    assert y.dtype == np.float32
    m = x.mean(axis=1, keepdims=True)
    assert (m.grad_fn.axis, m.grad_fn.keepdims) == ((1,), True)


class _Watched(tg.Tensor):
    """A Tensor subclass whose .data is a property: read by name, never at the slot."""

    __slots__ = ()
    reads = 0

    @property
    def data(self):
        type(self).reads += 1
        return tg.Tensor.data.__get__(self)

    @data.setter
    def data(self, value):
        tg.Tensor.data.__set__(self, value)


def test_a_tensor_subclass_that_overrides_data_is_read_through_its_property():
    x = _Watched(np.ones(3), requires_grad=True)
    before = _Watched.reads
    y = (x * 2.0).sum()
    assert _Watched.reads > before
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_recording_and_backward_leave_no_references_behind():
    x = tg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    b = tg.tensor(np.ones(3), requires_grad=True)
    data = x.data

    def counts():
        gc.collect()
        return (sys.getrefcount(data), sys.getrefcount(ew.Mul), sys.getrefcount(tg.Tensor),
                sys.getrefcount(b.data))

    def step():
        y = ((x * 2.0 + b).tanh() * x).mean(axis=1, keepdims=True)
        y.register_hook(lambda g: g * 1.0)
        (y - x).sum().backward()
        (g,) = tg.grad((x * x).sum(), x, create_graph=True)
        g.sum().backward()
        with tg.no_grad():
            x * b
        with pytest.raises(ValueError):
            x + tg.ones(4)
        with pytest.raises(RuntimeError):
            loss = (x * 3.0).sum()
            loss.backward()
            loss.backward()
        x.grad = b.grad = None

    step()
    before = counts()
    for _ in range(50):
        step()
    assert counts() == before


MARKED = {name: f for name, f in vars(F).items() if getattr(f, "applies", None) is not None}


def test_functions_marked_as_only_applying_their_op_do_just_that():
    # the compiled twins on Tensor skip these functions, so each body must be exactly
    # `return <op>.apply(<its parameters, in order>)`
    assert {"add", "mul", "matmul", "tanh", "relu", "exp"} <= set(MARKED)
    for name, function in MARKED.items():
        tree = ast.parse(inspect.getsource(function).lstrip())
        (definition,) = tree.body
        params = [a.arg for a in definition.args.args]
        body = definition.body[1:] if isinstance(definition.body[0].value, ast.Constant) else \
            definition.body
        (statement,) = body
        call = statement.value
        assert isinstance(statement, ast.Return) and call.func.attr == "apply", name
        assert [a.id for a in call.args] == params and not call.keywords, name
        assert ast.unparse(call.func.value).split(".")[-1] == function.applies.__name__, name


# Tensor's operators and methods that are marked functions (compiled twins when built)
TWINS = {attr: getattr(value, "__wrapped__", value) for attr, value in vars(tg.Tensor).items()
         if getattr(getattr(value, "__wrapped__", value), "applies", None) is not None}


def test_tensor_operators_and_methods_are_the_marked_functions():
    assert {"__add__", "__mul__", "__matmul__", "__neg__", "tanh", "exp", "relu"} <= set(TWINS)
    assert set(TWINS.values()) <= set(MARKED.values())


@pytest.mark.parametrize("attr", sorted(TWINS))
def test_tensor_methods_that_only_apply_an_op_call_it_directly(attr):
    function, method = TWINS[attr], vars(tg.Tensor)[attr]
    assert _is_compiled_twin(method) is fastpath.ENABLED
    x = tg.tensor(np.linspace(0.5, 2.0, 4).reshape(2, 2), requires_grad=True)
    args = [x] * function.__code__.co_argcount
    got, want = method(*args), function(*args)
    assert type(got.grad_fn) is type(want.grad_fn) is function.applies
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    bound = getattr(x, attr)  # binds to the tensor like a function
    np.testing.assert_array_equal(bound(*args[1:]).numpy(), want.numpy())
    if len(args) == 2:  # keywords go to the Python function
        np.testing.assert_array_equal(method(x, b=x).numpy(), want.numpy())


def _is_compiled_twin(value) -> bool:
    return type(value).__name__ == "OpFunction"


def test_recording_leaves_the_cycle_collector_no_object_per_op_compiled():
    # Compiled, a node whose parents are untracked nodes or sinks without hooks is untracked at
    # once (nothing it holds leads back to it), the saved tuple of arrays with it, and a shape
    # tuple is shared; the Python engine tracks every node and leaves its tuples to the
    # collector, so there each op starts with three tracked objects.
    x = tg.tensor(np.ones(4), requires_grad=True)
    a = tg.tensor(np.ones(4), requires_grad=True)
    y = x * a  # the first op of a shape: its shape tuple is the one shared
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for _ in range(1000):
            y = y * a + 1.0
        grown = len(gc.get_objects()) - before
    finally:
        if enabled:
            gc.enable()
    per_op = 0 if fastpath.ENABLED else 3
    assert grown <= 2000 * per_op + 10
    assert gc.is_tracked(y.grad_fn) is not fastpath.ENABLED
    if fastpath.ENABLED:
        assert y.grad_fn.shape is y.grad_fn[0].shape  # one tuple for every node of shape (4,)


def _tracked(t) -> bool:
    return gc.is_tracked(t.grad_fn)


def test_nodes_that_may_sit_on_a_cycle_stay_tracked():
    compiled = fastpath.ENABLED
    x = tg.tensor(np.ones(3), requires_grad=True)
    hooked = tg.tensor(np.ones(3), requires_grad=True)
    hooked.register_hook(lambda g: g)  # before the forward: what it holds may be below
    plain = x * 2.0
    assert _tracked(plain) is not compiled
    below_hook = hooked * 2.0
    assert _tracked(below_hook) and _tracked(below_hook + plain)  # and all that follows
    assert _tracked((below_hook + 1.0) * plain)
    with tg.detect_anomaly():  # a node that keeps its inputs and site
        assert _tracked(x * 3.0)

    class Scale(tg.nn.Module):
        def forward(self, v):
            return v * 4.0

    assert _tracked(Scale()(x))  # node.module: user code
    later = x * 5.0
    assert _tracked(later) is not compiled
    later.register_hook(lambda g: g)  # a hook on a recorded node tracks it again
    assert _tracked(later)
    kept = x * 6.0
    kept.retain_grad()
    assert _tracked(kept)
    assert _tracked(kept * 1.0)  # what is recorded from a tracked node is tracked too
    (kept * 1.0).sum().backward()
    np.testing.assert_array_equal(kept.grad.numpy(), [1.0, 1.0, 1.0])
