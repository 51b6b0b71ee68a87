"""Turn boxes and arrows into a ``graphviz.Digraph``: styles, module clusters, the legend.

Node ids are ``n0, n1, ...`` in graph order and clusters ``cluster_0, cluster_1, ...`` in order
of first use, so the same computation always gives the same DOT text. Every piece of text
that comes from the user (tensor, parameter and module names, attributes, code sites) goes
through :func:`printable` first: any name renders.
"""

from __future__ import annotations

import html
import math

from .boxes import Box, Graph

FONT = "Helvetica"

# kind -> Graphviz node attributes. Parameters (leaves that require grad) are the only filled
# blue boxes; inputs are dashed and grey, so "what will be trained" stands out.
STYLES = {
    "op": {"shape": "box", "style": "rounded,filled", "fillcolor": "#f4f4f4",
           "color": "#8c8c8c"},
    "param": {"shape": "box", "style": "filled", "fillcolor": "#cfe2ff", "color": "#1f5fbf",
              "penwidth": "1.6"},
    # a module's buffer (running statistics): quiet, like an input, but part of its module
    "buffer": {"shape": "box", "style": "rounded,filled", "fillcolor": "#f3eef9",
               "color": "#a898c4", "fontcolor": "#555555"},
    "const": {"shape": "box", "style": "rounded,dashed", "fillcolor": "white",
              "color": "#a0a0a0", "fontcolor": "#555555"},
    "output": {"shape": "box", "style": "filled,bold", "fillcolor": "#ffe9a8",
               "color": "#b8860b"},
    "module": {"shape": "box3d", "style": "filled", "fillcolor": "#e3f3e3", "color": "#3c8d3c"},
    "noop": {"shape": "box", "style": "rounded,dotted", "fillcolor": "white",
             "color": "#6f8fb3", "fontcolor": "#555555"},
}
ALARM = {"fillcolor": "#ff5c5c", "color": "#b00000", "penwidth": "2.5", "fontcolor": "black"}
ALARM_COLOR = "#e00000"
EDGE_COLOR = "#6b6b6b"
FRAME = {"color": "#6f8fb3", "fills": ("#f3f7fc", "#e6eef8")}  # module frames, by depth

# Gradient-norm bands for edge colours (upper bound, colour, meaning).
GRAD_BANDS = [
    (1e-6, "#b8b8ff", "< 1e-6 vanishing"),
    (1e-3, "#4a78d4", "< 1e-3 small"),
    (1e1, "#2e9e44", "< 10 healthy"),
    (1e3, "#f08c00", "< 1e3 large"),
    (math.inf, "#8b0000", "exploding"),
]

# The legend's swatches, in reading order: kind -> text (only the kinds in the picture).
LEGEND = [
    ("param", "parameter"),
    ("buffer", "buffer (no grad)"),
    ("const", "input (no grad)"),
    ("op", "op: output shape"),
    ("output", "output"),
    ("module", "module, collapsed"),
    ("noop", "module with no op"),
]


