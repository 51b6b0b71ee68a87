"""Recording: how an op call becomes a graph node.

Every differentiable operation is a subclass of :class:`Function`. ``SomeOp.apply(*inputs)``
creates one instance of the class; that instance is both the op's context (what its backward
needs: ``saved`` values, attributes such as ``axis``) and the graph node (``tensor.grad_fn``).
A node points at its inputs' nodes through ``parents``: the ``grad_fn`` of a non-leaf input,
the :class:`AccumulateGrad` sink of a leaf that requires grad, or ``None`` for a constant.
Nodes are numbered in creation order (``seq``), so every node's consumers have larger
numbers than the node itself: the engine relies on that to order the backward pass.
Nothing is recorded when grad mode is off or no input requires grad.
"""

from __future__ import annotations

import itertools
import weakref
from operator import is_
from typing import Any

from ..backend import _NAMESPACE_BY_TYPE, SCALAR_TYPES, namespace_of
from ..errors import ShapeError
from .mode import no_grad, per_thread, user_site

# The Tensor class, registered by ``tinygraph.tensor`` (which imports this module: imports
# flow autograd -> ops -> tensor, so the engine cannot import it).
Tensor: Any = None

OUTPUT = -1  # origin marker: a saved value that is the op's own output

_next_seq = itertools.count().__next__
_object_new = object.__new__
_list_new = list.__new__


def register_tensor_type(cls) -> None:
    global Tensor
    Tensor = cls


def new_tensor(data, grad_fn):
    """Build a Tensor without ``Tensor.__init__``'s validation (the hot path).

    Only the attributes every reader needs are stored; ``grad``, ``name``, ``_version`` and
    ``_accumulator`` fall back to their defaults through ``Tensor.__getattr__``.
    """
    t = _object_new(Tensor)
    t._data = data
    t.requires_grad = grad_fn is not None
    t.grad_fn = grad_fn
    return t


