"""XOR with the first library tinygraph grew from: its example, unchanged except the imports.

Teaches: the Keras-like high-level API still works on top of the autograd engine:
``Sequential`` with ``Dense`` layers named by activation, an ``SGD`` optimizer given the
layers with ``register_layers``, ``fit`` with ``print_every``, ``predict`` and
``binary_classify``. XOR is the classic problem a single linear layer cannot solve.

    python examples/xor.py [--epochs 10000] [--quick]
"""

import argparse

import numpy as np

import tinygraph as tg
from tinygraph.nn import Dense, Sequential
from tinygraph.optim import SGD

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y = np.array([[0], [1], [1], [0]], dtype=np.float32)


def main(epochs: int = 10000, print_every: int = 1000, seed: int = 0) -> float:
    tg.manual_seed(seed)

    # --- the original example; only the numbers 10000 and 100 became parameters ---------
    model = Sequential(); model.add(Dense(2, 4, activation="relu")); model.add(Dense(4, 2, activation="relu"))  # noqa: E501, E702
    model.add(Dense(2, 1, activation="sigmoid"))
    optimizer = SGD(learning_rate=0.1); optimizer.register_layers(model.layers)  # noqa: E702
    history = model.fit(X, Y, epochs=epochs, optimizer=optimizer, print_every=print_every)
    # ------------------------------------------------------------------------------------

    predictions = model.predict(X)
    labels = model.binary_classify(predictions)
    print(f"final loss {history[-1]:.5f}")
    print("input  target  prediction  class")
    for x, y, p, c in zip(X, Y, predictions, labels):
        print(f"{x}  {int(y[0]):6d}  {p[0]:10.4f}  {int(c[0]):5d}")
    acc = float((labels == Y).mean())
    print(f"predictions: {labels.ravel().tolist()}, accuracy {acc:.0%}")
    return acc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="passes over the data (10000)")
    parser.add_argument("--quick", action="store_true", help="300 epochs, for tests")
    args = parser.parse_args()
    epochs = args.epochs if args.epochs is not None else (300 if args.quick else 10000)
    main(epochs, print_every=max(epochs // 10, 1))
