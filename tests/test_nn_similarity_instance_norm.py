"""F.cosine_similarity, F.pairwise_distance and their Modules, and instance normalization,
against PyTorch: values, gradients (a near-zero row included, where PyTorch's clamp of the
norm sits outside the graph) and second derivatives in float64, reprs, state_dicts."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

SIMILARITIES = [("cosine_similarity", {}), ("cosine_similarity", {"dim": 0, "eps": 1e-3}),
                ("pairwise_distance", {}), ("pairwise_distance", {"p": 1.0, "keepdim": True}),
                ("pairwise_distance", {"p": 3.0, "eps": 0.0})]


@pytest.mark.parametrize("name, kwargs", SIMILARITIES, ids=[f"{n}-{k}" for n, k in SIMILARITIES])
def test_similarities_match_torch(torch, name, kwargs):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((1, 5))
    a[0] = 1e-10  # a near-zero row: the clamped norm
    grads = []
    for m in (tg, torch):
        x = m.tensor(a, requires_grad=True)
        y = getattr(m.nn.functional, name)(x, m.tensor(b), **kwargs)
        (g,) = m.autograd.grad((y ** 2).sum(), x, create_graph=True)
        (gg,) = m.autograd.grad((g[1:] ** 2).sum(), x)
        grads.append((y.detach().numpy(), g.detach().numpy(), gg.numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_similarity_modules_as_torch(torch):
    for make in (lambda nn: nn.CosineSimilarity(dim=0), lambda nn: nn.PairwiseDistance(1.0)):
        ours, theirs = make(tg.nn), make(torch.nn)
        assert repr(ours) == repr(theirs)
        a, b = np.ones((3, 2)), np.arange(6.0).reshape(3, 2)
        np.testing.assert_allclose(ours(tg.tensor(a), tg.tensor(b)).numpy(),
                                   theirs(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-12)


NORMS = [("InstanceNorm2d", (2, 3, 4, 5), {}), ("InstanceNorm2d", (3, 4, 5), {"affine": True}),
         ("InstanceNorm1d", (2, 3, 6), {"affine": True, "bias": False, "eps": 1e-3})]


@pytest.mark.parametrize("name, shape, kwargs", NORMS, ids=[f"{n}-{k}" for n, _, k in NORMS])
def test_instance_norm_matches_torch(torch, name, shape, kwargs):
    rng = np.random.default_rng(1)
    ours, theirs = getattr(tg.nn, name)(3, **kwargs).double(), \
        getattr(torch.nn, name)(3, **kwargs).double()
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    state = {k: rng.standard_normal(v.shape) for k, v in theirs.state_dict().items()}
    theirs.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    ours.load_state_dict(state)
    x = rng.standard_normal(shape)
    xa, xb = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(xa), theirs(xb)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-10, atol=1e-12)
    (ya ** 3).sum().backward()
    (yb ** 3).sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-9, atol=1e-11)
    for (key, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, err_msg=key)


def test_instance_norm_keeps_running_statistics_when_asked():
    """(Parity with torch: tests/test_pytorch_programs_classics4.py.)"""
    layer = tg.nn.InstanceNorm2d(3, track_running_stats=True)
    assert sorted(layer.state_dict()) == ["num_batches_tracked", "running_mean", "running_var"]
