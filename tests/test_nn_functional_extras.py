"""The less common nn.functional entries against PyTorch: in-place activation spellings, rrelu,
gumbel_softmax, lp pooling, local response normalization, channel shuffle, the
*_with_indices poolings, alpha dropout, the deprecated upsample_* and the triplet loss with a
distance function: values, gradients (float64), reprs and the random ones' statistics."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

X4 = np.random.default_rng(0).standard_normal((2, 6, 5, 4))
X3 = np.random.default_rng(1).standard_normal((2, 6, 7))
CASES = [
    ("lp_pool2d", X4, (2.0, 2), {}), ("lp_pool2d", np.abs(X4) + 0.1, (3.0, (2, 3)),
                                        {"stride": 1}),
    ("lp_pool1d", X3, (2.0, 3), {"ceil_mode": True}),
    ("local_response_norm", X4, (3,), {}), ("local_response_norm", X3, (4,),
                                            {"alpha": 0.1, "beta": 0.5, "k": 2.0}),
    ("channel_shuffle", X4, (3,), {}),
    ("rrelu", X4, (), {}), ("upsample_nearest", X4, (), {"scale_factor": 2}),
    ("upsample_bilinear", X4, (), {"size": (7, 3)}),
]


@pytest.mark.parametrize("name, x, args, kwargs", CASES, ids=[f"{c[0]}-{i}"
                                                              for i, c in enumerate(CASES)])
def test_functions_match_torch(torch, name, x, args, kwargs):
    results = []
    for m in (tg, torch):
        t = m.tensor(x, requires_grad=True)
        y = getattr(m.nn.functional, name)(t, *args, **kwargs)
        (y * y).sum().backward()
        results.append((y.detach().numpy(), t.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, args", [("relu_", ()), ("elu_", (0.5,)), ("selu_", ()),
                                        ("celu_", (2.0,)), ("leaky_relu_", (0.2,)),
                                        ("hardtanh_", (-0.5, 0.5)), ("threshold_", (0.1, 3.0)),
                                        ("rrelu_", ())])
def test_in_place_spellings_change_their_input_as_torch(torch, name, args):
    results = []
    for m in (tg, torch):
        x = m.tensor(X3, requires_grad=True)
        y = x * 1.0
        out = getattr(m.nn.functional, name)(y, *args)
        assert out is y
        (y * y).sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("name, args", [("max_pool2d_with_indices", (2,)),
                                        ("adaptive_max_pool2d_with_indices", ((2, 3),))])
def test_with_indices_spellings(torch, name, args):
    ours = getattr(tg.nn.functional, name)(tg.tensor(X4), *args)
    theirs = getattr(torch.nn.functional, name)(torch.tensor(X4), *args)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_rrelu_in_training_draws_slopes_between_its_bounds():
    x = -tg.ones(10000)
    y = tg.nn.functional.rrelu(x, 0.1, 0.3, training=True).numpy()
    assert -0.3 <= y.min() and y.max() <= -0.1 and abs(y.mean() + 0.2) < 0.005


def test_gumbel_softmax_samples_by_the_logits_and_hard_is_straight_through():
    logits = tg.tensor(np.log([[0.1, 0.6, 0.3]] * 4000), requires_grad=True)
    soft = tg.nn.functional.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).detach().numpy(), 1.0, rtol=1e-6)
    hard = tg.nn.functional.gumbel_softmax(logits, hard=True)
    counts = hard.detach().numpy().sum(0) / 4000
    np.testing.assert_allclose(counts, [0.1, 0.6, 0.3], atol=0.03)
    (hard[:, 1]).sum().backward()  # the soft sample's gradient flows through the one-hot
    assert np.abs(logits.grad.numpy()).sum() > 0


def test_alpha_dropout_keeps_mean_and_variance_of_selu_activations():
    x = tg.nn.functional.selu(tg.randn(200000))
    y = tg.nn.functional.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean() - x.numpy().mean()) < 0.01 and abs(y.std() - x.numpy().std()) < 0.01
    assert tg.nn.functional.alpha_dropout(x, 0.2) is x  # training=False by default, as torch
    channels = tg.nn.functional.feature_alpha_dropout(tg.ones(50, 8, 3), 0.5, True).numpy()
    assert np.all(channels.min(-1) == channels.max(-1))


def test_triplet_with_distance_and_the_modules(torch):
    a, p, n = (np.random.default_rng(k).standard_normal((5, 3)) for k in range(3))
    for kwargs in ({}, {"swap": True, "margin": 0.5},
                   {"distance_function": "cos"}):
        values = []
        for m in (tg, torch):
            options = dict(kwargs)
            if options.get("distance_function") == "cos":
                options["distance_function"] = (
                    lambda u, v, m=m: 1.0 - m.nn.functional.cosine_similarity(u, v))
            t = m.tensor(a, requires_grad=True)
            loss = m.nn.functional.triplet_margin_with_distance_loss(
                t, m.tensor(p), m.tensor(n), **options)
            loss.backward()
            values.append((loss.item(), t.grad.numpy()))
        assert values[0][0] == pytest.approx(values[1][0], rel=1e-12)
        np.testing.assert_allclose(values[0][1], values[1][1], rtol=1e-10)
    for make in (lambda nn: nn.LPPool2d(2, 3), lambda nn: nn.LocalResponseNorm(3),
                 lambda nn: nn.ChannelShuffle(2), lambda nn: nn.AlphaDropout(0.2),
                 lambda nn: nn.RReLU(0.1, 0.3, True),
                 lambda nn: nn.TripletMarginWithDistanceLoss()):
        assert repr(make(tg.nn)) == repr(make(torch.nn))
