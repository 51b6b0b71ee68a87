"""The backward pass: one sweep from the outputs to the leaves.

Order. Nodes are numbered in creation order, and an op is always created after its inputs,
so processing nodes from the highest number down visits every node after all of its
consumers. A heap of the nodes that have received some gradient yields them in that order
(Chainer's scheme): one pass, no recursion, no separate topological sort, so a chain of a
million ops works. Leaves' sinks have no number; they run last.

Gradients. ``pending`` maps a node to the sum of the gradients its consumers sent it; the
entry is popped when the node runs. A node's ``backward`` returns gradients in its output's
broadcast shape and the engine alone reduces each to its input's shape (``unbroadcast``).
Unless ``retain_graph`` is set, a node drops its saved arrays as soon as it has run.

Higher order. With ``create_graph=True`` the gradients are Tensors and each built-in op's
backward runs on the Tensor namespace with its saved values re-attached to the graph, so the
same formula that runs on arrays records a new graph.
"""

from __future__ import annotations

import gc
from heapq import heappop, heappush
from typing import Any

from ..backend import namespace_of
from ..errors import ShapeError
from . import function, versions
from .function import OUTPUT, AccumulateGrad, freed_error, grad_accumulator, new_tensor
from .mode import enable_grad, no_grad, per_thread

# The namespace op backwards see under create_graph, registered by tinygraph.ops.namespace.
tensor_namespace: Any = None


def register_tensor_namespace(namespace) -> None:
    global tensor_namespace
    tensor_namespace = namespace


def run_backward(roots, seeds, retain_graph: bool, create_graph: bool, capture=None) -> None:
    """Propagate ``seeds`` (one per root Tensor) back through the graph.

    Without ``capture`` gradients accumulate into the leaves' ``.grad``; with ``capture`` (a
    dict ``{node: None}``) the gradient reaching each of those nodes is stored there
    instead and no ``.grad`` is touched (this is :func:`grad`).
    """
    pending: dict[Any, Any] = {}  # node -> sum of the gradients sent to it so far (nodes hash
    # by identity)
    heap: list = []  # (-seq, node) for every node that has received a gradient
    sinks: list = []  # leaf sinks, in the order they first receive a gradient
    for root, seed in zip(roots, seeds):
        node = root.grad_fn if root.grad_fn is not None else grad_accumulator(root)
        if node in pending:
            pending[node] = pending[node] + seed
        else:
            pending[node] = seed
            if type(node) is AccumulateGrad:
                sinks.append(node)
            else:
                heappush(heap, (-node.seq, node))

    # Array backwards record nothing whatever the grad mode; only create_graph needs it on.
    flags = per_thread.flags
    previous_mode = flags.grad_enabled
    flags.grad_enabled = create_graph
    # The sweep allocates many short-lived containers (heap entries, gradient tuples) while
    # the whole graph is alive; the cyclic collector would walk that graph over and over.
    # Nothing here creates reference cycles, so it is paused until the sweep ends.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _sweep(heap, pending, sinks, retain_graph, create_graph, capture)
        _fill_leaves(sinks, pending, create_graph, capture)
    finally:
        flags.grad_enabled = previous_mode
        if collecting:
            gc.enable()


def _sweep(heap, pending, sinks, retain_graph, create_graph, capture) -> None:
    """Run every node's backward, highest creation number first."""
    check_finite = per_thread.flags.anomaly
    fast = not create_graph
    pop_pending = pending.pop
    get_pending = pending.get
    last_mutation = versions.last_mutation  # nodes recorded after it cannot be stale
    while heap:
        node = heappop(heap)[1]
        if node.seq < last_mutation and node.saved:
            versions.check_saved_versions(node)
        grad = pop_pending(node)
        if node.hooks is not None:
            grad = _run_hooks(node.hooks, grad, create_graph)
        if capture is not None and node in capture:
            capture[node] = grad
        try:  # free when nothing is raised
            if fast and node.array_io:
                if node.saved is None:
                    raise freed_error(node)
                grads = node.backward(grad)
            else:
                grads = _call_backward(node, grad, create_graph)
        except Exception as exc:
            _note_site(exc, node)
            raise
        if not retain_graph:
            node.saved = None
        if check_finite:
            _check_finite(node, grads)
        for parent, g in zip(node, grads):  # a node is the list of its parents
            if parent is None or g is None:
                continue
            if g.shape != parent.shape:
                g = _unbroadcast(node, g, parent.shape, create_graph)
            previous = get_pending(parent)
            if previous is not None:
                pending[parent] = previous + g
            else:
                pending[parent] = g
                if type(parent) is AccumulateGrad:
                    sinks.append(parent)
                else:
                    heappush(heap, (-parent.seq, parent))


