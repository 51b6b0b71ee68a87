"""The graph's nodes: what one recorded op keeps, and the sink where a leaf's gradient lands.

Every differentiable operation is a subclass of :class:`Node`. One call of the operation makes
one instance of the class; that instance is both the op's context (what its backward needs:
``saved`` values, attributes such as ``axis``) and the graph node (``tensor.grad_fn``). A
node points at its inputs' nodes through ``parents``: the ``grad_fn`` of a non-leaf input, the
:class:`AccumulateGrad` sink of a leaf that requires grad, or ``None`` for an input that needs
no gradient. Nodes are numbered in creation order (``seq``), so every node's consumers
have larger numbers than the node itself: the engine relies on that to order the backward.

How a call becomes a node is ``function.py``; how the backward walks the nodes, ``engine.py``.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

# The Tensor class, registered by ``tinygraph.tensor`` (which imports this package: imports flow
# autograd -> ops -> tensor, so the engine cannot import it).
Tensor: Any = None

OUTPUT = -1  # origin of a saved value that is the op's own output (see Function.origins)

next_seq = itertools.count().__next__


def register_tensor_type(cls) -> None:
    global Tensor
    Tensor = cls


def new_tensor(data, grad_fn):
    """A Tensor around ``data`` made by an op (or detached when ``grad_fn`` is None).

    Skips ``Tensor.__init__``'s checks: ``data`` is an array the op made. Rarely set fields
    (``grad``, ``name``, ...) read as their defaults (see ``Tensor.__getattr__``).
    """
    t = object.__new__(Tensor)
    t._data = data
    t._requires_grad = grad_fn is not None
    t.grad_fn = grad_fn
    return t


class Node:
    """A recorded op: base of every differentiable operation's class, built-in or user-defined.

    One call of an operation makes one instance of its class; that instance is both the op's
    context (what its backward needs: ``saved`` values, attributes such as ``axis``) and the
    graph node (``tensor.grad_fn``). User Functions (``function.Function``) see it as PyTorch's
    ``ctx``: ``save_for_backward``, ``saved_tensors``, ``needs_input_grad``, ...

    Fields every recorded node has live in slots; the rarely set ones (hooks, the line of code
    that made the node, its inputs under anomaly mode, a user Function's own ``ctx.x = ...``)
    are class-level defaults an instance overrides in its ``__dict__``.
    """

    __slots__ = ("parents", "saved", "origins", "xp", "seq", "shape", "dtype", "module",
                 "__dict__", "__weakref__")
    hooks = None  # gradient hooks (register_hook, retain_grad)
    site = None  # "file:line in function" of the user code that made it (anomaly mode)
    debug_inputs = None  # its input values (anomaly mode, tg.debug.record_inputs)
    outputs = None  # a several-output Function: (shape, dtype) of each output

    label = None  # display name; defaults to the class name
    array_io = False  # built-in ops: forward/backward see raw arrays instead of Tensors
    materialize_grads = True  # a user Function's missing output gradients arrive as zeros
    non_differentiable = frozenset()  # ids of outputs marked non-differentiable
    dirty = frozenset()  # ids of inputs a user Function changed in place (mark_dirty)

    @property
    def needs_grad(self) -> tuple:
        """Per input, truthy exactly when it needs a gradient (its parent)."""
        return self.parents

    @classmethod
    def op_name(cls) -> str:
        return cls.label or cls.__name__

    def name(self) -> str:
        """PyTorch's name for this node (``MulBackward0``); ``op_name()`` is the short label."""
        from .torch_names import torch_name  # only for printing: kept off the import path

        return torch_name(self)

    def __repr__(self) -> str:
        return f"<{self.name()} node, output shape {getattr(self, 'shape', None)}>"

    # -- PyTorch's ctx API -----------------------------------------------------------------

    @property
    def needs_input_grad(self) -> tuple:
        """Per input, whether its gradient is needed."""
        return tuple(p is not None for p in self.parents)

    @property
    def next_functions(self) -> tuple:
        """The parents, as ``(node, 0)`` pairs."""
        return tuple((p, 0) for p in self.parents)

    def save_for_backward(self, *tensors) -> None:
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save Tensors (or None), but argument {i} is "
                    f"of type {type(t).__name__}; keep other values as ctx attributes "
                    "(ctx.k = k)."
                )
        self.saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        """What forward saved. Its own outputs come back attached to the graph, so a backward
        run under ``create_graph=True`` is itself differentiated through them."""
        saved = self.saved
        if saved is None:
            raise freed_error(self)
        if self.origins is None:
            return saved
        return tuple(value if origin is None else new_tensor(value, self.output_node(origin))
                     for value, origin in zip(saved, self.origins))

    def mark_non_differentiable(self, *tensors) -> None:
        self.non_differentiable = {id(t) for t in tensors}

    def mark_dirty(self, *tensors) -> None:
        """Forward changed these inputs in place and returns them: they take the outputs'
        place in the graph (as PyTorch's in-place Functions)."""
        self.dirty = frozenset(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    def output_node(self, origin: int):
        """The node an output's gradient enters (``origin``: OUTPUT - the output's index): the
        node itself, or for one of several outputs a fresh selector of it."""
        if self.outputs is None:
            return self
        return Output.select(self, OUTPUT - origin)


class Output(Node):
    """out = the ``index``-th output of a several-output Function;  its gradient goes into that
    slot of the Function's gradients (:class:`OutputGrads`)."""

    __slots__ = ("index",)
    label = "output"
    array_io = True

    @classmethod
    def select(cls, function_node, index: int):
        """A recorded selector of one output of ``function_node``."""
        node = cls()
        node.index = index
        node.parents = (function_node,)
        node.saved = ()
        node.origins = None
        node.xp = function_node.xp
        node.seq = next_seq()
        node.shape, node.dtype = function_node.outputs[index]
        node.module = function_node.module
        return node

    def name(self) -> str:
        return self.parents[0].name()  # as in PyTorch, every output shows its Function's node

    def backward(self, g):
        grads = OutputGrads([None] * len(self.parents[0].outputs))
        grads[self.index] = g
        return (grads,)


class OutputGrads(list):
    """The gradients of a several-output Function's outputs, one per output (None where none
    arrived). The engine adds them like any gradient while they gather at the node."""

    __slots__ = ()
    shape = None  # a several-output node has no single shape: nothing is unbroadcast

    def __add__(self, other):
        return OutputGrads(a if b is None else b if a is None else a + b
                           for a, b in zip(self, other))


class AccumulateGrad:
    """The sink node of a leaf that requires grad: adds the gradient into ``leaf.grad``.

    As in PyTorch the graph owns the leaf and the leaf knows its sink only weakly: a sink lives
    as long as some recorded node uses it, and every use of a leaf within one graph meets in
    the same sink, so its hooks see the summed gradient once. A picture of a graph can always
    name its leaves, even those the user no longer holds.
    """

    __slots__ = ("leaf", "shape", "__weakref__")
    parents = ()
    needs_grad = ()
    module = None
    site = None
    label = "AccumulateGrad"

    def __init__(self, leaf) -> None:
        self.leaf = leaf
        self.shape = leaf._data.shape  # fixed: a leaf's values change only in place

    @property
    def hooks(self):
        """The leaf's hooks live on the leaf (sinks come and go with graphs)."""
        return self.leaf._hooks

    @classmethod
    def op_name(cls) -> str:
        return cls.label

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"  # PyTorch's

    def __repr__(self) -> str:
        return f"<AccumulateGrad node for a leaf of shape {self.shape}>"


def grad_accumulator(leaf) -> AccumulateGrad:
    """The leaf's sink node, made on first use while no graph holds one."""
    ref = leaf._accumulator
    sink = ref() if ref is not None else None
    if sink is None:
        sink = AccumulateGrad(leaf)
        leaf._accumulator = weakref.ref(sink)
    return sink


def created_at(node) -> str:
    """`` (created at file:line in fn)`` when the node recorded its site (anomaly mode)."""
    site = node.site
    return f" (created at {site})" if site else ""


def freed_error(node) -> RuntimeError:
    return RuntimeError(
        f"Trying to backward through the graph a second time (reached '{node.op_name()}'"
        f"{created_at(node)} again): the first backward freed the values the graph's ops "
        "saved for their gradients. Pass retain_graph=True to the first backward() (or "
        "tg.grad) if you need to backward through the same graph again."
    )
