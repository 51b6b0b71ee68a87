"""Random op graphs (shared subgraphs, broadcasting, reductions) against PyTorch: the value,
the gradients of every input, and a second-order quantity must agree in float64."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tinygraph as tg

# name -> (number of operands, tinygraph function, torch function); every result broadcasts
# to (3, 4), so any two values in the pool combine.
UNARY = {
    "tanh": (lambda a: a.tanh(), lambda a: a.tanh()),
    "sigmoid": (lambda a: a.sigmoid(), lambda a: a.sigmoid()),
    "square": (lambda a: a * a, lambda a: a * a),
    "neg": (lambda a: -a, lambda a: -a),
    "exp_tanh": (lambda a: a.tanh().exp(), lambda a: a.tanh().exp()),
    "scale": (lambda a: 0.5 * a + 1.0, lambda a: 0.5 * a + 1.0),
    "softmax": (lambda a: a.softmax(axis=-1), lambda a: a.softmax(dim=-1)),
    "log_softmax": (lambda a: a.log_softmax(axis=-1), lambda a: a.log_softmax(dim=-1)),
    "sum0": (lambda a: a.sum(axis=0, keepdims=True), lambda a: a.sum(dim=0, keepdim=True)),
    "mean_last": (lambda a: a.mean(axis=-1, keepdims=True),
                  lambda a: a.mean(dim=-1, keepdim=True)),
    "transpose_twice": (lambda a: a.T.T, lambda a: a.T.T if a.ndim == 2 else a),
    "pow3": (lambda a: a**3, lambda a: a**3),
}
W = np.linspace(-1.0, 1.0, 16).reshape(4, 4)
COLS, ROWS = np.array([0, 0, 2, 3]), np.array([2, 1, 1])


def _b(a):
    """Any pool value broadcast to (3, 4) (both libraries have broadcast_to)."""
    return a.broadcast_to((3, 4))


def _torch_setitem(a, b):
    out = _b(a).clone()
    out[0] = _b(b)[1]
    return out


def _tg_setitem(a, b):
    out = _b(a) * 1.0
    out[0] = _b(b)[1]
    return out


# shape-changing ops work on (3, 4) views of their operands and come back to (3, 4)
SHAPED = {
    "gather_cols": (lambda a: _b(a)[:, COLS], lambda a: _b(a)[:, COLS]),
    "gather_rows": (lambda a: _b(a)[ROWS].sum(axis=0), lambda a: _b(a)[ROWS].sum(dim=0)),
    "matmul": (lambda a: _b(a) @ tg.tensor(W), lambda a: _b(a) @ _torch().tensor(W)),
    "cat": (lambda a: tg.cat([_b(a)[:, 2:], _b(a)[:, :2] * 2], axis=1),
            lambda a: _torch().cat([_b(a)[:, 2:], _b(a)[:, :2] * 2], dim=1)),
    "max_rows": (lambda a: _b(a).max(axis=1, keepdims=True),
                 lambda a: _b(a).amax(dim=1, keepdim=True)),
    "logsumexp": (lambda a: _b(a).logsumexp(axis=0, keepdims=True),
                  lambda a: _b(a).logsumexp(dim=0, keepdim=True)),
    "var": (lambda a: _b(a).var(axis=1, keepdims=True), lambda a: _b(a).var(dim=1, keepdim=True)),
    "reshape": (lambda a: _b(a).reshape(4, 3).T.reshape(3, 4),
                lambda a: _b(a).reshape(4, 3).T.reshape(3, 4)),
    "clip": (lambda a: a.clip(-0.5, 0.5), lambda a: a.clamp(-0.5, 0.5)),
}
UNARY.update(SHAPED)


def _torch():
    import torch

    return torch


BINARY = {
    "setitem": (_tg_setitem, _torch_setitem),
    "stack_mean": (lambda a, b: tg.stack([_b(a), _b(b)], axis=-1).mean(axis=-1),
                   lambda a, b: _torch().stack([_b(a), _b(b)], dim=-1).mean(dim=-1)),
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "safe_div": (lambda a, b: a / (1.0 + b * b), lambda a, b: a / (1.0 + b * b)),
    "maximum": (lambda a, b: tg.maximum(a, b), lambda a, b: a.maximum(b)),
    "where": (lambda a, b: tg.where(a > b, a, b * 2), None),
}

programs = st.lists(
    st.tuples(st.sampled_from(sorted(UNARY) + sorted(BINARY)), st.integers(0, 99),
              st.integers(0, 99)),
    min_size=1, max_size=10,
)


def _run(program, inputs, lib, torch=None):
    pool = list(inputs)
    for name, i, j in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if name in UNARY:
            pool.append(UNARY[name][lib](a))
        elif name == "where" and lib == 1:
            pool.append(torch.where(a > b, a, b * 2))
        else:
            pool.append(BINARY[name][lib](a, b))
    out = pool[-1] * 1.0
    for k, value in enumerate(pool[:-1]):
        out = out + value * (0.1 * (k + 1))  # every input and intermediate reaches it
    return out


@given(program=programs, seed=st.integers(0, 2**16))
def test_random_graph_matches_torch(torch, program, seed):
    rng = np.random.default_rng(seed)
    values = [rng.uniform(-1.5, 1.5, shape) for shape in [(3, 4), (4,), (3, 1)]]
    ours = [tg.tensor(v, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    out, expected = _run(program, ours, 0), _run(program, theirs, 1, torch)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)

    weights = rng.standard_normal(out.shape)
    loss = (out * tg.tensor(weights)).sum()
    loss_t = (expected * torch.tensor(weights)).sum()
    grads = tg.grad(loss, ours, create_graph=True)
    grads_t = torch.autograd.grad(loss_t, theirs, create_graph=True)
    for g, e in zip(grads, grads_t):
        np.testing.assert_allclose(g.numpy(), e.detach().numpy(), rtol=1e-9, atol=1e-11)

    # a second-order quantity: the gradient of the squared gradient norm
    penalty = sum((g * g).sum() for g in grads)
    penalty_t = sum((g * g).sum() for g in grads_t)
    assert penalty.requires_grad == penalty_t.requires_grad
    if not penalty_t.requires_grad:  # a linear program: the gradients are constants
        return
    second = tg.grad(penalty, ours, allow_unused=True)
    second_t = torch.autograd.grad(penalty_t, theirs, allow_unused=True)
    for g, e in zip(second, second_t):
        expected_value = np.zeros(()) if e is None else e.numpy()
        got = np.zeros(np.shape(expected_value)) if g is None else g.numpy()
        np.testing.assert_allclose(got, expected_value, rtol=1e-8, atol=1e-10)


@given(program=programs, seed=st.integers(0, 2**16))
def test_backward_twice_with_retain_graph_doubles_and_matches_grad(program, seed):
    rng = np.random.default_rng(seed)
    values = [rng.uniform(-1.5, 1.5, shape) for shape in [(3, 4), (4,), (3, 1)]]
    inputs = [tg.tensor(v, requires_grad=True) for v in values]
    loss = _run(program, inputs, 0).sum()
    expected = tg.grad(loss, inputs, retain_graph=True)
    loss.backward(retain_graph=True)
    loss.backward()
    for x, e in zip(inputs, expected):
        np.testing.assert_allclose(x.grad.numpy(), 2 * e.numpy(), rtol=1e-12, atol=1e-12)
