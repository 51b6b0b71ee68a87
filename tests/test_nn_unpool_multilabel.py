"""Max unpooling (F.max_unpool1d/2d/3d, nn.MaxUnpool1d/2d/3d) and the multi-label margin loss
(F.multilabel_margin_loss, nn.MultiLabelMarginLoss) against torch 2.13: values, gradients,
output_size, unbatched inputs, reprs, and the errors torch raises."""

from __future__ import annotations

import numpy as np
import pytest
from twins import raises_as_torch

import tinygraph as tg
from tinygraph import nn
from tinygraph.nn import functional as F

POOLS = [  # (nd, input shape, kernel, stride, padding)
    (1, (2, 3, 9), 3, 2, 1), (1, (3, 8), 2, None, 0), (2, (2, 2, 6, 8), 2, None, 0),
    (2, (2, 2, 7, 7), 3, 2, 1), (2, (3, 5, 5), 2, 1, 0), (3, (1, 2, 4, 6, 4), 2, None, 0),
    (3, (2, 4, 4, 3), (2, 2, 1), None, 0),
]


def _pool_unpool(lib, nd, shape, kernel, stride, padding, x, weight, output_size=None,
                 module=False):
    F_ = lib.nn.functional
    xs = lib.tensor(x, requires_grad=True)
    pooled, indices = getattr(F_, f"max_pool{nd}d")(xs, kernel, stride, padding,
                                                    return_indices=True)
    if module:
        layer = getattr(lib.nn, f"MaxUnpool{nd}d")(kernel, stride, padding)
        y = layer(pooled, indices, output_size=output_size)
    else:
        y = getattr(F_, f"max_unpool{nd}d")(pooled, indices, kernel, stride, padding,
                                            output_size)
    (y * lib.tensor(weight[tuple(slice(0, n) for n in y.shape)])).sum().backward()
    return y.detach().numpy(), indices.numpy(), xs.grad.numpy()


@pytest.mark.parametrize("nd, shape, kernel, stride, padding", POOLS)
@pytest.mark.parametrize("module", [False, True])
def test_pool_then_unpool_matches_torch(torch, nd, shape, kernel, stride, padding, module):
    x = np.random.default_rng(0).standard_normal(shape)
    weight = np.random.default_rng(1).standard_normal(tuple(n + 4 for n in shape))
    ours = _pool_unpool(tg, nd, shape, kernel, stride, padding, x, weight, module=module)
    theirs = _pool_unpool(torch, nd, shape, kernel, stride, padding, x, weight, module=module)
    for got, want in zip(ours, theirs):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_output_size_restores_an_odd_input_size(torch):
    x = np.random.default_rng(2).standard_normal((2, 3, 7, 5))
    weight = np.random.default_rng(3).standard_normal((2, 3, 7, 5))
    for output_size in [(7, 5), (2, 3, 7, 5), [7, 5]]:
        ours = _pool_unpool(tg, 2, x.shape, 2, None, 0, x, weight, output_size, module=True)
        theirs = _pool_unpool(torch, 2, x.shape, 2, None, 0, x, weight, output_size,
                              module=True)
        for got, want in zip(ours, theirs):
            np.testing.assert_allclose(got, want, rtol=1e-12)
        assert ours[0].shape == x.shape


def test_unpool_is_differentiable_twice(torch):
    x = tg.tensor(np.random.default_rng(4).standard_normal((1, 2, 4, 4)), requires_grad=True)
    pooled, indices = F.max_pool2d(x, 2, return_indices=True)
    p = pooled.detach().requires_grad_()
    assert tg.autograd.gradgradcheck(lambda v: F.max_unpool2d(v, indices, 2) ** 2, (p,))


def test_max_unpool_reprs_match_torch(torch):
    for args in [(2,), (3, 1, 1), ((2, 1),)]:
        assert repr(nn.MaxUnpool2d(*args)) == repr(torch.nn.MaxUnpool2d(*args))
    assert repr(nn.MaxUnpool1d(2, 1)) == repr(torch.nn.MaxUnpool1d(2, 1))
    assert repr(nn.MaxUnpool3d((2, 2, 1))) == repr(torch.nn.MaxUnpool3d((2, 2, 1)))


