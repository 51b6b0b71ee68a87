"""tg.viz on real nn models: parameter names, module frames, penalties, collapse, the example."""

from __future__ import annotations

import importlib.util
import pathlib
import re

import numpy as np

import tinygraph as tg
from tinygraph import nn

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "visualize.py"
NODE = re.compile(r"^\s*(n\d+) \[label=<<TABLE[^>]*><TR><TD><B>([^<]*)</B>(.*)> ", re.M)


def titles(source: str) -> dict:
    return {m.group(2): m.group(1) for m in NODE.finditer(source)}


def mlp_loss():
    model = nn.Sequential(
        nn.Dense(3, 5, activation="relu", l1_lambda=0.01, l2_lambda=0.01),
        nn.Dense(5, 1, activation="sigmoid"),
    )
    x = tg.tensor(np.ones((4, 3), np.float32), name="x")
    y = tg.tensor(np.zeros((4, 1), np.float32), name="targets")
    loss = nn.BCELoss()(model(x), y) + model.regularization_loss()
    return model, loss, x, y


def test_parameters_modules_and_penalties_are_named_from_the_model():
    model, loss, x, y = mlp_loss()
    source = tg.viz.to_dot(loss, params=model, inputs=[x, y]).source
    found = titles(source)
    for name in ("0.weight", "0.bias", "1.weight", "1.bias", "x", "targets",
                 "l1_penalty(0.weight)", "l2_penalty(0.weight)"):
        assert name in found, name
    assert not any(t.startswith(("l1_penalty(1", "l2_penalty(1")) for t in found)
    frames = re.findall(r"label=<<B>([^<]*)</B>> labeljust", source)
    assert frames == ["Sequential", "0: Dense", "0.activation: ReLU", "1: Dense",
                      "1.activation: Sigmoid", "BCELoss"]
    # every parameter once, every graph node once (+ the two inputs and the output box)
    assert len(NODE.findall(source)) == len(tg.autograd.toposort([loss])) + 3


def test_collapsed_model_is_one_box_per_layer_plus_the_loss():
    model, loss, x, y = mlp_loss()
    found = titles(tg.viz.to_dot(loss, params=model, collapse_modules=True).source)
    assert {"0: Dense", "1: Dense", "BCELoss"} <= set(found)
    assert not {"linear", "relu", "sigmoid", "0.weight"} & set(found)


def test_gradients_of_a_trained_step_are_annotated():
    model, loss, _, _ = mlp_loss()
    loss.backward()
    source = tg.viz.to_dot(loss, params=model, show_grad=True).source
    norm = np.linalg.norm(model.layers[0].weight.grad.numpy())
    assert f"grad (5, 3) norm {norm:.2e}" in source


def test_the_example_draws_four_pictures(dot, tmp_path):
    spec = importlib.util.spec_from_file_location("visualize_example", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    written = example.main(str(tmp_path), quick=True)
    assert [pathlib.Path(p).name for p in written] == [
        "mlp_forward.png", "mlp_modules.png", "mlp_grads.png", "mlp_collapsed.png"]
    for path in written:
        assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def cluster_of(source: str, node: str) -> str | None:
    """The label of the innermost frame (cluster) whose block holds ``node``'s statement."""
    stack: list[str] = []  # one entry per open block: its frame label, or "" if none
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.endswith("{"):
            stack.append("")
        elif stripped == "}":
            stack.pop()
        elif re.match(rf"{node} \[", stripped):
            frames = [label for label in stack if label]
            return frames[-1] if frames else None
        elif stack and not re.match(r"n\d+", stripped):
            found = re.search(r"label=<<B>([^<]*)</B>>", stripped)
            if found:
                stack[-1] = found.group(1)
    raise AssertionError(f"{node} not found")


def test_without_params_names_come_from_the_modules_and_the_tensors():
    model, loss, x, y = mlp_loss()
    source = tg.viz.to_dot(loss).source  # no params=, no inputs=
    found = titles(source)
    assert {"x", "targets", "weight", "bias"} <= set(found)  # own name=; attribute names
    assert "l1_penalty(weight)" in found
    assert "leaf" not in found and "constant" not in found
    frames = re.findall(r"label=<<B>([^<]*)</B>> labeljust", source)
    assert frames[:2] == ["Dense", "activation: ReLU"]
    # each parameter sits in the frame of the layer that owns it
    for match in NODE.finditer(source):
        if match.group(2) in ("weight", "bias"):
            assert cluster_of(source, match.group(1)) == "Dense"
    # and a parameter looks like one: the parameter style, its name in the tooltip
    assert 'tooltip="weight: parameter"' in source


def test_integer_labels_are_drawn_as_an_input_of_the_loss():
    logits_model = nn.Linear(3, 4)
    images = tg.tensor(np.ones((5, 3), np.float32), name="images")
    labels = tg.tensor(np.array([0, 1, 2, 3, 0]), name="labels")
    loss = nn.CrossEntropyLoss()(logits_model(images), labels)
    source = tg.viz.to_dot(loss, params=logits_model).source
    found = titles(source)
    assert "cross_entropy" in found  # no index bookkeeping in the title
    assert not any(t.startswith("cross_entropy[") for t in found)
    assert "(5,) int64" in source.split(found["labels"] + " [")[1].split("\n")[0]
    assert re.search(rf"{found['labels']} -> {found['cross_entropy']}\b", source)


def test_a_module_that_recorded_no_op_is_drawn_in_its_place():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 2))
    model.eval()  # Dropout is the identity: it records nothing
    loss = model(tg.tensor(np.ones((2, 3), np.float32))).sum()
    source = tg.viz.to_dot(loss, params=model).source
    found = titles(source)
    assert "2: Dropout" in found  # so the numbering 0, 1, 2, 3 has no gap
    assert "no op recorded (eval mode)" in source
    assert cluster_of(source, found["2: Dropout"]) == "Sequential"
    # kept in line: after the ReLU's op, above the last layer's op (invisible edges)
    assert re.search(rf"{found['relu']} -> {found['2: Dropout']} \[style=invis\]", source)
    assert re.search(rf"{found['2: Dropout']} -> n\d+ \[style=invis\]", source)
    model.train()  # now Dropout multiplies by its mask: a frame with that op, no note
    source = tg.viz.to_dot(model(tg.randn(2, 3)).sum(), params=model).source
    assert "no op recorded" not in source
    assert cluster_of(source, titles(source)["mul"]) == "2: Dropout"


