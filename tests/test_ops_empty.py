"""The softmax family over an empty axis returns PyTorch's result instead of raising (issue 15):
softmax and log_softmax keep the empty shape, logsumexp of nothing is -inf."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

CASES = [((2, 0), 1), ((0, 3), 0), ((0, 3), 1), ((2, 0, 3), 1)]


@pytest.mark.parametrize("shape, dim", CASES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_over_an_empty_axis_matches_torch(name, shape, dim, torch):
    x = tg.zeros(*shape, dtype=tg.float64, requires_grad=True)
    tx = torch.zeros(*shape, dtype=torch.float64, requires_grad=True)
    y, ty = getattr(x, name)(dim), getattr(tx, name)(dim)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_logsumexp_of_nothing_is_minus_infinity_without_a_warning():
    with np.errstate(all="raise"):
        assert tg.zeros(2, 0).logsumexp(1).tolist() == [-np.inf, -np.inf]