SETUP = ("F = torch.nn.functional\nx = torch.arange(32.).reshape(2, 1, 4, 4)\n"
         "y, i = F.max_pool2d(x, 2, return_indices=True)\n")


@pytest.mark.parametrize("code", [
    "F.max_unpool2d(y, i, 2, output_size=(6, 5))",
    "F.max_unpool2d(y, i, 2, output_size=(1, 4, 4))",
    "F.max_unpool2d(y, i, 2, output_size=(3, 3))",
    "F.max_unpool2d(y, i + 100, 2)",
    "F.max_unpool2d(y, -i, 2)",
    "F.max_unpool2d(y, i[:1], 2)",
    "F.max_unpool2d(y, i.float(), 2)",
    "F.max_unpool2d(y, i.int(), 2)",
    "F.max_unpool1d(y[0], i[0], 2)",
])
def test_unpool_errors_match_torch(torch, code):
    raises_as_torch(torch, SETUP + code)


def _targets():
    return np.array([[3, 0, -1, 1, 2], [1, 1, 2, -1, 4], [-1, 0, 1, 2, 3], [4, 3, 2, 1, 0]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("module", [False, True])
def test_multilabel_margin_loss_matches_torch(torch, reduction, module):
    x = np.random.default_rng(5).standard_normal((4, 5))

    def run(lib):
        xs = lib.tensor(x, requires_grad=True)
        target = lib.tensor(_targets())
        if module:
            loss = lib.nn.MultiLabelMarginLoss(reduction=reduction)(xs, target)
        else:
            loss = lib.nn.functional.multilabel_margin_loss(xs, target, reduction=reduction)
        loss.sum().backward()
        return loss.detach().numpy(), xs.grad.numpy()

    for got, want in zip(run(tg), run(torch)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_multilabel_margin_loss_on_a_vector_and_legacy_arguments(torch):
    x = np.random.default_rng(6).standard_normal(5)
    for kwargs in [{}, {"reduction": "none"}, {"size_average": False}, {"reduce": False}]:
        got = F.multilabel_margin_loss(tg.tensor(x), tg.tensor(_targets()[0]), **kwargs)
        want = torch.nn.functional.multilabel_margin_loss(
            torch.tensor(x), torch.tensor(_targets()[0]), **kwargs)
        assert got.shape == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_multilabel_margin_loss_has_no_second_derivative_as_torch(torch):
    for lib in (tg, torch):
        x = lib.tensor(np.random.default_rng(7).standard_normal((4, 5)), requires_grad=True)
        loss = lib.nn.functional.multilabel_margin_loss(x, lib.tensor(_targets()))
        (g,) = lib.autograd.grad(loss, x, create_graph=True)
        with pytest.raises(RuntimeError, match="multilabel_margin_loss_backward is not "
                                               "implemented"):
            lib.autograd.grad(g.sum(), x)


LOSS = "F = torch.nn.functional\nx = torch.zeros(2, 4, dtype=torch.float64)\n"


@pytest.mark.parametrize("code", [
    "F.multilabel_margin_loss(x, torch.tensor([[4, 0, -1, 1], [1, 1, 2, -1]]))",
    "F.multilabel_margin_loss(x, torch.tensor([[-2, 0, -1, 1], [1, 1, 2, -1]]))",
    "F.multilabel_margin_loss(x, torch.tensor([[3, 0, -1, 1]]))",
    "F.multilabel_margin_loss(x, torch.tensor([[3., 0, -1, 1], [1, 1, 2, -1]]))",
    "F.multilabel_margin_loss(x, torch.tensor([[3, 0, -1, 1], [1, 1, 2, -1]]).int())",
    "F.multilabel_margin_loss(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4, dtype=torch.long))",
    "F.multilabel_margin_loss(x[0, 0], torch.tensor(3))",
])
def test_multilabel_margin_loss_errors_match_torch(torch, code):
    raises_as_torch(torch, LOSS + code)
