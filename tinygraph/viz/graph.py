"""Read a recorded graph into a plain list of boxes and arrows (no Graphviz here).

Everything is read after the fact from what the engine already keeps: ``grad_fn`` nodes,
their ``parents``, the ``AccumulateGrad`` sink of each leaf, ``node.module`` and the arrays a
node saved for its backward. Nothing is added to the recording path, so a program that never
draws pays nothing.

Boxes come out in the engine's deterministic topological order (inputs before their users,
arguments in order), which is what makes the DOT text and its node ids stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import autograd
from ..autograd import OUTPUT, AccumulateGrad, RetainGrad, grad_accumulator, toposort
from . import labels


@dataclass
class Box:
    """One drawn node. ``kind``: op, param (a leaf that requires grad), const, output, module."""

    kind: str
    title: str
    lines: list = field(default_factory=list)
    shape: str = ""  # "(4, 8) float32": the value's shape and dtype (also among ``lines``)
    module: object = None  # the nn Module whose cluster holds this box
    alarm: bool = False  # its value or gradient holds NaN/Inf
    grad_norm: float | None = None  # the norm of the gradient leaving this box (show_grad)
    tooltip: str = ""


@dataclass
class Graph:
    boxes: list
    edges: list  # (source box index, target box index)
    modules: ModuleInfo


class ModuleInfo:
    """Names and nesting of the modules of ``params`` (when it is a Module)."""

    def __init__(self, params) -> None:
        self.names: dict[int, str] = {}
        self.by_name: dict[str, object] = {}
        self.root = None
        named = getattr(params, "named_modules", None)
        if callable(named):
            self.root = params
            for name, module in named():
                self.names.setdefault(id(module), name)
                self.by_name.setdefault(name, module)

    def name(self, module) -> str | None:
        return self.names.get(id(module))

    def parent(self, module):
        """The enclosing module (None at the top), from the dotted names of ``params``."""
        name = self.name(module)
        if name is None or module is self.root:
            return None
        if "." in name:
            return self.by_name.get(name.rsplit(".", 1)[0])
        return self.root

    def label(self, module) -> str:
        cls = type(module).__name__
        name = self.name(module)
        return f"{name}: {cls}" if name else cls

    def top_level(self, module):
        """The child of the root module that contains ``module`` (itself when unknown)."""
        while True:
            parent = self.parent(module)
            if parent is None or parent is self.root:
                return module
            module = parent


def input_names(inputs, params) -> dict[int, str]:
    """id(array) -> name for constant inputs: ``inputs`` (a dict, or Tensors with a ``.name``)
    and the buffers of a Module ``params`` (running statistics and the like).

    Constants are not in the graph, only the arrays an op saved; a name is found by matching
    the array itself, which is valid because the named Tensors are alive during the call.
    """
    names: dict[int, str] = {}
    buffers = getattr(params, "named_buffers", None)
    items = list(buffers()) if callable(buffers) else []
    if isinstance(inputs, dict):
        items += list(inputs.items())
    elif inputs is not None:
        items += [(t.name or f"input {i}", t) for i, t in enumerate(inputs)]
    for name, tensor in items:
        names.setdefault(id(_array(tensor)), str(name))
    return names


def param_names(params) -> dict[int, str]:
    """id(tensor) -> name from a Module (``named_parameters``), a dict, or a list of Tensors."""
    if params is None:
        return {}
    named = getattr(params, "named_parameters", None)
    if callable(named):
        items = named()
    elif isinstance(params, dict):
        items = params.items()
    else:
        items = ((getattr(t, "name", None) or f"param{i}", t) for i, t in enumerate(params))
    names: dict[int, str] = {}
    for name, tensor in items:
        names.setdefault(id(tensor), str(name))
    return names


def _retained_tensor(node):
    """The tensor that called ``retain_grad()`` on this node's output, if it is still alive."""
    for hook in getattr(node, "hooks", None) or ():
        if type(hook) is RetainGrad:
            return hook.tensor_ref()
    return None


def _array(value):
    """The ndarray behind a Tensor (not an ndarray's own ``.data``, a memoryview)."""
    return value._data if isinstance(value, autograd.Tensor) else value


def _finite(array) -> bool:
    array = _array(array)
    if isinstance(array, (int, float)):
        return bool(np.isfinite(array))
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "fc":
        return True
    return bool(np.isfinite(array).all())


def _norm(array) -> float:
    array = np.asarray(_array(array))
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sqrt(np.sum(np.abs(array.astype(np.float64)) ** 2)))


