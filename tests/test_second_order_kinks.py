"""Second derivatives through mask-based backwards, connected exactly as PyTorch's.

relu' and abs' are piecewise constant, so the second derivative is 0 wherever it exists.
PyTorch's relu and abs backwards stay connected to the input (a second derivative gives
zeros); its clamp, amax/amin and maximum backwards do not (the first gradient of a sum does
not require grad). tinygraph matches both, op for op.
"""

import numpy as np
import pytest

import tinygraph as tg

VALUES = np.array([[-1.5, -0.25, 0.75], [0.3, 2.0, -0.8]])
CONNECTED = {
    "relu": (tg.relu, lambda t, x: t.relu(x)),
    "abs": (tg.abs, lambda t, x: t.abs(x)),
}
DISCONNECTED = {
    "clip": (lambda x: tg.clip(x, -0.5, 0.5), lambda t, x: x.clamp(-0.5, 0.5)),
    "max": (lambda x: tg.max(x, axis=1), lambda t, x: x.amax(1)),
    "min": (lambda x: tg.min(x, axis=1), lambda t, x: x.amin(1)),
    "maximum": (lambda x: tg.maximum(x, 0.25), lambda t, x: t.maximum(x, t.tensor(0.25))),
}


def _first_gradient(f):
    x = tg.tensor(VALUES, requires_grad=True)
    (g,) = tg.grad(f(x).sum(), x, create_graph=True)
    return x, g


@pytest.mark.parametrize("name", sorted(CONNECTED))
def test_second_derivative_is_zero_not_unused(name):
    x, g = _first_gradient(CONNECTED[name][0])
    (h,) = tg.grad((g * g).sum() + g.sum(), x)
    np.testing.assert_array_equal(h.numpy(), np.zeros_like(VALUES))


@pytest.mark.parametrize("name", sorted(DISCONNECTED))
def test_piecewise_constant_gradient_is_a_constant(name):
    _, g = _first_gradient(DISCONNECTED[name][0])
    assert not g.requires_grad


@pytest.mark.parametrize("name", sorted(CONNECTED) + sorted(DISCONNECTED))
def test_connectivity_and_values_match_torch(name, torch):
    ours, theirs = {**CONNECTED, **DISCONNECTED}[name]
    _, g = _first_gradient(ours)
    x = torch.tensor(VALUES, requires_grad=True)
    (g_t,) = torch.autograd.grad(theirs(torch, x).sum(), x, create_graph=True)
    assert g.requires_grad == g_t.requires_grad
    np.testing.assert_allclose(g.numpy(), g_t.detach().numpy(), rtol=1e-12, atol=0)
