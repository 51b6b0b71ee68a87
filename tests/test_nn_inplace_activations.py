"""PyTorch's ``inplace=`` on activations and dropout: the result overwrites the input, and the
gradients through it are PyTorch's (the op reads a copy, so nothing it saved is changed)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn

LAYERS = [("ReLU", ()), ("LeakyReLU", (0.1,)), ("ELU", (0.7,)), ("Hardtanh", (-0.5, 0.5)),
          ("SiLU", ())]


@pytest.mark.parametrize("name, args", LAYERS, ids=[n for n, _ in LAYERS])
def test_inplace_activation_overwrites_its_input_with_torchs_values_and_gradients(name, args,
                                                                                 torch):
    values = np.array([-1.5, -0.2, 0.3, 2.0])
    ours, theirs = getattr(nn, name)(*args, inplace=True), getattr(torch.nn, name)(*args,
                                                                                  inplace=True)
    assert repr(ours) == repr(theirs)
    w, tw = tg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    x, tx = w * 2.0, tw * 2.0
    y, ty = ours(x), theirs(tx)
    assert y is x and ty is tx
    np.testing.assert_allclose(x.detach().numpy(), tx.detach().numpy(), rtol=1e-12)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)


def test_inplace_dropout_overwrites_its_input():
    tg.manual_seed(0)
    x = tg.ones(1000)
    y = nn.Dropout(0.5, inplace=True)(x)
    assert y is x
    assert set(np.unique(x.numpy())) == {0.0, 2.0}


def test_inplace_activation_on_a_leaf_that_requires_grad_is_refused():
    with pytest.raises(RuntimeError, match="leaf"):
        nn.ReLU(inplace=True)(tg.ones(3, requires_grad=True))
