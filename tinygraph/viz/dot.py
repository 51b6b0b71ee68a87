"""Turn boxes and arrows into a ``graphviz.Digraph``: styles, module clusters, the legend.

Node ids are ``n0, n1, ...`` in graph order and clusters ``cluster_0, cluster_1, ...`` in order
of first use, so the same computation always gives the same DOT text.
"""

from __future__ import annotations

import html
import math

from .graph import Box, Graph

FONT = "Helvetica"

# kind -> Graphviz node attributes. Parameters (leaves that require grad) are the only filled
# blue boxes; constants are dashed and grey, so "what will be trained" stands out.
STYLES = {
    "op": {"shape": "box", "style": "rounded,filled", "fillcolor": "#f4f4f4",
           "color": "#8c8c8c"},
    "param": {"shape": "box", "style": "filled", "fillcolor": "#cfe2ff", "color": "#1f5fbf",
              "penwidth": "1.6"},
    "const": {"shape": "box", "style": "rounded,dashed", "fillcolor": "white",
              "color": "#a0a0a0", "fontcolor": "#555555"},
    "output": {"shape": "box", "style": "filled,bold", "fillcolor": "#ffe9a8",
               "color": "#b8860b"},
    "module": {"shape": "box3d", "style": "filled", "fillcolor": "#e3f3e3", "color": "#3c8d3c"},
}
ALARM = {"fillcolor": "#ff5c5c", "color": "#b00000", "penwidth": "2.5", "fontcolor": "black"}
ALARM_COLOR = "#e00000"
EDGE_COLOR = "#6b6b6b"

# Gradient-norm bands for edge colours (upper bound, colour, meaning).
GRAD_BANDS = [
    (1e-6, "#b8b8ff", "vanishing  < 1e-6"),
    (1e-3, "#4a78d4", "small  1e-6 .. 1e-3"),
    (1e1, "#2e9e44", "healthy  1e-3 .. 10"),
    (1e3, "#f08c00", "large  10 .. 1e3"),
    (math.inf, "#8b0000", "exploding  > 1e3"),
]

LEGEND_ROWS = [
    ("param", "parameter / leaf (requires grad)"),
    ("const", "input / constant (no grad)"),
    ("op", "operation: output shape, dtype"),
    ("output", "output (the value you call backward on)"),
]


def grad_color(norm: float) -> str:
    if not math.isfinite(norm):
        return ALARM_COLOR
    for bound, color, _ in GRAD_BANDS:
        if norm < bound:
            return color
    return GRAD_BANDS[-1][1]


def _label(box: Box) -> str:
    """An HTML-like label: the title in bold, details smaller underneath."""
    parts = [f"<B>{html.escape(box.title)}</B>"]
    if box.alarm:
        parts.append('<FONT POINT-SIZE="9"><B>NaN/Inf!</B></FONT>')
    for line in box.lines:
        parts.append(f'<FONT POINT-SIZE="9">{html.escape(line)}</FONT>')
    return "<" + "<BR/>".join(parts) + ">"


def _node_attrs(box: Box) -> dict:
    attrs = dict(STYLES[box.kind])
    if box.alarm:
        attrs.update(ALARM)
        if "filled" not in attrs["style"]:
            attrs["style"] += ",filled"
    if box.tooltip:
        attrs["tooltip"] = box.tooltip
    return attrs


def _edge_attrs(source: Box) -> dict:
    if source.grad_norm is None:
        return {}
    norm = source.grad_norm
    # Thicker the further the norm is from 1 in either direction: both extremes should shout.
    if not math.isfinite(norm) or norm <= 0:
        width = 3.0
    else:
        width = min(4.0, 1.0 + abs(math.log10(norm)) / 3)
    return {"color": grad_color(norm), "penwidth": f"{width:.2f}",
            "tooltip": f"grad norm {norm:.3g}"}


def _legend(kinds: set, modules: bool, show_grad: bool) -> str:
    """A key for what this picture contains (and, always, what red means)."""
    rows = []
    for kind, text in LEGEND_ROWS:
        if kind not in kinds:
            continue
        style = STYLES[kind]
        rows.append(f'<TR><TD BGCOLOR="{style["fillcolor"]}" BORDER="1" COLOR="{style["color"]}"'
                    f' WIDTH="18"> </TD><TD ALIGN="LEFT">{html.escape(text)}</TD></TR>')
    rows.append(f'<TR><TD BGCOLOR="{ALARM["fillcolor"]}" BORDER="1" WIDTH="18"> </TD>'
                '<TD ALIGN="LEFT">value or gradient has NaN/Inf</TD></TR>')
    if "module" in kinds:
        rows.append(f'<TR><TD BGCOLOR="{STYLES["module"]["fillcolor"]}" BORDER="1" WIDTH="18">'
                    ' </TD><TD ALIGN="LEFT">a whole module, collapsed</TD></TR>')
    if modules:
        rows.append('<TR><TD BGCOLOR="#f3f7fc" BORDER="1" COLOR="#6f8fb3" WIDTH="18"> </TD>'
                    '<TD ALIGN="LEFT">frame: ops run inside module (name: class)</TD></TR>')
    if show_grad:
        rows.append('<TR><TD COLSPAN="2" ALIGN="LEFT"><B>arrow colour = gradient norm</B>'
                    '</TD></TR>')
        for _, color, text in GRAD_BANDS:
            rows.append(f'<TR><TD BGCOLOR="{color}" WIDTH="18"> </TD>'
                        f'<TD ALIGN="LEFT">{html.escape(text)}</TD></TR>')
    return ('<<TABLE BORDER="1" COLOR="#bbbbbb" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
            '<TR><TD COLSPAN="2"><B>legend</B></TD></TR>' + "".join(rows) + "</TABLE>>")


