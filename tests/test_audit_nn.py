"""Parity with PyTorch 2.13 of the nn surface that an audit found different: Module API,
containers, layer constructors, init, reprs, BatchNorm statistics, Softmax's implicit dim,
TransformerEncoder, losses, functional signatures, init and utils."""

from __future__ import annotations

import warnings
from collections import OrderedDict

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn


@pytest.fixture(autouse=True)
def _float64():
    tg.set_default_dtype(np.float64)


def _load_from_torch(ours, theirs):
    """Copy a torch module's state into ours (as arrays), checking the keys agree."""
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict({k: v.numpy() for k, v in state.items()})


# -- Module API ----------------------------------------------------------------------------


def test_get_parameter_and_get_buffer_as_torch(torch):
    ours = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    assert ours.get_parameter("0.bias") is ours[0].bias
    assert ours.get_buffer("1.running_var") is ours[1].running_var
    assert tuple(ours.get_parameter("1.weight").shape) == tuple(
        theirs.get_parameter("1.weight").shape)
    for target, method in [("0.foo", "get_parameter"), ("1.running_mean", "get_parameter"),
                           ("0.weight", "get_buffer"), ("5.weight", "get_parameter")]:
        with pytest.raises(AttributeError):
            getattr(theirs, method)(target)
        with pytest.raises(AttributeError):
            getattr(ours, method)(target)


def test_load_state_dict_result_prints_as_torch(torch):
    ours, theirs = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    full = {k: v.numpy() for k, v in theirs.state_dict().items()}
    assert repr(ours.load_state_dict(full)) == repr(theirs.load_state_dict(
        theirs.state_dict())) == "<All keys matched successfully>"
    partial = ours.load_state_dict({"weight": full["weight"], "extra": full["bias"]},
                                   strict=False)
    expected = theirs.load_state_dict({"weight": theirs.weight.detach(),
                                       "extra": theirs.bias.detach()}, strict=False)
    assert partial.missing_keys == expected.missing_keys == ["bias"]
    assert partial.unexpected_keys == expected.unexpected_keys == ["extra"]
    assert repr(partial) == repr(expected) == (
        "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['extra'])")


def test_linear_init_bounds_are_torchs(torch):
    tg.manual_seed(0)
    layer = nn.Linear(50, 400)
    bound = 1 / np.sqrt(50)  # kaiming_uniform_(a=sqrt(5)) on the weight, same for the bias
    for p in (layer.weight.numpy(), layer.bias.numpy()):
        assert np.abs(p).max() <= bound
        assert np.abs(p).max() > 0.95 * bound
    np.testing.assert_allclose(layer.weight.numpy().var(), bound ** 2 / 3, rtol=0.05)
    reference = torch.nn.Linear(50, 400).weight.detach().numpy()
    np.testing.assert_allclose(reference.var(), layer.weight.numpy().var(), rtol=0.1)


def test_linear_and_transformer_layer_take_device_and_dtype():
    layer = nn.Linear(2, 3, device="cpu", dtype=tg.float32)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    block = nn.TransformerEncoderLayer(4, 2, 8, dtype=tg.float32)
    assert {p.dtype for p in block.parameters()} == {np.dtype(np.float32)}


@pytest.mark.parametrize("make", [
    "BatchNorm1d(3)", "BatchNorm2d(3, momentum=None, affine=False, track_running_stats=False)",
    "BatchNorm1d(3, bias=False)", "LayerNorm(4)", "LayerNorm((2, 4), eps=1e-3, "
    "elementwise_affine=False)", "LayerNorm(4, bias=False)", "GroupNorm(2, 4)",
    "GroupNorm(2, 4, bias=False)", "Softmax()", "Softmax(dim=1)", "LogSoftmax()",
    "Identity(3, foo=2)", "MultiheadAttention(8, 2)", "TransformerEncoderLayer(8, 2, 16)",
    "Unflatten(1, [2, 3])", "Unflatten(1, (2, 3))"])