class Function(list):
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

    Built-in ops (:class:`Op`) use the same ``apply`` protocol, the same node and the same
    engine; they only skip the Tensor wrapping and work on raw arrays, which keeps them cheap.

    A node *is* the list of its parents (one entry per input: its node, a leaf's sink, or
    None), read as ``node.parents``. Holding them in the node itself rather than in a separate
    container makes one object per op for Python's cycle collector to walk, which in a graph of
    a million ops is a large part of the recording time. Nodes compare and hash by identity.
    """

    # Fields every recorded node sets live in slots. The rarely set ones are class-level
    # defaults that an instance overrides through its (lazily created) __dict__, so recording a
    # node does not pay for storing them.
    __slots__ = ("saved", "origins", "xp", "seq", "shape", "dtype", "module",
                 "__dict__", "__weakref__")
    hooks = None  # gradient hooks (register_hook, retain_grad)
    site = None  # "file:line in function" of the user code that made it (anomaly mode)
    _debug_inputs = None  # its input values (anomaly mode, tg.debug.record_inputs)

    label = None  # display name; defaults to the class name
    array_io = False  # Op sets True: forward/backward see raw arrays instead of Tensors

    # identity semantics, not a list's: a node equals only itself. (It is true as a list is:
    # a recorded node has at least one parent, and backwards test needs_grad[i] that way.)
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    @property
    def parents(self) -> tuple:
        """Per input: its node, a leaf's :class:`AccumulateGrad` sink, or None (a constant)."""
        return tuple(self)

    @property
    def needs_grad(self) -> Function:
        """Per input, truthy exactly when it needs a gradient (the parents themselves)."""
        return self

    @classmethod
    def op_name(cls) -> str:
        return cls.label or cls.__name__

    # -- the PyTorch ctx API used by user Functions --------------------------------------

    def save_for_backward(self, *tensors) -> None:
        self.saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self.saved is None:
            raise freed_error(self)
        return self.saved

    @property
    def needs_input_grad(self) -> tuple:
        return tuple(p is not None for p in self)

    @property
    def next_functions(self) -> tuple:
        return tuple(self)

    def name(self) -> str:
        return self.op_name()

    def __repr__(self) -> str:
        return f"<{self.op_name()} node, output shape {getattr(self, 'shape', None)}>"

    # -- recording -----------------------------------------------------------------------

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run ``forward(ctx, *inputs)`` without recording, then record one node if needed."""
        node = _list_new(cls)
        node.saved = ()
        requires_grad = any(isinstance(x, Tensor) and x.requires_grad for x in inputs)
        # as in PyTorch, forward may already read ctx.needs_input_grad
        node += _parents_of(inputs)
        with no_grad():
            result = cls.forward(node, *inputs, **kwargs)
        if isinstance(result, Tensor):
            result = result._data
        xp = namespace_of(result)
        if type(result) is not xp.array_type:
            result = xp.asarray(result)
        node.xp = xp
        if not (requires_grad and per_thread.flags.grad_enabled):
            return new_tensor(result, None)
        record(node, inputs, result)
        node.origins = None
        return new_tensor(result, node)


class Op(Function):
    """A built-in op: ``forward(self, *arrays)`` and ``backward(self, grad)`` on raw arrays.

    ``forward`` receives raw arrays (Python scalars pass through unchanged, so NumPy's weak
    scalar rules keep a float32 tensor float32); keyword arguments of ``apply`` are stored on
    the node as attributes (declare them in ``__slots__``). It calls ``self.save(...)`` for what
    the backward needs and returns the output array. ``backward`` returns one gradient per
    input in the output's broadcast shape (or ``None`` where ``self.needs_grad`` is false);
    the engine sums each down to its input's shape.

    What may be saved: the op's inputs, its output, and constants the gradient does not flow
    through (masks, indices). Under ``create_graph`` saved inputs and outputs come back as
    Tensors attached to the graph; anything else comes back as a plain array. Attributes hold
    values (arrays, numbers, shapes, dtypes), never Tensors.
    """

    __slots__ = ()
    array_io = True

    def save(self, *values) -> None:
        self.saved = values

    @classmethod
    def apply(cls, *inputs, **attrs):
        node = cls()  # built-in ops define no __init__; calling the class is the cheapest way
        if attrs:
            for name, value in attrs.items():
                setattr(node, name, value)
        # Per input: its array, and its graph position (its node, a leaf's sink, or None when
        # it needs no gradient). Unary and binary ops, nearly every op, are unrolled.
        n = len(inputs)
        if n == 2:
            a, b = inputs
            pa = pb = None
            if isinstance(a, Tensor):
                if a.requires_grad:
                    pa = a.grad_fn
                    if pa is None:
                        pa = a._accumulator or grad_accumulator(a)
                a = a._data
            elif type(a) in SCALAR_TYPES:
                a = a.item()  # np.float64(2.0) acts as 2.0: no float32 -> float64 promotion
            if isinstance(b, Tensor):
                if b.requires_grad:
                    pb = b.grad_fn
                    if pb is None:
                        pb = b._accumulator or grad_accumulator(b)
                b = b._data
            elif type(b) in SCALAR_TYPES:
                b = b.item()
            arrays = (a, b)
            parents = (pa, pb) if pa is not None or pb is not None else None
        elif n == 1:
            (a,) = inputs
            parents = None
            if isinstance(a, Tensor):
                if a.requires_grad:
                    pa = a.grad_fn
                    if pa is None:
                        pa = a._accumulator or grad_accumulator(a)
                    parents = (pa,)
                a = a._data
            elif type(a) in SCALAR_TYPES:
                a = a.item()
            arrays = (a,)
        else:
            arrays, parents = _unwrap(inputs)
        xp = _NAMESPACE_BY_TYPE.get(type(arrays[0])) or namespace_of(*arrays)
        node.xp = xp
        node.saved = ()
        try:
            out = node.forward(*arrays)
        except (ValueError, TypeError, IndexError) as exc:
            raise explain_forward_error(cls, exc, arrays) from exc
        if type(out) is not xp.array_type:
            out = _as_output_array(node, out, xp)
        t = _object_new(Tensor)
        t._data = out
        if parents is None or not (flags := per_thread.flags).grad_enabled:
            t.requires_grad = False
            t.grad_fn = None
            return t
        node += parents
        node.seq = _next_seq()
        node.shape = out.shape
        node.dtype = out.dtype
        node.module = flags.module
        if flags.debug:
            debug_record(node, arrays)
        saved = node.saved
        if saved:
            # which saved value is which input or the output (read under create_graph);
            # the two common cases inline: the op saved its output alone, or its first two
            # inputs (Mul, MatMul, Linear with or without a bias)
            if len(saved) == 1:
                if saved[0] is out:
                    node.origins = _OUTPUT_ONLY
                else:
                    node.origins = _origins(saved, arrays, out)
            elif len(saved) == 2 <= len(arrays) and saved[0] is arrays[0] and saved[1] is arrays[1]:
                node.origins = _FIRST_TWO_INPUTS
            else:
                node.origins = _origins(saved, arrays, out)
        t.requires_grad = True
        t.grad_fn = node
        return t


def _unwrap(inputs) -> tuple:
    """Op.apply for any number of inputs: their arrays, and their graph positions (or None
    when no input needs a gradient)."""
    arrays = []
    parents = []
    recording = False
    for x in inputs:
        if isinstance(x, Tensor):
            arrays.append(x._data)
            if x.requires_grad:
                recording = True
                fn = x.grad_fn
                if fn is None:
                    fn = x._accumulator or grad_accumulator(x)
                parents.append(fn)
                continue
        else:
            if type(x) in SCALAR_TYPES:
                x = x.item()
            arrays.append(x)
        parents.append(None)
    return arrays, (tuple(parents) if recording else None)


def _as_output_array(node, out, xp):
    """0-d results come back as NumPy scalars: make them arrays, and save the array that
    becomes the output, or _origins would not see the saved output as OUTPUT (wrong double
    backward)."""
    scalar, out = out, xp.asarray(out)
    saved = node.saved
    for i, value in enumerate(saved):
        if value is scalar:
            node.saved = saved[:i] + (out,) + saved[i + 1:]
            break
    return out


def _parents_of(inputs) -> tuple:
    """Per input: its node, a leaf's sink, or None (no gradient needed)."""
    return tuple(
        (x.grad_fn if x.grad_fn is not None else grad_accumulator(x))
        if isinstance(x, Tensor) and x.requires_grad else None
        for x in inputs
    )