def _note_site(exc: Exception, node) -> None:
    """Under anomaly mode, say which op's backward failed and the line that created it."""
    site = node.site
    if site and site not in str(exc):
        exc.add_note(f"The error was raised in the backward of '{node.op_name()}', created at "
                     f"{site}.")


def _call_backward(node, grad, create_graph: bool) -> tuple:
    """Run a node's backward outside the fast path: user Functions, or under create_graph."""
    saved = node.saved
    if saved is None:
        raise freed_error(node)
    if not node.array_io:
        grads = _backward_user_function(node, grad, create_graph)
    else:
        # Re-run the same formula on Tensors: swap in the Tensor namespace and the saved values
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
        grads = tuple(g if g is None or isinstance(g, function.Tensor)
                      else new_tensor(xp.asarray(g), None) for g in grads)
    if len(grads) != len(node.parents):
        raise RuntimeError(
            f"backward of '{node.op_name()}'{function.created_at(node)} returned {len(grads)} "
            "gradients, but its forward "
            f"had {len(node.parents)} inputs: return one gradient (or None) per input."
        )
    return grads


def _backward_user_function(node, grad, create_graph: bool) -> tuple:
    """A ``tg.Function``'s backward sees and returns Tensors, recorded only under create_graph."""
    Tensor = function.Tensor
    if not isinstance(grad, Tensor):
        grad = new_tensor(grad, None)
    with enable_grad() if create_graph else no_grad():
        grads = type(node).backward(node, grad)
    if not isinstance(grads, tuple):
        grads = (grads,)
    if create_graph:
        return tuple(g if g is None or isinstance(g, Tensor) else new_tensor(
            namespace_of(g).asarray(g), None) for g in grads)
    # The arrays go on into the engine, which may hand them to a leaf's .grad and later add
    # into them in place: copy any that alias an array the Function can still see.
    seen = {id(t._data if isinstance(t, Tensor) else t) for t in (node.saved or ())}
    seen.add(id(grad._data))
    arrays = []
    for g in grads:
        if g is not None:
            g = g._data if isinstance(g, Tensor) else namespace_of(g).asarray(g)
            if id(g) in seen:
                g = g.copy()
        arrays.append(g)
    return tuple(arrays)


def _unpack_saved(node, saved) -> list:
    """Saved arrays as Tensors that sit where their values came from in the graph."""
    unpacked = []
    for value, origin in zip(saved, node.origins):
        if origin is None:
            unpacked.append(value)  # a constant (mask, index): stays an array
        elif origin == OUTPUT:
            unpacked.append(new_tensor(value, node))
        else:
            parent = node[origin]
            if parent is None:
                unpacked.append(value)  # an input that needs no gradient: a constant
            elif type(parent) is AccumulateGrad:
                leaf = parent.leaf_ref()
                unpacked.append(leaf if leaf is not None else new_tensor(value, None))
            else:
                unpacked.append(new_tensor(value, parent))
    return unpacked


def _fill_leaves(sinks, pending, create_graph: bool, capture) -> None:
    """Give each leaf's sink the gradient summed for it: its hooks run, then it goes into the
    leaf's ``.grad`` (or into ``capture``)."""
    handed_out: set[int] = set()  # arrays already given to a leaf's .grad in this pass
    for sink in sinks:
        grad = pending.pop(sink)
        if sink.hooks is not None:
            grad = _run_hooks(sink.hooks, grad, create_graph)
        if capture is None:
            _accumulate(sink, grad, create_graph, handed_out)
        elif sink in capture:
            capture[sink] = grad


