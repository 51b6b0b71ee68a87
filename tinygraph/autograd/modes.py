"""What a gradient is during one backward, chosen once per backward.

:class:`ArrayBackward` (the usual case): gradients are raw arrays, each node's backward runs
its formula on arrays, nothing is recorded. :class:`RecordedBackward` (``create_graph=True``):
gradients are Tensors and each built-in op's backward runs the very same formula on the Tensor
namespace, with its saved values re-attached to the graph, so the backward is itself recorded
and can be differentiated again. The engine (``engine.py``) calls the same five methods of
either: ``backward``, ``unbroadcast``, ``run_hooks``, ``accumulate`` and ``check_finite``.
"""

from __future__ import annotations

from typing import Any

from ..backend import _NAMESPACE_BY_TYPE, namespace_of
from . import node as _node
from . import versions
from .mode import enable_grad, no_grad
from .node import OUTPUT, AccumulateGrad, OutputGrads, created_at, freed_error, new_tensor

# The namespace op backwards see under create_graph, registered by tinygraph.ops.namespace.
tensor_namespace: Any = None


def register_tensor_namespace(namespace) -> None:
    global tensor_namespace
    tensor_namespace = namespace


class ArrayBackward:
    """Gradients are arrays; nothing is recorded."""

    recorded = False

    def __init__(self) -> None:
        self.handed_out: set[int] = set()  # arrays already given to a leaf's .grad

    def backward(self, node, grad) -> tuple:
        if node.saved is None:
            raise freed_error(node)
        if node.array_io:
            return node.backward(grad)
        return _user_backward(node, grad, self.recorded)

    @staticmethod
    def unbroadcast(grad, shape: tuple):
        return namespace_of(grad).unbroadcast(grad, shape)

    def run_hooks(self, hooks, grad):
        result = _run_hooks(hooks, new_tensor(grad, None))
        # A user hook saw this array or returned one the user owns, and it may end up in a
        # .grad that later backwards add into in place: copy it, as PyTorch clones a gradient
        # that is referenced elsewhere.
        return result._data.copy() if any(type(h) is not RetainGrad for h in hooks) else grad

    def accumulate(self, leaf, grad) -> None:
        """Add ``grad`` into the leaf's ``.grad`` (a new Tensor the first time)."""
        current = leaf._grad
        data = leaf._data
        if current is None:
            # .grad must own its array (later backwards add into it in place). Copy a view, a
            # read-only or foreign-dtype array, or one this pass gave another leaf already
            # (x + y hands both the same array); a fresh array from a backward is taken as is.
            if (grad.base is not None or id(grad) in self.handed_out or grad.dtype != data.dtype
                    or type(grad) is not type(data) or not grad.flags.writeable):
                grad = namespace_of(data).array(grad, dtype=data.dtype, copy=True)
            self.handed_out.add(id(grad))
            leaf._grad = new_tensor(grad, None)
        elif current._data.flags.writeable:
            current._data += grad
            if current.grad_fn is not None:  # a create_graph gradient: ops may have saved it
                current._version += 1
                versions.note_mutation(current, current._data)
        else:
            current._data = current._data + grad

    @staticmethod
    def check_finite(node, grads) -> None:
        for index, g in enumerate(grads):
            if g is None:
                continue
            data = g._data if isinstance(g, _node.Tensor) else g
            xp = namespace_of(data)
            if not xp.isfinite(data).all():
                node.anomaly = True  # viz draws the node red
                kind = "nan" if xp.isnan(data).any() else "inf"
                err = RuntimeError(  # PyTorch's first sentence, then where and why
                    f"detect_anomaly: Function '{node.name()}' returned {kind} values in its "
                    f"{index}th output. The backward of '{node.op_name()}'{created_at(node)} "
                    f"produced NaN or Inf in the gradient for its input {index} (shape "
                    f"{tuple(data.shape)}). Check the values reaching this op: log or sqrt of 0 "
                    "or a negative, division by 0, or an overflow upstream."
                )
                err.node = node
                raise err


class RecordedBackward(ArrayBackward):
    """``create_graph=True``: gradients are Tensors and every step is recorded."""

    recorded = True

    def backward(self, node, grad) -> tuple:
        saved = node.saved
        if saved is None:
            raise freed_error(node)
        if not node.array_io:
            return _user_backward(node, grad, self.recorded)
        # The same formula on Tensors: swap in the Tensor namespace and the saved values
        # re-attached to their places in the graph, then restore the array versions.
        xp = node.xp
        node.xp = tensor_namespace
        if saved:
            node.saved = _attached(node, saved)
        try:
            grads = node.backward(grad)
        finally:
            node.xp = xp
            node.saved = saved
        return tuple(g if g is None or isinstance(g, (_node.Tensor, OutputGrads))
                     else new_tensor(xp.asarray(g), None) for g in grads)

    @staticmethod
    def unbroadcast(grad, shape: tuple):
        return tensor_namespace.unbroadcast(grad, shape)

    def run_hooks(self, hooks, grad):
        return _run_hooks(hooks, grad)

    def accumulate(self, leaf, grad) -> None:
        if grad.dtype != leaf._data.dtype:
            grad = grad.astype(leaf._data.dtype)
        leaf._grad = grad if leaf._grad is None else leaf._grad + grad


