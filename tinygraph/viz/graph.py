"""Read a recorded graph into a plain list of boxes and arrows (no Graphviz here).

Everything is read after the fact from what the engine already keeps: ``grad_fn`` nodes,
their ``parents``, the ``AccumulateGrad`` sink of each leaf, ``node.module`` and the arrays a
node saved for its backward (the helpers that read those are in ``autograd/graph.py``). Nothing is
added to the recording path, so a program that never draws pays nothing.

Boxes come out in the engine's deterministic topological order (inputs before their users,
arguments in order), which is what makes the DOT text and its node ids stable.
"""

from __future__ import annotations

import numpy as np

from .. import autograd
from ..autograd import AccumulateGrad, grad_accumulator, toposort
from ..autograd.graph import (
    ModuleInfo,
    array_of,
    constant_operand,
    input_names,
    known_values,
    live_tensors_holding,
    memory_key,
    operand_source,
    param_names,
    retained_tensor,
)
from . import labels
from .boxes import Box, Graph
from .frames import frame_penalty_sums, note_modules_without_ops

# Kept under their old names for tinygraph.debug, which reads graphs the same way.
__all__ = ["Box", "Graph", "read_graph", "too_many_nodes"]


def _finite(array) -> bool:
    array = array_of(array)
    if isinstance(array, (int, float)):
        return bool(np.isfinite(array))
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "fc":
        return True
    return bool(np.isfinite(array).all())


def _masklike(array) -> bool:
    """True for a constant that is finite but for -inf entries: an additive attention mask
    (-inf where attention is not allowed), drawn as an input, not as an alarm."""
    array = array_of(array)
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        return False
    return bool((np.isfinite(array) | (array == -np.inf)).all())


def _norm(array) -> float:
    array = np.asarray(array_of(array))
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sqrt(np.sum(np.abs(array.astype(np.float64)) ** 2)))


def _shape_dtype(shape, dtype) -> str:
    return f"{labels.shape_text(shape)} {labels.dtype_text(dtype)}".strip()


def _is_array(value) -> bool:
    return isinstance(value, np.ndarray) and value.ndim > 0


def _attribute_arrays(node) -> list[tuple[str, np.ndarray]]:
    """(name, array) of the op's array attributes: class labels, weights, masks, ..."""
    found = []
    for name in labels.attribute_names(node):
        value = getattr(node, name, None)
        if _is_array(value):
            found.append((name, value))
    return found


