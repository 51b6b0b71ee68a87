"""The margin, embedding and likelihood losses against PyTorch: every reduction, their
options, values and gradients (float64) with respect to every differentiable argument, the
Modules' reprs, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

RNG = np.random.default_rng(0)
X1, X2, X3 = (RNG.standard_normal((5, 4)) for _ in range(3))
SIGNS = np.where(RNG.random(5) > 0.5, 1.0, -1.0)
SIGNS_2D = np.where(RNG.random((5, 4)) > 0.5, 1.0, -1.0)
MULTI = (RNG.random((5, 4)) > 0.5).astype(np.float64)
LABELS = RNG.integers(0, 4, 5)
COUNTS = RNG.integers(0, 5, (5, 4)).astype(np.float64)
VAR = RNG.random((5, 4)) + 0.1
VAR[0, 0] = 1e-9  # below eps: clamped

CASES = [
    ("margin_ranking_loss", (X1[:, 0], X2[:, 0]), (SIGNS,), {"margin": 0.3}),
    ("hinge_embedding_loss", (X1,), (SIGNS_2D,), {"margin": 0.5}),
    ("soft_margin_loss", (X1,), (SIGNS_2D,), {}),
    ("multilabel_soft_margin_loss", (X1,), (MULTI,), {}),
    ("multilabel_soft_margin_loss", (X1,), (MULTI,), {"weight": np.arange(1.0, 5.0)}),
    ("multi_margin_loss", (X1,), (LABELS,), {}),
    ("multi_margin_loss", (X1,), (LABELS,), {"p": 2, "margin": 0.5,
                                              "weight": np.arange(1.0, 5.0)}),
    ("cosine_embedding_loss", (X1, X2), (SIGNS,), {"margin": 0.1}),
    ("triplet_margin_loss", (X1, X2, X3), (), {}),
    ("triplet_margin_loss", (X1, X2, X3), (), {"p": 1.0, "swap": True, "margin": 2.0}),
    ("poisson_nll_loss", (X1,), (COUNTS,), {}),
    ("poisson_nll_loss", (np.abs(X1) + 0.1,), (COUNTS,), {"log_input": False, "full": True}),
    ("gaussian_nll_loss", (X1, X2, VAR), (), {}),
    ("gaussian_nll_loss", (X1, X2, VAR[:, 0]), (), {"full": True}),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, inputs, constants, kwargs", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_losses_match_torch(torch, name, inputs, constants, kwargs, reduction):
    results = []
    for m in (tg, torch):
        tensors = [m.tensor(x, requires_grad=True) for x in inputs]
        options = {k: m.tensor(v) if isinstance(v, np.ndarray) else v
                   for k, v in kwargs.items()}
        loss = getattr(m.nn.functional, name)(*tensors, *(m.tensor(c) for c in constants),
                                              reduction=reduction, **options)
        (loss * loss).sum().backward()
        results.append([loss.detach().numpy()] + [t.grad.numpy() for t in tensors])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda nn: nn.MarginRankingLoss(0.2), lambda nn: nn.HingeEmbeddingLoss(),
    lambda nn: nn.CosineEmbeddingLoss(0.1, reduction="sum"), lambda nn: nn.SoftMarginLoss(),
    lambda nn: nn.MultiLabelSoftMarginLoss(), lambda nn: nn.MultiMarginLoss(p=2),
    lambda nn: nn.TripletMarginLoss(swap=True), lambda nn: nn.PoissonNLLLoss(full=True),
    lambda nn: nn.GaussianNLLLoss(eps=1e-3),
])
def test_loss_modules_print_as_torch(torch, make):
    assert repr(make(tg.nn)) == repr(make(torch.nn))


@pytest.mark.parametrize("call", [
    lambda m: m.nn.functional.gaussian_nll_loss(m.ones(3, 2), m.ones(3, 2), m.ones(2, 3)),
    lambda m: m.nn.functional.gaussian_nll_loss(m.ones(3, 2), m.ones(3, 2), -m.ones(3, 2)),
    lambda m: m.nn.functional.multi_margin_loss(m.ones(3, 2), m.tensor([0, 1, 0]), p=3),
])
def test_errors_are_torchs(torch, call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(theirs.type):
        call(tg)
