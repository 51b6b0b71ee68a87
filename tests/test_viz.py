"""tg.viz: the DOT text of recorded graphs (structure, labels, modules, gradients, limits).

The DOT is parsed with two regular expressions (node statements and edges), which is enough
because the emitter writes one statement per line with ids ``n0, n1, ...``.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

import tinygraph as tg
from tinygraph.autograd import Op, state, toposort

NODE = re.compile(r"^\s*(n\d+) \[label=<(.*)> (.*)\]$", re.M)
EDGE = re.compile(r"^\s*(n\d+) -> (n\d+)", re.M)


def parse(dot):
    """{id: (label, attributes)} and [(source, target)] of a Digraph's source."""
    source = dot.source if hasattr(dot, "source") else dot
    nodes = {m.group(1): (re.sub(r"<[^>]+>", "|", m.group(2)), m.group(3))
             for m in NODE.finditer(source)}
    edges = EDGE.findall(source)
    return nodes, edges


def title(label: str) -> str:
    return [part for part in label.split("|") if part][0]


def by_title(nodes, text):
    return [i for i, (label, _) in nodes.items() if title(label) == text]


class Layer:
    """A stand-in for nn.Module: names its parameters and marks the nodes its forward records."""

    def __init__(self, n_in, n_out, inner=None):
        self.weight = tg.randn(n_in, n_out, requires_grad=True)
        self.bias = tg.zeros(n_out, requires_grad=True)
        self.inner = inner

    def named_modules(self, prefix=""):
        yield prefix, self
        if self.inner is not None:
            yield from self.inner.named_modules(f"{prefix}.inner" if prefix else "inner")

    def named_parameters(self):
        for name, module in self.named_modules():
            for p in ("weight", "bias"):
                yield (f"{name}.{p}" if name else p), getattr(module, p)

    def __call__(self, x):
        previous, state.module = state.module, self
        try:
            out = (x @ self.weight + self.bias).relu()
            return self.inner(out) if self.inner is not None else out
        finally:
            state.module = previous


class Stack(Layer):
    def __init__(self, *layers):
        self.layers = layers

    def named_modules(self, prefix=""):
        yield prefix, self
        for i, layer in enumerate(self.layers):
            yield from layer.named_modules(str(i))

    def named_parameters(self):
        for name, module in self.named_modules():
            if module is not self:
                for p in ("weight", "bias"):
                    yield f"{name}.{p}", getattr(module, p)

    def __call__(self, x):
        previous, state.module = state.module, self
        try:
            for layer in self.layers:
                x = layer(x)
            return x
        finally:
            state.module = previous


def small_graph():
    x = tg.tensor(np.ones((2, 3), np.float32), name="x")
    w = tg.tensor(np.full((3, 4), 0.5, np.float32), requires_grad=True, name="w")
    b = tg.zeros(4, requires_grad=True)
    b.name = "b"
    loss = (x @ w + b).relu().sum()
    return loss, w, b


def test_one_box_per_graph_node_and_the_right_edges():
    loss, w, b = small_graph()
    nodes, edges = parse(tg.viz.to_dot(loss, legend=False))
    assert len(toposort([loss])) == 6  # w, matmul, b, add, relu, sum
    # the 6 graph nodes + the input x + the output box
    assert len(nodes) == 8
    (nw,), (nb,) = by_title(nodes, "w"), by_title(nodes, "b")
    (matmul,), (add,), (relu,), (total,) = (by_title(nodes, op)
                                            for op in ("matmul", "add", "relu", "sum"))
    # x went out of scope with small_graph(): its array is drawn, as an unnamed input
    (x,), (out,) = by_title(nodes, "input"), by_title(nodes, "output")
    assert sorted(edges) == sorted([(x, matmul), (nw, matmul), (matmul, add), (nb, add),
                                    (add, relu), (relu, total), (total, out)])