def test_reprs_and_parameters_as_torch(torch, make):
    ours, theirs = eval(make, vars(nn)), eval(make, vars(torch.nn))
    assert repr(ours) == repr(theirs)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_sequential_concatenation_as_torch(torch):
    a, b = nn.Sequential(nn.Linear(2, 2), nn.ReLU()), nn.Sequential(nn.Tanh())
    joined = a + b
    assert repr(joined) == repr(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU()) +
                                torch.nn.Sequential(torch.nn.Tanh()))
    assert joined[0] is a[0] and len(a) == 2
    a += b
    assert len(a) == 3 and a[2] is b[0]
    with pytest.raises(ValueError):
        torch.nn.Sequential() + torch.nn.ModuleList()
    with pytest.raises(ValueError):
        a + nn.ModuleList()


# -- BatchNorm -----------------------------------------------------------------------------


@pytest.mark.parametrize("make, shape", [
    ("BatchNorm1d(3)", (4, 3, 5)), ("BatchNorm1d(3, momentum=None)", (4, 3)),
    ("BatchNorm1d(3, affine=False)", (4, 3, 2)),
    ("BatchNorm1d(3, track_running_stats=False)", (4, 3, 5)),
    ("BatchNorm2d(3, momentum=None, eps=1e-3)", (4, 3, 2, 2)),
    ("BatchNorm2d(3, bias=False)", (2, 3, 2, 3))])
def test_batchnorm_statistics_and_outputs_match_torch(torch, rng, make, shape):
    ours, theirs = eval(make, vars(nn)), eval(make, vars(torch.nn)).double()
    _load_from_torch(ours, theirs)
    x = rng.standard_normal(shape)
    for step in range(3):
        batch = x * (step + 1) + step
        np.testing.assert_allclose(ours(batch).numpy(),
                                   theirs(torch.tensor(batch)).detach().numpy(), rtol=1e-6,
                                   atol=1e-12)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-6,
                                   err_msg=key)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(x).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-12)


def test_batchnorm_without_running_stats_has_none_buffers_and_resets(torch):
    ours = nn.BatchNorm1d(3, track_running_stats=False)
    assert ours.running_mean is None and ours.num_batches_tracked is None
    assert list(ours.state_dict()) == ["weight", "bias"]
    tracked = nn.BatchNorm1d(3)
    tracked(np.arange(12.0).reshape(4, 3))
    tracked.reset_running_stats()
    assert int(tracked.num_batches_tracked) == 0
    np.testing.assert_array_equal(tracked.running_var.numpy(), np.ones(3))
    with pytest.raises(ValueError, match="2D or 3D|\\(N, 3\\)"):
        tracked(np.zeros((2, 3, 4, 5)))
    with pytest.raises(ValueError):
        torch.nn.BatchNorm1d(3)(torch.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError):
        nn.BatchNorm2d(3)(np.zeros((2, 3, 4)))


# -- Softmax's implicit dim ------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4), (2, 3, 4, 5)])
@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_without_dim_picks_torchs_implicit_dim(torch, rng, shape, name):
    x = rng.standard_normal(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = getattr(torch.nn, name)()(torch.tensor(x)).numpy()
        np.testing.assert_allclose(getattr(nn, name)()(x).numpy(), expected, rtol=1e-6)
        f = getattr(nn.functional, {"Softmax": "softmax", "LogSoftmax": "log_softmax"}[name])
        np.testing.assert_allclose(f(tg.tensor(x)).numpy(), expected, rtol=1e-6)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        nn.functional.softmax(tg.tensor(x))


def test_functional_softmax_takes_dim_positionally_and_dtype(torch, rng):
    x = rng.standard_normal((3, 4))
    expected = torch.nn.functional.softmax(torch.tensor(x), 0, dtype=torch.float32)
    out = nn.functional.softmax(tg.tensor(x), 0, dtype=tg.float32)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)
    assert repr(nn.Dense(2, 3, activation="softmax").activation) == "Softmax(dim=-1)"