class _Builder:
    def __init__(self, roots, params, inputs, show_shapes, show_saved, show_grad,
                 limit, show_sites=False) -> None:
        self.roots = roots
        self.params = params
        self.show_sites = show_sites
        self.limit = limit
        self.input_names = input_names(inputs, params)
        self.show_shapes = show_shapes
        self.show_saved = show_saved
        self.show_grad = show_grad
        self.boxes: list[Box] = []
        self.edges: list[tuple[int, int]] = []
        self.index: dict[int, int] = {}  # id(graph node) -> box index
        self.constants: dict[int, int] = {}  # id(input array) -> box index
        self.buffer_boxes: dict[tuple, int] = {}  # (memory_key, formula) -> box index
        self.modules: ModuleInfo | None = None
        self.names: dict[int, str] = {}
        self.holders: dict[int, object] = {}  # id(input array) -> the live Tensor holding it

    def add(self, box: Box) -> int:
        self.boxes.append(box)
        return len(self.boxes) - 1

    def shape_line(self, shape, dtype) -> list[str]:
        if not self.show_shapes:
            return []
        return [_shape_dtype(shape, dtype)]

    def grad_lines(self, box: Box, grad) -> None:
        if grad is None:
            if self.show_grad:
                box.lines.append("grad: none")
            return
        finite = _finite(grad)
        box.alarm = box.alarm or not finite
        if self.show_grad:
            box.grad_norm = _norm(grad) if finite else float("nan")
            shape = f" {labels.shape_text(np.shape(array_of(grad)))}" if self.show_shapes else ""
            box.lines.append(f"grad{shape} norm {labels.norm_text(box.grad_norm)}")

    # -- reading the graph -------------------------------------------------------------

    def build(self) -> Graph:
        start = []
        for root in self.roots:
            if root.grad_fn is not None:
                start.append(root.grad_fn)
            elif root.requires_grad:
                start.append(grad_accumulator(root))
        order = toposort(start)
        if self.limit is not None and len(order) > self.limit:
            raise too_many_nodes(len(order), self.limit, collapsed=False)
        seen = {id(n.module): n.module for n in order if n.module is not None}
        self.modules = ModuleInfo(self.params, seen.values())
        self.names = {**self.modules.param_names, **param_names(self.params)}
        self.holders = live_tensors_holding(self._input_arrays(order))
        values = known_values(order)
        for node in order:
            if type(node) is AccumulateGrad:
                self.index[id(node)] = self.leaf_box(node.leaf)
            else:
                self.index[id(node)] = self.op_box(node, values.get(id(node)))
        for number, root in enumerate(self.roots):
            self.output_box(root, number)
        graph = Graph(self.boxes, self.edges, self.modules)
        frame_penalty_sums(graph)
        note_modules_without_ops(graph)
        return graph

    def _input_arrays(self, order) -> list:
        """Arrays fed to ops without needing a gradient, whose Tensors may carry a name."""
        arrays = []
        for node in order:
            if type(node) is AccumulateGrad:
                continue
            for i, parent in enumerate(node.parents):
                value = constant_operand(node, i) if parent is None else None
                if _is_array(value) and id(value) not in self.input_names:
                    arrays.append(value)
            arrays += [a for _, a in _attribute_arrays(node) if id(a) not in self.input_names]
        return arrays

    def input_name(self, array) -> str | None:
        """``inputs=`` / buffer name, else the ``name=`` of the live Tensor holding it."""
        name = self.input_names.get(id(array))
        if name is None:
            holder = self.holders.get(id(array))
            name = holder.name if holder is not None else None
        return name

    def leaf_box(self, leaf) -> int:
        if leaf is None:  # the leaf was garbage-collected; its sink is all that is left
            return self.add(Box("param", "freed leaf"))
        name = self.names.get(id(leaf)) or leaf.name or "leaf"
        box = Box("param", name, self.shape_line(leaf.shape, leaf.dtype))
        box.shape = _shape_dtype(leaf.shape, leaf.dtype)
        box.module = self.modules.param_owner.get(id(leaf))
        box.alarm = not _finite(leaf._data)
        self.grad_lines(box, leaf.grad)
        what = "parameter" if id(leaf) in self.names else "leaf tensor that requires grad"
        box.tooltip = f"{name}: {what}"
        return self.add(box)

    def op_box(self, node, value) -> int:
        title = labels.op_title(node)
        box = Box("op", title, labels.op_attributes(node))
        if title.endswith("_penalty"):
            box.title += "(" + ", ".join(self.parent_names(node)) + ")"
            box.penalty = True
        box.module = node.module
        box.lines += self.shape_line(node.shape, node.dtype)
        box.shape = _shape_dtype(node.shape, node.dtype)
        retained = retained_tensor(node)
        if retained is not None and retained.name:
            box.title += f" → {retained.name}"
        if value is not None:
            box.alarm = not _finite(value)
        if node.__dict__.get("anomaly"):  # detect_anomaly found NaN/Inf in its backward
            box.alarm = True
        if retained is not None:
            self.grad_lines(box, retained.grad)
        if self.show_saved:
            box.lines.append(self.saved_line(node))
        if node.site:
            box.tooltip = f"created at {node.site}"
            if self.show_sites:
                box.lines.append("at " + labels.site_text(node.site))
        me = self.add(box)
        for i, parent in enumerate(node.parents):
            source = operand_source(node, i) if parent is None else None
            buffer = self.buffer_box(*source) if source is not None else None
            if parent is not None:
                self.edges.append((self.index[id(parent)], me))
            elif buffer is not None:  # a buffer (or computed from one), as the op noted
                self.edges.append((buffer, me))
            elif getattr(node, "saved", ()) is None:  # backward freed what the op kept
                self.edges.append((self.freed_input_box(), me))
            else:
                self.edges.append((self.constant_box(constant_operand(node, i)), me))
        for attribute, array in _attribute_arrays(node):
            # an attribute array is drawn when the user passed it in (labels, weights)
            if id(array) in self.input_names or id(array) in self.holders:
                self.edges.append((self.constant_box(array, attribute), me))
        return me

    def parent_names(self, node) -> list[str]:
        names = []
        for parent in node.parents:
            leaf = parent.leaf if type(parent) is AccumulateGrad else None
            if leaf is not None:
                names.append(self.names.get(id(leaf)) or leaf.name or "leaf")
            elif parent is not None:
                names.append(parent.op_name())
        return names

    def constant_box(self, value, default: str = "input") -> int:
        """An operand that needs no gradient: an input array (named when its name is known,
        drawn once however many ops use it), a number, or "constant" when the op kept
        nothing of it."""
        if not _is_array(value):
            title = "constant" if value is None else labels.number_text(np.asarray(value))
            box = Box("const", title)
            box.tooltip = ("a value that needs no gradient; the op did not keep it"
                           if value is None else "a constant")
            return self.add(box)
        known = self.constants.get(id(value))
        if known is not None:
            return known  # one array fed to several ops is one input, drawn once
        buffer = self.buffer_box(value)
        if buffer is not None:
            return buffer
        name = self.input_name(value)
        box = Box("const", name or default)
        box.lines = [_shape_dtype(value.shape, value.dtype)] if self.show_shapes else []
        box.shape = _shape_dtype(value.shape, value.dtype)
        box.alarm = not _finite(value) and not _masklike(value)
        box.tooltip = f"{name or default}: input (no gradient)"
        index = self.constants[id(value)] = self.add(box)
        return index

    def buffer_box(self, array, formula: str = "{}") -> int | None:
        """A module's buffer (a running statistic), or what ``formula`` computed from it, in
        its module's frame and named by its path (``1.running_var``), drawn once; None when
        ``array`` is no buffer's memory."""
        found = self.modules.buffer(array)
        if found is None:
            return None
        key = (memory_key(array), formula)
        known = self.buffer_boxes.get(key)
        if known is not None:
            return known
        name, owner = found
        title = formula.format(name)
        box = Box("buffer", title, self.shape_line(array.shape, array.dtype))
        box.shape = _shape_dtype(array.shape, array.dtype)
        box.module = owner
        box.alarm = not _finite(array)
        box.tooltip = (f"{title}: buffer (no gradient)" if formula == "{}" else
                       f"{title}: computed from the buffer {name} (no gradient)")
        index = self.buffer_boxes[key] = self.add(box)
        return index

    def freed_input_box(self) -> int:
        box = Box("const", "input", ["freed by backward"])
        box.tooltip = ("backward() freed what this op kept of this operand: draw before "
                       "backward(), or call backward(retain_graph=True), to see it")
        return self.add(box)

    def saved_line(self, node) -> str:
        saved = getattr(node, "saved", ())
        if saved is None:
            return "saved: freed by backward"
        if not saved:
            return "saved: nothing"
        origins = getattr(node, "origins", None)
        if origins is None:  # a user Function: it saved Tensors of its choosing
            origins = ("value",) * len(saved)
        parts = []
        for value, origin in zip(saved, origins):
            if origin == "value":
                what = "value"
            elif origin == autograd.OUTPUT:
                what = "out"
            else:
                what = "const" if origin is None else f"x{origin}"
            shape = np.shape(array_of(value))
            parts.append(f"{what} {labels.shape_text(shape)}")
        return "saved: " + ", ".join(parts)

    def output_box(self, root, number: int) -> None:
        title = root.name or ("output" if len(self.roots) == 1 else f"output {number}")
        box = Box("output", title, self.shape_line(root.shape, root.dtype))
        if root._data.size == 1:
            box.lines.insert(0, f"= {labels.number_text(root._data.reshape(()))}")
        box.alarm = not _finite(root._data)
        if root.grad_fn is not None:
            source = self.index[id(root.grad_fn)]
        elif root.requires_grad:
            source = self.index[id(grad_accumulator(root))]
        else:  # a constant: nothing recorded it, so it stands alone
            self.add(box)
            return
        self.edges.append((source, self.add(box)))


def read_graph(roots, params=None, show_shapes=True, show_saved=False, show_grad=False,
               limit=None, inputs=None, show_sites=False) -> Graph:
    """Boxes and arrows of the graph that produced ``roots`` (a Tensor or a list of them).

    ``limit``: raise early (before building any box) when the graph has more nodes.
    """
    tensor_type = autograd.Tensor
    roots = list(roots) if isinstance(roots, (list, tuple)) else [roots]
    for i, root in enumerate(roots):
        if not isinstance(root, tensor_type):
            raise TypeError(f"viz: roots[{i}] is a {type(root).__name__}, expected a Tensor.")
    return _Builder(roots, params, inputs, show_shapes, show_saved, show_grad, limit,
                    show_sites).build()


def too_many_nodes(count: int, limit: int, collapsed: bool) -> ValueError:
    if collapsed:
        hint = "raise max_nodes, or draw a smaller part of the computation"
    else:
        hint = ("pass collapse_modules=True (with params=model) to draw each top-level module as "
                "one node, raise max_nodes, or draw a smaller part of the computation")
    return ValueError(
        f"viz: the graph has {count} nodes, more than max_nodes={limit}; a picture that big "
        f"is unreadable (and slow to lay out). To see it anyway, {hint}."
    )
