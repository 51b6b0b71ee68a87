"""The padding layers, channel dropout, pixel shuffling and RMSNorm against PyTorch: reprs,
state_dicts, values and gradients (float64), and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

LAYERS = [
    (lambda nn: nn.ZeroPad2d(2), (1, 2, 3, 4)),
    (lambda nn: nn.ZeroPad1d((1, 2)), (2, 3)),
    (lambda nn: nn.ConstantPad1d(2, 3.5), (2, 3)),
    (lambda nn: nn.ConstantPad3d((1, 0, 0, 1, 2, 0), -1.0), (1, 2, 2, 2)),
    (lambda nn: nn.ReflectionPad2d((1, 0, 2, 1)), (1, 2, 3, 4)),
    (lambda nn: nn.ReflectionPad3d(1), (1, 1, 3, 3, 3)),
    (lambda nn: nn.ReplicationPad1d((3, 1)), (2, 2, 4)),
    (lambda nn: nn.CircularPad2d(1), (1, 1, 3, 3)),
    (lambda nn: nn.PixelShuffle(2), (2, 8, 3, 4)),
    (lambda nn: nn.PixelUnshuffle(2), (2, 2, 4, 6)),
    (lambda nn: nn.PixelShuffle(3), (9, 2, 2)),
    (lambda nn: nn.RMSNorm(4), (2, 3, 4)),
    (lambda nn: nn.RMSNorm((3, 4), eps=1e-6, elementwise_affine=False), (2, 3, 4)),
    (lambda nn: nn.Dropout2d(0.3), (2, 3, 4, 4)),
]


@pytest.mark.parametrize("make, shape", LAYERS, ids=[str(i) for i in range(len(LAYERS))])
def test_layers_match_torch(torch, make, shape):
    ours, theirs = make(tg.nn).double(), make(torch.nn).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.eval()
    theirs.eval()  # dropout: the identity, so the two compare
    x = np.random.default_rng(0).standard_normal(shape)
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(a), theirs(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    (ya ** 3).sum().backward()
    (yb ** 3).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("function, shape, spatial", [("dropout1d", (4, 6, 5), 1),
                                                      ("dropout2d", (4, 6, 3, 3), 2),
                                                      ("dropout3d", (6, 2, 2, 2), 3)])
def test_channel_dropout_zeroes_whole_channels_and_scales_the_rest(function, shape, spatial):
    x = tg.ones(shape, requires_grad=True)
    y = getattr(tg.nn.functional, function)(x, 0.5)
    values = y.detach().numpy().reshape(shape[:len(shape) - spatial] + (-1,))
    assert set(np.unique(values)) <= {0.0, 2.0}
    assert np.all(values.min(-1) == values.max(-1))  # a channel is all kept or all dropped
    assert 0 < (values[..., 0] == 0).mean() < 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
    assert getattr(tg.nn.functional, function)(x, 0.5, training=False) is x


@pytest.mark.parametrize("call", [
    lambda m: m.nn.functional.dropout1d(m.ones(2, 3, 4, 5), 0.5),
    lambda m: m.nn.functional.pixel_shuffle(m.ones(1, 3, 2, 2), 2),
    lambda m: m.nn.functional.pixel_unshuffle(m.ones(1, 1, 3, 4), 2),
    lambda m: m.nn.Dropout2d(1.5),
])
def test_errors_are_torchs(torch, call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(theirs.type):
        call(tg)


def test_rms_norm_learns_its_weight_as_torch(torch):
    ours, theirs = tg.nn.RMSNorm(4).double(), torch.nn.RMSNorm(4).double()
    x = np.random.default_rng(1).standard_normal((3, 4))
    (ours(tg.tensor(x)) ** 2).sum().backward()
    (theirs(torch.tensor(x)) ** 2).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                               rtol=1e-12)
