"""Write your own differentiable op with ``tg.Function``, then prove its gradient is right.

Teaches: a custom op as a ``tg.Function`` subclass (static ``forward``/``backward``,
``ctx.save_for_backward``), checking it with ``tg.gradcheck`` against finite differences, and
what gradcheck says when a backward is wrong: the input, the element and both values.

    python examples/gradcheck.py [--quick]
"""

import argparse

import numpy as np

import tinygraph as tg


class Softplus(tg.Function):
    """y = log(1 + exp(x)), computed stably;  dy/dx = sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        # max(x, 0) + log(1 + exp(-|x|)) never overflows, whatever the sign of x.
        return x.relu() + (1 + (-x.abs()).exp()).log()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sigmoid()


class BrokenSoftplus(Softplus):
    """Softplus's forward with a plausible-looking but wrong backward (tanh for sigmoid)."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.tanh()  # bug: d softplus/dx is sigmoid(x), not tanh(x)


def main(size: int = 6) -> None:
    rng = np.random.default_rng(0)
    # gradcheck needs float64: central differences in float32 are too noisy to compare.
    x = tg.tensor(rng.normal(scale=3.0, size=(size,)), requires_grad=True)
    assert x.dtype == np.float64  # NumPy data keeps its dtype

    y = Softplus.apply(x)
    print("softplus(x)      =", np.round(y.numpy(), 4))
    y.sum().backward()
    print("d sum / dx       =", np.round(x.grad.numpy(), 4))
    print("sigmoid(x)       =", np.round(1 / (1 + np.exp(-x.numpy())), 4), "(analytic)")

    ok = tg.gradcheck(Softplus.apply, x)
    print(f"gradcheck(Softplus)       -> {ok}")

    # A custom op composes with built-in ops, and gradcheck checks the whole function.
    w = tg.tensor(rng.normal(size=(size, 3)), requires_grad=True)
    ok = tg.gradcheck(lambda x, w: (Softplus.apply(x) @ w).tanh(), (x, w))
    print(f"gradcheck(tanh(Softplus(x) @ w)) -> {ok}")

    print("\nNow a backward with a bug in it:")
    try:
        tg.gradcheck(BrokenSoftplus.apply, x)
    except tg.GradcheckError as err:
        print(f"gradcheck(BrokenSoftplus) raised GradcheckError:\n  {err}")
    else:
        raise SystemExit("gradcheck missed the bug")

    # raise_exception=False turns the error into a boolean, handy in a quick assert.
    ok = tg.gradcheck(BrokenSoftplus.apply, x, raise_exception=False)
    print(f"gradcheck(BrokenSoftplus, raise_exception=False) -> {ok}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=6, help="number of elements to check")
    parser.add_argument("--quick", action="store_true", help="check fewer elements")
    args = parser.parse_args()
    main(3 if args.quick else args.size)
