"""``collapse_modules=True``: one box per top-level module, listing what it holds.

A model of a hundred layers stays readable when each layer is one box with its parameters,
the ops it ran and what leaves it; arrows between layers keep the data flow. A module whose
values leave by more than one arrow (a ``Dense`` layer's output and its penalty) labels each
arrow with the op it comes from.
"""

from __future__ import annotations

from . import labels
from .boxes import Box, Graph


def collapse(graph: Graph) -> Graph:
    """Replace everything inside each top-level module by one box listing what it holds."""
    info = graph.modules
    boxes: list[Box] = []
    remap: dict[int, int] = {}
    members: dict[int, list[Box]] = {}  # new index of a module box -> the boxes it replaced
    by_module: dict[int, int] = {}  # id(top-level module) -> new index
    for i, box in enumerate(graph.boxes):
        module = box.module
        if module is None or module is info.root:
            remap[i] = len(boxes)
            boxes.append(box)
            continue
        top = info.top_level(module)
        j = by_module.get(id(top))
        if j is None:
            j = by_module[id(top)] = len(boxes)
            boxes.append(Box("module", info.label(top), module=info.parent(top)))
            members[j] = []
        members[j].append(box)
        remap[i] = j
    edges = []
    leaving: dict[int, list[Box]] = {j: [] for j in members}  # module box -> inner sources
    inner_source: dict[tuple[int, int], Box] = {}
    for source, target in graph.edges:
        s, t = remap[source], remap[target]
        if s == t:
            continue
        edges.append((s, t))
        inner = graph.boxes[source]
        if s in members:
            inner_source.setdefault((s, t), inner)
            if all(inner is not b for b in leaving[s]):
                leaving[s].append(inner)
    for j, inside in members.items():
        _summarize(boxes[j], inside, leaving[j])
    edge_labels = {edge: _short(inner) for edge, inner in inner_source.items()
                   if len(leaving[edge[0]]) > 1}
    hints = [(remap[s], remap[t]) for s, t in graph.hints if remap[s] != remap[t]]
    return Graph(boxes, _unique(edges), info, edge_labels, _unique(hints))


def _unique(edges: list) -> list:
    out, seen = [], set()
    for edge in edges:
        if edge not in seen:
            seen.add(edge)
            out.append(edge)
    return out


def _short(box: Box) -> str:
    """An arrow's label: the op it leaves from, or "penalty" for a regularization term."""
    return "penalty" if box.penalty else box.title


def _summarize(box: Box, inside: list, leaving: list) -> None:
    ops = []
    for member in inside:
        box.alarm = box.alarm or member.alarm
        if member.kind in ("param", "buffer"):
            box.lines.append(f"{member.title} {member.shape}".strip())
            if member.grad_norm is not None:
                box.lines.append(f"  grad norm {labels.norm_text(member.grad_norm)}")
        elif member.kind == "op" and member.title not in ops:
            ops.append(member.title)
        elif member.kind == "noop":
            box.lines.append(f"{member.title}: no op recorded")
    if ops:
        shown = ", ".join(ops[:6]) + (", ..." if len(ops) > 6 else "")
        box.lines.append(f"ops: {shown}")
    for inner in leaving:
        if len(leaving) == 1:
            box.lines.append(f"out {inner.shape}".rstrip())
        else:
            box.lines.append(f"out {_short(inner)}: {inner.shape}".rstrip())
