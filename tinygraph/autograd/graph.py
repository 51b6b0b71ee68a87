"""Reading a recorded graph: the order of its nodes, and what it does not store directly.

These helpers look at the graph and the objects around it and change nothing; pictures
(``tinygraph.viz``), node-by-node gradient checks (``tinygraph.debug``) and the ONNX exporter
all read graphs through them: the order of nodes (:func:`toposort`), which module ran an op
and how modules nest (:class:`ModuleInfo`), the names of parameters, inputs and buffers, and
which values the nodes still hold.

Where a name comes from, first match wins:
- a parameter: ``params`` (a Module, a dict or a list), else the module that ran an op on it
  (``node.module``) and the modules around that one, else the tensor's own ``name=``;
- a buffer (running statistics): its dotted name in the module tree (``named_buffers``),
  matched by memory (:func:`memory_key`), so a reshaped view of a buffer is that buffer; an
  op's constant operand that was computed from a buffer is named by what
  :func:`note_operand` recorded (``sqrt(1.running_var + eps)``);
- an input (an array operand that needs no gradient): ``inputs=``, the buffers of a Module
  ``params``, else the ``name=`` of the live Tensor whose storage it is.
"""

from __future__ import annotations

import gc

import numpy as np

from . import node as _node
from .modes import RetainGrad
from .node import OUTPUT, AccumulateGrad, grad_accumulator


def toposort(roots) -> list:
    """Nodes reachable from ``roots`` (Tensors or nodes), each after all of its inputs.

    Iterative depth-first search with parents visited in argument order, so the order is
    deterministic (viz and graph checks rely on it).
    """
    starts = []
    for root in roots if isinstance(roots, (list, tuple)) else [roots]:
        if _node.Tensor is not None and isinstance(root, _node.Tensor):
            if root.grad_fn is not None:
                starts.append(root.grad_fn)
            elif root.requires_grad:
                starts.append(grad_accumulator(root))
        elif root is not None:
            starts.append(root)
    order = []
    seen = set()
    stack = [(n, False) for n in reversed(starts)]
    while stack:
        current, expanded = stack.pop()
        if expanded:
            order.append(current)
            continue
        if id(current) in seen:
            continue
        seen.add(id(current))
        stack.append((current, True))
        for parent in reversed(current.parents):
            if parent is not None and id(parent) not in seen:
                stack.append((parent, False))
    return order


def array_of(value):
    """The ndarray behind a Tensor (not an ndarray's own ``.data``, a memoryview)."""
    return value._data if isinstance(value, _node.Tensor) else value


def retained_tensor(node):
    """The tensor that called ``retain_grad()`` on this node's output, if it is still alive."""
    for hook in getattr(node, "hooks", None) or ():
        if type(hook) is RetainGrad:
            return hook.tensor_ref()
    return None


def known_values(order) -> dict[int, object]:
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


def constant_operand(node, i: int):
    """The value of input ``i`` of ``node`` when it needs no gradient and the op saved it
    (None when it did not: then nothing in the graph remembers it)."""
    saved = getattr(node, "saved", None) or ()
    origins = getattr(node, "origins", None) or ()
    found = None
    for value, origin in zip(saved, origins):
        if origin == i:
            found = value
    return found


def memory_key(array) -> tuple:
    """Equal for arrays that are views of the same memory (a buffer and its reshapes): the
    root base array, the address of the first element and the size in bytes."""
    root = array
    while isinstance(root.base, np.ndarray):
        root = root.base
    return id(root), array.__array_interface__["data"][0], array.nbytes


def note_operand(tensor, i: int, source, formula: str = "{}") -> None:
    """Tell graph readers where the constant operand ``i`` of the op that made ``tensor`` came
    from: the array ``source`` (a buffer's memory, or a view of it), by ``formula`` (``"{}"``:
    it is ``source``; ``"sqrt({} + eps)"``: computed from it). Ops keep only what their
    backward needs (``x - running_mean`` keeps nothing), so without this note a picture could
    only draw an anonymous constant. Costs one dict on nodes that are recorded, nothing else."""
    node = tensor.grad_fn
    if node is not None:
        notes = node.__dict__.setdefault("_operand_sources", {})
        notes[i] = (source, formula)


def operand_source(node, i: int):
    """``(array, formula)`` noted by :func:`note_operand` for input ``i`` of ``node``, or None."""
    notes = getattr(node, "__dict__", {}).get("_operand_sources")
    return notes.get(i) if notes else None


def live_tensors_holding(arrays) -> dict[int, object]:
    """``id(array) -> Tensor`` for each array that is the storage of a Tensor still alive.

    The graph keeps the arrays of inputs that need no gradient (the ones an op saved), not the
    Tensors around them, and so not their ``name=``. The garbage collector knows which live
    objects refer to an array; one walk over them finds every such Tensor at once. That walk
    costs milliseconds, which is why only drawing does it, never recording.
    """
    arrays = [a for a in arrays if isinstance(a, np.ndarray)]
    if not arrays or _node.Tensor is None:
        return {}
    wanted = {id(a) for a in arrays}
    found: dict[int, object] = {}
    for holder in gc.get_referrers(*arrays):
        if not isinstance(holder, _node.Tensor):
            continue
        key = id(getattr(holder, "_data", None))
        if key in wanted and (key not in found or (holder.name and not found[key].name)):
            found[key] = holder  # a named holder wins over an unnamed one
    return found


