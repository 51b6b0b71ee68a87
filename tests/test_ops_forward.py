"""Forward values of every op in the table against its NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest
from optable import OPS, cases, make_inputs

import tinygraph as tg


@pytest.mark.parametrize("spec, shapes, kwargs", cases(OPS))
def test_forward_matches_numpy(spec, shapes, kwargs, rng):
    arrays = make_inputs(spec, shapes, rng)
    expected = np.asarray(spec.ref(*arrays, **kwargs))
    out = spec.fn(*[tg.tensor(a, requires_grad=True) for a in arrays], **kwargs)
    assert isinstance(out, tg.Tensor)
    assert out.shape == expected.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("spec, shapes, kwargs", cases(OPS))
def test_forward_without_grad_records_nothing(spec, shapes, kwargs, rng):
    arrays = make_inputs(spec, shapes, rng)
    out = spec.fn(*[tg.tensor(a) for a in arrays], **kwargs)
    assert out.grad_fn is None and not out.requires_grad
    with tg.no_grad():
        out = spec.fn(*[tg.tensor(a, requires_grad=True) for a in arrays], **kwargs)
    assert out.grad_fn is None and not out.requires_grad
    np.testing.assert_allclose(out.numpy(), np.asarray(spec.ref(*arrays, **kwargs)),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("spec, shapes, kwargs", cases(OPS))
def test_float32_inputs_stay_float32(spec, shapes, kwargs, rng):
    arrays = [a.astype(np.float32) for a in make_inputs(spec, shapes, rng)]
    kwargs = {k: (np.float32 if v is np.float64 else v) for k, v in kwargs.items()}
    inputs = [tg.tensor(a, requires_grad=True) for a in arrays]
    out = spec.fn(*inputs, **kwargs)
    assert out.dtype == np.float32
    out.backward(tg.ones_like(out), retain_graph=True)
    for x in inputs:
        assert x.grad is None or x.grad.dtype == np.float32
    (first,) = tg.grad(out, inputs[:1], grad_outputs=tg.ones_like(out), allow_unused=True)
    assert first is None or first.dtype == np.float32
