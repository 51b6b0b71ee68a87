"""Draw the computation graph of a small network, four ways, and read it like a map.

Teaches: what the graph a forward pass records looks like (ops, their output shapes, the
parameters by name, where the data and the targets come in, named by their own ``name=``),
how ``nn`` modules group it
(one frame per layer, the activation nested inside), where the loss and the elastic-net
penalties join it, how ``backward()``'s gradients can be read on the same picture (arrow colour
= gradient norm, so vanishing or exploding gradients show at a glance), and how to keep a big
model readable by collapsing each layer to one box.

    python examples/visualize.py [--out out/] [--quick]

Writes, under ``--out``:
    mlp_forward.png    the bare graph: every op, parameter and input
    mlp_modules.png    the same, framed by module (``0: Dense`` > ``0.activation: ReLU``)
    mlp_grads.png      after loss.backward(): gradient norms on parameters, coloured arrows
    mlp_collapsed.png  one box per layer, listing its parameters and output shape
plus an .svg of each (not with --quick). Needs Graphviz's ``dot``; without it the .dot sources
are written and the message says how to install Graphviz.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import tinygraph as tg
from tinygraph import nn


def build(batch: int = 8):
    """A 3-layer MLP (two ReLU layers with an L2 penalty, a sigmoid output) and its loss."""
    tg.manual_seed(0)
    model = nn.Sequential(
        nn.Dense(4, 8, activation="relu", l2_lambda=1e-3),
        nn.Dense(8, 8, activation="relu", l2_lambda=1e-3),
        nn.Dense(8, 1, activation="sigmoid"),
    )
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.normal(size=(batch, 4)).astype(np.float32), name="x")
    y = tg.tensor((rng.random((batch, 1)) > 0.5).astype(np.float32), name="y")
    prediction = model(x)
    prediction.name = "prediction"
    prediction.retain_grad()  # keep its gradient too, so the picture can show it
    loss = nn.BCELoss()(prediction, y) + model.regularization_loss()
    loss.name = "loss"
    # The graph keeps the arrays of x and y, not the tensors; while they are alive the
    # picture finds them and shows their names (and prediction's retained gradient).
    return model, loss, [x, y, prediction]


def main(out: str = "out", quick: bool = False) -> list[str]:
    model, loss, _tensors = build()  # held until drawn: the picture names x and y
    formats = ["png"] if quick else ["png", "svg"]
    pictures = [
        ("mlp_forward", dict(group_modules=False)),
        ("mlp_modules", dict()),
        ("mlp_grads", dict(show_grad=True)),
        ("mlp_collapsed", dict(collapse_modules=True)),
    ]
    written = []
    for name, options in pictures:
        if options.get("show_grad"):
            loss.backward(retain_graph=True)  # keep saved values so ops still show them
        for fmt in formats:
            path = os.path.join(out, f"{name}.{fmt}")
            try:
                written.append(tg.viz.render(loss, path, params=model, **options))
            except tg.viz.DotNotFoundError as err:
                print(err)
                return written
    for path in written:
        print("wrote", path)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out", help="folder for the pictures (default out/)")
    parser.add_argument("--quick", action="store_true", help="PNG only")
    args = parser.parse_args()
    main(args.out, args.quick)