def test_labels_show_names_shapes_dtypes_and_the_output_value():
    loss, w, b = small_graph()
    nodes, _ = parse(tg.viz.to_dot(loss))
    labels = {title(label): label for label, _ in nodes.values()}
    assert "(3, 4) float32" in labels["w"]
    assert "(2, 4) float32" in labels["matmul"]
    assert "(2, 3) float32" in labels["input"]
    assert "= 12" in labels["output"] and "scalar float32" in labels["output"]
    hidden, _ = parse(tg.viz.to_dot(loss, show_shapes=False))
    assert not any("(3, 4)" in label for label, _ in hidden.values())


def test_parameter_names_come_from_params():
    loss, w, b = small_graph()
    nodes, _ = parse(tg.viz.to_dot(loss, params={"0.weight": w, "0.bias": b}))
    assert by_title(nodes, "0.weight") and by_title(nodes, "0.bias")


def test_leaves_that_require_grad_look_different_from_constants():
    loss, w, b = small_graph()
    nodes, _ = parse(tg.viz.to_dot(loss))
    (param,), (const,) = by_title(nodes, "w"), by_title(nodes, "input")
    assert "filled" in nodes[param][1] and "dashed" in nodes[const][1]
    assert nodes[param][1] != nodes[const][1]


def test_a_tensor_used_many_times_is_drawn_once():
    x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
    y = (x * x + x.exp() * x).sum()
    nodes, edges = parse(tg.viz.to_dot(y))
    (nx,) = by_title(nodes, "x")
    assert sum(1 for s, _ in edges if s == nx) == 4  # x*x uses it twice


def test_op_labels_carry_the_attributes_that_matter():
    x = tg.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    y = (x.sum(axis=1, keepdims=True).reshape(8).unsqueeze(0)[0, 2:6].softmax(axis=-1)
         + x.transpose(2, 1, 0)[1, 1, 1])
    nodes, _ = parse(tg.viz.to_dot(y))
    labels = [label for label, _ in nodes.values()]
    assert any(title(lb) == "sum" and "axis=1" in lb and "keepdims" in lb for lb in labels)
    assert any(title(lb) == "reshape" and "(8,) float64" in lb for lb in labels)
    assert any(title(lb) == "getitem[0, 2:6]" for lb in labels)
    assert any(title(lb) == "softmax" and "axis=0" in lb for lb in labels)
    assert any(title(lb) == "transpose" and "axes=(2, 1, 0)" in lb for lb in labels)


def test_scalar_constants_show_their_value():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    nodes, _ = parse(tg.viz.to_dot((x**3).sum()))
    assert by_title(nodes, "3")


def test_penalties_name_the_weight_they_regularize():
    class L1Penalty(Op):
        """y = lam * sum(|w|)."""

        __slots__ = ("lam",)
        label = "l1_penalty"

        def forward(self, w):
            self.save(w)
            return self.lam * np.abs(w).sum()

        def backward(self, g):
            (w,) = self.saved
            return (g * self.lam * np.sign(w),)

    w = tg.randn(3, 2, requires_grad=True)
    loss = w.sum() + L1Penalty.apply(w, lam=0.01)
    nodes, _ = parse(tg.viz.to_dot(loss, params={"0.weight": w}))
    (penalty,) = by_title(nodes, "l1_penalty(0.weight)")
    assert "lam=0.01" in nodes[penalty][0]


