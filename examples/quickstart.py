"""Fit a tiny two-layer network with nothing but Tensor ops, and watch the loss fall.

Teaches: tensors that require grad, building a model from ops, backward, and a hand-written
gradient-descent update under ``tg.no_grad()``.

    python examples/quickstart.py [--epochs 200]
"""

import argparse

import numpy as np

import tinygraph as tg


def main(epochs: int = 200) -> float:
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.uniform(-2, 2, size=(128, 1)), dtype=tg.float32)
    y = tg.sin(x)  # learn sin(x)

    w1 = (tg.randn(1, 32) * 0.5).requires_grad_()
    b1 = tg.zeros(32, requires_grad=True)
    w2 = (tg.randn(32, 1) * 0.2).requires_grad_()
    b2 = tg.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]

    loss_value = float("nan")
    for epoch in range(epochs + 1):
        prediction = (x @ w1 + b1).tanh() @ w2 + b2
        loss = ((prediction - y) ** 2).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with tg.no_grad():
            for p in params:
                p -= 0.1 * p.grad
        loss_value = loss.item()
        if epoch % max(epochs // 10, 1) == 0:
            print(f"epoch {epoch:4d}  loss {loss_value:.5f}")
    return loss_value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a few epochs only")
    args = parser.parse_args()
    main(20 if args.quick else args.epochs)
