"""The reverse-mode engine: how ops are recorded and how gradients flow back through them.

Recording. Every differentiable operation is a subclass of :class:`Function`. Calling
``SomeOp.apply(*inputs)`` creates one instance of the class; that instance is both the op's
context (what its backward needs: ``self.saved``, attributes such as ``axis``) and the graph
node (``tensor.grad_fn``). A node points at its inputs' nodes through ``parents``: the
``grad_fn`` of a non-leaf input, the :class:`AccumulateGrad` sink of a leaf that requires grad,
or ``None`` for a constant. Nothing is recorded when grad mode is off or no input requires
grad, so inference pays only for the forward.

Backward. :func:`run_backward` orders the graph with an iterative depth-first search (no
recursion, so a chain of a million ops works), then makes one sweep from the roots towards the
leaves. Each node's gradient is the sum of what its consumers sent it (a dict keyed by node id,
popped when consumed); the node's ``backward`` turns it into one gradient per input, in the
*output's* broadcast shape, and the engine alone reduces it to each input's shape
(``unbroadcast``). Unless ``retain_graph`` is set, each node drops its saved arrays as soon as
it has run.

Higher order. Op backwards are written once, against ``self.xp``. In a normal backward
``xp`` is the array namespace and gradients are raw arrays: fast, nothing recorded. With
``create_graph=True`` the engine swaps in the Tensor namespace and hands the backward
Tensors (saved inputs and outputs are re-attached to their places in the graph), so the same
lines record a new graph and gradients of gradients work.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import weakref
from operator import is_
from typing import Any, Callable, Sequence

from .backend import namespace_of
from .errors import ShapeError

# Set by ``tinygraph.tensor`` at import time: the engine builds Tensors but must not import the
# module that defines them (imports flow autograd -> ops -> tensor).
Tensor: Any = None
# Set by ``tinygraph.ops.namespace``: the namespace op backwards see under create_graph.
tensor_namespace: Any = None

OUTPUT = -1  # origin marker: a saved value that is the op's own output


# ----------------------------------------------------------------------------------------
# Thread-local state: grad mode, anomaly mode, and the Module whose forward is running.


class _State(threading.local):
    grad_enabled = True
    anomaly = False
    module = None  # set by nn.Module.__call__ so that viz can group nodes by module


state = _State()


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default; see :class:`no_grad`)."""
    return state.grad_enabled


class _GradModeContext:
    """Base of no_grad / enable_grad: a context manager that is also a decorator."""

    enabled: bool

    def __enter__(self):
        self._previous = state.grad_enabled
        state.grad_enabled = self.enabled
        return self

    def __exit__(self, *exc_info):
        state.grad_enabled = self._previous
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
    backward produced it and the line of user code that created that op (ops record their
    creation site only while anomaly mode is on).
    """

    def __enter__(self):
        self._previous = state.anomaly
        state.anomaly = True
        return self

    def __exit__(self, *exc_info):
        state.anomaly = self._previous
        return False


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _user_site() -> str | None:
    """'file:line in function' of the first frame outside tinygraph (anomaly mode only)."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return None
    code = frame.f_code
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"


# ----------------------------------------------------------------------------------------
# Nodes


