"""Helpers for tests that run the same code twice, on torch and on tinygraph (passed in as
``torch``): start both models from the same weights, compare what they end with, compare
what a snippet computes or refuses."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg


def randomize(torch, model, seed, scale=0.3):
    """Every parameter drawn from NumPy, loaded by name (buffers keep their defaults; a tied
    weight is drawn once, under its first name)."""
    rng = np.random.default_rng(seed)
    result = model.load_state_dict(
        {name: torch.tensor(rng.standard_normal(tuple(p.shape)) * scale)
         for name, p in model.named_parameters()}, strict=False)
    assert not result.unexpected_keys


def weights(model):
    """A model's state_dict as float64 NumPy arrays, whichever library made it."""
    return {key: np.array(value.numpy() if hasattr(value, "numpy") else value, dtype=np.float64)
            for key, value in model.state_dict().items()}


def run_code(lib, code: str):
    """Run ``code`` with ``torch`` bound to ``lib`` (and ``np``); what it left in ``r``."""
    env = {"torch": lib, "np": np}
    exec(code, env)
    return env.get("r")


def same_as_torch(torch, code: str) -> None:
    """``code`` (which sets ``r``) gives equal values, dtype and shape in both libraries."""
    expected, got = run_code(torch, code), run_code(tg, code)
    assert isinstance(got, tg.Tensor), code
    want = expected.detach().numpy()
    assert got.numpy().dtype == want.dtype, code
    assert got.shape == want.shape, code
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, err_msg=code)


def raises_as_torch(torch, code: str) -> None:
    """``code`` raises in both, and tinygraph's error is an instance of torch's built-in type."""
    with pytest.raises(Exception) as expected:
        run_code(torch, code)
    builtin = next(k for k in type(expected.value).__mro__ if k.__module__ == "builtins")
    with pytest.raises(builtin):
        run_code(tg, code)