class _Cluster:
    def __init__(self, module, label: str) -> None:
        self.module = module
        self.label = label
        self.boxes: list[int] = []
        self.children: list[_Cluster] = []


def _cluster_tree(graph: Graph) -> tuple[list[int], list[_Cluster]]:
    """Boxes outside any module, and the module clusters (nested as the modules are)."""
    info = graph.modules
    clusters: dict[int, _Cluster] = {}
    top: list[_Cluster] = []
    loose: list[int] = []

    def cluster_of(module) -> _Cluster:
        found = clusters.get(id(module))
        if found is not None:
            return found
        cluster = clusters[id(module)] = _Cluster(module, info.label(module))
        parent = info.parent(module)
        (cluster_of(parent).children if parent is not None else top).append(cluster)
        return cluster

    for i, box in enumerate(graph.boxes):
        if box.module is None:
            loose.append(i)
        else:
            cluster_of(box.module).boxes.append(i)
    return loose, top


def _params_beside_their_op(sub, graph: Graph, members: list) -> None:
    """Put a layer's parameters on the rank of the op that first uses them.

    Left to itself, dot ranks a parameter one step above its op, which is the rank of the
    previous layer's last op: consecutive layer frames then overlap in height and zigzag
    across the page. Side by side with their op, layers stack top to bottom like the code.
    """
    inside = set(members)
    beside: dict[int, list[int]] = {}
    for i in members:
        if graph.boxes[i].kind != "param":
            continue
        user = next((t for s, t in graph.edges if s == i), None)
        if user is not None and user in inside:
            beside.setdefault(user, []).append(i)
    for user, params in beside.items():
        with sub.subgraph() as same:
            same.attr(rank="same")
            for i in [params[0], user, *params[1:]]:  # the op between its parameters
                same.node(f"n{i}")


def build_digraph(graph: Graph, rankdir: str, group_modules: bool, show_grad: bool,
                  legend: bool):
    import graphviz

    dot = graphviz.Digraph("tinygraph", format="svg")
    dot.attr(rankdir=rankdir, fontname=FONT, nodesep="0.25", ranksep="0.35")
    dot.attr("node", fontname=FONT, fontsize="11", margin="0.12,0.05", height="0.3")
    dot.attr("edge", color=EDGE_COLOR, arrowsize="0.7")

    def emit_node(target, i: int) -> None:
        box = graph.boxes[i]
        target.node(f"n{i}", _label(box), **_node_attrs(box))

    if group_modules:
        loose, top = _cluster_tree(graph)
    else:
        loose, top = list(range(len(graph.boxes))), []
    for i in loose:
        emit_node(dot, i)
    counter = [0]

    def emit_cluster(parent, cluster: _Cluster, depth: int) -> None:
        name = f"cluster_{counter[0]}"
        counter[0] += 1
        with parent.subgraph(name=name) as sub:
            sub.attr(label=f"<<B>{html.escape(cluster.label)}</B>>", labeljust="l",
                     style="rounded,filled", color="#6f8fb3",
                     fillcolor="#f3f7fc" if depth % 2 == 0 else "#e6eef8", fontname=FONT,
                     fontsize="12", margin="10")
            for i in cluster.boxes:
                emit_node(sub, i)
            _params_beside_their_op(sub, graph, cluster.boxes)
            for child in cluster.children:
                emit_cluster(sub, child, depth + 1)

    for cluster in top:
        emit_cluster(dot, cluster, 0)
    for source, target in graph.edges:
        dot.edge(f"n{source}", f"n{target}", **_edge_attrs(graph.boxes[source]))
    if legend:
        kinds = {box.kind for box in graph.boxes}
        with dot.subgraph() as bottom:  # below the graph: the reader starts at the inputs
            bottom.attr(rank="sink")
            bottom.node("legend", _legend(kinds, bool(top), show_grad), shape="plaintext",
                        fontsize="9")
    return dot
