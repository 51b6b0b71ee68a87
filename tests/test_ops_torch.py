"""PyTorch parity in float64 for every op in the table: forward values, gradients for the
same random upstream gradient, and second derivatives; then PyTorch's conventions at kinks."""

from __future__ import annotations

import numpy as np
import pytest
from optable import OPS, cases, make_inputs

import tinygraph as tg

TOL = {"rtol": 1e-10, "atol": 1e-12}


def _both(torch, arrays):
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def _close(ours, theirs, what):
    expected = theirs.detach().numpy(force=True)  # force: torch's ZeroTensor
    got = np.zeros(expected.shape) if ours is None else ours.numpy()
    np.testing.assert_allclose(got, expected, err_msg=what, **TOL)


@pytest.mark.parametrize("spec, shapes, kwargs", cases(OPS))
def test_forward_and_gradient_match_torch(torch, spec, shapes, kwargs, rng):
    arrays = make_inputs(spec, shapes, rng)
    ours, theirs = _both(torch, arrays)
    out = spec.fn(*ours, **kwargs)
    expected = spec.torch(*theirs, **kwargs)
    assert out.shape == tuple(expected.shape)
    _close(out, expected, "forward")
    upstream = rng.standard_normal(out.shape)
    grads = tg.grad(out, ours, grad_outputs=tg.tensor(upstream), allow_unused=True)
    expected_grads = torch.autograd.grad(expected, theirs, torch.tensor(upstream),
                                         allow_unused=True)
    for i, (g, e) in enumerate(zip(grads, expected_grads)):
        assert e is not None or g is None or not g.numpy().any()
        if e is not None:
            assert g.shape == arrays[i].shape
            _close(g, e, f"gradient of input {i}")


@pytest.mark.parametrize("spec, shapes, kwargs", cases(OPS, second_order_only=True))
def test_second_derivative_matches_torch(torch, spec, shapes, kwargs, rng):
    """d/d(inputs, v) of <w, d<v, f(x)>/dx>, with random v and w, in both libraries."""
    arrays = make_inputs(spec, shapes, rng)
    ours, theirs = _both(torch, arrays)
    out = spec.fn(*ours, **kwargs)
    expected = spec.torch(*theirs, **kwargs)
    v = rng.standard_normal(out.shape)
    v_ours, v_theirs = tg.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    first = tg.grad(out, ours, grad_outputs=v_ours, create_graph=True, allow_unused=True)
    first_t = torch.autograd.grad(expected, theirs, v_theirs, create_graph=True,
                                  allow_unused=True)
    total, total_t = 0, 0
    for i, (g, e) in enumerate(zip(first, first_t)):
        if e is None:
            assert g is None or not g.numpy().any()
            continue
        _close(g, e, f"first derivative (create_graph) for input {i}")
        if not e.requires_grad:
            continue
        w = rng.standard_normal(arrays[i].shape)
        total = total + (g * tg.tensor(w)).sum()
        total_t = total_t + (e * torch.tensor(w)).sum()
    if isinstance(total_t, int):  # torch's first derivatives are constants: nothing to check
        return
    second = tg.grad(total, ours + [v_ours], allow_unused=True)
    second_t = torch.autograd.grad(total_t, theirs + [v_theirs], allow_unused=True)
    for i, (g, e) in enumerate(zip(second, second_t)):
        if e is None:
            assert g is None or np.allclose(g.numpy(), 0)
        else:
            # None (not connected) and PyTorch's zeros (connected through a constant mask,
            # e.g. relu) are the same derivative.
            _close(g, e, f"second derivative for input {i}")


# -- PyTorch's conventions where the derivative is not defined ----------------------------


def _grad_pair(torch, fn_ours, fn_theirs, *values):
    ours = [tg.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in values]
    theirs = [torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in values]
    fn_ours(*ours).sum().backward()
    fn_theirs(*theirs).sum().backward()
    return [x.grad.numpy() for x in ours], [x.grad.numpy() for x in theirs]


KINKS = [
    ("abs_at_0", tg.abs, lambda x: x.abs(), [[-1.0, 0.0, 2.0]], [[-1.0, 0.0, 1.0]]),
    ("relu_at_0", tg.relu, lambda x: x.relu(), [[-1.0, 0.0, 2.0]], [[0.0, 0.0, 1.0]]),
    ("clip_at_bounds", lambda x: tg.clip(x, -1.0, 1.0), lambda x: x.clamp(-1.0, 1.0),
     [[-2.0, -1.0, 0.0, 1.0, 2.0]], [[0.0, 1.0, 1.0, 1.0, 0.0]]),
    ("maximum_ties_split", tg.maximum, lambda a, b: a.maximum(b),
     [[1.0, 2.0, 3.0], [1.0, 5.0, 0.0]], [[0.5, 0.0, 1.0], [0.5, 1.0, 0.0]]),
    ("minimum_ties_split", tg.minimum, lambda a, b: a.minimum(b),
     [[1.0, 2.0, 3.0], [1.0, 5.0, 0.0]], [[0.5, 1.0, 0.0], [0.5, 0.0, 1.0]]),
    ("max_reduction_ties_split_evenly", lambda x: x.max(), lambda x: x.amax(),
     [[3.0, 1.0, 3.0, 3.0]], [[1 / 3, 0.0, 1 / 3, 1 / 3]]),
    ("min_reduction_ties_split_evenly", lambda x: x.min(axis=1), lambda x: x.amin(dim=1),
     [[[0.0, 0.0], [1.0, 2.0]]], [[[0.5, 0.5], [1.0, 0.0]]]),
    ("sqrt_grad_at_0_is_inf", tg.sqrt, lambda x: x.sqrt(), [[0.0, 4.0]], [[np.inf, 0.25]]),
    ("pow_zero_base_zero_exponent", lambda a, b: a**b, lambda a, b: a**b,
     [[0.0, 0.0, 2.0], [0.0, 2.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, np.log(2.0)]]),
    ("pow_scalar_exponent_0_at_0", lambda x: x**0, lambda x: x**0, [[0.0, 1.0]], [[0.0, 0.0]]),
    ("pow_scalar_exponent_2_at_0", lambda x: x**2.0, lambda x: x**2.0, [[0.0, 1.0]],
     [[0.0, 2.0]]),
]


@pytest.mark.parametrize("name, ours, theirs, values, expected", KINKS,
                         ids=[k[0] for k in KINKS])
def test_gradient_at_kinks_follows_torch(torch, name, ours, theirs, values, expected):
    got, reference = _grad_pair(torch, ours, theirs, *values)
    for g, r, e in zip(got, reference, expected):
        np.testing.assert_allclose(r, e, err_msg="the expected convention is torch's")
        np.testing.assert_allclose(g, r, err_msg=name)


def test_relu_second_derivative_at_0_is_0(torch):
    x = tg.tensor([0.0, 1.0], dtype=np.float64, requires_grad=True)
    (g,) = tg.grad(tg.relu(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), [0.0, 1.0])
    assert not g.requires_grad or not tg.grad(g.sum(), x, allow_unused=True)[0].numpy().any()
