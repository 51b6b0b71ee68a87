"""Recording: how an op call becomes a graph node.

``SomeOp.apply(*inputs, **attributes)`` runs the op's forward and, when grad mode is on and
some input requires grad, records one node (``node.py``). Built-in ops (:class:`Op`) and user
Functions (:class:`Function`) unwrap their inputs the same way (:func:`unwrap`) and fill in the
same node fields (:func:`record`); they differ in what their forward and backward see: raw
arrays for a built-in op, Tensors for a user Function. Nothing is recorded when grad mode is
off or no input requires grad.
"""

from __future__ import annotations

import functools
import inspect
from operator import is_

from ..backend import _NAMESPACE_BY_TYPE, SCALAR_TYPES, namespace_of
from . import node as _node
from . import versions
from .explain import explain_forward_error
from .mode import no_grad, per_thread, user_site
from .node import OUTPUT, Node, grad_accumulator, new_tensor, next_seq
from .promotion import _ndarray, promote


def unwrap(inputs) -> tuple:
    """Per input: its array (Tensors unwrapped; NumPy scalars become Python numbers, so a
    float32 tensor times ``np.float64(2)`` stays float32, PyTorch's rule), and its graph
    position: its node, a leaf's sink, or None. The positions are None altogether when no
    input needs a gradient."""
    Tensor = _node.Tensor
    arrays = []
    parents = []
    needed = False
    for x in inputs:
        if isinstance(x, Tensor):
            arrays.append(x._data)
            if x._requires_grad:
                needed = True
                parents.append(x.grad_fn or grad_accumulator(x))
                continue
        else:
            arrays.append(x.item() if type(x) in SCALAR_TYPES else x)
        parents.append(None)
    return arrays, (tuple(parents) if needed else None)


def record(node, parents: tuple, arrays, out) -> None:
    """Fill in a node's graph fields: its parents, its number, its output's description, the
    running Module (for pictures), and under anomaly mode where it was made and from what."""
    node.parents = parents
    node.seq = next_seq()
    node.shape = out.shape
    node.dtype = out.dtype
    flags = per_thread.flags
    node.module = flags.module
    if flags.debug:
        node.site = user_site()
        node.debug_inputs = tuple(arrays)


