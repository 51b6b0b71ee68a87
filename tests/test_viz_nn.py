"""tg.viz on real nn models: parameter names, module frames, penalties, collapse, the example."""

from __future__ import annotations

import importlib.util
import pathlib
import re

import numpy as np

import tinygraph as tg
from tinygraph import nn

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "visualize.py"
NODE = re.compile(r"^\s*(n\d+) \[label=<<B>([^<]*)</B>(.*)> ", re.M)


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
