"""Smaller corners of PyTorch's namespace a training script touches, against torch 2.13:
``torch.special``, ``torch.utils.checkpoint``, and shapes as ``torch.Size``."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

X = np.linspace(-2.5, 2.5, 11)
UNIT = np.linspace(0.05, 0.95, 11)


@pytest.mark.parametrize("name, values", [
    ("expit", X), ("logit", UNIT), ("erf", X), ("erfc", X), ("exp2", X), ("expm1", X),
    ("log1p", UNIT), ("ndtr", X), ("round", X * 3.3),
])
def test_special_functions_match_torch_with_gradients(torch, name, values):
    ours = tg.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    got, want = getattr(tg.special, name)(ours), getattr(torch.special, name)(theirs)
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-6, atol=1e-12)
    (got * got).sum().backward()
    (want * want).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_special_softmax_family_takes_dim(torch, name):
    values = X.reshape(1, -1)
    got = getattr(tg.special, name)(tg.tensor(values), dim=1)
    want = getattr(torch.special, name)(torch.tensor(values), dim=1)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_special_xlogy_and_logsumexp(torch):
    a, b = X * X, UNIT[:11]
    np.testing.assert_allclose(tg.special.xlogy(tg.tensor(a), tg.tensor(b)).numpy(),
                               torch.special.xlogy(torch.tensor(a), torch.tensor(b)).numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(tg.special.logsumexp(tg.tensor(X), 0).numpy(),
                               torch.special.logsumexp(torch.tensor(X), 0).numpy(), rtol=1e-6)


def test_a_special_function_tinygraph_lacks_says_so():
    with pytest.raises(AttributeError, match="torch.special.zeta is not implemented.*expit"):
        tg.special.zeta  # noqa: B018


def _checkpointed_blocks(torch, checkpoint_module, seed=0):
    """Two residual blocks run through checkpoint, then checkpoint_sequential."""
    nn = torch.nn
    rng = np.random.default_rng(seed)
    blocks = nn.Sequential(*(nn.Sequential(nn.Linear(4, 4), nn.Tanh()) for _ in range(3)))
    blocks.double()
    for p in blocks.parameters():
        p.data = torch.tensor(rng.standard_normal(tuple(p.shape)))
    x = torch.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    h = x + checkpoint_module.checkpoint(blocks[0], x, use_reentrant=False)
    h = checkpoint_module.checkpoint_sequential(blocks, 2, h, use_reentrant=False)
    loss = (h * h).mean()
    loss.backward()
    return loss.item(), x.grad.numpy(), [p.grad.numpy() for p in blocks.parameters()]


def test_checkpoint_gives_torchs_values_and_gradients(torch):
    import torch.utils.checkpoint as torch_checkpoint

    import tinygraph.utils.checkpoint as tg_checkpoint

    want = _checkpointed_blocks(torch, torch_checkpoint)
    got = _checkpointed_blocks(tg, tg_checkpoint)
    assert got[0] == pytest.approx(want[0], rel=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-10)
    for ours, theirs in zip(got[2], want[2]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_shape_is_a_size_as_in_torch(torch):
    for lib in (torch, tg):
        x = lib.ones(2, 3, 4)
        assert isinstance(x.shape, lib.Size) and isinstance(x.shape, tuple)
        assert x.shape == (2, 3, 4) == x.size()
        assert x.shape.numel() == 24
        assert isinstance(x.shape[1:], lib.Size) and x.shape[1:] == (3, 4)
        assert x.shape[-1] == 4 and type(x.shape[0]) is int
        assert lib.ones(2, 3).T.shape == (3, 2) and lib.ones(()).shape == ()
    assert repr(tg.ones(2, 3).shape) == "tg.Size([2, 3])"
