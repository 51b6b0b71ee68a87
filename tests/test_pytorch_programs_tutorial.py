"""Tutorial-style PyTorch programs written once and run twice, on torch and on tinygraph
imported as torch: the same losses and parameters at every step (float64).

They are our own programs in the style of PyTorch's "Learning PyTorch with Examples" and
"What is torch.nn really?": tensors made with the factories, math on them, gradients by hand
or by autograd, parameters updated in place under ``no_grad``. Random initial values come from
NumPy and are handed to both, since the two libraries' generators differ.
"""

from __future__ import annotations

import math

import numpy as np

import tinygraph


def polynomial_by_hand(torch, coefficients):
    """Fit sin(x) with a cubic, gradients written out by hand, no autograd."""
    dtype = torch.float64
    x = torch.linspace(-math.pi, math.pi, 200, dtype=dtype)
    y = torch.sin(x)
    a, b, c, d = (torch.tensor(v, dtype=dtype) for v in coefficients)
    losses = []
    for _ in range(50):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum().item()
        losses.append(loss)
        grad_y_pred = 2.0 * (y_pred - y)
        a = a - 1e-6 * grad_y_pred.sum()
        b = b - 1e-6 * (grad_y_pred * x).sum()
        c = c - 1e-6 * (grad_y_pred * x ** 2).sum()
        d = d - 1e-6 * (grad_y_pred * x ** 3).sum()
    return losses, [a.item(), b.item(), c.item(), d.item()]


def polynomial_by_autograd(torch, coefficients):
    """The same fit with autograd: leaves updated in place under no_grad, grads reset to None."""
    x = torch.linspace(-math.pi, math.pi, 200, dtype=torch.float64)
    y = torch.sin(x)
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in coefficients]
    a, b, c, d = params
    losses = []
    for _ in range(50):
        loss = (a + b * x + c * x ** 2 + d * x ** 3 - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= 1e-6 * p.grad
                p.grad = None
    return losses, [p.item() for p in params]


def polynomial_by_nn(torch, weight, bias):
    """The fit as a Linear layer on the powers of x, with nn.Flatten(0, 1) and a summed MSE."""
    x = torch.linspace(-math.pi, math.pi, 200, dtype=torch.float64)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(weight))
        model[0].bias.fill_(bias)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    losses = []
    for _ in range(50):
        loss = loss_fn(model(xx), y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= 1e-6 * param.grad
    layer = model[0]
    return losses, [layer.bias.item(), *[layer.weight[:, i].item() for i in range(3)]]


def logistic_regression(torch, X, labels, weights0):
    """"What is torch.nn really?"-style: a hand-written log_softmax model and its negative
    log-likelihood by fancy indexing, then accuracy with argmax; plain SGD on leaves."""
    x, y = torch.tensor(X), torch.tensor(labels)
    weights = torch.tensor(weights0)
    weights.requires_grad_()
    bias = torch.zeros(3, dtype=torch.float64, requires_grad=True)

    def log_softmax(t):
        return t - t.exp().sum(-1).log().unsqueeze(-1)

    def nll(logp, target):
        return -logp[range(target.shape[0]), target].mean()

    def accuracy(out, yb):
        return (torch.argmax(out, dim=1) == yb).float().mean().item()

    losses, accuracies = [], []
    for start in range(0, 60, 20):
        xb, yb = x[start:start + 20], y[start:start + 20]
        loss = nll(log_softmax(xb @ weights + bias), yb)
        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * 0.5
            bias -= bias.grad * 0.5
            weights.grad.zero_()
            bias.grad.zero_()
        losses.append(loss.item())
        accuracies.append(accuracy(xb @ weights + bias, yb))
    return losses, accuracies, weights.detach().numpy().copy()


def test_a_polynomial_fitted_by_hand_gives_the_same_numbers(torch):
    start = np.random.default_rng(0).standard_normal(4).tolist()
    ours, theirs = polynomial_by_hand(tinygraph, start), polynomial_by_hand(torch, start)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)


def test_a_polynomial_fitted_by_autograd_gives_the_same_numbers(torch):
    start = np.random.default_rng(1).standard_normal(4).tolist()
    ours, theirs = polynomial_by_autograd(tinygraph, start), polynomial_by_autograd(torch, start)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)


def test_a_polynomial_fitted_by_a_linear_layer_gives_the_same_numbers(torch):
    rng = np.random.default_rng(2)
    weight, bias = rng.standard_normal((1, 3)) * 0.1, 0.3
    ours = polynomial_by_nn(tinygraph, weight, bias)
    theirs = polynomial_by_nn(torch, weight, bias)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)


def test_a_hand_written_classifier_gives_the_same_numbers(torch):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 5))
    labels = rng.integers(0, 3, 60)
    weights0 = rng.standard_normal((5, 3)) / math.sqrt(5)
    ours = logistic_regression(tinygraph, X, labels, weights0)
    theirs = logistic_regression(torch, X, labels, weights0)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[1] == theirs[1]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12)
