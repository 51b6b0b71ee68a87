"""Module as torch.nn.Module: buffers, traversal, apply, dtype/device, state_dict keys,
all-or-nothing loading, repr, Parameter and attribute errors, each checked against torch."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn


def twin_models(torch):
    """The same architecture in both libraries, with a module shared under two names."""
    shared, tshared = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    ours = nn.Sequential(shared, nn.BatchNorm1d(2), nn.Sequential(shared, nn.ReLU()))
    theirs = torch.nn.Sequential(tshared, torch.nn.BatchNorm1d(2),
                                 torch.nn.Sequential(tshared, torch.nn.ReLU()))
    return ours, theirs


def names(pairs):
    return [name for name, _ in pairs]


@pytest.mark.parametrize("call", [
    lambda m: m.named_modules(),
    lambda m: m.named_modules(prefix="model"),
    lambda m: m.named_modules(remove_duplicate=False),
    lambda m: m.named_children(),
    lambda m: m.named_parameters(),
    lambda m: m.named_parameters(prefix="net", remove_duplicate=False),
    lambda m: m.named_parameters(recurse=False),
    lambda m: m[2].named_parameters(recurse=False),
    lambda m: m.named_buffers(),
    lambda m: m.state_dict().items(),
    lambda m: m.state_dict(prefix="model.").items(),
])
def test_traversal_names_match_torch(torch, call):
    ours, theirs = twin_models(torch)
    assert names(call(ours)) == names(call(theirs))


def test_apply_visits_children_first_then_self_like_torch(torch):
    ours, theirs = twin_models(torch)
    seen, tseen = [], []
    assert ours.apply(lambda m: seen.append(type(m).__name__)) is ours
    theirs.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen


def test_buffers_persistent_or_not(torch):
    for lib, ours in ((torch, False), (tg, True)):
        m = (nn if ours else torch.nn).Module()
        m.register_buffer("steps", lib.zeros(2))
        m.register_buffer("cache", lib.zeros(3), persistent=False)
        m.register_buffer("absent", None)
        assert names(m.named_buffers()) == ["steps", "cache"]
        assert list(m.state_dict()) == ["steps"]
    m.steps = tg.ones(2)  # re-assigning a buffer keeps it a buffer
    assert m.state_dict()["steps"].tolist() == [1.0, 1.0]
    m.register_buffer("array", np.arange(3))  # an ndarray is made a Tensor
    assert isinstance(m.array, tg.Tensor) and m.array.dtype == np.int64


@pytest.mark.parametrize("action, error", [
    (lambda m, lib: m.register_buffer("a.b", lib.zeros(1)), KeyError),
    (lambda m, lib: m.register_buffer("", lib.zeros(1)), KeyError),
    (lambda m, lib: m.register_buffer("x", 3), TypeError),
    (lambda m, lib: m.register_buffer(3, lib.zeros(1)), TypeError),
    (lambda m, lib: m.register_buffer("plain", lib.zeros(1)), KeyError),
    (lambda m, lib: setattr(m, "weight", lib.zeros(2, 2)), TypeError),
    (lambda m, lib: setattr(m, "weight", "text"), TypeError),
    (lambda m, lib: m.register_parameter("p", lib.zeros(1)), TypeError),
    (lambda m, lib: m.add_module("child", 3), TypeError),
])
def test_registration_mistakes_raise_as_in_torch(torch, action, error):
    for lib in (tg, torch):
        m = lib.nn.Linear(2, 2)
        m.plain = 5
        with pytest.raises(error):
            action(m, lib)


def test_assigning_none_keeps_the_name_registered_and_plain_values_before_init_are_allowed():
    m = nn.Linear(2, 2)
    m.bias = None
    assert m.bias is None and "bias" in m._parameters and list(m.state_dict()) == ["weight"]

    class Early(nn.Module):
        def __init__(self):
            self.size = 3  # a plain attribute before super().__init__(), as torch allows
            super().__init__()
            self.w = nn.Parameter(tg.ones(self.size))

    assert names(Early().named_parameters()) == ["w"]


def test_to_double_float_half_cast_floating_parameters_buffers_and_grads(torch):
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    model(tg.ones(4, 2)).sum().backward()
    weight = model[0].weight
    assert model.double() is model and model[0].weight is weight
    assert weight.dtype == np.float64 and weight.grad.dtype == np.float64
    assert model[1].running_mean.dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64  # integer buffers stay
    assert model.half()[0].weight.dtype == np.float16
    assert model.to(np.float32)[0].weight.dtype == np.float32
    assert model.to("cpu", dtype="float64")[0].weight.dtype == np.float64
    assert model.to(tg.ones(1, dtype=np.float32))[0].weight.dtype == np.float32
    assert model.cpu() is model and model.to("cpu:0") is model
    with pytest.raises(TypeError, match="floating point"):
        model.to(np.int64)
    with pytest.raises(TypeError):
        torch.nn.Linear(2, 2).to(torch.int64)  # the same rule in torch


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "mps"])
def test_other_devices_say_cpu_only_and_name_the_way_out(device):
    with pytest.raises(RuntimeError, match=r"CPU only.*onnx.*safetensors"):
        nn.Linear(2, 2).to(device)
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.Linear(2, 2).cuda()


def test_requires_grad_freezes_and_zero_grad_can_zero_in_place():
    model = nn.Linear(3, 2)
    model(tg.ones(1, 3)).sum().backward()
    grad = model.weight.grad
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is grad and not grad.numpy().any()
    model.zero_grad()
    assert model.weight.grad is None
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())


def test_train_mode_must_be_a_bool_as_in_torch(torch):
    for module in (nn.Linear(1, 1), torch.nn.Linear(1, 1)):
        with pytest.raises(ValueError, match="bool"):
            module.train("yes")


# -- loading: all or nothing ------------------------------------------------------------


def _snapshot(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("damage, error, match", [
    (lambda sd: sd.update({"1.bias": np.array(["a", "b", "c"])}), TypeError, r"'1.bias'.*<U1"),
    (lambda sd: sd.update({"1.weight": np.zeros((2, 2))}), ValueError,
     r"'1.weight'.*\(2, 2\).*\(3, 3\)"),
    (lambda sd: sd.pop("1.bias"), KeyError, r"missing keys \['1.bias'\]"),
    (lambda sd: sd.update({"extra": np.zeros(1)}), RuntimeError, r"unexpected keys \['extra'\]"),
    (lambda sd: sd.update({"0.weight": np.array([[object()] * 2] * 3)}), TypeError, "object"),
])
def test_a_failed_load_changes_nothing_and_names_the_key(damage, error, match):
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 3))
    before = _snapshot(model)
    tg.manual_seed(5)
    source = _snapshot(nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 3)))  # other values
    damage(source)  # the damaged entry comes after entries that are fine
    with pytest.raises(error, match=match):
        model.load_state_dict(source)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


def test_load_returns_torch_named_keys_and_casts_to_the_model_dtype(torch):
    model = nn.BatchNorm1d(2)
    result = model.load_state_dict({"weight": np.full(2, 2.0, np.float64),
                                    "num_batches_tracked": np.array(3.7)}, strict=False)
    assert result.missing_keys == ["bias", "running_mean", "running_var"]
    assert result.unexpected_keys == [] and result == (result.missing_keys, [])
    assert model.weight.dtype == np.float32 and model.num_batches_tracked.item() == 3  # as torch
    theirs = torch.nn.BatchNorm1d(2)
    theirs.load_state_dict({"num_batches_tracked": torch.tensor(3.7)}, strict=False)
    assert theirs.num_batches_tracked.item() == 3


def test_a_load_is_seen_by_the_version_check():
    model = nn.Linear(2, 1)
    loss = model(tg.ones(1, 2, requires_grad=True)).sum()  # linear saved the weight
    model.load_state_dict(model.state_dict())
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


# -- repr, Parameter, attribute errors ----------------------------------------------------


def test_repr_matches_torch(torch):
    def build(lib):
        m = lib.nn
        return m.Sequential(m.Linear(3, 4), m.ReLU(), m.Dropout(0.2), m.Flatten(),
                            m.Softmax(dim=1), m.LeakyReLU(), m.MSELoss(reduction="sum"),
                            m.Sequential(m.Tanh(), m.Linear(4, 1, bias=False)), m.Sigmoid())

    assert repr(build(tg)) == repr(build(torch))
    assert repr(nn.Module()) == repr(torch.nn.Module()) == "Module()"


def test_parameter_of_a_tensor_shares_its_storage_like_torch(torch):
    t = tg.zeros(3)
    p = nn.Parameter(t)
    t.numpy()[0] = 5.0
    tt = torch.zeros(3)
    tp = torch.nn.Parameter(tt)
    tt[0] = 5.0
    assert p.numpy()[0] == tp[0].item() == 5.0
    assert p.requires_grad and p.is_leaf and nn.Parameter().shape == (0,)
    assert not nn.Parameter(tg.ones(2), requires_grad=False).requires_grad


def test_missing_attributes_suggest_the_closest_name():
    with pytest.raises(AttributeError, match="Did you mean 'weight'"):
        _ = nn.Linear(2, 2).wieght
    with pytest.raises(AttributeError, match="Did you mean 'running_mean'"):
        _ = nn.BatchNorm1d(2).running_maen
    with pytest.raises(AttributeError, match="PyTorch's Module.register_backward_hook is not"):
        _ = nn.Linear(2, 2).register_backward_hook
    with pytest.raises(AttributeError, match="Did you mean 'Sequential'"):
        _ = nn.Sequentail
    with pytest.raises(AttributeError, match=r"torch.nn.SyncBatchNorm is not implemented"
                                             r".*closest.*BatchNorm1d"):
        _ = nn.SyncBatchNorm
    with pytest.raises(AttributeError, match="torch.optim.SparseAdam is not implemented"):
        _ = tg.optim.SparseAdam
    assert not hasattr(nn.Linear(1, 1), "__deepcopy_hook__")


def test_get_submodule_and_add_module():
    model = nn.Sequential(nn.Sequential(nn.Linear(1, 1)))
    assert model.get_submodule("0.0") is model[0][0] and model.get_submodule("") is model
    with pytest.raises(AttributeError, match="no submodule '1'"):
        model.get_submodule("0.1")
    model.add_module("head", nn.ReLU())
    assert names(model.named_children()) == ["0", "head"] and "head" in dir(model)