# -- TransformerEncoder ----------------------------------------------------------------------


def _encoders(torch, nl=2, norm=True, enable=True, **kw):
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kw).double(), nl,
        norm=torch.nn.LayerNorm(8).double() if norm else None, enable_nested_tensor=enable)
    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kw), nl,
                                 norm=nn.LayerNorm(8) if norm else None,
                                 enable_nested_tensor=enable)
    _load_from_torch(ours, theirs)
    return ours, theirs


def test_transformer_encoder_keys_copies_and_repr(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _encoders(torch, nl=3)
    assert list(ours.state_dict())[0] == "layers.0.self_attn.in_proj_weight"
    assert list(ours.state_dict())[-1] == "norm.bias"
    assert repr(ours) == repr(theirs)
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    stack = nn.TransformerEncoder(layer, 2, enable_nested_tensor=True)
    np.testing.assert_array_equal(stack.layers[0].linear1.weight.numpy(),
                                  layer.linear1.weight.numpy())  # deep copies of the layer
    assert stack.use_nested_tensor and stack.norm is None
    with pytest.warns(UserWarning, match="batch_first was not True"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 1)


@pytest.mark.parametrize("kw, feed, mode", [
    ({}, {}, "train"), ({}, {"mask": "causal"}, "eval"), ({}, {"mask": "float"}, "eval"),
    ({}, {"mask": "float", "is_causal": True}, "train"),
    ({"batch_first": True}, {"src_key_padding_mask": "pad"}, "train"),
    ({"batch_first": True}, {"src_key_padding_mask": "pad"}, "no_grad"),
    ({"batch_first": True, "norm_first": True, "activation": "gelu"},
     {"src_key_padding_mask": "pad", "mask": "causal"}, "eval")])
def test_transformer_encoder_matches_torch(torch, rng, kw, feed, mode):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _encoders(torch, **kw)
        x = rng.standard_normal((3, 5, 8) if kw.get("batch_first") else (5, 3, 8))
        pad = np.zeros((3, 5), bool)
        pad[0, 3:], pad[2, 4:] = True, True
        causal = np.triu(np.ones((5, 5), bool), 1)
        values = {"causal": causal, "float": np.where(causal, -np.inf, 0.0), "pad": pad}
        args = {k: values.get(v, v) for k, v in feed.items()}
        if mode != "train":
            ours.eval(), theirs.eval()
        targs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in args.items()}
        if mode == "no_grad":  # torch's nested-tensor path: zeros at the padded positions
            with torch.no_grad():
                expected = theirs(torch.tensor(x), **targs).numpy()
            with tg.no_grad():
                out = ours(tg.tensor(x), **args)
        else:
            xt = torch.tensor(x, requires_grad=True)
            expected_t = theirs(xt, **targs)
            xo = tg.tensor(x, requires_grad=True)
            out = ours(xo, **args)
            upstream = rng.standard_normal(out.shape)
            expected_t.backward(torch.tensor(upstream))
            out.backward(tg.tensor(upstream))
            np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-10)
            expected = expected_t.detach().numpy()
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-10)


# -- losses ----------------------------------------------------------------------------------


def _loss_inputs(rng):
    a = rng.standard_normal((4, 3))
    return {"x": a, "y": rng.standard_normal((4, 3)), "p": 1 / (1 + np.exp(-a)),
            "t": rng.random((4, 3)), "w": np.array([0.2, 1.0, 3.0]),
            "w_full": rng.random((4, 3)), "labels": np.array([0, 1, 1, 2])}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, kwargs, inputs", [
    ("BCELoss", {"weight": "w"}, ("p", "t")),
    ("BCEWithLogitsLoss", {"pos_weight": "w"}, ("x", "t")),
    ("BCEWithLogitsLoss", {"weight": "w", "pos_weight": "w"}, ("x", "t")),
    ("CrossEntropyLoss", {"ignore_index": 1}, ("x", "labels")),
    ("CrossEntropyLoss", {"ignore_index": 2, "weight": "w"}, ("x", "labels")),
    ("NLLLoss", {"ignore_index": 0}, ("x", "labels"))])
