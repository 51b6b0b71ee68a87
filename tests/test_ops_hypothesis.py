"""Property tests: hypothesis draws mutually broadcastable shapes for the broadcasting ops,
and axes for the reductions; gradients must reduce back to each input's shape."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import (
    array_shapes,
    arrays,
    basic_indices,
    integer_array_indices,
    mutually_broadcastable_shapes,
)
from optable import OPS

import tinygraph as tg

BROADCASTING = [spec for spec in OPS if spec.broadcasting]
REDUCTIONS = [spec for spec in OPS
              if spec.name in ("sum", "mean", "amax", "amin", "logsumexp", "prod")]


def _draw_inputs(data, spec, shapes):
    values = []
    for i, shape in enumerate(shapes):
        low, high = spec.domain(i)
        elements = st.floats(low, high, allow_nan=False, allow_infinity=False)
        values.append(data.draw(arrays(np.float64, shape, elements=elements, unique=False)))
    return values


@pytest.mark.parametrize("spec", BROADCASTING, ids=lambda s: s.name)
@given(data=st.data())
def test_broadcasting_forward_and_gradient_shapes(spec, data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=spec.nargs, min_dims=0,
                                                     max_dims=4, max_side=3))
    values = _draw_inputs(data, spec, shapes.input_shapes)
    inputs = [tg.tensor(v, requires_grad=True) for v in values]
    out = spec.fn(*inputs)
    assert out.shape == shapes.result_shape
    np.testing.assert_allclose(out.numpy(), spec.ref(*values), rtol=1e-12, atol=1e-12)
    upstream = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(tg.tensor(upstream))
    for x, v in zip(inputs, values):
        assert x.grad.shape == v.shape
        assert x.grad.dtype == np.float64


@pytest.mark.parametrize("spec", [s for s in BROADCASTING if s.name in ("add", "sub", "mul")],
                         ids=lambda s: s.name)
@given(data=st.data())
def test_broadcast_gradient_is_the_upstream_sum(spec, data):
    """For a + b (and a - b, and a * 1) each input's gradient is the upstream gradient summed
    over the axes broadcasting added or stretched."""
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                     max_side=3))
    a_shape, b_shape = shapes.input_shapes
    a = tg.tensor(np.ones(a_shape), requires_grad=True)
    b = tg.tensor(np.ones(b_shape), requires_grad=True)
    out = spec.fn(a, b)
    upstream = np.arange(int(np.prod(out.shape)), dtype=np.float64).reshape(out.shape)
    out.backward(tg.tensor(upstream))
    for x, shape in ((a, a_shape), (b, b_shape)):
        lead = len(upstream.shape) - len(shape)
        expected = upstream.sum(axis=tuple(range(lead)))
        stretched = tuple(i for i, n in enumerate(shape) if n == 1)
        expected = expected.sum(axis=stretched, keepdims=True).reshape(shape)
        if spec.name == "sub" and x is b:
            expected = -expected
        np.testing.assert_allclose(x.grad.numpy(), expected)


@pytest.mark.parametrize("spec", BROADCASTING, ids=lambda s: s.name)
@given(data=st.data())
def test_broadcasting_gradient_matches_torch(torch, spec, data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=spec.nargs, min_dims=0,
                                                     max_dims=3, max_side=3))
    values = _draw_inputs(data, spec, shapes.input_shapes)
    ours = [tg.tensor(v, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    out, expected = spec.fn(*ours), spec.torch(*theirs)
    upstream = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(tg.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for x, t in zip(ours, theirs):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("spec", REDUCTIONS, ids=lambda s: s.name)
@given(data=st.data())
def test_reduction_over_drawn_axes_matches_gradcheck(spec, data):
    shape = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=4).map(tuple))
    axis = data.draw(st.none() | st.lists(st.integers(-len(shape), len(shape) - 1),
                                          min_size=1, max_size=len(shape), unique_by=lambda
                                          a: a % len(shape)).map(tuple))
    keepdims = data.draw(st.booleans())
    (value,) = _draw_inputs(data, spec, [shape])
    x = tg.tensor(value, requires_grad=True)
    out = spec.fn(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.numpy(), spec.ref(value, axis=axis, keepdims=keepdims),
                               rtol=1e-12, atol=1e-12)
    if spec.name in ("amax", "amin"):  # drawn floats may tie: finite differences do not apply
        return
    assert tg.gradcheck(lambda t: spec.fn(t, axis=axis, keepdims=keepdims), x)


@given(data=st.data())
def test_basic_indexing_forward_and_gradient(data):
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
    index = data.draw(basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    value = np.arange(float(np.prod(shape))).reshape(shape)
    x = tg.tensor(value, requires_grad=True)
    out = x[index]
    np.testing.assert_array_equal(out.numpy(), value[index])
    upstream = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(tg.tensor(upstream))
    expected = np.zeros(shape)
    expected[index] += upstream
    np.testing.assert_array_equal(x.grad.numpy(), expected)


@given(data=st.data())
def test_integer_array_indexing_accumulates_repeated_indices(data):
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
    index = data.draw(integer_array_indices(shape, result_shape=array_shapes(max_dims=2,
                                                                             max_side=5)))
    value = np.arange(float(np.prod(shape))).reshape(shape)
    x = tg.tensor(value, requires_grad=True)
    out = x[index]
    np.testing.assert_array_equal(out.numpy(), value[index])
    upstream = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(tg.tensor(upstream))
    expected = np.zeros(shape)
    np.add.at(expected, index, upstream)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12, atol=1e-12)