def printable(text) -> str:
    """``text`` with each character Graphviz cannot take written as its Python escape.

    Control characters (ESC, NUL, form feed, tab, newline), lone surrogates and other
    non-printable characters break DOT or its HTML labels, or draw nothing; ``esc\\x1b[31m``
    is drawn as those eleven visible characters instead.
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _html(text) -> str:
    return html.escape(printable(text))


def _plain(text) -> str:
    """For attributes that are not HTML (tooltips): backslashes and ``<...>`` taken literally."""
    import graphviz

    return graphviz.escape(printable(text))


def grad_color(norm: float) -> str:
    if not math.isfinite(norm):
        return ALARM_COLOR
    for bound, color, _ in GRAD_BANDS:
        if norm < bound:
            return color
    return GRAD_BANDS[-1][1]


def _label(box: Box) -> str:
    """An HTML-like label: the title in bold, details smaller underneath, one table row each
    (rows, unlike <BR/> lines, leave room for a title's underscores)."""
    rows = [f"<B>{_html(box.title)}</B>"]
    if box.alarm:
        rows.append('<FONT POINT-SIZE="9"><B>NaN/Inf!</B></FONT>')
    rows += [f'<FONT POINT-SIZE="9">{_html(line)}</FONT>' for line in box.lines]
    cells = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{cells}</TABLE>>'


def _node_attrs(box: Box) -> dict:
    attrs = dict(STYLES[box.kind])
    if box.alarm:
        attrs.update(ALARM)
        if "filled" not in attrs["style"]:
            attrs["style"] += ",filled"
    if box.tooltip:
        attrs["tooltip"] = _plain(box.tooltip)
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


def _swatch(fill: str, border: str, text: str) -> str:
    return (f'<TD BGCOLOR="{fill}" BORDER="1" COLOR="{border}" WIDTH="14"> </TD>'
            f'<TD ALIGN="LEFT">{html.escape(text)}  </TD>')


def _arrow(color: str, text: str) -> str:
    return (f'<TD><FONT COLOR="{color}" POINT-SIZE="16"><B>→</B></FONT></TD>'
            f'<TD ALIGN="LEFT">{html.escape(text)}  </TD>')


def _legend(kinds: set, frames: bool, show_grad: bool) -> str:
    """A key in a few short lines of at most six entries, on a grid (a swatch column and a
    text column per entry): the box kinds in this picture, module frames, what red means and
    what the arrows' colours mean."""
    keys = []
    for kind, text in LEGEND:
        if kind in kinds:
            style = STYLES[kind]
            keys.append(_swatch(style["fillcolor"], style["color"], text))
    if frames:
        keys.append(_swatch(FRAME["fills"][0], FRAME["color"], "module frame"))
    keys.append(_swatch(ALARM["fillcolor"], ALARM["color"], "NaN/Inf"))
    grads = []
    if show_grad:
        grads = [_arrow(color, text) for _, color, text in GRAD_BANDS]
        grads.append(_arrow(EDGE_COLOR, "not kept"))
    else:
        keys.append(_arrow(EDGE_COLOR, "data flow"))
    lines_needed = -(-len(keys) // 6)
    width = 6 if show_grad else -(-len(keys) // lines_needed)  # lines of even length
    rows = [keys[i:i + width] for i in range(0, len(keys), width)]
    lines = [_grid_row(row, width) for row in rows]
    if grads:
        lines.append(f'<TR><TD COLSPAN="{2 * width}" ALIGN="LEFT">'
                     "<B>arrow colour = gradient norm:</B></TD></TR>")
        lines.append(_grid_row(grads, width))
    return f'<<TABLE BORDER="0" CELLSPACING="1" CELLPADDING="1">{"".join(lines)}</TABLE>>'


def _grid_row(cells: list, width: int) -> str:
    missing = 2 * (width - len(cells))  # an empty cell spans what a short line lacks
    pad = f'<TD COLSPAN="{missing}"></TD>' if missing else ""
    return f"<TR>{''.join(cells)}{pad}</TR>"


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


def _params_beside_their_op(sub, graph: Graph, members: list, flipped: set) -> None:
    """Put a layer's parameters on the rank of the op that first uses them: the first one
    (a weight) on its right, the others (a bias) on its left.

    Left to itself, dot ranks a parameter one step above its op, which is the rank of the
    previous layer's last op: consecutive layer frames then overlap in height and zigzag
    across the page. Side by side with their op, layers stack top to bottom like the code.
    An arrow within a rank runs left to right, so the arrow of the parameter on the right is
    written from the op to the parameter and drawn backwards (``dir=back``): it still points
    into the op, and no arrow has to leave the frame to go round another parameter. The
    weight goes right because what else uses it (a penalty, summed with the others outside
    the layer) then sits on the side of the frame that faces that sum.
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
            for i in [*params[1:], user, params[0]]:
                same.node(f"n{i}")
        flipped.add((params[0], user))


def _params_in_order(dot, graph: Graph) -> list:
    """Without frames, parameters sit above their op: a layer's bias on the left, its weight
    on the right, as in the framed picture. The op's arrows are written in that order and the
    op is told to keep it (``ordering=in``); left to itself, dot flips some layers."""
    sources: dict[int, list[int]] = {}
    for source, target in graph.edges:
        sources.setdefault(target, []).append(source)
    edges = []
    for target, inputs in sources.items():
        params = [i for i in inputs if graph.boxes[i].kind == "param"]
        if params:
            others = [i for i in inputs if graph.boxes[i].kind != "param"]
            inputs = [*params[1:], *others, params[0]]
            dot.node(f"n{target}", ordering="in")
        edges += [(source, target) for source in inputs]
    return edges


def build_digraph(graph: Graph, rankdir: str, group_modules: bool, show_grad: bool,
                  legend: bool):
    import graphviz

    dot = graphviz.Digraph("tinygraph", format="svg")
    dot.attr(rankdir=rankdir, fontname=FONT, nodesep="0.25", ranksep="0.35")
    dot.attr("node", fontname=FONT, fontsize="11", margin="0.12,0.04", height="0.3")
    dot.attr("edge", color=EDGE_COLOR, arrowsize="0.7", fontname=FONT, fontsize="9",
             fontcolor="#555555")

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
    flipped: set = set()

    def emit_cluster(parent, cluster: _Cluster, depth: int) -> None:
        name = f"cluster_{counter[0]}"
        counter[0] += 1
        with parent.subgraph(name=name) as sub:
            sub.attr(label=f"<<B>{_html(cluster.label)}</B>>", labeljust="l",
                     style="rounded,filled", color=FRAME["color"],
                     fillcolor=FRAME["fills"][depth % 2], fontname=FONT, fontsize="12",
                     margin="10")
            for i in cluster.boxes:
                emit_node(sub, i)
            _params_beside_their_op(sub, graph, cluster.boxes, flipped)
            for child in cluster.children:
                emit_cluster(sub, child, depth + 1)

    for cluster in top:
        emit_cluster(dot, cluster, 0)
    edges = graph.edges if group_modules else _params_in_order(dot, graph)
    for source, target in edges:
        attrs = _edge_attrs(graph.boxes[source])
        label = graph.edge_labels.get((source, target))
        if label:
            attrs["label"] = f"<{_html(label)}>"
        if (source, target) in flipped:
            dot.edge(f"n{target}", f"n{source}", dir="back", **attrs)
        else:
            dot.edge(f"n{source}", f"n{target}", **attrs)
    for source, target in graph.hints:
        dot.edge(f"n{source}", f"n{target}", style="invis")
    if legend:
        kinds = {box.kind for box in graph.boxes}
        with dot.subgraph() as bottom:  # below the graph: the reader starts at the inputs
            bottom.attr(rank="sink")
            bottom.node("legend", _legend(kinds, bool(top), show_grad), shape="plaintext",
                        fontsize="9", margin="0")
    return dot