def test_weighted_losses_match_torch(torch, rng, reduction, name, kwargs, inputs):
    data = _loss_inputs(rng)
    ours_kw = {k: tg.tensor(data[v]) if isinstance(v, str) else v for k, v in kwargs.items()}
    theirs_kw = {k: torch.tensor(data[v]) if isinstance(v, str) else v
                 for k, v in kwargs.items()}
    ours = getattr(nn, name)(reduction=reduction, **ours_kw)
    theirs = getattr(torch.nn, name)(reduction=reduction, **theirs_kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x, y = (data[k] for k in inputs)
    xo, xt = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(xo, tg.tensor(y)), theirs(xt, torch.tensor(y))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    upstream = np.cos(np.arange(out.numel())).reshape(tuple(out.shape))
    out.backward(tg.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_elementwise_weight_of_regression_losses(torch, rng, reduction, name):
    data = _loss_inputs(rng)
    out = getattr(nn.functional, name)(tg.tensor(data["x"]), tg.tensor(data["y"]),
                                       reduction=reduction, weight=tg.tensor(data["w_full"]))
    expected = getattr(torch.nn.functional, name)(
        torch.tensor(data["x"]), torch.tensor(data["y"]), reduction=reduction,
        weight=torch.tensor(data["w_full"]))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)
    with pytest.raises(ValueError):
        getattr(nn.functional, name)(tg.tensor(data["x"]), tg.tensor(data["y"]),
                                     weight=tg.tensor(data["w"]))


def test_loss_functions_take_torchs_positional_order(torch, rng):
    data = _loss_inputs(rng)
    p, t, w = data["p"], data["t"], data["w"]
    out = nn.functional.binary_cross_entropy(tg.tensor(p), tg.tensor(t), tg.tensor(w))
    expected = torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(t),
                                                        torch.tensor(w))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)
    out = nn.functional.binary_cross_entropy_with_logits(
        tg.tensor(data["x"]), tg.tensor(t), None, None, None, "sum", tg.tensor(w))
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(data["x"]), torch.tensor(t), None, None, None, "sum", torch.tensor(w))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("legacy", [{"size_average": False}, {"reduce": False},
                                    {"size_average": True, "reduce": True}])
def test_deprecated_size_average_and_reduce_pick_the_reduction(torch, rng, legacy):
    data = _loss_inputs(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("MSELoss", "L1Loss", "SmoothL1Loss", "BCELoss", "NLLLoss", "KLDivLoss"):
            assert getattr(nn, name)(**legacy).reduction == getattr(torch.nn, name)(
                **legacy).reduction
        out = nn.functional.mse_loss(tg.tensor(data["x"]), tg.tensor(data["y"]), **legacy)
        expected = torch.nn.functional.mse_loss(torch.tensor(data["x"]),
                                                torch.tensor(data["y"]), **legacy)
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)
        out = nn.functional.cross_entropy(tg.tensor(data["x"]), tg.tensor(data["labels"]),
                                          **legacy)
        expected = torch.nn.functional.cross_entropy(
            torch.tensor(data["x"]), torch.tensor(data["labels"]), **legacy)
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)


def test_cross_entropy_with_every_target_ignored_is_nan_with_zero_gradient(torch):
    x = np.array([[0.5, -1.0, 2.0]])
    xo, xt = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = nn.CrossEntropyLoss(ignore_index=0)(xo, tg.tensor(np.array([0])))
    expected = torch.nn.CrossEntropyLoss(ignore_index=0)(xt, torch.tensor([0]))
    out.backward(), expected.backward()
    assert np.isnan(out.item()) and np.isnan(expected.item())
    np.testing.assert_array_equal(xo.grad.numpy(), xt.grad.numpy())


