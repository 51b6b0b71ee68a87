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


def same_run(ours, theirs, rtol=1e-9, weights_rtol=1e-8, weights_atol=1e-11) -> None:
    """One program's ``(losses, metrics, weights)`` from its tinygraph and its torch run."""
    np.testing.assert_allclose(ours[0], theirs[0], rtol=rtol)
    np.testing.assert_allclose(np.asarray(ours[1], dtype=np.float64),
                               np.asarray(theirs[1], dtype=np.float64), rtol=rtol, atol=1e-12)
    assert list(ours[2]) == list(theirs[2])
    for name in ours[2]:
        np.testing.assert_allclose(ours[2][name], theirs[2][name], rtol=weights_rtol,
                                   atol=weights_atol, err_msg=name)


def distribution_run(lib, make, compute, *arrays):
    """Leaves (float64, requiring grad) from ``arrays``, the distribution ``make`` builds, a
    tensor from ``compute``: its values and the leaves' gradients."""
    leaves = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = compute(make(lib, *leaves), lib)
    out.sum().backward()
    return out.detach().numpy().copy(), [None if leaf.grad is None else leaf.grad.numpy().copy()
                                         for leaf in leaves]


def same_distribution(torch, make, compute, *arrays) -> None:
    """``compute(make(...))`` and its gradients agree on tinygraph and torch."""
    ours, our_grads = distribution_run(tg, make, compute, *arrays)
    theirs, their_grads = distribution_run(torch, make, compute, *arrays)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)
    for mine, want in zip(our_grads, their_grads):
        assert (mine is None) == (want is None)
        if mine is not None:
            np.testing.assert_allclose(mine, want, rtol=1e-6, atol=1e-12)
