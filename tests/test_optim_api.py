"""The Optimizer contract: param groups, state, state_dict round trips, validation, errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import optim

OPTIMIZERS = [
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (optim.Adam, dict(lr=0.05, amsgrad=True)),
    (optim.AdamW, dict(lr=0.05)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01)),
]
IDS = [cls.__name__ for cls, _ in OPTIMIZERS]


class Layer:
    """Stands in for an nn Module: anything with .parameters()."""

    def __init__(self, *params):
        self.params = params

    def parameters(self):
        return iter(self.params)


def make_params(seed=0):
    rng = np.random.default_rng(seed)
    return [tg.tensor(rng.standard_normal((3, 2)), requires_grad=True),
            tg.tensor(rng.standard_normal(2), requires_grad=True)]


def train(opt, params, steps):
    for _ in range(steps):
        opt.zero_grad()
        ((params[0].sum(axis=1) ** 2).sum() + (params[1] ** 3).sum()).backward()
        opt.step()


# -- state and round trips ---------------------------------------------------------------------


@pytest.mark.parametrize("cls, options", OPTIMIZERS, ids=IDS)
def test_state_dict_round_trip_mid_training_continues_identically(cls, options, tmp_path):
    params = make_params()
    opt = cls(params, **options)
    train(opt, params, 5)
    tg.save(opt.state_dict(), tmp_path / "opt.npz")
    copies = [tg.tensor(p.numpy(), requires_grad=True) for p in params]
    resumed = cls(copies, lr=123.0)  # hyper-parameters come back from the state dict
    resumed.load_state_dict(tg.load(tmp_path / "opt.npz"))
    assert resumed.param_groups[0]["lr"] == options["lr"]
    train(opt, params, 5)
    train(resumed, copies, 5)
    for p, q in zip(params, copies):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_state_dict_is_a_snapshot_keyed_by_position():
    params = make_params()
    opt = optim.Adam(params, lr=0.1)
    train(opt, params, 2)
    snapshot = opt.state_dict()
    saved = snapshot["state"][0]["exp_avg"].copy()
    train(opt, params, 2)
    np.testing.assert_array_equal(snapshot["state"][0]["exp_avg"], saved)
    assert snapshot["state"][0]["step"] == 2 and opt.state[params[0]]["step"] == 4
    assert snapshot["param_groups"][0]["params"] == [0, 1]


def test_state_is_created_lazily_and_only_for_parameters_with_a_gradient():
    a, b = make_params()
    opt = optim.Adam([a, b])
    assert opt.state == {}
    (a * a).sum().backward()
    before = b.numpy().copy()
    opt.step()
    assert set(opt.state) == {a} and opt.state[a]["step"] == 1
    np.testing.assert_array_equal(b.numpy(), before)  # b.grad is None: skipped


def test_load_state_dict_rejects_a_mismatched_optimizer():
    params = make_params()
    opt = optim.Adam(params)
    train(opt, params, 1)
    state = opt.state_dict()
    with pytest.raises(ValueError, match="2 parameters"):
        optim.Adam(params[:1]).load_state_dict(state)
    with pytest.raises(ValueError, match="groups"):
        optim.Adam([{"params": params[:1]}, {"params": params[1:]}]).load_state_dict(state)
    wrong = [tg.tensor(np.ones((2, 3)), requires_grad=True), params[1]]
    with pytest.raises(ValueError, match=r"exp_avg.*\(3, 2\).*\(2, 3\)"):
        optim.Adam(wrong).load_state_dict(state)


# -- groups and parameters ---------------------------------------------------------------------


def test_param_groups_take_missing_options_from_the_defaults():
    a, b = make_params()
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert all(g["momentum"] == 0.9 for g in opt.param_groups)
    a.grad, b.grad = tg.ones_like(a), tg.ones_like(b)
    a0, b0 = a.numpy().copy(), b.numpy().copy()
    opt.step()
    np.testing.assert_allclose(a.numpy(), a0 - 0.1)
    np.testing.assert_allclose(b.numpy(), b0 - 0.5)


def test_learning_rate_is_an_alias_of_lr():
    assert optim.SGD(make_params(), learning_rate=0.3).param_groups[0]["lr"] == 0.3
    assert optim.Adam(learning_rate=0.02).defaults["lr"] == 0.02
    assert optim.RMSprop(learning_rate=0.02).learning_rate == 0.02
    opt = optim.SGD(make_params(), lr=0.1)
    opt.learning_rate = 0.7
    assert opt.param_groups[0]["lr"] == 0.7
    group = optim.SGD([{"params": make_params(), "learning_rate": 0.4}]).param_groups[0]
    assert group["lr"] == 0.4


def test_register_layers_collects_parameters_once():
    a, b = make_params()
    opt = optim.SGD(learning_rate=0.1)
    assert opt.param_groups == []
    opt.register_layers([Layer(a), Layer(), Layer(b, a)])
    opt.register_layers([Layer(a, b)])  # nothing new
    assert opt.parameters() == [a, b] and len(opt.param_groups) == 1
    opt.register_layers(Layer(a, b))  # a single module works too


def test_add_param_group_and_errors_on_bad_params():
    a, b = make_params()
    opt = optim.SGD([a], lr=0.1)
    opt.add_param_group({"params": b, "lr": 0.2})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.2]
    with pytest.raises(ValueError, match="more than one group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="twice"):
        optim.SGD([a, a])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([a * 2])
    with pytest.raises(TypeError, match="iterable"):
        optim.SGD(a)
    with pytest.raises(TypeError, match="Tensors"):
        optim.SGD([np.ones(3)])
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([])


def test_step_without_parameters_explains_how_to_give_them():
    with pytest.raises(RuntimeError, match="register_layers"):
        optim.Adam().step()


@pytest.mark.parametrize("make", [
    lambda: optim.SGD(lr=-0.1),
    lambda: optim.SGD(momentum=-0.5),
    lambda: optim.SGD(weight_decay=-1),
    lambda: optim.SGD(nesterov=True),
    lambda: optim.SGD(momentum=0.9, dampening=0.1, nesterov=True),
    lambda: optim.Adam(lr=-1e-3),
    lambda: optim.Adam(eps=-1.0),
    lambda: optim.Adam(betas=(1.0, 0.999)),
    lambda: optim.Adam(betas=(0.9, -0.1)),
    lambda: optim.AdamW(weight_decay=-0.01),
    lambda: optim.RMSprop(alpha=-0.9),
    lambda: optim.RMSprop(momentum=-0.9),
    lambda: optim.RMSprop(eps=-1e-8),
    lambda: optim.SGD([{"params": make_params(), "lr": -1.0}]),
])
def test_invalid_hyper_parameters_raise_value_error(make):
    with pytest.raises(ValueError, match="Invalid|Nesterov momentum requires"):
        make()


# -- the step itself ---------------------------------------------------------------------------


@pytest.mark.parametrize("cls, options", OPTIMIZERS, ids=IDS)
def test_step_updates_data_in_place_and_never_writes_the_gradient(cls, options):
    p = tg.tensor(np.array([1.0, -2.0]), requires_grad=True)
    shared = np.array([0.5, 0.25])
    p.grad = tg.tensor(shared)
    grad_array, data_array = p.grad.numpy(), p.numpy()
    opt = cls([p], weight_decay=0.1, **options)
    opt.step()
    opt.step()
    assert p.numpy() is data_array and not np.array_equal(p.numpy(), [1.0, -2.0])
    assert p.grad.numpy() is grad_array
    np.testing.assert_array_equal(grad_array, [0.5, 0.25])


def test_a_gradient_of_the_wrong_shape_is_refused_where_it_is_assigned():
    w = tg.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"x.grad = value: .*\(3, 2\).*\(2, 3\)"):
        w.grad = tg.ones(3, 2)


def test_zero_grad_sets_gradients_to_none():
    params = make_params()
    opt = optim.SGD(params)
    train(opt, params, 1)
    assert params[0].grad is not None
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_step_returns_the_closure_loss_computed_with_grad_enabled():
    (x,) = make_params()[1:]
    opt = optim.SGD([x], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    before = x.numpy().copy()
    with tg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == pytest.approx((before**2).sum())
    np.testing.assert_allclose(x.numpy(), before - 0.1 * 2 * before)


def test_a_step_counts_as_an_in_place_change_of_the_parameter():
    # the version counter (torch's _version) is what lets the engine refuse a backward through
    # a graph that saved the parameter before the step
    w = tg.tensor(np.ones(3), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    w.grad = tg.ones_like(w)
    before = w._version
    opt.step()
    assert w._version == before + 1


@pytest.mark.parametrize("cls, options", OPTIMIZERS, ids=IDS)
def test_backward_through_a_graph_recorded_before_the_step_raises(cls, options):
    w = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * tg.tensor(np.array([3.0, 4.0]))).sum()  # mul saved w's array
    opt = cls([w], **options)
    w.grad = tg.ones_like(w)
    opt.step()
    with pytest.raises(RuntimeError, match="'mul'.*in-place"):
        loss.backward()
    opt.zero_grad()
    (w * 2).sum().backward()  # a graph recorded after the step is fine
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0])


@pytest.mark.parametrize("cls, options", OPTIMIZERS, ids=IDS)
def test_a_graph_recorded_between_two_steps_refuses_its_backward_after_the_second(
        cls, options):
    # the second step finds the parameter's stamps already kept: the quick path of the stamp
    w = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = cls([w], **options)
    w.grad = tg.ones_like(w)
    opt.step()
    loss = (w * tg.tensor(np.array([3.0, 4.0]))).sum()  # mul saved w's array, at version 1
    opt.step()
    with pytest.raises(RuntimeError, match="'mul'.*in-place.*version 2.*version 1"):
        loss.backward()


def test_a_step_that_fails_part_way_still_counts_the_changes_it_made():
    # the step stamps the parameters it updated in one go at the end, also when a later
    # parameter raises: the first one has changed, and a graph that saved it must refuse
    w = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    v = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * tg.tensor(np.array([3.0, 4.0]))).sum()
    w.grad = tg.ones_like(w)
    v._grad = tg.ones(3)  # a wrong gradient, past the .grad setter's check: the step raises
    with pytest.raises(ValueError, match=r"shape \(2,\) has a gradient of shape \(3,\)"):
        optim.SGD([w, v], lr=0.5).step()
    np.testing.assert_array_equal(w.numpy(), [0.5, 1.5])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    with pytest.raises(RuntimeError, match="'mul'.*in-place"):
        loss.backward()


def test_a_step_on_a_view_is_seen_by_graphs_that_saved_the_whole_array():
    whole = tg.tensor(np.ones((2, 3)))
    w = tg.tensor(np.zeros(3), requires_grad=True)
    w.data = whole.numpy()[0]  # w shares memory with row 0 of `whole`
    x = tg.tensor(np.ones((2, 3)), requires_grad=True)
    loss = (x * whole).sum()  # mul saved whole's array
    w.grad = tg.ones_like(w)
    optim.SGD([w], lr=0.5).step()
    np.testing.assert_array_equal(whole.numpy()[0], [0.5, 0.5, 0.5])
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()