# -- state_dict loading ----------------------------------------------------------------------


def test_load_state_dict_assign_keeps_the_checkpoint_arrays(torch):
    ours, theirs = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    weight = np.ones((2, 2), np.float32)
    ours.load_state_dict({"weight": tg.tensor(weight), "bias": np.zeros(2, np.float32)},
                         assign=True)
    theirs.load_state_dict({"weight": torch.tensor(weight), "bias": torch.zeros(2)},
                           assign=True)
    assert isinstance(ours.weight, nn.Parameter) and ours.weight.requires_grad
    assert ours.weight.dtype == np.float32 and str(theirs.weight.dtype) == "torch.float32"
    np.testing.assert_array_equal(ours.weight.numpy(), theirs.weight.detach().numpy())


def test_batchnorm_loads_a_plain_dict_without_num_batches_tracked(torch):
    theirs = torch.nn.BatchNorm1d(2)
    ours = nn.BatchNorm1d(2)
    old = {k: v for k, v in theirs.state_dict().items() if k != "num_batches_tracked"}
    assert repr(theirs.load_state_dict(old)) == "<All keys matched successfully>"
    result = ours.load_state_dict({k: v.numpy() for k, v in old.items()})
    assert repr(result) == "<All keys matched successfully>"
    assert int(ours.num_batches_tracked) == 0


# -- activations and functional forms --------------------------------------------------------


def test_hardtanh_accepts_the_deprecated_min_value_max_value(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = nn.Hardtanh(min_value=-2.0, max_value=3.0)
        theirs = torch.nn.Hardtanh(min_value=-2.0, max_value=3.0)
    assert repr(ours) == repr(theirs) == "Hardtanh(min_val=-2.0, max_val=3.0)"
    x = np.linspace(-4, 4, 9)
    np.testing.assert_array_equal(ours(x).numpy(), theirs(torch.tensor(x)).numpy())


def test_functional_bilinear_matches_torch(torch, rng):
    x1, x2 = rng.standard_normal((3, 4)), rng.standard_normal((3, 5))
    w, b = rng.standard_normal((2, 4, 5)), rng.standard_normal(2)
    out = nn.functional.bilinear(tg.tensor(x1), tg.tensor(x2), tg.tensor(w), tg.tensor(b))
    expected = torch.nn.functional.bilinear(torch.tensor(x1), torch.tensor(x2),
                                            torch.tensor(w), torch.tensor(b))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="bilinear"):
        nn.functional.bilinear(tg.tensor(x2), tg.tensor(x1), tg.tensor(w))


# -- construction and input errors -----------------------------------------------------------


def test_layer_errors_have_torchs_types(torch):
    for lib in (torch, tg):
        with pytest.raises(RuntimeError):
            lib.nn.Flatten(2, 1)(lib.ones(2, 3, 4))
        with pytest.raises(RuntimeError):
            lib.nn.MaxPool2d(2, padding=2)(lib.ones(1, 1, 4, 4))
        with pytest.raises(RuntimeError):
            lib.nn.AvgPool2d(2, padding=2)(lib.ones(1, 1, 4, 4))


def test_attributes_as_torch(torch):
    assert repr(nn.Dropout(p=1)) == repr(torch.nn.Dropout(p=1)) == "Dropout(p=1, inplace=False)"
    assert nn.Conv2d(1, 1, 1).transposed is torch.nn.Conv2d(1, 1, 1).transposed is False
    assert nn.ConvTranspose1d(1, 1, 1).transposed is True
    ours, theirs = nn.MultiheadAttention(4, 2), torch.nn.MultiheadAttention(4, 2)
    assert (ours.bias_k, ours.bias_v, ours.add_zero_attn) == (
        theirs.bias_k, theirs.bias_v, theirs.add_zero_attn)