class Function:
    """Base of every differentiable operation, built-in or user-defined.

    User-defined ops follow PyTorch::

        class Cube(tg.Function):
            @staticmethod
            def forward(ctx, x):             # x is a Tensor; runs without recording
                ctx.save_for_backward(x)
                return x * x * x

            @staticmethod
            def backward(ctx, grad):         # grad is a Tensor
                (x,) = ctx.saved_tensors
                return 3 * x * x * grad      # one gradient (or None) per forward input

        y = Cube.apply(x)

    Built-in ops (:class:`Op`) use the same ``apply``, the same node and the same engine; they
    only skip the Tensor wrapping and work on raw arrays, which is what keeps them cheap.
    """

    __slots__ = ("parents", "needs_grad", "saved", "origins", "xp", "shape", "dtype",
                 "module", "site", "hooks", "retained", "__weakref__")

    label = None  # display name; defaults to the class name
    array_io = False  # Op sets True: forward/backward see raw arrays instead of Tensors

    @classmethod
    def op_name(cls) -> str:
        return cls.label or cls.__name__

    # -- the PyTorch ctx API used by user Functions --------------------------------------

    def save_for_backward(self, *tensors) -> None:
        self.saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self.saved is None:
            raise _freed_error(self)
        return self.saved

    @property
    def needs_input_grad(self) -> tuple:
        return self.needs_grad

    @property
    def next_functions(self) -> tuple:
        return tuple(self.parents)

    def name(self) -> str:
        return self.op_name()

    def __repr__(self) -> str:
        shape = getattr(self, "shape", None)
        return f"<{self.op_name()} node, output shape {shape}>"

    # -- recording -----------------------------------------------------------------------

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run the op's forward on ``inputs`` and record a node when a gradient is needed."""
        node = cls.__new__(cls)
        node.saved = ()
        requires_grad = False
        for x in inputs:
            if isinstance(x, Tensor) and x.requires_grad:
                requires_grad = True
                break
        record = requires_grad and state.grad_enabled
        with no_grad():
            result = cls.forward(node, *inputs, **kwargs)
        if isinstance(result, Tensor):
            result = result.data
        xp = namespace_of(result)
        if type(result) is not xp.array_type:
            result = xp.asarray(result)
        if not record:
            return _new_tensor(result, None)
        _attach(node, inputs)
        node.xp = xp
        node.origins = None
        _finish(node, result)
        return _new_tensor(result, node)

    def _backward_tensors(self, grad, create_graph: bool):
        """Run a user Function's backward on Tensors; returns one gradient (or None) per input."""
        if not create_graph:
            grad = _new_tensor(grad, None)
        with (enable_grad() if create_graph else no_grad()):
            grads = type(self).backward(self, grad)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if not create_graph:
            grads = tuple(_as_array(g, self.xp) for g in grads)
        return grads


class Op(Function):
    """A built-in op: ``forward(self, *arrays, **attrs)`` and ``backward(self, grad)`` on arrays.

    ``forward`` receives raw arrays (Python scalars pass through unchanged, so NumPy's weak
    scalar rules keep a float32 tensor float32) and keyword attributes, which are stored on the
    node (declare them in ``__slots__``). It calls ``self.save(...)`` for what the backward needs
    and returns the output array. ``backward`` returns one gradient per input in the output's
    broadcast shape (or ``None`` where ``self.needs_grad`` is false).

    What may be saved: the op's inputs, its output, and constants the gradient does not flow
    through (masks, indices). Under ``create_graph`` saved inputs and outputs come back as
    Tensors attached to the graph; anything else comes back as a plain array.
    """

    __slots__ = ()
    array_io = True

    def save(self, *values) -> None:
        self.saved = values

    @classmethod
    def apply(cls, *inputs, **attrs):
        node = cls.__new__(cls)
        arrays = []
        requires_grad = False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                if x.requires_grad:
                    requires_grad = True
            else:
                arrays.append(x)
        for name, value in attrs.items():
            setattr(node, name, value)
        node.xp = xp = namespace_of(*arrays)
        node.saved = ()
        try:
            out = node.forward(*arrays)
        except (ValueError, TypeError, IndexError) as exc:
            raise _explain_forward_error(cls, exc, arrays) from exc
        if type(out) is not xp.array_type:
            # 0-d results come back as NumPy scalars: save the array that becomes the output,
            # or _origins would not see the saved output as OUTPUT (wrong double backward).
            scalar, out = out, xp.asarray(out)
            if node.saved:
                node.saved = tuple(out if v is scalar else v for v in node.saved)
        if not (requires_grad and state.grad_enabled):
            return _new_tensor(out, None)
        _attach(node, inputs)
        saved = node.saved
        if saved:
            node.origins = _origins(saved, arrays, out)
        _finish(node, out)
        return _new_tensor(out, node)


