"""``collapse_modules=True``: one box per top-level module, listing what it holds.

A model of a hundred layers stays readable when each layer is one box with its parameters,
the ops it ran and its output shape; arrows between layers keep the data flow.
"""

from __future__ import annotations

from . import labels
from .graph import Box, Graph


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
    outputs: dict[int, list[str]] = {j: [] for j in members}
    for source, target in graph.edges:
        s, t = remap[source], remap[target]
        if s == t:
            continue
        edges.append((s, t))
        inner = graph.boxes[source]
        if s in members and inner.kind == "op" and inner.shape not in outputs[s]:
            outputs[s].append(inner.shape)
    for j, inside in members.items():
        _summarize(boxes[j], inside, outputs[j])
    return Graph(boxes, _unique(edges), info)


def _unique(edges: list) -> list:
    out, seen = [], set()
    for edge in edges:
        if edge not in seen:
            seen.add(edge)
            out.append(edge)
    return out


def _summarize(box: Box, inside: list, outputs: list) -> None:
    ops = []
    for member in inside:
        box.alarm = box.alarm or member.alarm
        if member.kind == "param":
            box.lines.append(f"{member.title} {member.shape}".strip())
            if member.grad_norm is not None:
                box.lines.append(f"  grad norm {labels.norm_text(member.grad_norm)}")
        elif member.kind == "op" and member.title not in ops:
            ops.append(member.title)
    if ops:
        shown = ", ".join(ops[:6]) + (", ..." if len(ops) > 6 else "")
        box.lines.append(f"ops: {shown}")
    for shape in outputs:
        if shape:
            box.lines.append(f"out {shape}")