def _attached(node, saved) -> list:
    """A built-in op's saved arrays as Tensors that sit where their values came from."""
    attached = []
    for value, origin in zip(saved, node.origins):
        if origin is None:
            attached.append(value)  # a constant (mask, index): stays an array
        elif origin == OUTPUT:
            attached.append(new_tensor(value, node))
        else:
            parent = node.parents[origin]
            if parent is None:
                attached.append(value)  # an input that needs no gradient: a constant
            elif type(parent) is AccumulateGrad:
                attached.append(parent.leaf)
            else:
                attached.append(new_tensor(value, parent))
    return attached


def _user_backward(node, grad, recorded: bool) -> tuple:
    """A user Function's backward: Tensors in and out, recorded only under create_graph."""
    Tensor = _node.Tensor
    grads = list(grad) if type(grad) is OutputGrads else [grad]
    for k, g in enumerate(grads):
        if g is None:
            if node.materialize_grads:
                shape, dtype = node.outputs[k]
                grads[k] = new_tensor(node.xp.zeros(shape, dtype), None)
        elif not isinstance(g, Tensor):
            grads[k] = new_tensor(g, None)
    with enable_grad() if recorded else no_grad():
        result = type(node).backward(node, *grads)
    result = list(result) if isinstance(result, (tuple, list)) else [result]
    n = len(node.parents)
    while len(result) > n and result[-1] is None:
        result.pop()  # extra trailing Nones are accepted, as in PyTorch
    if len(result) != n:
        raise RuntimeError(
            f"backward of '{node.op_name()}'{created_at(node)} returned {len(result)} "
            f"gradients, but its forward had {n} inputs: return one gradient (or None) per "
            "input."
        )
    out = []
    for i, (g, parent) in enumerate(zip(result, node.parents)):
        if g is not None and not isinstance(g, Tensor) and type(g) not in _NAMESPACE_BY_TYPE:
            raise TypeError(
                f"backward of '{node.op_name()}'{created_at(node)} returned a "
                f"{type(g).__name__} as the gradient for its input {i}; return a Tensor of "
                "that input's shape (or None), e.g. `return grad * 2`."
            )
        if g is None or parent is None:
            out.append(None)
        elif recorded:
            out.append(g if isinstance(g, Tensor) else new_tensor(namespace_of(g).asarray(g), None))
        else:
            out.append(_owned_array(node, g, grads))
    return tuple(out)


def _owned_array(node, g, grads):
    """A gradient a user backward returned, as an array the engine may keep and add into:
    copied when it is an array the Function can still see (an input, a saved value, ...)."""
    data = g._data if isinstance(g, _node.Tensor) else namespace_of(g).asarray(g)
    seen = [t._data if isinstance(t, _node.Tensor) else t for t in (node.saved or ())]
    seen += [t._data for t in grads if t is not None]
    return data.copy() if any(data is s for s in seen) else data


class RetainGrad:
    """The hook ``retain_grad()`` installs: store the gradient on the (weakly held) tensor."""

    __slots__ = ("tensor_ref",)

    def __init__(self, tensor_ref) -> None:
        self.tensor_ref = tensor_ref

    def __call__(self, grad) -> None:
        tensor = self.tensor_ref()
        if tensor is None:
            return
        if not grad.requires_grad:
            grad = new_tensor(namespace_of(grad._data).array(grad._data, copy=True), None)
        tensor._grad = grad if tensor._grad is None else tensor._grad + grad


def _run_hooks(hooks, grad):
    """Call the hooks (retain_grad's last) on the gradient Tensor; each may replace it with a
    Tensor of the same shape and dtype."""
    ordered = [h for h in hooks if type(h) is not RetainGrad]
    ordered += [h for h in hooks if type(h) is RetainGrad]
    for hook in ordered:
        result = hook(grad)
        if result is None:
            continue
        name = getattr(hook, "__name__", repr(hook))
        if not isinstance(result, _node.Tensor):
            raise TypeError(
                f"hook {name!r} returned a {type(result).__name__}; a hook returns None (keep "
                "the gradient) or a Tensor of the gradient's shape and dtype, e.g. "
                "`lambda g: g * 2`."
            )
        if result.shape != grad.shape or result.dtype != grad.dtype:
            raise RuntimeError(
                f"hook {name!r} returned a Tensor of shape {tuple(result.shape)} and dtype "
                f"{result.dtype}, but the gradient it replaces has shape {tuple(grad.shape)} "
                f"and dtype {grad.dtype}; return a Tensor of the same shape and dtype."
            )
        grad = result
    return grad