class AccumulateGrad:
    """The sink node of a leaf that requires grad: adds the gradient into ``leaf.grad``.

    Cached on the leaf (``leaf._accumulator``) so every use of a leaf meets in one node and its
    hooks see the summed gradient once. It holds the leaf weakly: the leaf owns the sink, not
    the other way round, so no reference cycle keeps either alive.
    """

    __slots__ = ("leaf_ref", "hooks", "module", "__weakref__")
    parents = ()
    needs_grad = ()
    label = "AccumulateGrad"

    def __init__(self, leaf) -> None:
        self.leaf_ref = weakref.ref(leaf)
        self.hooks = None
        self.module = None

    @property
    def leaf(self):
        return self.leaf_ref()

    @property
    def shape(self):
        leaf = self.leaf_ref()
        return None if leaf is None else leaf.data.shape

    @classmethod
    def op_name(cls) -> str:
        return cls.label

    def name(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"<AccumulateGrad node for a leaf of shape {self.shape}>"


def _new_tensor(data, grad_fn):
    """Build a Tensor without the validation of ``Tensor.__init__`` (the hot path)."""
    t = _object_new(Tensor)
    t.data = data
    t.grad = None
    t.requires_grad = grad_fn is not None
    t.grad_fn = grad_fn
    t.name = None
    t._version = 0
    t._accumulator = None
    return t


_object_new = object.__new__


def grad_accumulator(leaf) -> AccumulateGrad:
    acc = leaf._accumulator
    if acc is None:
        acc = leaf._accumulator = AccumulateGrad(leaf)
    return acc


def _attach(node, inputs) -> None:
    """Point ``node`` at the graph positions of its inputs."""
    parents = []
    needs = []
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad:
            fn = x.grad_fn
            parents.append(fn if fn is not None else grad_accumulator(x))
            needs.append(True)
        else:
            parents.append(None)
            needs.append(False)
    node.parents = parents
    node.needs_grad = needs


def _finish(node, out) -> None:
    node.shape = out.shape
    node.dtype = out.dtype
    node.hooks = None
    node.retained = None
    st = state
    node.module = st.module
    node.site = _user_site() if st.anomaly else None


_RANGES = [tuple(range(n)) for n in range(8)]


def _origins(saved, arrays, out) -> tuple:
    """For each saved value: the index of the input it is, OUTPUT, or None (a constant)."""
    n = len(saved)
    if n == len(arrays) and all(map(is_, saved, arrays)):
        return _RANGES[n] if n < 8 else tuple(range(n))
    origins = []
    for value in saved:
        if value is out:
            origins.append(OUTPUT)
            continue
        for i, a in enumerate(arrays):
            if value is a:
                origins.append(i)
                break
        else:
            origins.append(None)
    return tuple(origins)


def _explain_forward_error(cls, exc, arrays):
    """Turn NumPy's terse forward errors into one that names the op, the shapes and the fix."""
    if getattr(exc, "_tinygraph", False):
        return exc
    described = ", ".join(_describe(a) for a in arrays)
    message = str(exc)
    if "broadcast" in message:
        shapes = " and ".join(str(getattr(a, "shape", ())) for a in arrays if hasattr(a, "shape"))
        err = ShapeError(
            f"{cls.op_name()}: shapes {shapes} cannot be broadcast together. Broadcasting "
            "aligns shapes from the right; each pair of axes must be equal or one of them 1. "
            "Reshape or unsqueeze an operand (e.g. x.unsqueeze(-1)) so the axes line up."
        )
    else:
        err = type(exc)(f"{cls.op_name()}: {message} (inputs: {described})")
    err._tinygraph = True
    return err


def _describe(value) -> str:
    shape = getattr(value, "shape", None)
    if shape is None:
        return type(value).__name__
    return f"{value.dtype} array of shape {tuple(shape)}"


def _as_array(value, xp):
    if value is None:
        return None
    if isinstance(value, Tensor):
        return value.data
    return xp.asarray(value)


def _freed_error(node) -> RuntimeError:
    return RuntimeError(
        f"Trying to backward through the graph a second time: the values that "
        f"'{node.op_name()}' saved for its gradient were freed by the first backward. "
        "Pass retain_graph=True to the first backward() (or tg.grad) if you need to "
        "backward through the same graph again."
    )


# ----------------------------------------------------------------------------------------
# The backward pass


def toposort(roots: Sequence) -> list:
    """Nodes reachable from ``roots``, every node after all of its inputs (iterative DFS)."""
    order = []
    seen = set()
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent in reversed(node.parents):
            if parent is not None and id(parent) not in seen:
                stack.append((parent, False))
    return order


def run_backward(roots, seeds, retain_graph: bool, create_graph: bool, capture=None):
    """Propagate ``seeds`` (one per root Tensor) back through the graph.

    Without ``capture`` gradients accumulate into the leaves' ``.grad``; with ``capture`` (a
    dict ``{id(node): None}``) the gradient reaching each of those nodes is stored there
    instead and no ``.grad`` is touched (this is :func:`grad`).
    """
    pending: dict[int, Any] = {}
    start = []
    for root, seed in zip(roots, seeds):
        node = root.grad_fn if root.grad_fn is not None else grad_accumulator(root)
        key = id(node)
        pending[key] = seed if key not in pending else pending[key] + seed
        start.append(node)

    handed_out: set[int] = set()  # arrays already given to a leaf's .grad in this pass
    check_finite = state.anomaly
    previous_mode = state.grad_enabled
    state.grad_enabled = create_graph
    try:
        for node in reversed(toposort(start)):
            grad = pending.pop(id(node), None)
            if grad is None:
                continue
            if node.hooks is not None:
                grad = _run_hooks(node.hooks, grad, create_graph)
            if capture is not None and id(node) in capture:
                capture[id(node)] = grad
            if type(node) is AccumulateGrad:
                if capture is None:
                    _accumulate(node, grad, create_graph, handed_out)
                continue
            if node.retained is not None:
                _retain(node.retained, grad, create_graph)
            grads = _call_backward(node, grad, create_graph)
            if not retain_graph:
                node.saved = None
            if check_finite:
                _check_finite(node, grads)
            for parent, g in zip(node.parents, grads):
                if parent is None or g is None:
                    continue
                shape = parent.shape
                if g.shape != shape and shape is not None:
                    g = _unbroadcast(node, g, shape, create_graph)
                key = id(parent)
                previous = pending.get(key)
                pending[key] = g if previous is None else previous + g
    finally:
        state.grad_enabled = previous_mode


def _call_backward(node, grad, create_graph: bool) -> tuple:
    saved = node.saved
    if saved is None:
        raise _freed_error(node)
    if not node.array_io:
        grads = node._backward_tensors(grad, create_graph)
    elif not create_graph:
        grads = node.backward(grad)
    else:
        # Re-run the same formula on Tensors: swap in the Tensor namespace and saved values
        # re-attached to their graph positions, then restore the array versions.
        xp = node.xp
        node.xp = tensor_namespace
        if saved:
            node.saved = _unpack_saved(node, saved)
        try:
            grads = node.backward(grad)
        finally:
            node.xp = xp
            node.saved = saved
        grads = tuple(g if g is None or isinstance(g, Tensor) else _new_tensor(xp.asarray(g), None)
                      for g in grads)
    if len(grads) != len(node.parents):
        raise RuntimeError(
            f"backward of '{node.op_name()}' returned {len(grads)} gradients, but its forward "
            f"had {len(node.parents)} inputs: return one gradient (or None) per input."
        )
    return grads


def _unpack_saved(node, saved) -> list:
    """Saved arrays as Tensors that sit where their values came from in the graph."""
    unpacked = []
    for value, origin in zip(saved, node.origins):
        if origin is None:
            unpacked.append(value)  # a constant (mask, index): stays an array
        elif origin == OUTPUT:
            unpacked.append(_new_tensor(value, node))
        else:
            parent = node.parents[origin]
            if parent is None:
                unpacked.append(value)  # an input that needs no gradient: a constant
            elif type(parent) is AccumulateGrad:
                leaf = parent.leaf_ref()
                unpacked.append(leaf if leaf is not None else _new_tensor(value, None))
            else:
                unpacked.append(_new_tensor(value, parent))
    return unpacked


def _unbroadcast(node, grad, shape, create_graph: bool):
    if create_graph:
        reduced = tensor_namespace.unbroadcast(grad, shape)
    else:
        reduced = node.xp.unbroadcast(grad, shape)
    if reduced.shape != shape:
        raise ShapeError(
            f"backward of '{node.op_name()}' produced a gradient of shape {tuple(grad.shape)} "
            f"for an input of shape {shape}; a gradient must match its input's shape "
            "(or broadcast to it)."
        )
    return reduced


def _accumulate(sink: AccumulateGrad, grad, create_graph: bool, handed_out: set) -> None:
    leaf = sink.leaf_ref()
    if leaf is None:
        return
    if create_graph:
        if not isinstance(grad, Tensor):
            grad = _new_tensor(grad, None)
        if grad.dtype != leaf.data.dtype:
            grad = grad.astype(leaf.data.dtype)
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        return
    if isinstance(grad, Tensor):
        grad = grad.data
    data = leaf.data
    if leaf.grad is None:
        # Own the array before it becomes .grad: a broadcast view is read-only, and one array
        # may reach two leaves (x + y hands both the same gradient).
        if (type(grad) is not type(data) or grad.base is not None or grad.dtype != data.dtype
                or id(grad) in handed_out or not grad.flags.writeable):
            grad = namespace_of(data).array(grad, dtype=data.dtype, copy=True)
        handed_out.add(id(grad))
        leaf.grad = _new_tensor(grad, None)
    else:
        current = leaf.grad.data
        if current.shape == grad.shape and current.flags.writeable:
            current += grad
        else:
            leaf.grad.data = current + grad


def _retain(tensor_ref, grad, create_graph: bool) -> None:
    tensor = tensor_ref()
    if tensor is None:
        return
    if create_graph:
        value = grad if isinstance(grad, Tensor) else _new_tensor(grad, None)
    else:
        data = grad.data if isinstance(grad, Tensor) else grad
        value = _new_tensor(namespace_of(data).array(data, copy=True), None)
    tensor.grad = value if tensor.grad is None else tensor.grad + value


def _run_hooks(hooks, grad, create_graph: bool):
    as_tensor = grad if isinstance(grad, Tensor) else _new_tensor(grad, None)
    for hook in hooks:
        result = hook(as_tensor)
        if result is not None:
            as_tensor = result if isinstance(result, Tensor) else _new_tensor(
                namespace_of(result).asarray(result), None)
    if create_graph or isinstance(grad, Tensor):
        return as_tensor
    return as_tensor.data


def _check_finite(node, grads) -> None:
    for index, g in enumerate(grads):
        if g is None:
            continue
        data = g.data if isinstance(g, Tensor) else g
        if not namespace_of(data).isfinite(data).all():
            where = f" (created at {node.site})" if node.site else ""
            raise RuntimeError(
                f"detect_anomaly: the backward of '{node.op_name()}'{where} produced NaN or Inf "
                f"in the gradient for its input {index} (shape {tuple(data.shape)}). Check the "
                "values reaching this op: log or sqrt of 0 or a negative, division by 0, or an "
                "overflow upstream."
            )


# ----------------------------------------------------------------------------------------
# Public entry points


def _as_list(value) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _seed(root, gradient, create_graph: bool, what: str):
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"{what}: grad can be implicitly created only for one-element outputs, but this "
                f"tensor has shape {tuple(root.shape)}. Reduce it first (y.sum().backward()) or "
                "pass gradient=... of the same shape (y.backward(tg.ones_like(y)))."
            )
        seed = namespace_of(root.data).ones_like(root.data)
    else:
        seed = gradient if isinstance(gradient, Tensor) else Tensor(gradient, dtype=root.dtype)
        if tuple(seed.shape) != tuple(root.shape):
            raise ShapeError(
                f"{what}: gradient has shape {tuple(seed.shape)} but the output has shape "
                f"{tuple(root.shape)}; they must match."
            )
        if not create_graph:
            return seed.data.astype(root.data.dtype, copy=True)
    if create_graph:
        return seed if isinstance(seed, Tensor) else _new_tensor(seed, None)
    return seed


