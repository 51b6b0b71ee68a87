"""``tg.linalg.solve`` and the triangular and Cholesky solves by LU (one ``linalg_solve`` op),
against torch 2.13 in float64: values, gradients and second derivatives, vector and
``left=False`` forms, batch broadcasting, the refusals; and the accuracy an inverse lacked."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from twins import raises_as_torch

import tinygraph as tg

RNG = np.random.default_rng(0)
ARRAYS = {"A": RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3), "B": RNG.standard_normal((2, 3, 4)),
          "b": RNG.standard_normal((2, 3)), "v": RNG.standard_normal(3)}

CASES = [
    ("torch.linalg.solve(A, B)", "AB"),
    ("torch.linalg.solve(A, b)", "Ab"),
    ("torch.linalg.solve(A[0], v)", "Av"),
    ("torch.linalg.solve(A, B.mT, left=False)", "AB"),
    ("torch.linalg.solve(A, B[0])", "AB"),
    ("torch.linalg.solve(A[0], B)", "AB"),
    ("torch.linalg.solve_triangular(A.triu(), B, upper=True)", "AB"),
    ("torch.linalg.solve_triangular(A.tril(), B.mT, upper=False, left=False)", "AB"),
    ("torch.linalg.solve_triangular(A, B, upper=False, unitriangular=True)", "AB"),
    ("torch.cholesky_solve(B, torch.linalg.cholesky(A @ A.mT))", "AB"),
    ("torch.cholesky_solve(B, torch.linalg.cholesky(A @ A.mT, upper=True), upper=True)", "AB"),
    ("torch.triangular_solve(B, A.triu())[0]", "AB"),
    ("torch.triangular_solve(B, A.tril(), upper=False, transpose=True)[0]", "AB"),
]


def _derivatives(lib, code, names):
    env = {"torch": lib, **{k: lib.tensor(a, requires_grad=True) for k, a in ARRAYS.items()}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # triangular_solve is deprecated
        y = eval(code, env)
    inputs = [env[k] for k in names]
    grads = lib.autograd.grad((y * y).sum(), inputs, create_graph=True)
    second = lib.autograd.grad(sum((g * g).sum() for g in grads), inputs)
    return [y.detach().numpy()] + [g.detach().numpy() for g in grads] + [g.numpy() for g in second]


@pytest.mark.parametrize("code, names", CASES)
def test_solves_as_torch(torch, code, names):
    for ours, theirs in zip(_derivatives(tg, code, names), _derivatives(torch, code, names)):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("code", [
    "torch.linalg.solve(torch.ones(2, 2), torch.ones(2, dtype=torch.float64))",
    "torch.linalg.solve(torch.zeros(2, 2), torch.ones(2))",
    "torch.linalg.solve(torch.ones(2, 2, dtype=torch.int64), torch.ones(2, dtype=torch.int64))",
    "torch.linalg.solve(torch.ones(2, 3), torch.ones(2))",
    "torch.linalg.solve(torch.eye(2), torch.ones(3))",
    "torch.linalg.solve(torch.eye(3), torch.ones(3), left=False)",
])
def test_solve_refuses_as_torch(torch, code):
    raises_as_torch(torch, code)


def test_an_ill_conditioned_solve_is_as_accurate_as_lapack():
    n = 9
    hilbert = 1.0 / (np.arange(n)[:, None] + np.arange(n)[None, :] + 1.0)  # cond ~ 5e11
    x_true = np.linspace(-1.0, 1.0, n)[:, None]
    x = tg.linalg.solve(tg.tensor(hilbert), tg.tensor(hilbert @ x_true)).numpy()
    np.testing.assert_allclose(x, np.linalg.solve(hilbert, hilbert @ x_true), rtol=0, atol=0)
