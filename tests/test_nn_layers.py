"""Layers and activations against torch.nn in float64 (values and gradients), init
variances, Dropout and BatchNorm train/eval behaviour, get_activation, layer-width errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn


@pytest.fixture(autouse=True)
def _float64():
    tg.set_default_dtype(np.float64)


def _copy_into_torch(torch, ours, theirs):
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})


def _run_both(torch, ours, theirs, x, rng):
    """Forward and backward with the same upstream gradient; returns both input grads."""
    xt = tg.tensor(x, requires_grad=True)
    xx = torch.tensor(x, requires_grad=True)
    out, expected = ours(xt), theirs(xx)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = rng.standard_normal(out.shape)
    out.backward(tg.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(xt.grad.numpy(), xx.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


@pytest.mark.parametrize("shape", [(5, 3), (3,), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(torch, rng, shape, bias):
    ours = nn.Linear(3, 4, bias=bias)
    theirs = torch.nn.Linear(3, 4, bias=bias).double()
    assert ours.weight.shape == tuple(theirs.weight.shape) == (4, 3)
    _copy_into_torch(torch, ours, theirs)
    _run_both(torch, ours, theirs, rng.standard_normal(shape), rng)


@pytest.mark.parametrize("name, torch_name", [
    ("relu", "ReLU"), ("sigmoid", "Sigmoid"), ("tanh", "Tanh"), ("softmax", "Softmax"),
    ("linear", "Identity")])
def test_dense_is_linear_plus_activation(torch, rng, name, torch_name):
    ours = nn.Dense(3, 4, activation=name)
    act = getattr(torch.nn, torch_name)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4),
                                 act(dim=-1) if torch_name == "Softmax" else act()).double()
    theirs.load_state_dict({"0." + k: torch.tensor(v) for k, v in ours.state_dict().items()})
    wrapped = nn.Sequential(ours)
    assert list(wrapped.state_dict()) == ["0.weight", "0.bias"]
    _run_both(torch, ours, theirs, rng.standard_normal((6, 3)), rng)


def test_dense_accepts_an_activation_module():
    layer = nn.Dense(2, 3, activation=nn.LeakyReLU())
    assert isinstance(layer.activation, nn.LeakyReLU)
    assert layer.input_size == 2 and layer.output_size == 3


@pytest.mark.parametrize("ours, make_theirs", [
    (nn.ReLU(), lambda t: t.nn.ReLU()),
    (nn.LeakyReLU(), lambda t: t.nn.LeakyReLU()),
    (nn.LeakyReLU(0.2), lambda t: t.nn.LeakyReLU(0.2)),
    (nn.Sigmoid(), lambda t: t.nn.Sigmoid()),
    (nn.Tanh(), lambda t: t.nn.Tanh()),
    (nn.Softmax(dim=-1), lambda t: t.nn.Softmax(dim=-1)),
    (nn.Softmax(axis=0), lambda t: t.nn.Softmax(dim=0)),
    (nn.Identity(), lambda t: t.nn.Identity()),
    (nn.Flatten(), lambda t: t.nn.Flatten()),
], ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else "")
def test_activations_match_torch(torch, rng, ours, make_theirs):
    x = rng.standard_normal((4, 3, 2))
    x[0, 0, 0] = 0.0  # the kinks follow torch: relu'(0) = 0, leaky_relu'(0) = slope
    _run_both(torch, ours, make_theirs(torch), x, rng)


def test_get_activation_by_name_and_unknown_name_lists_the_valid_ones():
    assert isinstance(nn.get_activation("relu"), nn.ReLU)
    assert isinstance(nn.get_activation("linear"), nn.Identity)
    assert isinstance(nn.get_activation("Sigmoid"), nn.Sigmoid)
    assert isinstance(nn.get_activation(None), nn.Identity)
    with pytest.raises(ValueError) as info:
        nn.get_activation("swishy")
    for name in ("relu", "sigmoid", "tanh", "softmax", "linear", "swishy"):
        assert name in str(info.value)


# -- init ---------------------------------------------------------------------------------


def test_dense_init_is_he_for_relu_and_glorot_otherwise():
    tg.manual_seed(3)
    relu = nn.Dense(400, 300, activation="relu").weight.numpy()
    other = nn.Dense(400, 300, activation="tanh").weight.numpy()
    linear = nn.Linear(400, 300).weight.numpy()
    np.testing.assert_allclose(relu.var(), 2 / 400, rtol=0.03)
    np.testing.assert_allclose(other.var(), 2 / 700, rtol=0.03)
    np.testing.assert_allclose(linear.var(), 1 / (3 * 400), rtol=0.03)  # torch: U(+-1/sqrt(fan_in))
    assert abs(relu.mean()) < 3e-3


@pytest.mark.parametrize("fn, variance", [
    (nn.init.he_uniform, 2 / 200), (nn.init.he_normal, 2 / 200),
    (nn.init.glorot_uniform, 2 / 300), (nn.init.glorot_normal, 2 / 300),
    (nn.init.kaiming_uniform_, 2 / 200), (nn.init.xavier_normal_, 2 / 300)])
def test_initializer_variances(fn, variance):
    w = nn.Parameter(np.zeros((100, 200)))
    assert fn(w) is w
    np.testing.assert_allclose(w.numpy().var(), variance, rtol=0.05)


def test_init_is_reproducible_with_manual_seed():
    tg.manual_seed(7)
    a = nn.Dense(5, 5, "relu").weight.numpy().copy()
    tg.manual_seed(7)
    np.testing.assert_array_equal(nn.Dense(5, 5, "relu").weight.numpy(), a)


# -- Dropout ------------------------------------------------------------------------------


def test_dropout_is_inverted_in_training_and_identity_in_eval():
    layer = nn.Dropout(0.25)
    x = tg.ones(200, 500, requires_grad=True)
    y = layer(x)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, 1 / 0.75, 0.0))
    layer.eval()
    assert layer(x) is x


def test_dropout_masks_follow_the_seed_and_edge_probabilities():
    tg.manual_seed(5)
    a = nn.Dropout(0.5)(tg.ones(50)).numpy()
    tg.manual_seed(5)
    np.testing.assert_array_equal(nn.Dropout(0.5)(tg.ones(50)).numpy(), a)
    assert not nn.Dropout(1.0)(tg.ones(10)).numpy().any()
    np.testing.assert_array_equal(nn.Dropout(0.0)(tg.ones(3)).numpy(), np.ones(3))
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.5)


# -- BatchNorm1d --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
def test_batchnorm_matches_torch_in_training_and_eval(torch, rng, shape):
    ours, theirs = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3).double()
    np.testing.assert_array_equal(ours.weight.numpy(), np.ones(3))
    np.testing.assert_array_equal(ours.bias.numpy(), np.zeros(3))
    for _ in range(3):
        x = rng.standard_normal(shape) * 2 + 1
        ours.zero_grad()
        theirs.zero_grad()
        _run_both(torch, ours, theirs, x, rng)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, name).numpy(),
                                   getattr(theirs, name).numpy(), rtol=1e-12, err_msg=name)
    assert int(ours.num_batches_tracked.item()) == 3
    ours.eval()
    theirs.eval()
    ours.zero_grad()
    theirs.zero_grad()
    _run_both(torch, ours, theirs, rng.standard_normal(shape), rng)


def test_batchnorm_running_var_is_unbiased_and_batch_var_biased():
    layer = nn.BatchNorm1d(1)
    x = np.array([[0.0], [2.0]])
    out = layer(x).numpy()
    np.testing.assert_allclose(out.ravel(), [-1, 1], rtol=1e-4)  # biased var = 1
    np.testing.assert_allclose(layer.running_mean.numpy(), [0.1])
    np.testing.assert_allclose(layer.running_var.numpy(), [0.9 + 0.1 * 2.0])  # unbiased = 2


def test_batchnorm_rejects_one_sample_in_training_and_wrong_channels():
    layer = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        layer(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"\(N, 3\).*\(4, 2\)"):
        layer(np.zeros((4, 2)))
    layer.eval()
    assert layer(np.zeros((1, 3))).shape == (1, 3)


# -- shapes and errors --------------------------------------------------------------------


def test_flatten_keeps_the_batch_axis():
    assert nn.Flatten()(tg.ones(2, 3, 4)).shape == (2, 12)
    assert nn.Flatten()(tg.ones(5, 1)).shape == (5, 1)


def test_wrong_input_width_names_the_layer_expected_and_got():
    model = nn.Sequential(nn.Dense(4, 3, "relu"), nn.Dense(5, 1))
    with pytest.raises(ValueError, match=r"layer 0 \(Dense\).*4 features.*\(2, 7\)"):
        model(np.zeros((2, 7)))
    with pytest.raises(RuntimeError, match=r"layer 1 \(Dense\).*5 features.*\(2, 3\)"):
        model(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"Linear\(in_features=3.*\(6, 2\)"):
        nn.Linear(3, 1)(np.zeros((6, 2)))
    for x in (np.zeros(()), np.zeros(2), tg.zeros(4, 1, 2)):  # no feature axis, or too short
        with pytest.raises(ValueError, match=r"Linear\(in_features=3.*3 features.*got shape"):
            nn.Linear(3, 1)(x)


def test_a_weight_of_another_shape_assigned_later_is_checked_by_the_op():
    layer = nn.Linear(3, 1)
    layer.weight = nn.Parameter(np.ones((1, 2)))  # in_features still says 3
    assert layer(np.ones((4, 2))).shape == (4, 1)
    with pytest.raises(ValueError, match=r"linear: input of shape \(4, 3\).*weight of shape"):
        layer(np.ones((4, 3)))


def test_float32_layers_stay_float32():
    tg.set_default_dtype(np.float32)
    model = nn.Sequential(nn.Dense(3, 4, "relu"), nn.BatchNorm1d(4), nn.Dropout(0.1),
                          nn.Dense(4, 2, "softmax"))
    out = model(np.ones((5, 3), dtype=np.float32))
    assert out.dtype == np.float32


def test_initializers_given_a_shape_return_new_arrays():
    w = nn.init.glorot_normal((300, 500))
    assert isinstance(w, np.ndarray) and w.shape == (300, 500) and w.dtype == np.float64
    np.testing.assert_allclose(w.var(), 2 / 800, rtol=0.05)
    with pytest.raises(TypeError, match="expected a Tensor"):  # torch's names fill tensors
        nn.init.zeros_((2,))


def test_dense_accepts_an_activation_class():
    assert isinstance(nn.Dense(2, 2, activation=nn.Tanh).activation, nn.Tanh)


@pytest.mark.parametrize("order", ["C", "F"])
def test_linear_gives_an_input_gradient_in_the_inputs_memory_order(order):
    # Small batches come out of Linear F-ordered ((W x^T)^T); the input gradient follows its
    # input's order so the elementwise backwards between layers see one layout.
    rng = np.random.default_rng(0)
    x_values = np.asarray(rng.standard_normal((6, 4)), order=order)
    w = tg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    x = tg.tensor(x_values, requires_grad=True)
    assert x.numpy().flags[f"{order}_CONTIGUOUS"]
    g = rng.standard_normal((6, 3))
    (nn.functional.linear(x, w) * tg.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), g @ w.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), g.T @ x_values, rtol=1e-12)
    assert x.grad.numpy().flags[f"{order}_CONTIGUOUS"]