def record(node, inputs, out) -> None:
    """Fill in ``node``'s graph fields (its parents are already in it): its number, its
    output's description, the running Module."""
    node.seq = _next_seq()
    node.shape = out.shape
    node.dtype = out.dtype
    st = per_thread.flags
    node.module = st.module
    if st.debug:
        debug_record(node, [x._data if isinstance(x, Tensor) else x for x in inputs])


def debug_record(node, inputs) -> None:
    """Debug mode (``detect_anomaly``, ``tg.debug.record_inputs``): keep what a node was made
    from, the line of user code (``site``) and its inputs (for ``tg.check_graph``)."""
    node.site = user_site()
    node._debug_inputs = tuple(inputs)


class AccumulateGrad:
    """The sink node of a leaf that requires grad: adds the gradient into ``leaf.grad``.

    Cached on the leaf (``leaf._accumulator``) so every use of a leaf meets in one node and its
    hooks see the summed gradient once. It holds the leaf weakly: the leaf owns the sink, not
    the other way round, so no reference cycle keeps either alive.
    """

    __slots__ = ("leaf_ref", "shape", "hooks", "__weakref__")
    parents = ()
    needs_grad = ()
    module = None
    site = None
    label = "AccumulateGrad"

    def __init__(self, leaf) -> None:
        self.leaf_ref = weakref.ref(leaf)
        self.shape = leaf._data.shape  # if the leaf's data is replaced later, _accumulate adapts
        self.hooks = None

    @property
    def leaf(self):
        return self.leaf_ref()

    @classmethod
    def op_name(cls) -> str:
        return cls.label

    def name(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"<AccumulateGrad node for a leaf of shape {self.shape}>"


def grad_accumulator(leaf) -> AccumulateGrad:
    """The leaf's sink node, created on first use."""
    acc = leaf._accumulator
    if acc is None:
        acc = leaf._accumulator = AccumulateGrad(leaf)
    return acc


_RANGES = [tuple(range(n)) for n in range(8)]
_FIRST_TWO_INPUTS = _RANGES[2]
_OUTPUT_ONLY = (OUTPUT,)


def _origins(saved, arrays, out) -> tuple:
    """For each saved value: the index of the input it is, OUTPUT, or None (a constant)."""
    n = len(saved)
    if n == len(arrays) and n < 8 and all(map(is_, saved, arrays)):
        return _RANGES[n]  # the common case: an op saved exactly its inputs
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


def explain_forward_error(cls, exc, arrays):
    """Turn NumPy's terse forward errors into one that names the op, the shapes and the fix."""
    if getattr(exc, "_tinygraph", False):
        return exc
    message = str(exc)
    if "broadcast" in message:
        shapes = " and ".join(str(tuple(a.shape)) for a in arrays if hasattr(a, "shape"))
        err = ShapeError(
            f"{cls.op_name()}: shapes {shapes} cannot be broadcast together. Broadcasting "
            "aligns shapes from the right; each pair of axes must be equal or one of them 1. "
            "Reshape or unsqueeze an operand (e.g. x.unsqueeze(-1)) so the axes line up."
        )
    else:
        described = ", ".join(_describe(a) for a in arrays)
        err = type(exc)(f"{cls.op_name()}: {message} (inputs: {described})")
    err._tinygraph = True
    return err


def _describe(value) -> str:
    shape = getattr(value, "shape", None)
    if shape is None:
        return type(value).__name__
    return f"{value.dtype} array of shape {tuple(shape)}"


def created_at(node) -> str:
    """`` (created at file:line in fn)`` when the node recorded its site (anomaly mode)."""
    site = getattr(node, "site", None)
    return f" (created at {site})" if site else ""


def freed_error(node) -> RuntimeError:
    return RuntimeError(
        f"Trying to backward through the graph a second time (reached '{node.op_name()}'"
        f"{created_at(node)} again): the first backward freed the values the graph's ops "
        "saved for their gradients. Pass retain_graph=True to the first backward() (or "
        "tg.grad) if you need to backward through the same graph again."
    )
