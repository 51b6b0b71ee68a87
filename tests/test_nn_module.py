"""Module and Parameter: registration, traversal, modes, state_dict, regularization_loss."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn
from tinygraph.autograd import state


class Affine(nn.Module):
    def __init__(self, n: int = 3):
        super().__init__()
        self.scale = nn.Parameter(np.ones(n, np.float32))
        self.shift = nn.Parameter(np.zeros(n, np.float32))
        self.note = "plain attribute"

    def forward(self, x):
        return x * self.scale + self.shift


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Affine()
        self.inner = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Dropout(0.5))

    def forward(self, x):
        return self.inner(self.first(x))


def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(np.zeros((2, 3)))
    assert isinstance(p, tg.Tensor) and p.requires_grad and p.is_leaf
    assert nn.Parameter([1.0, 2.0]).dtype == tg.get_default_dtype()


def test_parameters_and_modules_register_in_assignment_order():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["first.scale", "first.shift", "inner.0.weight", "inner.0.bias"]
    assert [name for name, _ in net.named_children()] == ["first", "inner"]
    assert [type(m).__name__ for m in net.modules()] == [
        "Net", "Affine", "Sequential", "Linear", "ReLU", "Dropout"]
    assert [name for name, _ in net.named_modules()][:4] == ["", "first", "inner", "inner.0"]
    assert len(list(net.parameters())) == 4
    assert "note" not in dict(net.named_parameters())


def test_reassignment_replaces_and_plain_values_unregister():
    m = Affine()
    m.scale = nn.Parameter(np.full(3, 2.0))  # replaced in place, as in torch
    assert [n for n, _ in m.named_parameters()] == ["scale", "shift"]
    assert m.scale.numpy()[0] == 2.0
    m.scale = None
    assert m.scale is None and [n for n, _ in m.named_parameters()] == ["shift"]
    del m.shift
    assert list(m.parameters()) == []


def test_missing_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="nope"):
        _ = Affine().nope


def test_assigning_before_super_init_fails_loudly():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.ones(2))

    with pytest.raises(AttributeError, match=r"super\(\)\.__init__\(\)"):
        Broken()


def test_shared_parameter_is_listed_once():
    a = nn.Linear(2, 2)
    model = nn.Sequential(a, a)
    assert len(list(model.parameters())) == 2


def test_train_and_eval_switch_every_submodule():
    net = Net()
    assert net.training and all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not net.inner[2].training


def test_zero_grad_clears_every_parameter():
    net = Net()
    net(tg.ones(4, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_call_sets_the_running_module_and_restores_it():
    seen = []

    class Probe(nn.Module):
        def forward(self, x):
            seen.append(state.module)
            return x

    outer = nn.Sequential(Probe(), nn.Sequential(Probe()))
    assert state.module is None
    outer(tg.ones(1))
    assert seen == [outer[0], outer[1][0]]
    assert state.module is None


def test_nodes_record_the_innermost_module():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    out = model(tg.ones(1, 3))
    assert out.grad_fn.module is model[1]
    assert out.grad_fn.parents[0].module is model[0]


def test_exception_in_forward_restores_the_running_module():
    class Fails(nn.Module):
        def forward(self, x):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        nn.Sequential(Fails())(tg.ones(1))
    assert state.module is None


# -- state_dict -------------------------------------------------------------------------


def test_state_dict_maps_dotted_names_to_array_copies():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
    sd = model.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                        "1.running_var", "1.num_batches_tracked", "2.weight", "2.bias"]
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    sd["0.weight"][...] = 123.0
    assert not np.any(model[0].weight.numpy() == 123.0)


def test_load_state_dict_round_trip_copies_never_aliases():
    tg.manual_seed(1)
    source = nn.Sequential(nn.Dense(3, 4, "relu"), nn.Dense(4, 2))
    target = nn.Sequential(nn.Dense(3, 4, "relu"), nn.Dense(4, 2))
    sd = source.state_dict()
    assert target.load_state_dict(sd) == ([], [])
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_array_equal(target(x).numpy(), source(x).numpy())
    sd["0.weight"][...] = 0.0
    source[0].weight.data[...] = 7.0
    assert not np.any(target[0].weight.numpy() == 0.0) and not np.any(target[0].weight.numpy() == 7)


def test_load_state_dict_accepts_tensors_and_keeps_the_parameter_objects():
    model = nn.Linear(2, 2)
    weight = model.weight
    model.load_state_dict({"weight": tg.ones(2, 2), "bias": np.zeros(2)})
    assert model.weight is weight
    np.testing.assert_array_equal(weight.numpy(), np.ones((2, 2)))


def test_strict_load_names_missing_and_unexpected_keys():
    model = nn.Sequential(nn.Linear(2, 3))
    with pytest.raises(KeyError, match=r"missing keys \['0.bias'\]"):
        model.load_state_dict({"0.weight": np.zeros((3, 2))})
    with pytest.raises(RuntimeError, match=r"unexpected keys \['extra'\]"):
        model.load_state_dict({**model.state_dict(), "extra": np.zeros(1)})


def test_shape_mismatch_names_key_and_both_shapes():
    model = nn.Sequential(nn.Linear(2, 3))
    sd = model.state_dict()
    sd["0.weight"] = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"'0.weight'.*\(2, 3\).*\(3, 2\)"):
        model.load_state_dict(sd, strict=False)


def test_non_strict_load_ignores_missing_and_unexpected_keys():
    model = nn.Linear(2, 3)
    missing, unexpected = model.load_state_dict(
        {"weight": np.full((3, 2), 5.0), "other": np.zeros(4)}, strict=False)
    assert missing == ["bias"] and unexpected == ["other"]
    np.testing.assert_array_equal(model.weight.numpy(), np.full((3, 2), 5.0))


def test_state_dict_loads_into_torch_and_back(torch):
    tg.set_default_dtype(np.float64)
    ours = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


# -- regularization ---------------------------------------------------------------------


def test_regularization_loss_sums_every_layer_penalty_on_weights_only():
    tg.set_default_dtype(np.float64)
    model = nn.Sequential(nn.Dense(3, 4, "relu", l1_lambda=0.1), nn.Dense(4, 2, l2_lambda=0.5),
                          nn.Dense(2, 1))
    w0, w1 = model[0].weight.numpy(), model[1].weight.numpy()
    expected = 0.1 * np.abs(w0).sum() + 0.5 * (w1**2).sum()
    reg = model.regularization_loss()
    assert isinstance(reg, tg.Tensor)
    np.testing.assert_allclose(reg.item(), expected)
    reg.backward()
    np.testing.assert_allclose(model[0].weight.grad.numpy(), 0.1 * np.sign(w0))
    np.testing.assert_allclose(model[1].weight.grad.numpy(), 2 * 0.5 * w1)
    assert model[0].bias.grad is None and model[2].weight.grad is None


def test_regularization_loss_without_penalties_is_a_zero_tensor():
    reg = nn.Sequential(nn.Linear(2, 2)).regularization_loss()
    assert isinstance(reg, tg.Tensor) and reg.item() == 0.0


def test_penalty_nodes_are_labelled_for_graph_pictures():
    layer = nn.Dense(2, 2, l1_lambda=0.1, l2_lambda=0.2)
    reg = layer.regularization_loss()
    labels = sorted(p.op_name() for p in reg.grad_fn.parents)
    assert labels == ["l1_penalty", "l2_penalty"]
    assert all(p.module is layer for p in reg.grad_fn.parents)  # grouped with their layer


def test_state_dict_survives_tg_save_and_load(tmp_path):
    model = nn.Sequential(nn.Dense(2, 3, "relu"), nn.BatchNorm1d(3), nn.Dense(3, 1))
    model(np.ones((4, 2), np.float32))  # move the running statistics
    tg.save(model.state_dict(), tmp_path / "model.npz")
    tg.manual_seed(9)
    other = nn.Sequential(nn.Dense(2, 3, "relu"), nn.BatchNorm1d(3), nn.Dense(3, 1))
    assert other.load_state_dict(tg.load(tmp_path / "model.npz")) == ([], [])
    for (key, a), b in zip(model.state_dict().items(), other.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=key)