def _check_requires_grad(root, what: str) -> None:
    if not root.requires_grad:
        raise RuntimeError(
            f"{what}: this tensor does not require grad, so there is no graph to differentiate. "
            "Create the inputs with requires_grad=True (tg.tensor(x, requires_grad=True)) and "
            "compute the output outside tg.no_grad()."
        )


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False) -> None:
    """Accumulate d(tensors)/d(leaf) into every leaf's ``.grad`` (see ``Tensor.backward``)."""
    roots = _as_list(tensors)
    grads = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(roots)
    if retain_graph is None:
        retain_graph = create_graph
    seeds = []
    for root, g in zip(roots, grads):
        _check_requires_grad(root, "backward()")
        seeds.append(_seed(root, g, create_graph, "backward()"))
    run_backward(roots, seeds, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned as a tuple of Tensors.

    Leaves' ``.grad`` is left untouched. With ``create_graph=True`` the returned gradients are
    themselves differentiable::

        (g,) = tg.grad(y, x, create_graph=True)
        (h,) = tg.grad(g.sum(), x)          # second derivative
    """
    roots = _as_list(outputs)
    targets = _as_list(inputs)
    grads = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(roots)
    if len(grads) != len(roots):
        raise ValueError(f"grad: got {len(grads)} grad_outputs for {len(roots)} outputs.")
    if retain_graph is None:
        retain_graph = create_graph
    nodes = []
    for i, t in enumerate(targets):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] is a {type(t).__name__}, expected a Tensor.")
        if not t.requires_grad:
            raise RuntimeError(
                f"grad: inputs[{i}] does not require grad; create it with requires_grad=True."
            )
        nodes.append(t.grad_fn if t.grad_fn is not None else grad_accumulator(t))
    seeds = []
    for root, g in zip(roots, grads):
        _check_requires_grad(root, "grad()")
        seeds.append(_seed(root, g, create_graph, "grad()"))
    capture = {id(node): None for node in nodes}
    run_backward(roots, seeds, retain_graph, create_graph, capture=capture)
    results = []
    for i, node in enumerate(nodes):
        value = capture[id(node)]
        if value is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: inputs[{i}] was not used to compute the outputs, so it has no "
                    "gradient. Pass allow_unused=True to get None for it instead."
                )
            results.append(None)
            continue
        if not isinstance(value, Tensor):
            value = _new_tensor(value, None)
        results.append(value)
    return tuple(results)
