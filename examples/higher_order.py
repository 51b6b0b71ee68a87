"""Second derivatives: Hessian-vector products and Newton's method, checked against calculus.

Teaches: ``tg.grad(..., create_graph=True)`` returns a gradient that is itself part of a graph,
so differentiating it again gives second derivatives. Shown twice: a Hessian-vector product
(without ever forming the Hessian) compared with the analytic ``H v``, and Newton's method on
the Rosenbrock function, whose Hessian is built from those products and compared with the
hand-derived one at every step.

    python examples/higher_order.py [--steps 8] [--quick]
"""

import argparse

import numpy as np

import tinygraph as tg


def hessian_vector_product(f, x, v):
    """H(x) v for a scalar function f, via two backward passes (Pearlmutter's trick)."""
    (g,) = tg.grad(f(x), x, create_graph=True)  # g is a Tensor with its own graph
    (hv,) = tg.grad((g * v).sum(), x)  # d(g . v)/dx = H v
    return hv


def hessian(f, x):
    """The full Hessian, one Hessian-vector product per basis vector (fine for small x)."""
    (g,) = tg.grad(f(x), x, create_graph=True)
    rows = []
    for i in range(x.numel()):
        basis = np.zeros(x.shape)
        basis[i] = 1.0
        (row,) = tg.grad(g, x, grad_outputs=tg.tensor(basis), retain_graph=True)
        rows.append(row.numpy())
    return g.detach().numpy(), np.stack(rows)


def demo_hvp(n: int) -> None:
    print(f"1. Hessian-vector product of f(x) = 0.5 x.A.x + sum(exp(x)), x in R^{n}")
    rng = np.random.default_rng(0)
    m = rng.normal(size=(n, n))
    a = tg.tensor(m + m.T)  # symmetric, so the Hessian is A + diag(exp(x))

    def f(x):
        return 0.5 * (x @ a @ x) + x.exp().sum()

    x = tg.tensor(rng.normal(size=n), requires_grad=True)
    v = tg.tensor(rng.normal(size=n))
    hv = hessian_vector_product(f, x, v).numpy()
    expected = (a.numpy() + np.diag(np.exp(x.numpy()))) @ v.numpy()
    print("   tinygraph H v :", np.round(hv, 6))
    print("   analytic  H v :", np.round(expected, 6))
    error = np.abs(hv - expected).max()
    print(f"   max |difference| = {error:.2e}")
    assert error < 1e-10


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def rosenbrock_derivatives(p):
    a, b = p
    grad = np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])
    hess = np.array([[2 - 400 * (b - a * a) + 800 * a * a, -400 * a], [-400 * a, 200.0]])
    return grad, hess


def demo_newton(steps: int) -> None:
    print("\n2. Newton's method on Rosenbrock f(a, b) = (1 - a)^2 + 100 (b - a^2)^2")
    x = tg.tensor([-1.2, 1.0], dtype=np.float64, requires_grad=True)
    for step in range(steps + 1):
        g, h = hessian(rosenbrock, x)
        g_true, h_true = rosenbrock_derivatives(x.numpy())
        mismatch = max(np.abs(g - g_true).max(), np.abs(h - h_true).max())
        f = rosenbrock(x).item()
        print(f"   step {step}: x = ({x.numpy()[0]: .6f}, {x.numpy()[1]: .6f})  f = {f:.3e}"
              f"  |grad - analytic|, |H - analytic| <= {mismatch:.1e}")
        assert mismatch < 1e-8
        if step == steps or np.abs(g).max() < 1e-12:
            break
        with tg.no_grad():
            x -= np.linalg.solve(h, g)  # the Newton step: x <- x - H^-1 grad
    print("   minimum is at (1, 1):", "reached" if np.allclose(x.numpy(), 1.0) else "not yet")


def main(steps: int = 8, n: int = 5) -> None:
    demo_hvp(n)
    demo_newton(steps)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8, help="Newton steps")
    parser.add_argument("--epochs", type=int, default=None, help="alias of --steps")
    parser.add_argument("--quick", action="store_true", help="a smaller problem")
    args = parser.parse_args()
    steps = args.epochs if args.epochs is not None else args.steps
    main(steps, n=3 if args.quick else 5)