def test_modules_become_nested_clusters_labelled_with_name_and_class():
    model = Stack(Layer(3, 4), Layer(4, 4, inner=Layer(4, 2)))
    out = model(tg.randn(5, 3)).sum()
    source = tg.viz.to_dot(out, params=model).source
    labels = re.findall(r"subgraph (cluster_\d+) \{\s*[^\n]*label=<<B>([^<]*)</B>>", source)
    assert [text for _, text in labels] == ["Stack", "0: Layer", "1: Layer", "1.inner: Layer"]
    # nesting: 1.inner's cluster opens inside 1's, which opens inside the root's
    depth, depths = 0, {}
    for line in source.splitlines():
        if line.rstrip().endswith("{"):
            depth += 1
            found = re.search(r"subgraph (cluster_\d+)", line)
            if found:
                depths[found.group(1)] = depth - 1  # the digraph itself is depth 1
        elif line.strip() == "}":
            depth -= 1
    assert [depths[name] for name, _ in labels] == [1, 2, 2, 3]
    # parameters sit in their layer's frame
    inner_block = source[source.index("1.inner: Layer"):]
    assert "1.inner.weight" in inner_block.split("}")[0]
    assert "cluster" not in tg.viz.to_dot(out, params=model, group_modules=False).source


def test_modules_without_params_are_framed_by_class():
    layer = Layer(3, 2)
    nodes_source = tg.viz.to_dot(layer(tg.randn(4, 3)).sum()).source
    assert "subgraph cluster_0" in nodes_source and "<B>Layer</B>" in nodes_source


def test_collapse_modules_draws_each_top_level_module_as_one_box():
    model = Stack(Layer(3, 4), Layer(4, 4, inner=Layer(4, 2)))
    out = model(tg.randn(5, 3)).sum()
    nodes, edges = parse(tg.viz.to_dot(out, params=model, collapse_modules=True, legend=False))
    (first,), (second,) = by_title(nodes, "0: Layer"), by_title(nodes, "1: Layer")
    assert "0.weight (3, 4) float32" in nodes[first][0]
    assert "1.inner.bias (2,) float32" in nodes[second][0]
    assert "out (5, 2) float32" in nodes[second][0]
    assert len(nodes) == 5  # input, two modules, sum, output
    assert (first, second) in edges and "box3d" in nodes[first][1]
    assert not any(title(label) in ("matmul", "relu") for label, _ in nodes.values())


def test_show_grad_annotates_parameters_and_retained_tensors_and_colours_edges():
    x = tg.tensor(np.ones((2, 3), np.float32))
    w = tg.tensor(np.full((3, 4), 0.5, np.float32), requires_grad=True, name="w")
    h = (x @ w).relu()
    h.retain_grad()
    h.name = "h"
    loss = h.sum()
    loss.backward()
    dot = tg.viz.to_dot(loss, show_grad=True)
    nodes, _ = parse(dot)
    (nw,), (relu,) = by_title(nodes, "w"), by_title(nodes, "relu → h")
    assert f"grad (3, 4) norm {np.linalg.norm(w.grad.numpy()):.2e}" in nodes[nw][0]
    assert "grad (2, 4) norm" in nodes[relu][0]
    assert re.search(rf"{nw} -> n\d+ \[color=\"#2e9e44\"", dot.source)  # healthy: green
    assert "arrow colour = gradient norm" in dot.source  # the legend explains the colours
    assert "grad" not in parse(tg.viz.to_dot(loss))[0][nw][0]


def test_vanishing_and_exploding_gradients_get_their_own_colours():
    from tinygraph.viz.dot import grad_color

    assert len({grad_color(v) for v in (1e-9, 1e-4, 1.0, 100.0, 1e6, float("nan"))}) == 6


def test_nan_and_inf_are_drawn_in_the_alarm_colour():
    x = tg.tensor([-1.0, 4.0], requires_grad=True, name="x")
    with np.errstate(invalid="ignore"):
        y = x.sqrt()  # sqrt saves its output, so the NaN is visible before backward
    loss = y.sum()
    nodes, _ = parse(tg.viz.to_dot(loss))
    (sqrt,), (out,) = by_title(nodes, "sqrt"), by_title(nodes, "output")
    (nx,) = by_title(nodes, "x")
    for node in (sqrt, out):
        assert "#ff5c5c" in nodes[node][1] and "NaN/Inf!" in nodes[node][0]
    assert "#ff5c5c" not in nodes[nx][1]
    x.grad = tg.tensor([np.inf, 1.0])
    nodes, _ = parse(tg.viz.to_dot(loss, show_grad=True))
    assert "#ff5c5c" in nodes[nx][1]


