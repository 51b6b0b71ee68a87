"""Elastic-net regularization with the second library tinygraph grew from, and what it does.

Teaches: the ``NeuralNetwork`` API of that library (``add``, ``Dense`` with ``l1_lambda`` and
``l2_lambda``, ``set_loss(MSE())``, ``Adam``, ``train``) running on tinygraph, and what the
penalty ``l1 * sum|W| + l2 * sum W**2`` does: it is part of the graph, so its gradient
pushes the weights of inputs that do not matter towards zero. The data has four inputs of
which only two matter; the same network is trained with and without the penalty and the
fraction of near-zero first-layer weights is printed for each.

    python examples/regression_elastic_net.py [--epochs 400] [--quick]
"""

import argparse

import numpy as np

import tinygraph as tg
from tinygraph.nn import MSE, Dense, NeuralNetwork
from tinygraph.optim import Adam

NEAR_ZERO = 0.02  # |w| below this counts as switched off


def make_data(n: int = 256, seed: int = 0):
    """Targets in (0, 1) that depend on inputs 0 and 1 only; inputs 2 and 3 are noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    Y = 1 / (1 + np.exp(-(1.5 * X[:, :1] - 2.0 * X[:, 1:2])))
    Y = np.clip(Y + rng.normal(scale=0.02, size=Y.shape), 0, 1).astype(np.float32)
    return X, Y


def train(X, Y, l1: float, l2: float, epochs: int, learning_rate: float):
    """The original example, with its numbers as parameters (penalty, epochs, step size)."""
    tg.manual_seed(0)  # the same initial weights for both runs
    nn = NeuralNetwork(); nn.add(Dense(4, 8, activation='relu', l1_lambda=l1, l2_lambda=l2))  # noqa: E702
    nn.add(Dense(8, 1, activation='sigmoid')); nn.set_loss(MSE())  # noqa: E702
    optimizer = Adam(learning_rate=learning_rate); nn.train(X, Y, epochs=epochs, optimizer=optimizer)  # noqa: E501, E702
    return nn


def report(name: str, model, X, Y) -> float:
    weights = model.layers[0].weight.numpy()
    if weights.shape[0] != X.shape[1]:  # stored as (outputs, inputs): make it (inputs, outputs)
        weights = weights.T
    near_zero = np.abs(weights) < NEAR_ZERO
    mse = float(((model.predict(X) - Y) ** 2).mean())
    print(f"{name:16s} mse {mse:.4f}   near-zero weights {near_zero.mean():5.1%}   "
          f"(from inputs 0-1: {near_zero[:2].mean():5.1%}, from noise inputs 2-3: "
          f"{near_zero[2:].mean():5.1%})")
    return float(near_zero.mean())


def main(epochs: int = 400, learning_rate: float = 0.01) -> tuple:
    X, Y = make_data()
    print(f"{len(X)} samples, 4 inputs (only inputs 0 and 1 matter), {epochs} epochs of Adam\n")
    without = train(X, Y, 0.0, 0.0, epochs, learning_rate)
    with_penalty = train(X, Y, 0.01, 0.01, epochs, learning_rate)
    print(f"near-zero weights: |w| < {NEAR_ZERO} in the first layer (4 x 8 weights)")
    off = report("without penalty", without, X, Y)
    on = report("with penalty", with_penalty, X, Y)
    print(f"\nthe elastic-net penalty drove {on:.0%} of the weights to near zero (vs {off:.0%} "
          "without it), first those of the inputs that carry no signal, at a small cost in fit.")
    return off, on


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="passes over the data (400)")
    parser.add_argument("--quick", action="store_true", help="60 epochs, for tests")
    args = parser.parse_args()
    main(args.epochs if args.epochs is not None else (60 if args.quick else 400))
