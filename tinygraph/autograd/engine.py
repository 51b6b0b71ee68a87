"""The backward pass: one sweep from the outputs to the leaves.

Order. Nodes are numbered in creation order, and an op is always created after its inputs,
so processing nodes from the highest number down visits every node after all of its
consumers. A heap of the nodes that have received some gradient yields them in that order
(Chainer's scheme): one pass, no recursion, no separate topological sort, so a chain of a
million ops works. Leaves' sinks have no number; they run last.

Gradients. ``pending`` maps a node to the sum of the gradients its consumers sent it; the
entry is popped when the node runs. A node's ``backward`` returns gradients in its output's
broadcast shape and the engine alone reduces each to its input's shape (``unbroadcast``).
Unless ``retain_graph`` is set, a node drops its saved values as soon as it has run.

What a gradient is depends on one choice made per backward (``modes.py``): raw arrays, nothing
recorded (the usual case), or with ``create_graph=True`` Tensors whose computation is itself
recorded, so that gradients of gradients work.
"""

from __future__ import annotations

import gc
from heapq import heappop, heappush
from typing import Any

from ..errors import ShapeError
from . import versions
from .mode import per_thread
from .modes import ArrayBackward, RecordedBackward
from .node import AccumulateGrad, created_at, grad_accumulator


def run_backward(roots, seeds, retain_graph: bool, create_graph: bool, capture=None) -> None:
    """Propagate ``seeds`` (one per root Tensor) back through the graph.

    Without ``capture`` gradients accumulate into the leaves' ``.grad``; with ``capture`` (a
    dict ``{node: None}``) the gradient reaching each of those nodes is stored there instead
    and no ``.grad`` is touched (this is ``tg.grad``). Then, as in PyTorch, only the nodes on a
    path to a captured node run: other branches cost nothing and their hooks do not fire.
    """
    needed = None if capture is None else _needed(roots, capture)
    mode = RecordedBackward() if create_graph else ArrayBackward()
    pending: dict[Any, Any] = {}  # node -> sum of the gradients sent to it so far
    heap: list = []  # (-seq, node) for every node that has received a gradient
    sinks: list = []  # leaf sinks, in the order they first receive a gradient
    for root, seed in zip(roots, seeds):
        _send(root.grad_fn or grad_accumulator(root), seed, pending, heap, sinks)
    flags = per_thread.flags
    previous_mode = flags.grad_enabled
    flags.grad_enabled = create_graph  # only a recorded backward records anything
    # The sweep allocates many short-lived containers while the whole graph is alive; the
    # cycle collector would walk that graph over and over. Nothing here makes reference
    # cycles, so it is paused until the sweep ends.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _sweep(heap, pending, sinks, retain_graph, mode, capture, needed)
        for sink in sinks:
            grad = pending.pop(sink)
            if capture is not None and sink not in capture:
                continue  # a leaf that is itself an output, not asked for
            if sink.hooks:
                grad = mode.run_hooks(sink.hooks, grad)
            if capture is None:
                mode.accumulate(sink.leaf, grad)
            elif sink in capture:
                capture[sink] = grad
    finally:
        flags.grad_enabled = previous_mode
        if collecting:
            gc.enable()


def _send(node, grad, pending: dict, heap: list, sinks: list) -> None:
    """Add ``grad`` to what ``node`` has received; a node's first gradient queues it."""
    previous = pending.get(node)
    if previous is not None:
        pending[node] = previous + grad
        return
    pending[node] = grad
    if type(node) is AccumulateGrad:
        sinks.append(node)
    else:
        heappush(heap, (-node.seq, node))


def _sweep(heap, pending, sinks, retain_graph, mode, capture, needed) -> None:
    """Run every node's backward, highest creation number first (with ``capture``, only the
    nodes ``needed`` names)."""
    check_finite = per_thread.flags.anomaly
    receive, run = needed or (None, None)
    while heap:
        node = heappop(heap)[1]
        grad = pending.pop(node)
        runs = True
        if receive is not None:
            if id(node) not in receive:
                continue  # an output that leads to no captured node
            runs = id(node) in run  # False: captured, and nothing further down is asked for
        if runs and node.seq < versions.last_mutation and node.saved:
            versions.check_saved_versions(node)  # something changed in place since
        if node.hooks:
            grad = mode.run_hooks(node.hooks, grad)
        if capture is not None and node in capture:
            capture[node] = grad
        if not runs:
            continue
        try:
            grads = mode.backward(node, grad)
        except Exception as exc:
            _note_site(exc, node)
            raise
        if not retain_graph and node.saved:
            # frees the saved arrays; a node that saved nothing can run again, as in PyTorch
            node.saved = None
        if check_finite:
            mode.check_finite(node, grads)
        for parent, g in zip(node.parents, grads):
            if parent is None or g is None or (receive is not None and id(parent) not in receive):
                continue
            if g.shape != parent.shape:
                g = _unbroadcast(mode, node, grads, g, parent.shape)
            _send(parent, g, pending, heap, sinks)


def _needed(roots, capture) -> tuple[set, set]:
    """For a backward with ``capture``: the ids of the nodes whose gradient leads to a captured
    node (``receive``), and of those among them whose backward must run to send it there
    (``run``). Every node reachable from the roots is visited once, then in creation order,
    so that a node's inputs are decided before the node itself (sinks have no number: first).
    """
    reachable = {}
    stack = [root.grad_fn or grad_accumulator(root) for root in roots]
    while stack:
        node = stack.pop()
        if id(node) not in reachable:
            reachable[id(node)] = node
            stack.extend(p for p in node.parents if p is not None and id(p) not in reachable)
    receive: set = set()
    run: set = set()
    for node in sorted(reachable.values(), key=_creation_order):
        if any(id(p) in receive for p in node.parents if p is not None):
            run.add(id(node))
            receive.add(id(node))
        elif node in capture:
            receive.add(id(node))
    return receive, run


def _creation_order(node) -> int:
    return -1 if type(node) is AccumulateGrad else node.seq


def _unbroadcast(mode, node, grads, grad, shape: tuple):
    """Sum ``grad`` (one of ``grads``), in the output's broadcast shape, down to its input's
    ``shape``."""
    reduced = mode.unbroadcast(grad, shape)
    if reduced.shape != shape:
        i = next(i for i, g in enumerate(grads) if g is grad)
        raise ShapeError(
            f"backward of '{node.op_name()}'{created_at(node)} produced a gradient of shape "
            f"{tuple(grad.shape)} for its input {i}, of shape {shape}; a gradient must match "
            "its input's shape (or broadcast to it)."
        )
    return reduced


def _note_site(exc: Exception, node) -> None:
    """Under anomaly mode, say which op's backward failed and the line that created it."""
    site = node.site
    if site and site not in str(exc):
        note = (f"The error was raised in the backward of '{node.op_name()}', created at "
                f"{site}.")
        if hasattr(exc, "add_note"):
            exc.add_note(note)
        else:  # Python 3.10: no notes; extend the message instead
            exc.args = (f"{exc.args[0]}\n{note}" if exc.args else note, *exc.args[1:])
