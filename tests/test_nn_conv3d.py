"""The 3-d layers against PyTorch (Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, BatchNorm3d,
InstanceNorm3d): a torch state_dict loads, reprs, outputs, gradients and running statistics
(float64), with strides, padding modes, dilation, groups and output padding."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

LAYERS = [
    (lambda nn: nn.Conv3d(2, 3, 3, padding=1), (2, 2, 4, 5, 3)),
    (lambda nn: nn.Conv3d(2, 4, (2, 3, 1), stride=(1, 2, 1), groups=2, bias=False),
     (1, 2, 4, 5, 3)),
    (lambda nn: nn.Conv3d(2, 3, 3, padding=2, dilation=2, padding_mode="reflect"),
     (1, 2, 5, 5, 5)),
    (lambda nn: nn.ConvTranspose3d(2, 3, 2, stride=2), (1, 2, 2, 3, 2)),
    (lambda nn: nn.ConvTranspose3d(2, 4, (2, 3, 1), stride=(2, 1, 1), padding=(0, 1, 0),
                                   output_padding=(1, 0, 0), groups=2), (2, 2, 3, 3, 2)),
    (lambda nn: nn.MaxPool3d(2), (2, 3, 4, 4, 5)),
    (lambda nn: nn.MaxPool3d((2, 1, 2), stride=1, padding=(1, 0, 1), ceil_mode=True),
     (1, 2, 3, 4, 5)),
    (lambda nn: nn.AvgPool3d(2, stride=1, padding=1, count_include_pad=False), (2, 2, 3, 3, 3)),
    (lambda nn: nn.BatchNorm3d(3), (2, 3, 2, 3, 2)),
    (lambda nn: nn.InstanceNorm3d(3, affine=True), (2, 3, 2, 3, 2)),
]


@pytest.mark.parametrize("make, shape", LAYERS, ids=[str(i) for i in range(len(LAYERS))])
def test_3d_layers_match_torch(torch, make, shape):
    theirs, ours = make(torch.nn).double(), make(tg.nn).double()
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal(shape)
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(a), theirs(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    (ya ** 3).sum().backward()
    (yb ** 3).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-11,
                                   err_msg=name)
    for key, value in theirs.state_dict().items():  # BatchNorm's running statistics
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-10)


def test_conv3d_refuses_the_wrong_channel_count_naming_the_layer(torch):
    with pytest.raises(RuntimeError):
        torch.nn.Conv3d(2, 3, 3)(torch.ones(1, 5, 4, 4, 4))
    with pytest.raises(RuntimeError, match=r"Conv3d.*2 channels.*\(1, 5, 4, 4, 4\)"):
        tg.nn.Conv3d(2, 3, 3)(tg.ones(1, 5, 4, 4, 4))
    unbatched = tg.nn.Conv3d(2, 3, 3)(tg.ones(2, 4, 4, 4))  # (C, D, H, W), as torch
    assert unbatched.shape == (3, 2, 2, 2)



def test_max_pool3d_indices_as_torch(torch):
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 4, 4))
    _, ours = tg.nn.functional.max_pool3d(tg.tensor(x), 2, return_indices=True)
    _, theirs = torch.nn.functional.max_pool3d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