def _known_values(order) -> dict[int, object]:
    """Output values still reachable through what each node saved (until backward frees it)."""
    values: dict[int, object] = {}
    for node in order:
        saved = getattr(node, "saved", None)
        origins = getattr(node, "origins", None)
        if not saved or origins is None:
            continue
        for value, origin in zip(saved, origins):
            if origin == OUTPUT:
                values[id(node)] = value
            elif origin is not None:
                parent = node.parents[origin]
                if parent is not None and type(parent) is not AccumulateGrad:
                    values.setdefault(id(parent), value)
    return values


def _shape_dtype(shape, dtype) -> str:
    return f"{labels.shape_text(shape)} {labels.dtype_text(dtype)}".strip()


def _describe(value, show_shapes: bool) -> str:
    if isinstance(value, (bool, int, float, np.number)) or np.ndim(value) == 0:
        return labels.number_text(np.asarray(value))
    if not show_shapes:
        return "constant"
    return f"{labels.shape_text(value.shape)} {labels.dtype_text(value.dtype)}"


class _Builder:
    def __init__(self, roots, params, inputs, show_shapes, show_saved, show_grad,
                 limit, show_sites=False) -> None:
        self.roots = roots
        self.show_sites = show_sites
        self.limit = limit
        self.names = param_names(params)
        self.input_names = input_names(inputs, params)
        self.modules = ModuleInfo(params)
        self.show_shapes = show_shapes
        self.show_saved = show_saved
        self.show_grad = show_grad
        self.boxes: list[Box] = []
        self.edges: list[tuple[int, int]] = []
        self.index: dict[int, int] = {}  # id(graph node) -> box index
        self.constants: dict[int, int] = {}  # id(saved constant array) -> box index
        self.owner = self._parameter_owners(params)

    def _parameter_owners(self, params) -> dict[int, object]:
        """id(parameter) -> the module that holds it, so parameters sit in their layer's box."""
        owners: dict[int, object] = {}
        for tid, name in self.names.items():
            if "." in name:
                module = self.modules.by_name.get(name.rsplit(".", 1)[0])
            else:
                module = self.modules.root
            if module is not None:
                owners[tid] = module
        return owners

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
            shape = f" {labels.shape_text(np.shape(_array(grad)))}" if self.show_shapes else ""
            box.lines.append(f"grad{shape} norm {labels.norm_text(box.grad_norm)}")

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
        values = _known_values(order)
        for node in order:
            if type(node) is AccumulateGrad:
                self.index[id(node)] = self.leaf_box(node.leaf)
            else:
                self.index[id(node)] = self.op_box(node, values.get(id(node)))
        for number, root in enumerate(self.roots):
            self.output_box(root, number)
        return Graph(self.boxes, self.edges, self.modules)

    def leaf_box(self, leaf) -> int:
        if leaf is None:  # the leaf was garbage-collected; its sink is all that is left
            return self.add(Box("param", "freed leaf"))
        name = self.names.get(id(leaf)) or leaf.name or "leaf"
        box = Box("param", name, self.shape_line(leaf.shape, leaf.dtype))
        box.shape = _shape_dtype(leaf.shape, leaf.dtype)
        box.module = self.owner.get(id(leaf))
        box.alarm = not _finite(leaf._data)
        self.grad_lines(box, leaf.grad)
        box.tooltip = f"{name}: leaf tensor that requires grad"
        return self.add(box)

    def op_box(self, node, value) -> int:
        title = labels.op_title(node)
        if title.endswith("_penalty"):
            title += "(" + ", ".join(self.parent_names(node)) + ")"
        box = Box("op", title, labels.op_attributes(node))
        box.module = node.module
        box.lines += self.shape_line(node.shape, node.dtype)
        box.shape = _shape_dtype(node.shape, node.dtype)
        retained = _retained_tensor(node)
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
        saved = getattr(node, "saved", None) or ()
        origins = getattr(node, "origins", None) or ()
        for i, parent in enumerate(node.parents):
            if parent is not None:
                self.edges.append((self.index[id(parent)], me))
                continue
            constant = None
            for value_i, origin in zip(saved, origins):
                if origin == i:
                    constant = value_i
            self.edges.append((self.constant_box(constant), me))
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

    def constant_box(self, value) -> int:
        if isinstance(value, np.ndarray) and value.ndim > 0:
            known = self.constants.get(id(value))
            if known is not None:
                return known  # one array fed to several ops is one input, drawn once
        title = "constant" if value is None else _describe(value, self.show_shapes)
        box = Box("const", title)
        if isinstance(value, np.ndarray) and value.ndim > 0:
            box.title = self.input_names.get(id(value), "constant")
            box.lines = [_describe(value, True)] if self.show_shapes else []
            box.alarm = not _finite(value)
        index = self.add(box)
        if isinstance(value, np.ndarray) and value.ndim > 0:
            self.constants[id(value)] = index
        return index

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
            elif origin == OUTPUT:
                what = "out"
            else:
                what = "const" if origin is None else f"x{origin}"
            shape = np.shape(_array(value))
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