def test_show_saved_lists_saved_values_until_backward_frees_them():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = x.exp().sum()
    nodes, _ = parse(tg.viz.to_dot(loss, show_saved=True))
    (exp,) = by_title(nodes, "exp")
    assert "saved: out (2,)" in nodes[exp][0]
    loss.backward()
    nodes, _ = parse(tg.viz.to_dot(loss, show_saved=True))
    assert "saved: freed by backward" in nodes[exp][0]


def test_dot_text_is_deterministic_with_ids_in_graph_order():
    def build():
        tg.manual_seed(0)
        model = Stack(Layer(3, 4), Layer(4, 2))
        return tg.viz.to_dot(model(tg.randn(5, 3)).mean(), params=model, show_grad=True).source

    first = build()
    assert first == build()
    ids = re.findall(r"^\s*(n\d+) \[", first, re.M)
    assert sorted(ids, key=lambda i: int(i[1:])) == [f"n{i}" for i in range(len(ids))]
    assert ids[:3] == ["n2", "n11", "n12"]  # the input, mean, output: outside the frames


def test_leaf_and_constant_roots_can_be_drawn():
    w = tg.randn(2, requires_grad=True)
    nodes, edges = parse(tg.viz.to_dot(w, legend=False))
    assert len(nodes) == 2 and len(edges) == 1
    nodes, edges = parse(tg.viz.to_dot([tg.ones(3)], legend=False))
    assert len(nodes) == 1 and not edges


def test_more_nodes_than_max_nodes_raises_with_advice():
    x = tg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(40):
        y = y * 1.0
    advice = r"41 nodes, more than max_nodes=20.*collapse_modules=True"
    with pytest.raises(ValueError, match=advice):
        tg.viz.to_dot(y, max_nodes=20)
    assert tg.viz.to_dot(y, max_nodes=100) is not None


def test_bad_arguments_are_explained():
    loss, _, _ = small_graph()
    with pytest.raises(TypeError, match="expected a Tensor"):
        tg.viz.to_dot([loss, np.ones(2)])
    with pytest.raises(ValueError, match="rankdir"):
        tg.viz.to_dot(loss, rankdir="sideways")
    with pytest.raises(ValueError, match="format"):
        tg.viz.render(loss, "graph.gif")
    with pytest.raises(ValueError, match="format"):
        tg.viz.render(loss, "graph", format="jpeg")


def test_draw_is_to_dot_and_graphviz_is_imported_only_when_drawing():
    import subprocess
    import sys

    loss, _, _ = small_graph()
    assert tg.viz.draw(loss, rankdir="LR").source == tg.viz.to_dot(loss, rankdir="LR").source
    code = "import sys, tinygraph; print('graphviz' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False"


def test_inputs_are_named_by_inputs_else_by_their_own_name():
    loss, w, b = small_graph()
    x = tg.tensor(np.ones((2, 3), np.float32), name="x")
    loss = (x @ w).sum()
    assert by_title(parse(tg.viz.to_dot(loss, inputs=[x]))[0], "x")
    assert by_title(parse(tg.viz.to_dot(loss, inputs={"batch": x}))[0], "batch")
    assert by_title(parse(tg.viz.to_dot(loss))[0], "x")  # the tensor's own name=
    unnamed = tg.tensor(np.ones((2, 3), np.float32))
    nodes, _ = parse(tg.viz.to_dot((unnamed @ w).sum()))
    (box,) = by_title(nodes, "input")  # an input, not a "constant"
    assert "(2, 3) float32" in nodes[box][0] and "dashed" in nodes[box][1]


