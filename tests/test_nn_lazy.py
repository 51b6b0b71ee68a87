"""Lazy modules against torch 2.13: LazyLinear, LazyConv1d/2d/3d and LazyBatchNorm1d/2d/3d
before their first call (reprs, placeholders in state_dict, what reading them raises), the
first call (sizes inferred, the module becomes the eager layer), loading a state_dict into
them, dtype casts, and training after a dry run with the same numbers on both."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from twins import raises_as_torch, randomize, run_code, same_run, weights

import tinygraph as tg
from tinygraph import nn

LAYERS = [  # (constructor code, input shape)
    ("nn.LazyLinear(3)", (2, 4)), ("nn.LazyLinear(3, bias=False)", (2, 5, 4)),
    ("nn.LazyConv1d(4, 3)", (2, 3, 7)), ("nn.LazyConv1d(4, 3)", (3, 7)),
    ("nn.LazyConv2d(4, 3, padding=1, groups=2)", (2, 6, 5, 5)),
    ("nn.LazyConv3d(2, 2, stride=2, bias=False)", (1, 3, 4, 4, 4)),
    ("nn.LazyBatchNorm1d()", (4, 3)), ("nn.LazyBatchNorm1d(affine=False)", (4, 3, 5)),
    ("nn.LazyBatchNorm2d(momentum=None)", (2, 3, 4, 4)),
    ("nn.LazyBatchNorm3d(track_running_stats=False)", (2, 3, 2, 2, 2)),
]


def _layer(lib, code):
    return run_code(lib, f"nn = torch.nn\nr = {code}")


@pytest.mark.parametrize("code, shape", LAYERS)
def test_before_the_first_call_as_torch(torch, code, shape):
    ours, theirs = _layer(tg, code), _layer(torch, code)
    assert repr(ours) == repr(theirs)
    got, want = ours.state_dict(), theirs.state_dict()
    assert list(got) == list(want)
    for key in want:  # the placeholders themselves (other entries: tinygraph's ndarrays)
        if type(want[key]).__name__.startswith("Uninitialized"):
            assert type(got[key]).__name__ == type(want[key]).__name__, key
            assert repr(got[key]) == repr(want[key])
    assert ours.has_uninitialized_params() == theirs.has_uninitialized_params()
    copied = copy.deepcopy(ours)
    assert repr(copied) == repr(ours)


@pytest.mark.parametrize("code, shape", LAYERS)
def test_the_first_call_infers_the_size_and_becomes_the_eager_layer(torch, code, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    outputs = []
    for lib in (tg, torch):
        layer = _layer(lib, code).double()
        with lib.no_grad():
            layer(lib.tensor(x))
        assert not any("Uninitialized" in type(t).__name__
                       for t in [*layer.parameters(), *layer.buffers()])
        assert type(layer).__name__ == code.split("(")[0].replace("nn.Lazy", "")
        randomize(lib, layer, 1)
        y = layer(lib.tensor(x))
        outputs.append((repr(layer), y.detach().numpy(), weights(layer),
                        [tuple(p.shape) for p in layer.parameters()]))
    ours, theirs = outputs
    assert ours[0] == theirs[0] and ours[3] == theirs[3]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10, atol=1e-12)
    assert list(ours[2]) == list(theirs[2])
    for key in ours[2]:
        np.testing.assert_allclose(ours[2][key], theirs[2][key], rtol=1e-12)


def test_the_first_call_initialises_as_the_eager_layer_would():
    tg.manual_seed(3)
    lazy = nn.LazyLinear(5)
    lazy(tg.zeros(2, 7))
    tg.manual_seed(3)
    eager = nn.Linear(7, 5)
    np.testing.assert_array_equal(lazy.weight.numpy(), eager.weight.numpy())
    np.testing.assert_array_equal(lazy.bias.numpy(), eager.bias.numpy())
    bn = nn.LazyBatchNorm2d()
    bn.eval()
    bn(tg.zeros(1, 3, 2, 2))
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(3))
    np.testing.assert_array_equal(bn.weight.numpy(), np.ones(3))


@pytest.mark.parametrize("code", [
    "r = torch.nn.LazyLinear(3).weight.shape",
    "r = torch.nn.LazyLinear(3).weight.numel()",
    "r = torch.nn.LazyLinear(3).weight + 1",
    "r = torch.nn.LazyLinear(3).weight.sum()",
    "r = torch.nn.LazyConv1d(4, 3)(torch.zeros(2, 3, 5, 5))",
    "r = torch.nn.LazyConv2d(4, 3, groups=2)(torch.zeros(2, 3, 5, 5))",
])
def test_using_a_placeholder_raises_as_torch(torch, code):
    raises_as_torch(torch, code)


def test_load_state_dict_materialises_the_placeholders(torch):
    for lib in (tg, torch):
        source = lib.nn.Linear(5, 3)
        lazy = lib.nn.LazyLinear(3)
        lazy.load_state_dict(source.state_dict())
        assert tuple(lazy.weight.shape) == (3, 5)
        np.testing.assert_array_equal(lazy.weight.detach().numpy(),
                                      source.weight.detach().numpy())
        y = lazy(lib.ones(2, 5))  # the call keeps the loaded values
        np.testing.assert_allclose(y.detach().numpy(), source(lib.ones(2, 5)).detach().numpy())
        assert type(lazy).__name__ == "Linear"


def test_dtype_casts_before_the_first_call(torch):
    for lib in (tg, torch):
        layer = lib.nn.LazyLinear(3).double()
        assert layer.weight.dtype == lib.float64
        layer(lib.zeros(2, 4, dtype=lib.float64))
        assert layer.weight.dtype == lib.float64
        assert lib.nn.LazyConv2d(2, 3, dtype=lib.float64).weight.dtype == lib.float64


def test_uninitialized_parameter_materialize(torch):
    for lib in (tg, torch):
        p = lib.nn.parameter.UninitializedParameter()
        assert repr(p) == "<UninitializedParameter>" and p.requires_grad
        p.materialize((2, 3))
        assert type(p) is lib.nn.Parameter and tuple(p.shape) == (2, 3)
        b = lib.nn.parameter.UninitializedBuffer()
        b.materialize((4,))
        assert type(b) is lib.Tensor and tuple(b.shape) == (4,)


def _lazy_program(torch):
    """An MLP and a CNN built lazily, materialised by a dry run, then trained with Adam."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(9)
    x = torch.tensor(rng.standard_normal((24, 2, 6, 6)))
    y = torch.tensor(rng.integers(0, 3, 24))
    model = nn.Sequential(nn.LazyConv2d(4, 3), nn.LazyBatchNorm2d(), nn.ReLU(),
                          nn.Flatten(), nn.LazyLinear(8), nn.LazyBatchNorm1d(), nn.Tanh(),
                          nn.LazyLinear(3)).double()
    model.eval()
    model(x[:2])  # the dry run (in eval mode: the running statistics stay as they start)
    model.train()
    randomize(torch, model, 4)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(4):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [len(list(model.parameters()))], weights(model)


def test_a_lazy_model_trains_the_same_on_both(torch):
    same_run(_lazy_program(tg), _lazy_program(torch))


def _optimizer_first(lib):
    """Optimizers made before the dry run hold the placeholders, which become the weights."""
    m = lib.nn.Sequential(lib.nn.LazyLinear(4), lib.nn.Tanh(), lib.nn.LazyLinear(1)).double()
    opts = [lib.optim.SGD(m.parameters(), lr=0.1, momentum=0.9),
            lib.optim.Adam(m.parameters(), lr=0.1)]
    x = lib.tensor(np.linspace(-1, 1, 12).reshape(6, 2))
    with lib.no_grad():
        m(x)
    randomize(lib, m, 0, scale=1.0)
    losses = []
    for _ in range(3):
        for opt in opts:
            opt.zero_grad()
        loss = (m(x) ** 2).mean()
        loss.backward()
        for opt in opts:
            opt.step()
        losses.append(loss.item())
    return losses, [isinstance(m[0], lib.nn.Linear)], weights(m)


def test_an_optimizer_made_before_the_dry_run_trains_the_same_on_both(torch):
    same_run(_optimizer_first(tg), _optimizer_first(torch))