def input_names(inputs, params) -> dict[int, str]:
    """id(array) -> name for inputs: ``inputs`` (a dict, or Tensors named by their ``.name``)
    and the buffers of a Module ``params`` (running statistics and the like)."""
    names: dict[int, str] = {}
    buffers = getattr(params, "named_buffers", None)
    items = list(buffers()) if callable(buffers) else []
    if isinstance(inputs, dict):
        items += list(inputs.items())
    elif inputs is not None:
        items += [(t.name or f"input {i}", t) for i, t in enumerate(inputs)]
    for name, tensor in items:
        names.setdefault(id(array_of(tensor)), str(name))
    return names


def _is_module(value) -> bool:
    return callable(getattr(value, "named_modules", None))


class ModuleInfo:
    """Names and nesting of the modules a graph passed through, who owns each parameter, and
    the buffers (``named_buffers``) by the memory they hold.

    The trees are rooted at ``params`` when it is a Module, and at every module that ran an
    op of the graph (``node.module``) but is not inside another one. Without ``params``,
    names are relative to those modules: a ``Dense`` frame holds ``activation: ReLU`` and
    its ``weight``; with ``params=model`` they are the model's dotted names (``0.weight``).
    """

    def __init__(self, params, seen=()) -> None:
        self.root = params if _is_module(params) else None
        self.names: dict[int, str] = {}  # id(module) -> dotted name within its tree
        self.tree: dict[int, object] = {}  # id(module) -> the root of its tree
        self.by_name: dict[tuple[int, str], object] = {}  # (id(root), name) -> module
        self.roots: list = []
        self.param_names: dict[int, str] = {}  # id(parameter) -> dotted name
        self.param_owner: dict[int, object] = {}  # id(parameter) -> module holding it
        self.buffers: dict[tuple, tuple] = {}  # memory_key -> (name, owner, named by params)
        self._named_by_params: set[int] = set()
        if self.root is not None:
            self._add_tree(self.root)
        for module in seen:
            if id(module) not in self.tree and _is_module(module):
                self._adopt(module)

    def _adopt(self, module) -> None:
        """A module seen in the graph outside every known tree roots a new tree, and takes in
        the trees of earlier roots that turn out to be inside it."""
        inside = {id(m) for _, m in module.named_modules()}
        for root in [r for r in self.roots if id(r) in inside and r is not self.root]:
            self.roots.remove(root)
        self._add_tree(module)

    def _add_tree(self, root) -> None:
        """Name every module and parameter under ``root``; names taken from ``params`` are
        kept (the caller's names win over a tree found in the graph)."""
        self.roots.append(root)
        from_params = root is self.root
        for name, module in root.named_modules():
            if id(module) in self._named_by_params:
                continue
            self.names[id(module)] = name
            self.tree[id(module)] = root
            self.by_name.setdefault((id(root), name), module)
            if from_params:
                self._named_by_params.add(id(module))
        named = getattr(root, "named_parameters", None)
        for name, parameter in (named() if callable(named) else ()):
            if id(parameter) in self._named_by_params:
                continue
            self.param_names[id(parameter)] = name
            owner = name.rsplit(".", 1)[0] if "." in name else ""
            self.param_owner[id(parameter)] = self.by_name.get((id(root), owner), root)
            if from_params:
                self._named_by_params.add(id(parameter))
        named = getattr(root, "named_buffers", None)
        for name, buffer in (named() if callable(named) else ()):
            array = array_of(buffer)
            if not isinstance(array, np.ndarray):
                continue
            key = memory_key(array)
            if key in self.buffers and self.buffers[key][2]:
                continue  # named from ``params``: the caller's name wins
            owner = name.rsplit(".", 1)[0] if "." in name else ""
            self.buffers[key] = (name, self.by_name.get((id(root), owner), root), from_params)

    def buffer(self, array):
        """``(dotted name, owning module)`` of the buffer whose memory ``array`` is (a view of
        it counts), or None."""
        if not isinstance(array, np.ndarray):
            return None
        found = self.buffers.get(memory_key(array))
        return found[:2] if found else None

    def name(self, module) -> str | None:
        return self.names.get(id(module))

    def parent(self, module):
        """The enclosing module (None for the root of a tree or an unknown module)."""
        name = self.name(module)
        if not name:
            return None
        root = self.tree[id(module)]
        prefix = name.rsplit(".", 1)[0] if "." in name else ""
        return self.by_name.get((id(root), prefix))

    def label(self, module) -> str:
        cls = type(module).__name__
        name = self.name(module)
        return f"{name}: {cls}" if name else cls

    def top_level(self, module):
        """The child of ``params`` that contains ``module``; without ``params``, the root of
        its tree (itself when unknown). A holder with no forward of its own (a ModuleList or
        ModuleDict, marked ``holds_only``) is passed through: its members are the top level."""
        while True:
            parent = self.parent(module)
            if parent is None or parent is self.root:
                return module
            if getattr(parent, "holds_only", False) and self.top_level(parent) is parent:
                return module
            module = parent

    def children(self, module) -> list:
        named = getattr(module, "named_children", None)
        return [child for _, child in named()] if callable(named) else []


def param_names(params) -> dict[int, str]:
    """id(tensor) -> name from a Module (``named_parameters``), a dict, or a list of Tensors."""
    if params is None:
        return {}
    if _is_module(params):
        items = params.named_parameters()
    elif isinstance(params, dict):
        items = params.items()
    else:
        items = ((getattr(t, "name", None) or f"param{i}", t) for i, t in enumerate(params))
    names: dict[int, str] = {}
    for name, tensor in items:
        names.setdefault(id(tensor), str(name))
    return names


class save_on_cpu:  # noqa: N801 - torch's name
    """``torch.autograd.graph.save_on_cpu()``: keep the tensors saved for backward on the CPU.
    Every tensor is on the CPU here, so it changes nothing (scripts that use it to save GPU
    memory run unchanged)."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        self.pin_memory, self.device_type = pin_memory, device_type

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False