def test_an_input_the_user_no_longer_holds_is_still_drawn_as_an_input():
    w = tg.randn(3, 2, requires_grad=True)
    loss = (tg.tensor(np.ones((4, 3), np.float32), name="temporary") @ w).sum()
    nodes, _ = parse(tg.viz.to_dot(loss))
    (box,) = by_title(nodes, "input")  # its Tensor (and name) is gone, its array is not
    assert "(4, 3) float32" in nodes[box][0]


def test_layer_parameters_share_the_rank_of_their_op():
    model = Stack(Layer(3, 4), Layer(4, 2))
    source = tg.viz.to_dot(model(tg.randn(5, 3)).sum(), params=model).source
    assert source.count("rank=same") == 4  # per layer: weight beside matmul, bias beside add
    assert "rank=sink" in source  # the legend goes under the graph


def test_custom_functions_are_drawn_with_their_class_name():
    class Cube(tg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * x * g

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    nodes, _ = parse(tg.viz.to_dot(Cube.apply(x).sum(), show_saved=True))
    (cube,) = by_title(nodes, "Cube")
    assert "saved: value (2,)" in nodes[cube][0]


def legend_lines(source: str) -> list[list[str]]:
    """The legend's lines, each the list of its texts (swatch cells are blank)."""
    legend = re.search(r"legend \[label=<(.*)> fontsize", source).group(1)
    lines = []
    for row in re.findall(r"<TR>(.*?)</TR>", legend):
        cells = re.findall(r"<TD[^>]*>(.*?)</TD>", row)
        texts = [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        lines.append([text for text in texts if text])
    return lines


def test_the_legend_is_a_few_short_lines_covering_what_is_drawn():
    loss, w, b = small_graph()
    lines = legend_lines(tg.viz.to_dot(loss).source)
    assert lines == [["parameter", "input (no grad)", "op: output shape", "output", "NaN/Inf",
                      "→", "data flow"]]  # one line; the grey arrows explained too
    model = Stack(Layer(3, 4), Layer(4, 2))
    out = model(tg.randn(5, 3)).sum()
    out.backward()
    lines = legend_lines(tg.viz.to_dot(out, params=model, show_grad=True).source)
    assert lines[0] == ["parameter", "input (no grad)", "op: output shape", "output",
                        "module frame", "NaN/Inf"]
    assert lines[1] == ["arrow colour = gradient norm:"]
    assert lines[2][1::2] == ["< 1e-6 vanishing", "< 1e-3 small", "< 10 healthy", "< 1e3 large",
                              "exploding", "not kept"]
    assert all(len(line) <= 12 for line in lines)  # at most six keys a line
    assert "legend" not in tg.viz.to_dot(loss, legend=False).source


def test_each_label_line_is_its_own_table_row():
    """Rows, not <BR/> lines: a title's underscores (binary_cross_entropy) got overdrawn by
    the next line at the default font size."""
    p = tg.tensor(np.full((8, 1), 0.5, np.float32), requires_grad=True)
    loss = tg.nn.functional.binary_cross_entropy(p, tg.zeros(8, 1))
    source = tg.viz.to_dot(loss).source
    assert "<BR/>" not in source
    assert re.search(r"<TR><TD><B>binary_cross_entropy</B></TD></TR>"
                     r"<TR><TD><FONT POINT-SIZE=\"9\">\(8, 1\) float32</FONT></TD></TR>", source)


def test_inputs_after_backward_say_that_backward_freed_them():
    x = tg.tensor(np.ones((2, 3), np.float32), name="x")
    w = tg.randn(3, 2, requires_grad=True)
    loss = (x @ w).sum()
    loss.backward()  # frees the arrays the ops saved: x's is gone from the graph
    nodes, _ = parse(tg.viz.to_dot(loss))
    (box,) = by_title(nodes, "input")
    assert "freed by backward" in nodes[box][0] and "retain_graph=True" in nodes[box][1]
    loss = (x @ w).sum()
    loss.backward(retain_graph=True)
    assert by_title(parse(tg.viz.to_dot(loss))[0], "x")
