"""Optimizers against torch.optim: the update rule alone (identical gradients fed to both for
many steps agree to float64 rounding), the defaults, construction errors, the torch-style
custom optimizer, repr, and the array namespace."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import optim
from tinygraph.backend import numpy_namespace, register_namespace

RULES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.02, betas=(0.3, 0.99))),  # lerp from the far end (weight >= 0.5)
    ("Adam", dict(lr=0.02, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.02, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict()),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.005, momentum=0.5, weight_decay=0.1, centered=True)),
    ("RMSprop", dict(lr=0.005, alpha=0.3, centered=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.2)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1, maximize=True)),
]


@pytest.mark.parametrize("name, options", RULES,
                         ids=[f"{n}-{'-'.join(o) or 'defaults'}" for n, o in RULES])
def test_update_rule_equals_torch_to_float64_rounding_over_300_steps(torch, name, options):
    # The same gradients go to both, so only the update rules are compared: what differs
    # is rounding (torch fuses some multiply-adds), never the formula.
    rng = np.random.default_rng(1)
    shapes = [(3, 5), (5,), (40,)]
    start = [rng.standard_normal(s) for s in shapes]
    ours = [tg.tensor(p, requires_grad=True) for p in start]
    theirs = [torch.tensor(p, requires_grad=True) for p in start]
    opt = getattr(optim, name)(ours, **options)
    topt = getattr(torch.optim, name)(theirs, **options)
    for step in range(300):
        for p, q in zip(ours, theirs):
            g = rng.standard_normal(p.shape) * (1 + step / 30)
            p.grad, q.grad = tg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-12, atol=1e-13,
                                       err_msg=f"step {step + 1}")


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_defaults_are_torch_defaults(torch, name):
    ours = inspect.signature(getattr(optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    for key, parameter in ours.items():
        if key not in ("params", "learning_rate"):
            assert parameter.default == theirs[key].default, key


@pytest.mark.parametrize("make, match", [
    (lambda p: optim.Adam(p, betas=(0.9, 0.99, 0.5)), "betas must be a pair"),
    (lambda p: optim.Adam(p, betas=0.9), "betas must be a pair"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "lr_decay"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "initial_accumulator_value"),
    (lambda p: optim.Adadelta(p, rho=1.5), "rho"),
    (lambda p: optim.Adadelta(p, eps=-1.0), "eps"),
    (lambda p: optim.SGD([{"params": p, "momentum": -1}], lr=0.1), "momentum"),
    (lambda p: optim.Adam([{"params": p, "betas": (2.0, 0.9)}]), "beta parameter at index 0"),
])
def test_out_of_range_hyper_parameters_fail_at_construction_naming_them(make, match):
    with pytest.raises(ValueError, match=match):
        make([tg.tensor([1.0], requires_grad=True)])


@pytest.mark.parametrize("make, match", [
    (lambda p: optim.Adam(p, betas=(0.9, "x")), "beta parameter at index 1"),
    (lambda p: optim.SGD(p, lr="0.1"), "lr"),
])
def test_hyper_parameters_that_are_not_numbers_raise_type_error_as_torch(make, match):
    with pytest.raises(TypeError, match=match):  # torch's comparison with 0.0 raises TypeError
        make([tg.tensor([1.0], requires_grad=True)])


def test_named_parameters_and_sets():
    w = tg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([("w", w)], lr=0.1)
    assert opt.param_groups[0]["params"] == [w] and opt.param_groups[0]["param_names"] == ["w"]
    with pytest.raises(TypeError, match="ordered collection"):
        optim.SGD([{"params": {w}}])


def test_a_torch_style_subclass_with_its_own_step_runs():
    class SignSGD(optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):
            with tg.no_grad():
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is not None:
                            self.state[p]["steps"] = self.state[p].get("steps", 0) + 1
                            p -= group["lr"] * np.sign(p.grad.numpy())

    w = tg.tensor([1.0, -1.0], requires_grad=True)
    opt = SignSGD([w])
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.numpy(), [0.9, -0.9])
    assert opt.state[w]["steps"] == 1 and opt.defaults == {"lr": 0.1}


def test_repr_lists_groups_as_torch(torch):
    def build(lib):
        params = [lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)]
        return lib.optim.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.5}],
                             lr=0.1, momentum=0.9)

    ours, theirs = repr(build(tg)).splitlines(), repr(build(torch)).splitlines()
    assert ours[:2] == theirs[:2] and ours[-1] == theirs[-1] == ")"
    shared = [line for line in ours if line in theirs]
    assert "    lr: 0.1" in shared and "    momentum: 0.9" in shared and "    lr: 0.5" in shared


def test_zero_grad_can_zero_in_place():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adam([w])
    (w * w).sum().backward()
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad and grad.numpy().tolist() == [0.0, 0.0]


class Recorded(np.ndarray):
    """An array type with its own namespace, which records the functions looked up in it."""


def test_update_rules_use_the_parameters_array_namespace():
    used = []

    class Namespace:
        def __getattr__(self, name):
            used.append(name)
            return getattr(numpy_namespace, name)

    register_namespace(Recorded, Namespace())
    try:
        for cls in (optim.Adam, optim.RMSprop, optim.Adagrad):
            w = tg.tensor([1.0, 2.0], requires_grad=True)
            w._data = w._data.view(Recorded)
            w.grad = tg.tensor([0.5, 0.5])
            cls([w], lr=0.1).step()
            assert "sqrt" in used and ("zeros_like" in used or "full_like" in used), cls
            used.clear()
    finally:
        from tinygraph import backend

        backend._NAMESPACE_BY_TYPE.pop(Recorded)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_foreach_is_accepted_and_kept_in_the_groups_as_torch(name, torch):
    ours = getattr(tg.optim, name)([tg.zeros(2, requires_grad=True)], lr=0.1, foreach=False)
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], lr=0.1,
                                        foreach=False)
    assert ours.param_groups[0]["foreach"] is theirs.param_groups[0]["foreach"] is False


def test_sgd_momentum_with_weight_decay_on_a_0d_parameter_follows_torch(torch):
    """The first momentum buffer of a 0-d parameter is an array (NumPy's g + wd * p is a
    scalar, which an in-place update would never change)."""
    ours, theirs = tg.tensor(1.5, dtype=tg.float64, requires_grad=True), \
        torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    opts = [tg.optim.SGD([ours], lr=0.1, momentum=0.9, weight_decay=0.1),
            torch.optim.SGD([theirs], lr=0.1, momentum=0.9, weight_decay=0.1)]
    for _ in range(5):
        for p, opt in zip((ours, theirs), opts):
            opt.zero_grad()
            (p * p).backward()
            opt.step()
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-15)