class Function(Node):
    """Base of user-defined differentiable operations, as PyTorch's ``torch.autograd.Function``::

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

    ``forward`` may return a tuple: ``apply`` then returns a tuple of Tensors and ``backward``
    receives one gradient per output (zeros for an output that got none, unless
    ``ctx.set_materialize_grads(False)``). Non-Tensor arguments get ``None`` as gradient;
    trailing extra ``None`` gradients are accepted. Built-in ops (:class:`Op`) are Functions
    too, working on raw arrays.
    """

    __slots__ = ()

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("a Function subclass defines a static forward(ctx, *args).")

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            f"{type(self).__name__}()(...): legacy autograd function with non-static forward "
            f"method is deprecated (as in PyTorch); call {type(self).__name__}.apply(...) on "
            "the class instead."
        )

    @staticmethod
    def setup_context(ctx, inputs: tuple, output) -> None:
        """PyTorch 2's other style: ``forward(*args)`` without ctx, and this (static) method,
        called after it with the arguments and what forward returned, fills in the ctx."""
        raise NotImplementedError("setup_context is not defined for this Function.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward(ctx, *args)`` without recording, then record one node if needed.

        Keyword arguments are bound to ``forward``'s parameters first, as PyTorch does, so a
        Tensor passed as ``x=x`` is an input like any other (with ``setup_context``, defaults
        are filled in too)."""
        new_style = cls.setup_context is not Function.setup_context
        if new_style:
            args, kwargs = _bind(cls.forward, args, kwargs)
        elif kwargs:  # as PyTorch: keywords naming forward's parameters become positional
            bound = inspect.signature(cls.forward).bind(None, *args, **kwargs)
            args, kwargs = bound.args[1:], bound.kwargs
        node = cls.__new__(cls)
        arrays, parents = unwrap(args)
        node.parents = parents or (None,) * len(args)  # ctx.needs_input_grad, read in forward
        node.saved = ()
        node.origins = None
        with no_grad():
            if new_style:
                result = cls.forward(*args, **kwargs)
                cls.setup_context(node, args, result)
            else:
                result = cls.forward(node, *args, **kwargs)
        several = type(result) is tuple
        results = result if several else (result,)
        datas = [_output_array(cls, k, r) for k, r in enumerate(results)]
        first = next((d for d in datas if d is not None), None)
        node.xp = namespace_of(first)
        recording = parents is not None and first is not None and per_thread.flags.grad_enabled
        if node.dirty:
            _check_dirty(cls, node, args, results, recording)
        if recording:
            record(node, parents, arrays, first)
            if several:  # each output reaches the node through a selector (node.Output)
                node.shape = node.dtype = None
                node.outputs = [(d.shape, d.dtype) if d is not None else ((), None)
                                for d in datas]
            _keep_saved_outputs(node, results, datas)
        outputs = []
        for k, (r, d) in enumerate(zip(results, datas)):
            if d is None:  # a non-Tensor output (a count, a string) passes through
                outputs.append(r)
            elif id(r) in node.dirty:  # an input changed in place: it becomes the output
                if recording:
                    r.grad_fn = node.output_node(OUTPUT - k)
                    r._requires_grad = True
                    if r._base is not None or r._views:  # shared memory: fix the base's graph
                        dirty_hooks[0](r)
                outputs.append(r)
            elif (not recording or d.dtype.kind not in "fc"
                  or id(r) in node.non_differentiable):
                outputs.append(new_tensor(d, None))
            else:
                outputs.append(new_tensor(d, node.output_node(OUTPUT - k)))
        return tuple(outputs) if several else outputs[0]


# What a recorded in-place change of a view (or of a base with views) must also do; set by
# ops/viewtrack.py (imports flow autograd -> ops, so the engine cannot import it).
dirty_hooks: list = [None]


def _bind(forward, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """``setup_context`` style: arguments bound to ``forward``'s parameters, defaults filled
    in, so that ``inputs`` (and the gradient slots) are the same however it was called."""
    bound = inspect.signature(forward).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.args, bound.kwargs


def _check_dirty(cls, node, args, results, recording: bool) -> None:
    """``ctx.mark_dirty``: the inputs forward changed in place must be among its outputs; a
    leaf that requires grad may not be one while recording (its gradient is taken at its old
    value). Each one is stamped as changed before the node is numbered, so older nodes that
    saved it refuse their backward and this one does not."""
    Tensor = _node.Tensor
    inputs = {id(a): a for a in args if isinstance(a, Tensor)}
    returned = {id(r) for r in results}
    for key in node.dirty:
        if key not in returned:
            raise RuntimeError(
                f"{cls.__name__}.forward marked an input dirty (ctx.mark_dirty) but did not "
                "return it: an input changed in place must be returned as an output."
            )
        tensor = inputs.get(key)
        if tensor is None:
            continue  # not an input: an ordinary output
        if recording and tensor.requires_grad and tensor.grad_fn is None:
            raise RuntimeError(
                f"{cls.__name__}: ctx.mark_dirty on a leaf tensor that requires grad (shape "
                f"{tuple(tensor.shape)}): a leaf cannot be changed in place while recording. "
                "Pass a copy (x.clone()), or call it under tg.no_grad()."
            )
        tensor._version += 1
        versions.note_mutation(tensor, tensor._data)
    node.dirty = frozenset(key for key in node.dirty if key in inputs)


def _output_array(cls, k: int, result):
    """The array of a forward's ``k``-th output (None for a non-Tensor passed through)."""
    if isinstance(result, _node.Tensor):
        return result._data
    if type(result) in _NAMESPACE_BY_TYPE:
        return result
    if result is None and k == 0:
        raise TypeError(
            f"{cls.__name__}.forward returned None: return the output Tensor (or a tuple of "
            "Tensors), e.g. `return x * 2`."
        )
    return None


def _keep_saved_outputs(node, results, datas) -> None:
    """Saved outputs are kept as arrays, their origin the output's index (``saved_tensors``
    re-attaches them): holding the output Tensor would tie node and output in a cycle."""
    origins = []
    values = []
    for value in node.saved:
        k = next((k for k, r in enumerate(results) if r is value and datas[k] is not None),
                 None)
        origins.append(None if k is None else OUTPUT - k)
        values.append(value if k is None else datas[k])
    if any(origin is not None for origin in origins):
        node.saved = tuple(values)
        node.origins = tuple(origins)


class Op(Function):
    """A built-in op: ``forward(self, *arrays)`` and ``backward(self, grad)`` on raw arrays.

    ``forward`` receives raw arrays (Python scalars pass through unchanged, so NumPy's weak
    scalar rules keep a float32 tensor float32); keyword arguments of ``apply`` are stored on
    the node as attributes (declare them in ``__slots__``). It calls ``self.save(...)`` for what
    the backward needs and returns the output array. ``backward`` returns one gradient per
    input in the output's broadcast shape (or ``None`` where ``self.needs_grad`` is false);
    the engine sums each down to its input's shape.

    Write both with the functions of ``self.xp``, the array namespace: under
    ``create_graph=True`` the engine hands the backward the Tensor namespace and Tensors
    instead, so the same formula is recorded and gives second derivatives. What may be saved:
    the op's inputs, its output, and constants the gradient does not flow through (masks,
    indices); saved inputs and outputs come back attached to the graph under ``create_graph``.
    Attributes hold values (arrays, numbers, shapes, dtypes), never Tensors.
    """

    __slots__ = ()
    array_io = True
    # True: the inputs are converted to PyTorch's result dtype first (elementwise ops of
    # several operands); "float": and an integer result dtype becomes the default float one
    promotes: bool | str = False

    def save(self, *values) -> None:
        self.saved = values

    @classmethod
    def apply(cls, *inputs, **attributes):
        Tensor = _node.Tensor
        node = cls()
        if attributes:
            for name, value in attributes.items():
                setattr(node, name, value)
        arrays, parents = unwrap(inputs)
        given = arrays
        promotes = cls.promotes
        if promotes:  # PyTorch's result dtype (promotion.py); checked inline first for the
            a = arrays[0]  # common case: a floating array alone, with a number or its like
            agree = False
            if type(a) is _ndarray and a.dtype.kind == "f":
                n = len(arrays)
                if n == 1:
                    agree = True
                elif n == 2:
                    b = arrays[1]
                    kind = type(b)
                    agree = (kind is float or kind is int
                             or kind is _ndarray and b.dtype is a.dtype)
            if not agree:
                arrays = promote(arrays, promotes, cls.op_name())
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
            t._requires_grad = False
            t.grad_fn = None
            return t
        node.parents = parents
        node.seq = next_seq()
        node.shape = out.shape
        node.dtype = out.dtype
        node.module = flags.module
        if flags.debug:
            node.site = user_site()
            node.debug_inputs = tuple(given)  # as given: an export knows inputs by identity
        saved = node.saved
        node.origins = origins(saved, arrays, out) if saved else None
        t._requires_grad = True
        t.grad_fn = node
        return t


def _as_output_array(node, out, xp):
    """0-d results come back as NumPy scalars: make them arrays, and save the array that
    becomes the output, or it would not be recognized as the output (wrong double backward)."""
    scalar, out = out, xp.asarray(out)
    if node.saved:
        node.saved = tuple(out if value is scalar else value for value in node.saved)
    return out


_object_new = object.__new__
_RANGES = [tuple(range(n)) for n in range(8)]
_OUTPUT_ONLY = (OUTPUT,)


def origins(saved, arrays, out) -> tuple:
    """For each saved value: the index of the input it is, OUTPUT, or None (a constant)."""
    n = len(saved)
    if n == 1 and saved[0] is out:
        return _OUTPUT_ONLY  # exp, tanh, relu, ...: the output alone
    if n <= len(arrays) and n < 8 and all(map(is_, saved, arrays)):
        return _RANGES[n]  # mul, matmul, linear, ...: the first inputs, in order
    found = []
    for value in saved:
        if value is out:
            found.append(OUTPUT)
            continue
        for i, a in enumerate(arrays):
            if value is a:
                found.append(i)
                break
        else:
            found.append(None)
    return tuple(found)


# -- once_differentiable ---------------------------------------------------------------------


class _DelayedError(Op):
    """y = x;  differentiating it raises: the result of a backward marked
    ``once_differentiable``, where gradients that require grad entered it."""

    __slots__ = ("message",)
    label = "delayed_error"

    def forward(self, x, *sources):
        return x

    def backward(self, g):
        raise RuntimeError(self.message)


def once_differentiable(backward):
    """Decorate a ``Function.backward`` that is not itself differentiable (PyTorch's
    ``torch.autograd.function.once_differentiable``): it runs without recording, and an
    attempt to differentiate its result raises instead of silently giving zeros."""

    @functools.wraps(backward)
    def run_once(ctx, *grads):
        with no_grad():
            results = backward(ctx, *grads)
        tracked = [g for g in grads if isinstance(g, _node.Tensor) and g.requires_grad]
        if not tracked or not per_thread.flags.grad_enabled:
            return results
        message = (f"trying to differentiate twice a function that was marked with "
                   f"@once_differentiable ({type(ctx).__name__}.backward)")
        several = isinstance(results, tuple)
        marked = tuple(_DelayedError.apply(r, *tracked, message=message)
                       if isinstance(r, _node.Tensor) else r
                       for r in (results if several else (results,)))
        return marked if several else marked[0]

    return run_once