# -- containers ------------------------------------------------------------------------------


def test_parameter_dict_sorts_a_plain_dict_and_has_torchs_dict_methods(torch):
    def build(lib):
        return lib.nn.ParameterDict({"b": lib.nn.Parameter(lib.zeros(2)),
                                     "a": lib.nn.Parameter(lib.ones(1))})

    ours, theirs = build(tg), build(torch)
    assert list(ours) == list(theirs) == ["a", "b"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for d, lib in ((ours, tg), (theirs, torch)):
        d.setdefault("c", lib.nn.Parameter(lib.zeros(3)))
        copy = d.copy()
        assert type(copy) is type(d) and copy["a"] is d["a"]
        assert d.popitem()[0] == "c"
        joined = d | lib.nn.ParameterDict({"z": lib.nn.Parameter(lib.zeros(1))})
        assert list(joined) == ["a", "b", "z"]
        d |= {"y": lib.nn.Parameter(lib.zeros(1))}
        assert list(d) == ["a", "b", "y"]
    ordered = nn.ParameterDict(OrderedDict([("b", nn.Parameter(tg.zeros(1))),
                                            ("a", nn.Parameter(tg.zeros(1)))]))
    assert list(ordered) == ["b", "a"]


def test_sequential_repetition_as_torch(torch):
    ours, theirs = nn.Sequential(nn.ReLU(), nn.Tanh()), torch.nn.Sequential(
        torch.nn.ReLU(), torch.nn.Tanh())
    assert repr(ours * 2) == repr(theirs * 2) and repr(3 * ours) == repr(3 * theirs)
    assert (ours * 2)[2] is ours[0]
    ours *= 2
    theirs *= 2
    assert repr(ours) == repr(theirs)
    for seq in (theirs, ours):
        with pytest.raises(ValueError):
            seq * 0
        with pytest.raises(TypeError):
            seq * 1.5
    merged = nn.ModuleDict({"a": nn.ReLU()})
    merged.update(nn.ModuleDict({"b": nn.Tanh()}))
    assert list(merged) == ["a", "b"]


@pytest.mark.parametrize("kwargs", [{"max_norm": 1.0}, {"max_norm": 2.0, "norm_type": 1.0},
                                    {"max_norm": 1.0, "padding_idx": 2}])
def test_embedding_max_norm_renormalises_the_rows_it_looks_up(torch, rng, kwargs):
    table = rng.standard_normal((6, 3)) * 3
    indices = np.array([[0, 2, 5], [2, 2, 1]])
    ours, theirs = nn.Embedding(6, 3, **kwargs), torch.nn.Embedding(6, 3, **kwargs).double()
    ours.load_state_dict({"weight": table})
    theirs.load_state_dict({"weight": torch.tensor(table)})
    assert repr(ours) == repr(theirs)
    out, expected = ours(tg.tensor(indices)), theirs(torch.tensor(indices))
    out.sum().backward(), expected.sum().backward()
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-6)