def test_parameters_sit_beside_their_op_in_the_same_order_in_every_layer():
    model, loss, x, y = mlp_loss()
    source = tg.viz.to_dot(loss, params=model).source
    found = titles(source)
    groups = re.findall(r"rank=same\s+(n\d+)\s+(n\d+)\s+(n\d+)", source)
    named = {m.group(1): m.group(2) for m in NODE.finditer(source)}
    assert [[named[i] for i in group] for group in groups] == [
        ["0.bias", "linear", "0.weight"], ["1.bias", "linear", "1.weight"]]
    for layer in ("0", "1"):
        bias, weight = found[f"{layer}.bias"], found[f"{layer}.weight"]
        # bias on the left: a plain arrow; weight on the right: written op -> weight and
        # drawn backwards, so both point into the op without leaving the frame
        assert re.search(rf"{bias} -> n\d+\s*$", source, re.M)
        assert re.search(rf"n\d+ -> {weight} \[dir=back\]", source)


def test_the_sum_of_the_penalties_sits_in_the_model_frame():
    model = nn.Sequential(nn.Dense(3, 5, activation="relu", l2_lambda=0.01),
                          nn.Dense(5, 1, activation="sigmoid", l2_lambda=0.01))
    x = tg.tensor(np.ones((4, 3), np.float32), name="x")
    loss = model(x).mean() + model.regularization_loss()
    source = tg.viz.to_dot(loss, params=model).source
    adds = [m.group(1) for m in NODE.finditer(source) if m.group(2) == "add"]
    # penalties + penalties in the model's frame (not floating between frames); the data
    # term + the penalties outside any frame, as in the code
    assert sorted(str(cluster_of(source, node)) for node in adds) == ["None", "Sequential"]
    for layer in ("0", "1"):
        (penalty,) = [m.group(1) for m in NODE.finditer(source)
                      if m.group(2) == f"l2_penalty({layer}.weight)"]
        assert cluster_of(source, penalty) == f"{layer}: Dense"


def test_collapsed_layer_labels_its_two_outputs():
    model, loss, x, y = mlp_loss()
    dot = tg.viz.to_dot(loss, params=model, collapse_modules=True)
    first = titles(dot.source)["0: Dense"]
    leaving = re.findall(rf"^\s*{first} -> n\d+ \[label=<([^>]*)>", dot.source, re.M)
    assert sorted(leaving) == ["penalty", "relu"]  # the next layer's input, the penalty
    assert "out relu: (4, 5) float32" in dot.source
    assert "out penalty: scalar float32" in dot.source
    second = titles(dot.source)["1: Dense"]  # one output: no label needed
    assert re.findall(rf"^\s*{second} -> n\d+$", dot.source, re.M)


def test_without_frames_each_layer_keeps_bias_left_and_weight_right_above_its_op():
    model, loss, x, y = mlp_loss()
    source = tg.viz.to_dot(loss, params=model, group_modules=False).source
    named = {m.group(1): m.group(2) for m in NODE.finditer(source)}
    for layer in ("0", "1"):
        (op,) = {t for s, t in re.findall(r"^\s*(n\d+) -> (n\d+)", source, re.M)
                 if named[s] == f"{layer}.weight" and named[t] == "linear"}
        into = [named[s] for s in re.findall(rf"^\s*(n\d+) -> {op}\b", source, re.M)]
        assert into[0] == f"{layer}.bias" and into[-1] == f"{layer}.weight"
        assert re.search(rf"^\s*{op} \[ordering=in\]", source, re.M)  # dot keeps that order