def _unbroadcast(node, grad, shape, create_graph: bool):
    xp = tensor_namespace if create_graph else node.xp
    reduced = xp.unbroadcast(grad, shape)
    if reduced.shape != shape:
        raise ShapeError(
            f"backward of '{node.op_name()}'{function.created_at(node)} produced a gradient of "
            f"shape {tuple(grad.shape)} "
            f"for an input of shape {shape}; a gradient must match its input's shape "
            "(or broadcast to it)."
        )
    return reduced


def _accumulate(sink: AccumulateGrad, grad, create_graph: bool, handed_out: set) -> None:
    """Add ``grad`` into the leaf's ``.grad`` (a new Tensor the first time)."""
    leaf = sink.leaf_ref()
    if leaf is None:
        return
    Tensor = function.Tensor
    data = leaf._data
    if grad.shape != data.shape:  # the leaf's data was replaced since it was recorded
        xp = tensor_namespace if create_graph else namespace_of(data)
        grad = xp.unbroadcast(grad, data.shape)
    if create_graph:
        if not isinstance(grad, Tensor):
            grad = new_tensor(grad, None)
        if grad.dtype != data.dtype:
            grad = grad.astype(data.dtype)
        leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        return
    if isinstance(grad, Tensor):
        grad = grad._data
    current = leaf.grad
    if current is None:
        # .grad must own its array (later backwards add into it in place). Copy a view, a
        # read-only or foreign-dtype array, or one this pass already gave to another leaf
        # (x + y hands both the same array); a fresh array from a backward is taken as is.
        if (grad.base is not None or id(grad) in handed_out or grad.dtype != data.dtype
                or type(grad) is not type(data) or not grad.flags.writeable):
            grad = namespace_of(data).array(grad, dtype=data.dtype, copy=True)
        handed_out.add(id(grad))
        leaf.grad = new_tensor(grad, None)
    elif current._data.shape == grad.shape and current._data.flags.writeable:
        current._data += grad
        if current.grad_fn is not None:  # a create_graph gradient: ops may have saved it
            current._version += 1
            versions.note_mutation(current, current._data)
    else:
        current._data = current._data + grad


class RetainGrad:
    """The hook ``retain_grad()`` installs: store the gradient on the (weakly held) tensor."""

    __slots__ = ("tensor_ref",)

    def __init__(self, tensor_ref) -> None:
        self.tensor_ref = tensor_ref

    def __call__(self, grad) -> None:
        tensor = self.tensor_ref()
        if tensor is None:
            return
        if grad.requires_grad:
            value = grad
        else:
            value = new_tensor(namespace_of(grad._data).array(grad._data, copy=True), None)
        tensor.grad = value if tensor.grad is None else tensor.grad + value


def _run_hooks(hooks, grad, create_graph: bool):
    """Call the hooks (retain_grad's last) on the gradient; each may replace it."""
    Tensor = function.Tensor
    as_tensor = grad if isinstance(grad, Tensor) else new_tensor(grad, None)
    ordered = [h for h in hooks if type(h) is not RetainGrad]
    ordered += [h for h in hooks if type(h) is RetainGrad]
    for hook in ordered:
        result = hook(as_tensor)
        if result is not None:
            as_tensor = result if isinstance(result, Tensor) else new_tensor(
                namespace_of(result).asarray(result), None)
    if create_graph:
        return as_tensor
    data = as_tensor._data
    if len(ordered) > sum(type(h) is RetainGrad for h in hooks):
        # A user hook saw this array (and may keep it) or returned one the user owns; the
        # gradient may end up in a .grad that later backwards add into in place: copy it,
        # as PyTorch clones a gradient that is referenced elsewhere.
        data = data.copy()
    return new_tensor(data, None) if isinstance(grad, Tensor) else data


def _check_finite(node, grads) -> None:
    Tensor = function.Tensor
    for index, g in enumerate(grads):
        if g is None:
            continue
        data = g._data if isinstance(g, Tensor) else g
        if not namespace_of(data).isfinite(data).all():
            where = f" (created at {node.site})" if node.site else ""
            node.anomaly = True  # viz draws the node red
            err = RuntimeError(
                f"detect_anomaly: the backward of '{node.op_name()}'{where} produced NaN or Inf "
                f"in the gradient for its input {index} (shape {tuple(data.shape)}). Check the "
                "values reaching this op: log or sqrt of 0 or a negative, division by 0, or an "
                "overflow upstream."
            )
            err.node = node
            raise err
