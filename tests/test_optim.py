"""Optimizer update rules: hand-derived steps (always) and trajectories equal to torch.optim.

The hand checks minimise f(x) = x**2 / 2 from x = 1, so the gradient is x itself and each step
can be written out from the update rule's definition.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import optim


def run_on_half_square(opt_cls, steps, x0=1.0, **options):
    """Positions after each step of ``opt_cls`` on f(x) = x**2 / 2 (gradient = x)."""
    x = tg.tensor(np.array([x0]), requires_grad=True)
    opt = opt_cls([x], **options)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * x * x).sum().backward()
        opt.step()
        path.append(x.item())
    return path


# -- hand-derived steps -------------------------------------------------------------------------


def test_sgd_plain_step_is_x_minus_lr_grad():
    assert run_on_half_square(optim.SGD, 2, lr=0.1) == pytest.approx([0.9, 0.81])


def test_sgd_momentum_buffer_starts_at_the_gradient():
    # b1 = g1 = 1;             x1 = 1 - 0.1 * 1     = 0.9
    # b2 = 0.9 * 1 + 0.9 = 1.8; x2 = 0.9 - 0.1 * 1.8 = 0.72
    # b3 = 0.9 * 1.8 + 0.72;    x3 = 0.72 - 0.1 * 2.34 = 0.486
    path = run_on_half_square(optim.SGD, 3, lr=0.1, momentum=0.9)
    assert path == pytest.approx([0.9, 0.72, 0.486])


def test_sgd_dampening_applies_from_the_second_step():
    # b1 = 1 (no dampening on the first step); b2 = 0.9 * 1 + (1 - 0.5) * 0.9 = 1.35
    path = run_on_half_square(optim.SGD, 2, lr=0.1, momentum=0.9, dampening=0.5)
    assert path == pytest.approx([0.9, 0.9 - 0.1 * 1.35])


def test_sgd_nesterov_looks_ahead_along_the_buffer():
    # step 1: b = 1, g' = 1 + 0.9 * 1 = 1.9, x = 1 - 0.19 = 0.81
    # step 2: b = 0.9 + 0.81 = 1.71, g' = 0.81 + 0.9 * 1.71 = 2.349, x = 0.81 - 0.2349
    path = run_on_half_square(optim.SGD, 2, lr=0.1, momentum=0.9, nesterov=True)
    assert path == pytest.approx([0.81, 0.5751])


def test_sgd_weight_decay_adds_wd_times_x_to_the_gradient():
    # g = x + 0.1 x = 1.1 x, so x <- x (1 - 0.1 * 1.1) = 0.89 x
    assert run_on_half_square(optim.SGD, 2, lr=0.1, weight_decay=0.1) == pytest.approx(
        [0.89, 0.89**2])


def test_adam_first_step_moves_by_lr_and_second_follows_bias_correction():
    path = run_on_half_square(optim.Adam, 2, lr=0.1)
    # step 1: m = 0.1, v = 0.001, m_hat = 1, v_hat = 1: the step is lr * g / (|g| + eps)
    x1 = 1 - 0.1 / (1 + 1e-8)
    assert path[0] == pytest.approx(x1, rel=1e-14)
    # step 2 (g = x1): m = 0.9 * 0.1 + 0.1 * x1, v = 0.999 * 0.001 + 0.001 * x1**2
    m_hat = (0.9 * 0.1 + 0.1 * x1) / (1 - 0.9**2)
    v_hat = (0.999 * 0.001 + 0.001 * x1**2) / (1 - 0.999**2)
    assert path[1] == pytest.approx(x1 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), rel=1e-12)


def test_adam_weight_decay_is_added_to_the_gradient_but_adamw_decays_the_weight():
    # Adam: g = 1 + 0.1 = 1.1 and the first step is still lr * sign(g)
    assert run_on_half_square(optim.Adam, 1, lr=0.1, weight_decay=0.1)[0] == pytest.approx(0.9)
    # AdamW: x <- x (1 - lr wd) first, then the Adam step
    x1 = run_on_half_square(optim.AdamW, 1, lr=0.1, weight_decay=0.1)[0]
    assert x1 == pytest.approx(1 * (1 - 0.1 * 0.1) - 0.1)


def test_adam_amsgrad_uses_the_largest_second_moment():
    # from x = 1 with gradients 1 then 0.01: v2 < v1, so AMSGrad divides by sqrt(v1)-based
    x = tg.tensor([1.0], requires_grad=True, dtype=np.float64)
    opt = optim.Adam([x], lr=0.1, amsgrad=True)
    for g in (1.0, 0.01):
        x.grad = tg.tensor([g], dtype=np.float64)
        opt.step()
    x1 = 1 - 0.1 / (1 + 1e-8)
    m2 = 0.9 * 0.1 + 0.1 * 0.01
    v_max = max(0.001, 0.999 * 0.001 + 0.001 * 0.01**2)
    expected = x1 - 0.1 / (1 - 0.9**2) * m2 / (math.sqrt(v_max / (1 - 0.999**2)) + 1e-8)
    assert x.item() == pytest.approx(expected, rel=1e-12)


def test_rmsprop_divides_by_the_root_mean_square():
    # v1 = 0.01 * 1 = 0.01: x1 = 1 - 0.01 * 1 / 0.1 = 0.9
    # v2 = 0.99 * 0.01 + 0.01 * 0.81 = 0.018: x2 = 0.9 - 0.01 * 0.9 / sqrt(0.018)
    path = run_on_half_square(optim.RMSprop, 2, lr=0.01)
    assert path == pytest.approx([0.9, 0.9 - 0.009 / math.sqrt(0.018)], rel=1e-7)


def test_rmsprop_momentum_accumulates_scaled_steps():
    # b1 = 1 / 0.1 = 10: x1 = 1 - 0.01 * 10 = 0.9
    # b2 = 0.5 * 10 + 0.9 / sqrt(0.018): x2 = 0.9 - 0.01 * b2
    path = run_on_half_square(optim.RMSprop, 2, lr=0.01, momentum=0.5)
    assert path == pytest.approx([0.9, 0.9 - 0.01 * (5 + 0.9 / math.sqrt(0.018))], rel=1e-7)


def test_adagrad_divides_by_the_root_of_the_summed_squares():
    # s1 = 1: x1 = 1 - 0.1 * 1 / 1 = 0.9
    # s2 = 1 + 0.81: x2 = 0.9 - 0.1 / (1 + 1 * 0.5) * 0.9 / sqrt(1.81)  (lr_decay 0.5)
    path = run_on_half_square(optim.Adagrad, 2, lr=0.1, lr_decay=0.5)
    assert path == pytest.approx([0.9, 0.9 - 0.1 / 1.5 * 0.9 / math.sqrt(1.81)], rel=1e-9)


# -- trajectories against torch.optim ----------------------------------------------------------

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1, nesterov=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.02, amsgrad=True)),
    ("Adam", dict(lr=0.02, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.02)),
    ("AdamW", dict(lr=0.02, weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.005, alpha=0.9, eps=1e-6, momentum=0.9)),
    ("RMSprop", dict(lr=0.005, momentum=0.5, weight_decay=0.1, centered=True)),
    ("Adagrad", dict(lr=0.05, lr_decay=0.01, weight_decay=0.1)),
]


def mlp_problem(rng):
    """A two-layer tanh regression: parameters W1, b1, W2 and data X, Y (float64)."""
    X, Y = rng.standard_normal((16, 3)), rng.standard_normal((16, 2))
    params = [rng.standard_normal((3, 5)) * 0.5, np.zeros(5), rng.standard_normal((5, 2)) * 0.5]
    return X, Y, params


def mlp_loss(lib, X, Y, W1, b1, W2):
    return ((lib.tanh(X @ W1 + b1) @ W2 - Y) ** 2).mean()


def tg_trajectory(name, options, X, Y, start, steps):
    params = [tg.tensor(p, requires_grad=True) for p in start]
    opt = getattr(optim, name)(params, **options)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        mlp_loss(tg, tg.tensor(X), tg.tensor(Y), *params).backward()
        opt.step()
        path.append([p.numpy().copy() for p in params])
    return path


def torch_trajectory(torch, name, options, X, Y, start, steps):
    params = [torch.tensor(p, requires_grad=True) for p in start]
    opt = getattr(torch.optim, name)(params, **options)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        mlp_loss(torch, torch.tensor(X), torch.tensor(Y), *params).backward()
        opt.step()
        path.append([p.detach().numpy().copy() for p in params])
    return path


@pytest.mark.parametrize("name, options", CONFIGS,
                         ids=[f"{n}-{'-'.join(o) or 'defaults'}" for n, o in CONFIGS])
def test_trajectory_matches_torch_at_every_step(torch, rng, name, options):
    X, Y, start = mlp_problem(rng)
    ours = tg_trajectory(name, options, X, Y, start, steps=60)
    theirs = torch_trajectory(torch, name, options, X, Y, start, steps=60)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for p, q in zip(a, b):
            np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-12, err_msg=f"step {step + 1}")


def test_param_groups_with_their_own_lr_match_torch(torch, rng):
    X, Y, start = mlp_problem(rng)

    def groups(params):
        return [{"params": params[:2], "lr": 0.1}, {"params": params[2:], "momentum": 0.5}]

    ours = [tg.tensor(p, requires_grad=True) for p in start]
    theirs = [torch.tensor(p, requires_grad=True) for p in start]
    opt, topt = optim.SGD(groups(ours), lr=0.01), torch.optim.SGD(groups(theirs), lr=0.01)
    for _ in range(20):
        for lib, o, ps in ((tg, opt, ours), (torch, topt, theirs)):
            o.zero_grad()
            mlp_loss(lib, lib.tensor(X), lib.tensor(Y), *ps).backward()
            o.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_float32_parameters_stay_float32(name):
    x = tg.tensor(np.array([1.0, -2.0], dtype=np.float32), requires_grad=True)
    opt = getattr(optim, name)([x], lr=0.01)
    (x * x).sum().backward()
    opt.step()
    assert x.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[x].values() if isinstance(v, np.ndarray))