def test_collapse_draws_each_member_of_a_module_list_as_its_own_box():
    """A ModuleList only holds layers (it has no forward), so collapsing gives one box per
    block, as a transformer's stack of layers should be drawn, not one box for the stack."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(3, 3) for _ in range(3)])
            self.heads = nn.ModuleDict({"a": nn.Linear(3, 1)})

        def forward(self, x):
            for block in self.blocks:
                x = block(x).relu()
            return self.heads["a"](x)

    model = Net()
    source = tg.viz.draw(model(tg.randn(2, 3)).sum(), params=model,
                         collapse_modules=True).source
    for title in ("blocks.0: Linear", "blocks.1: Linear", "blocks.2: Linear", "heads.a: Linear"):
        assert source.count(f"<B>{title}</B>") == 1
    assert "ModuleList" not in source


def test_an_additive_attention_mask_is_an_input_not_an_alarm():
    """-inf where attention is not allowed is what a causal mask is: drawn as an input."""
    attention = nn.MultiheadAttention(4, 2, batch_first=True)
    causal = np.triu(np.ones((3, 3), dtype=bool), 1)
    x = tg.randn(2, 3, 4)
    out, _ = attention(x, x, x, attn_mask=causal, need_weights=False)
    source = tg.viz.draw(out.sum(), params=attention).source
    assert "NaN/Inf!" not in source


def batchnorm_eval_loss():
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                          nn.Flatten(), nn.Linear(48, 2))
    model.eval()
    x = tg.tensor(np.linspace(-1, 1, 32, dtype=np.float32).reshape(2, 1, 4, 4), name="x")
    y = tg.tensor(np.array([0, 1]), name="y")
    return model, nn.functional.cross_entropy(model(x), y), x, y


def test_batchnorm_running_statistics_are_named_buffers_in_its_frame():
    model, loss, x, y = batchnorm_eval_loss()
    source = tg.viz.to_dot(loss, params=model, inputs=[x, y]).source
    found = titles(source)
    assert {"1.running_mean", "sqrt(1.running_var + eps)"} <= set(found)
    assert "constant" not in found and "input" not in found  # nothing anonymous
    for title in ("1.running_mean", "sqrt(1.running_var + eps)"):
        assert cluster_of(source, found[title]) == "1: BatchNorm2d"
        assert 'fillcolor="#f3eef9"' in source.split(found[title] + " [")[1].split("\n")[0]
    assert "buffer (no grad)" in source  # the legend says what the style means
    assert re.search(rf"{found['1.running_mean']} -> {found['sub']}\b", source)
    assert re.search(rf"{found['sqrt(1.running_var + eps)']} -> {found['div']}\b", source)
    # after backward freed what the ops kept, the noted buffers are still drawn
    loss.backward()
    after = titles(tg.viz.to_dot(loss, params=model, inputs=[x, y]).source)
    assert "1.running_mean" in after and "sqrt(1.running_var + eps)" in after
    # without params=, names are relative to the BatchNorm that holds them
    alone = titles(tg.viz.to_dot(loss).source)
    assert "running_mean" in alone and "sqrt(running_var + eps)" in alone


def test_collapsed_batchnorm_lists_its_buffers_like_parameters():
    model, loss, x, y = batchnorm_eval_loss()
    source = tg.viz.to_dot(loss, params=model, inputs=[x, y], collapse_modules=True).source
    box = source.split(titles(source)["1: BatchNorm2d"] + " [")[1].split("\n")[0]
    assert "1.weight (3,) float32" in box and "1.running_mean (3, 1, 1) float32" in box
    assert "sqrt(1.running_var + eps)" in box
    assert "constant" not in titles(source) and "input" not in titles(source)


def test_a_buffer_the_op_kept_is_named_even_as_a_reshaped_view():
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("factor", tg.tensor(np.arange(1.0, 4.0, dtype=np.float32)))

        def forward(self, x):
            return x * self.factor._data.reshape(1, 3)  # a view of the buffer's memory

    model = nn.Sequential(nn.Linear(2, 3), Scale())
    out = model(tg.ones(4, 2)).sum()
    source = tg.viz.to_dot(out, params=model).source
    found = titles(source)
    assert cluster_of(source, found["1.factor"]) == "1: Scale"
    assert 'tooltip="1.factor: buffer (no gradient)"' in source
    # a model without buffers draws no buffer entry in its legend
    plain = tg.viz.to_dot(nn.Linear(2, 3)(tg.ones(1, 2)).sum()).source
    assert "buffer (no grad)" not in plain
