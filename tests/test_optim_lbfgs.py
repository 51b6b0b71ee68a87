"""optim.LBFGS against torch.optim.LBFGS: the same losses, weights and counts of function
evaluations and iterations (float64), with and without the strong-Wolfe line search, a short
history and a learning rate; the closure contract and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg


def _fit(m, steps=3, **options):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    Y = np.sin(X[:, :1]) + X[:, 1:2] ** 2
    w1 = m.tensor(rng.standard_normal((3, 8)) * 0.5, requires_grad=True)
    w2 = m.tensor(rng.standard_normal((8, 1)) * 0.5, requires_grad=True)
    x, y = m.tensor(X), m.tensor(Y)
    opt = m.optim.LBFGS([w1, w2], **options)

    def closure():
        opt.zero_grad()
        loss = ((m.tanh(x @ w1) @ w2 - y) ** 2).mean()
        loss.backward()
        return loss

    losses = [opt.step(closure).item() for _ in range(steps)]
    state = opt.state[w1]
    return losses, [w1.detach().numpy().copy(), w2.detach().numpy().copy()], (
        state["func_evals"], state["n_iter"])


@pytest.mark.parametrize("options", [
    {}, {"line_search_fn": "strong_wolfe"},
    {"history_size": 3, "max_iter": 7, "lr": 0.5},
    {"history_size": 3, "max_iter": 7, "lr": 0.5, "line_search_fn": "strong_wolfe"},
    {"max_iter": 4, "max_eval": 5, "tolerance_change": 1e-3},
], ids=["plain", "strong-wolfe", "short-history", "short-history-wolfe", "tolerances"])
def test_lbfgs_follows_torchs_trajectory(torch, options):
    ours, theirs = _fit(tg, **options), _fit(torch, **options)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
    assert ours[2] == theirs[2]  # function evaluations and iterations


def test_lbfgs_stops_at_once_when_the_gradient_is_zero():
    w = tg.zeros(2, requires_grad=True)
    opt = tg.optim.LBFGS([w])

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 0.0 and opt.state[w]["func_evals"] == 1


@pytest.mark.parametrize("make", [
    lambda m, p: m.optim.LBFGS([{"params": [p]}, {"params": [m.ones(2, requires_grad=True)]}]),
    lambda m, p: m.optim.LBFGS([p], lr=-1.0),
])
def test_lbfgs_refuses_what_torch_refuses(torch, make):
    with pytest.raises(ValueError):
        make(torch, torch.zeros(2, requires_grad=True))
    with pytest.raises(ValueError):
        make(tg, tg.zeros(2, requires_grad=True))
