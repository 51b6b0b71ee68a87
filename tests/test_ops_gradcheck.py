"""Gradients of every op in the table against central finite differences (float64), and
second derivatives (gradgradcheck) for the entries that ask for them."""

from __future__ import annotations

import numpy as np
import pytest
from optable import OPS, cases, make_inputs

import tinygraph as tg


def _leaves(arrays):
    return [tg.tensor(a, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("spec, shapes, kwargs", cases(OPS))
def test_gradient_matches_finite_differences(spec, shapes, kwargs, rng):
    inputs = _leaves(make_inputs(spec, shapes, rng))
    assert tg.gradcheck(lambda *xs: spec.fn(*xs, **kwargs), inputs)


@pytest.mark.parametrize("spec, shapes, kwargs", cases(OPS, second_order_only=True))
def test_second_derivative_matches_finite_differences(spec, shapes, kwargs, rng):
    inputs = _leaves(make_inputs(spec, shapes, rng))
    assert tg.gradgradcheck(lambda *xs: spec.fn(*xs, **kwargs), inputs)


@pytest.mark.parametrize("spec, shapes, kwargs", cases(OPS))
def test_gradient_of_each_single_input(spec, shapes, kwargs, rng):
    """With only one input requiring grad, the op still returns that input's gradient."""
    arrays = make_inputs(spec, shapes, rng)
    for i in range(spec.nargs):
        inputs = [tg.tensor(a, requires_grad=(j == i)) for j, a in enumerate(arrays)]
        out = spec.fn(*inputs, **kwargs)
        out.backward(tg.ones_like(out))
        assert inputs[i].grad.shape == arrays[i].shape
        assert all(x.grad is None for j, x in enumerate(inputs) if j != i)
        full = _leaves(arrays)
        spec.fn(*full, **kwargs).backward(tg.ones_like(out))
        np.testing.assert_allclose(inputs[i].grad.numpy(), full[i].grad.numpy())
