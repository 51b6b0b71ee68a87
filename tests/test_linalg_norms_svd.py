"""The matrix norms made of singular values ('nuc', 2, -2) in ``tg.linalg.matrix_norm``,
``tg.linalg.norm`` and ``tg.norm``, against torch 2.13 in float64: values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

CASES = [
    "torch.linalg.matrix_norm(x, 'nuc')",
    "torch.linalg.matrix_norm(x, 2)",
    "torch.linalg.matrix_norm(x, -2)",
    "torch.linalg.matrix_norm(x, 'nuc', dim=(0, 2), keepdim=True)",
    "torch.linalg.matrix_norm(x, 2, dim=(2, 1))",
    "torch.linalg.norm(x[0], 2)",
    "torch.linalg.norm(x, 'nuc', dim=(1, 2))",
    "torch.norm(x[0], p='nuc')",
    "x[0].norm(p='nuc')",
    "torch.norm(x, p='nuc', dim=(0, 1), keepdim=True)",
]


def _run(lib, code, array):
    x = lib.tensor(array, requires_grad=True)
    y = eval(code, {"torch": lib, "x": x})
    (g,) = lib.autograd.grad(y.sum(), x)
    return y.detach().numpy(), g.numpy()


@pytest.mark.parametrize("code", CASES)
def test_singular_value_norms_as_torch(torch, code):
    array = np.random.default_rng(0).standard_normal((2, 3, 4))
    (value, grad), (want_value, want_grad) = _run(tg, code, array), _run(torch, code, array)
    assert value.shape == want_value.shape
    np.testing.assert_allclose(value, want_value, rtol=1e-10)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-9, atol=1e-12)


def test_singular_value_norms_by_hand():
    a = np.diag([3.0, -2.0, 0.5])
    x = tg.tensor(a, requires_grad=True)
    assert tg.linalg.matrix_norm(x, "nuc").item() == pytest.approx(5.5)
    assert tg.linalg.matrix_norm(x, 2).item() == pytest.approx(3.0)
    assert tg.linalg.matrix_norm(x, -2).item() == pytest.approx(0.5)
    assert tg.gradcheck(lambda t: tg.linalg.matrix_norm(t, "nuc"), (x,))
    with pytest.raises(RuntimeError, match="needs two dims"):
        tg.norm(tg.ones(3), p="nuc")
    with pytest.raises(RuntimeError, match="not supported"):
        tg.linalg.matrix_norm(x, 3)