def test_trunc_normal_stays_in_its_absolute_bounds_with_torchs_moments(torch):
    tg.manual_seed(0)
    ours = tg.empty(200, 200)
    assert nn.init.trunc_normal_(ours, mean=1.0, std=2.0, a=0.0, b=3.0) is ours
    theirs = torch.nn.init.trunc_normal_(torch.empty(200, 200), mean=1.0, std=2.0, a=0.0, b=3.0)
    values, reference = ours.numpy(), theirs.numpy()
    assert values.min() >= 0.0 and values.max() <= 3.0
    np.testing.assert_allclose(values.mean(), reference.mean(), rtol=0.02)
    np.testing.assert_allclose(values.std(), reference.std(), rtol=0.02)


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4), (2, 3, 4, 5)])
def test_softmin_without_dim_picks_torchs_implicit_dim(torch, rng, shape):
    x = rng.standard_normal(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.nn.Softmin()(torch.tensor(x)).numpy()
        np.testing.assert_allclose(nn.Softmin()(tg.tensor(x)).numpy(), expected, rtol=1e-6)
        np.testing.assert_allclose(nn.functional.softmin(tg.tensor(x)).numpy(), expected,
                                   rtol=1e-6)


# -- a whole training program ----------------------------------------------------------------


def test_a_small_training_program_follows_torchs_trajectory(torch, rng):
    """Conv, BatchNorm2d, pooling, Flatten, Linear, label-smoothed cross entropy, gradient
    clipping and SGD with momentum, from torch's initial weights: the same losses, weights and
    running statistics after a few steps, and the same eval outputs."""

    def build(lib):
        return lib.nn.Sequential(
            lib.nn.Conv2d(1, 4, 3, padding=1), lib.nn.BatchNorm2d(4), lib.nn.ReLU(),
            lib.nn.MaxPool2d(2), lib.nn.Flatten(), lib.nn.Linear(4 * 4 * 4, 3))

    theirs = build(torch).double()
    ours = build(tg)
    _load_from_torch(ours, theirs)
    opts = [lib.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
            for lib, m in ((torch, theirs), (tg, ours))]
    losses = [lib.nn.CrossEntropyLoss(label_smoothing=0.1) for lib in (torch, tg)]
    for _ in range(3):
        x = rng.standard_normal((6, 1, 8, 8))
        y = rng.integers(0, 3, 6)
        results = []
        for lib, model, opt, loss_fn in zip((torch, tg), (theirs, ours), opts, losses):
            opt.zero_grad()
            loss = loss_fn(model(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            norm = lib.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
            opt.step()
            results.append((loss.item(), float(norm)))
        np.testing.assert_allclose(results[1], results[0], rtol=1e-6)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-6,
                                   atol=1e-12, err_msg=key)
    x = rng.standard_normal((2, 1, 8, 8))
    theirs.eval(), ours.eval()
    np.testing.assert_allclose(ours(x).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6)


def test_flatten_dims_as_torch(torch):
    for lib in (torch, tg):
        with pytest.raises(IndexError):
            lib.nn.Flatten()(lib.ones(3))
        with pytest.raises(IndexError):
            lib.nn.Flatten(0, 5)(lib.ones(3, 2))
        assert tuple(lib.nn.Flatten(0, -1)(lib.tensor(3.0)).shape) == (1,)


@pytest.mark.parametrize("fn, shape, kwargs", [
    ("max_pool2d", (2, 3, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1,
                                  "ceil_mode": True}),
    ("max_pool2d", (2, 3, 7, 9), {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 1),
                                  "dilation": 2}),
    ("max_pool2d", (3, 7, 9), {"kernel_size": 2}),
    ("max_pool1d", (2, 3, 11), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("max_pool1d", (3, 11), {"kernel_size": 2, "dilation": 3})])
def test_max_pool_return_indices_as_torch(torch, rng, fn, shape, kwargs):
    x = rng.standard_normal(shape)
    x.reshape(-1)[5] = np.nan  # the NaN wins its windows, as in torch
    values, where = getattr(nn.functional, fn)(tg.tensor(x), return_indices=True, **kwargs)
    expected, expected_where = getattr(torch.nn.functional, fn)(
        torch.tensor(x), return_indices=True, **kwargs)
    np.testing.assert_array_equal(where.numpy(), expected_where.numpy())
    assert where.dtype == np.int64
    np.testing.assert_allclose(values.numpy(), expected.numpy(), rtol=1e-6)
    layer = getattr(nn, {"max_pool2d": "MaxPool2d", "max_pool1d": "MaxPool1d"}[fn])
    out, idx = layer(return_indices=True, **kwargs)(tg.tensor(x))
    np.testing.assert_array_equal(idx.numpy(), expected_where.numpy())
