"""PyTorch autograd programs written once and run twice, on torch and on tinygraph imported as
torch: the same losses, gradients and second derivatives (float64). They use the
torch.autograd surface the way scripts and tutorials do: a custom Function in the
setup_context style, grad with create_graph for a penalty, backward(inputs=),
autograd.functional, gradcheck, and the grad modes."""

from __future__ import annotations

import numpy as np

import tinygraph

RNG = np.random.default_rng(7)
X = RNG.uniform(-1.0, 1.0, 40)
Y = np.tanh(2 * X) + 0.1 * RNG.standard_normal(40)


def polynomial_fit(torch, x_data, y_data):
    """Fit y ~ a + b P3(c + d x), P3 a custom Function, by hand-written gradient descent."""

    class Legendre3(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return 0.5 * (5 * x ** 3 - 3 * x)

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * x ** 2 - 1)

    x, y = torch.tensor(x_data), torch.tensor(y_data)
    a, b, c, d = (torch.tensor(np.float64(v), requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
    assert a.dtype == torch.tensor(x_data).dtype  # float64 throughout
    assert torch.autograd.gradcheck(Legendre3.apply, (torch.tensor(x_data[:5],
                                                                   requires_grad=True),))
    losses = []
    for _ in range(30):
        y_pred = a + b * Legendre3.apply(c + d * x)
        loss = ((y_pred - y) ** 2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= 1e-3 * p.grad
                p.grad = None
    return losses, [float(p) for p in (a, b, c, d)]


def gradient_penalty(torch, x_data, y_data):
    """A two-layer tanh model with an input-gradient penalty, its Hessian and Jacobian, and
    evaluation under the grad modes."""
    w1 = torch.tensor(RNG_W1, requires_grad=True)
    w2 = torch.tensor(RNG_W2, requires_grad=True)
    x = torch.tensor(x_data.reshape(-1, 1), requires_grad=True)
    y = torch.tensor(y_data.reshape(-1, 1))

    def model(inputs, first, second):
        return (inputs @ first).tanh() @ second

    out = model(x, w1, w2)
    loss = ((out - y) ** 2).mean()
    (dx,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    penalty = (dx ** 2).mean()
    total = loss + 0.1 * penalty
    total.backward(inputs=[w1, w2])  # x.grad stays None
    assert x.grad is None
    grads = [w1.grad.detach().numpy().copy(), w2.grad.detach().numpy().copy()]

    def objective(first, second):
        return ((model(torch.tensor(x_data[:6].reshape(-1, 1)), first, second) - 0.5) ** 2).sum()

    H = torch.autograd.functional.hessian(objective, (w1.detach(), w2.detach()))
    J = torch.autograd.functional.jacobian(lambda s: model(torch.tensor(x_data[:4].reshape(-1, 1)),
                                                           w1.detach(), s), w2.detach())
    with torch.set_grad_enabled(False):
        evaluated = model(x, w1, w2)
    assert not evaluated.requires_grad

    @torch.inference_mode()
    def predict(inputs):
        return model(inputs, w1, w2)

    assert not predict(x).requires_grad
    return ([total.item()], grads, [H[i][j].numpy() for i in range(2) for j in range(2)],
            [J.numpy()])


RNG_W1 = RNG.standard_normal((1, 5))
RNG_W2 = RNG.standard_normal((5, 1))


def test_a_custom_function_fit_gives_the_same_losses(torch):
    ours = polynomial_fit(tinygraph, X, Y)
    theirs = polynomial_fit(torch, X, Y)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10)
    assert ours[0][-1] < ours[0][0]


def test_a_gradient_penalty_program_gives_the_same_numbers(torch):
    ours = gradient_penalty(tinygraph, X, Y)
    theirs = gradient_penalty(torch, X, Y)
    for mine, reference in zip(ours, theirs):
        for a, b in zip(mine, reference):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-14)
