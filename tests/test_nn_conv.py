"""The convolutional layers against torch.nn: a torch module's state_dict loads into
tinygraph's twin and gives the same outputs and gradients; PyTorch's init bounds; and the
errors a wrong input shape gets, naming the layer."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn

# (constructor arguments, input shape): the same call builds both modules
LAYERS = [
    ("Conv2d", (3, 4, 3), {}, (2, 3, 6, 5)),
    ("Conv2d", (4, 6, (3, 2)), {"stride": 2, "padding": 1, "groups": 2, "bias": False},
     (2, 4, 7, 6)),
    ("Conv2d", (2, 3, 3), {"padding": "same", "dilation": 2}, (2, 2, 6, 6)),
    ("Conv2d", (2, 3, 3), {"padding": 1, "padding_mode": "reflect"}, (2, 2, 5, 4)),
    ("Conv2d", (2, 3, 3), {"padding": 1}, (2, 5, 4)),  # unbatched
    ("Conv1d", (3, 4, 3), {"stride": 2, "padding": 1}, (2, 3, 9)),
    ("ConvTranspose2d", (4, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1},
     (2, 4, 3, 3)),
    ("ConvTranspose1d", (4, 2, 3), {"stride": 2, "groups": 2}, (2, 4, 5)),
    ("MaxPool2d", (2,), {}, (2, 3, 6, 5)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 6, 5)),
    ("MaxPool1d", (3,), {"stride": 1}, (2, 3, 6)),
    ("AvgPool2d", (2,), {}, (2, 3, 6, 5)),
    ("AvgPool2d", (3, 2, 1), {"count_include_pad": False}, (2, 3, 6, 5)),
    ("AvgPool1d", (2,), {}, (2, 3, 7)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (2, 3, 5, 7)),
    ("BatchNorm2d", (3,), {}, (4, 3, 2, 3)),
    ("GroupNorm", (2, 4), {}, (3, 4, 2, 3)),
    ("Unflatten", (1, (2, 3)), {}, (4, 6)),
]


def _twins(torch, name, args, kwargs):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    ours = getattr(nn, name)(*args, **kwargs).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("name, args, kwargs, shape", LAYERS,
                         ids=[f"{c[0]}{i}" for i, c in enumerate(LAYERS)])
def test_layer_matches_torch_after_loading_its_state_dict(torch, name, args, kwargs, shape,
                                                          rng):
    ours, theirs = _twins(torch, name, args, kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, v), (tk, tv) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert k == tk and tuple(v.shape) == tuple(tv.shape)
    x = rng.standard_normal(shape)
    xt = torch.tensor(x, requires_grad=True)
    xo = tg.tensor(x, requires_grad=True)
    y, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(tuple(yt.shape))
    (y * tg.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (k, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=k)
    for k, v in theirs.state_dict().items():  # running statistics moved the same way
        np.testing.assert_allclose(ours.state_dict()[k], v.numpy(), rtol=1e-12, atol=1e-12)
    if "Norm" not in name:
        assert repr(ours) == repr(theirs)


def test_bilinear_matches_torch(torch, rng):
    ours, theirs = _twins(torch, "Bilinear", (3, 4, 2), {})
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 4))
    at, bt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ao, bo = tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)
    y, yt = ours(ao, bo), theirs(at, bt)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-10)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(ao.grad.numpy(), at.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("make, fan_in", [
    (lambda: nn.Conv2d(4, 8, 3, groups=2), 2 * 9),
    (lambda: nn.Conv1d(3, 5, 4), 12),
    (lambda: nn.ConvTranspose2d(4, 6, 2, groups=2), 3 * 4),
])
def test_conv_init_bounds_are_pytorchs(make, fan_in):
    tg.manual_seed(0)
    layer = make()
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform(a=sqrt(5)) and the bias's bound
    for p in (layer.weight, layer.bias):
        values = p.numpy()
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.5 * bound


@pytest.mark.parametrize("make, shape, match", [
    (lambda: nn.Conv2d(3, 8, 3), (2, 4, 8, 8),
     r"Conv2d\(3, 8, kernel_size=\(3, 3\).*expected input with 3 channels.*\(2, 4, 8, 8\)"
     r".*in_channels=4"),
    (lambda: nn.Conv2d(3, 8, 5), (2, 3, 3, 3),
     r"Conv2d\(3, 8.*kernel of size \(5, 5\).*larger than the padded input of size \(3, 3\)"),
    (lambda: nn.Conv2d(3, 8, 3), (3, 8), r"Conv2d.*expected a 4-D \(N, 3, H, W\)"),
    (lambda: nn.MaxPool2d(4), (1, 2, 3, 3), r"MaxPool2d.*kernel of size \(4, 4\).*larger"),
    (lambda: nn.BatchNorm2d(3), (2, 4, 5, 5), r"BatchNorm2d.*\(N, 3, H, W\).*\(2, 4, 5, 5\)"),
    (lambda: nn.GroupNorm(2, 4), (2, 3, 5), r"GroupNorm.*\(N, 4, \.\.\.\).*\(2, 3, 5\)"),
])
def test_wrong_inputs_name_the_layer_the_shapes_and_the_fix(make, shape, match):
    with pytest.raises(tg.errors.ShapeError, match=match):
        make()(tg.zeros(*shape))


def test_layer_arguments_are_checked():
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="'same' is not supported for strided"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")


def test_saved_columns_are_freed_by_the_backward():
    x = tg.randn(2, 3, 6, 6, requires_grad=True)
    y = nn.Conv2d(3, 4, 3)(x)
    node = y.grad_fn
    assert node.saved is not None
    y.sum().backward()
    assert node.saved is None


def test_one_hot_matches_torch(torch):
    labels = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(
        nn.functional.one_hot(tg.tensor(labels)).numpy(),
        torch.nn.functional.one_hot(torch.tensor(labels)).numpy())
    assert nn.functional.one_hot(tg.tensor(labels), 5).dtype == tg.int64
    with pytest.raises(IndexError, match="one_hot: class values must be in"):
        nn.functional.one_hot(tg.tensor(labels), 3)


def test_a_layer_called_again_rechecks_when_its_input_or_settings_change(rng):
    conv, pool = nn.Conv2d(3, 4, 3, padding=1), nn.MaxPool2d(2)
    x = tg.tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32))
    assert conv(x).shape == (2, 4, 6, 6) and pool(x).shape == (2, 3, 3, 3)
    assert conv(x).shape == (2, 4, 6, 6) and pool(x).shape == (2, 3, 3, 3)  # the cached plan
    conv.stride = (2, 2)
    pool.kernel_size = pool.stride = 3
    assert conv(x).shape == (2, 4, 3, 3) and pool(x).shape == (2, 3, 2, 2)
    with pytest.raises(tg.errors.ShapeError, match="expected input with 3 channels"):
        conv(tg.zeros(2, 5, 6, 6))


def test_conv_transpose_output_size_chooses_the_output_padding(torch, rng):
    ours, theirs = _twins(torch, "ConvTranspose2d", (3, 2, 3), {"stride": 2, "padding": 1})
    x = rng.standard_normal((2, 3, 4, 5))
    for size in ((7, 9), (8, 10), (2, 2, 8, 9)):
        y = ours(tg.tensor(x), output_size=size)
        yt = theirs(torch.tensor(x), output_size=size)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="output_size .* is not reachable"):
        ours(tg.tensor(x), output_size=(10, 10))


def test_max_pool_propagates_nan_as_torch(torch):
    x = np.arange(32.0).reshape(1, 2, 4, 4)
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = x[0, 1, 2, 2] = np.nan
    ours = tg.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    y, yt = tg.max_pool2d(ours, 2), torch.nn.functional.max_pool2d(theirs, 2)
    np.testing.assert_array_equal(y.numpy(), yt.detach().numpy())
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
