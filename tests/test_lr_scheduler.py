"""Learning-rate schedules: sequences by hand and equal to torch.optim.lr_scheduler's."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import optim
from tinygraph.optim import lr_scheduler

# Some tests step a schedule alone, to read its values: PyTorch's order warning is expected.
pytestmark = pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step")


def sgd(lr=1.0, *extra_lrs):
    groups = [{"params": [tg.tensor([1.0], requires_grad=True)], "lr": g} for g in extra_lrs]
    return optim.SGD([{"params": [tg.tensor([1.0], requires_grad=True)]}] + groups, lr=lr)


def sequence(scheduler, epochs):
    """get_last_lr() after construction and after each of ``epochs`` steps."""
    lrs = [scheduler.get_last_lr()]
    for _ in range(epochs):
        scheduler.optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
    return lrs


def test_step_lr_multiplies_by_gamma_every_step_size_epochs():
    lrs = sequence(lr_scheduler.StepLR(sgd(1.0), step_size=2, gamma=0.1), 5)
    assert [lr for (lr,) in lrs] == pytest.approx([1, 1, 0.1, 0.1, 0.01, 0.01])


def test_exponential_lr_multiplies_by_gamma_every_epoch():
    lrs = sequence(lr_scheduler.ExponentialLR(sgd(2.0), gamma=0.5), 3)
    assert [lr for (lr,) in lrs] == pytest.approx([2, 1, 0.5, 0.25])


def test_cosine_annealing_follows_the_half_cosine_and_climbs_back_after_t_max():
    eta_min, T = 0.1, 4
    lrs = [lr for (lr,) in sequence(lr_scheduler.CosineAnnealingLR(sgd(1.0), T, eta_min), 12)]
    closed = [eta_min + (1 - eta_min) * (1 + math.cos(math.pi * t / T)) / 2 for t in range(13)]
    assert lrs == pytest.approx(closed, rel=1e-12)
    assert lrs[2] == pytest.approx(0.55) and lrs[4] == pytest.approx(eta_min)
    assert lrs[8] == pytest.approx(1.0)


def test_scheduler_sets_the_lr_the_optimizer_uses_and_records_initial_lr():
    opt = sgd(1.0, 0.5)
    scheduler = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == [1.0, 0.5]
    p = opt.param_groups[0]["params"][0]
    p.grad = tg.tensor([1.0])
    scheduler.step()
    opt.step()
    assert p.item() == pytest.approx(1.0 - 0.5)
    assert scheduler.get_last_lr() == [0.5, 0.25]


def test_scheduler_state_dict_round_trip():
    scheduler = lr_scheduler.ExponentialLR(sgd(1.0), gamma=0.9)
    sequence(scheduler, 3)
    resumed = lr_scheduler.ExponentialLR(sgd(1.0), gamma=0.5)
    resumed.load_state_dict(scheduler.state_dict())
    assert resumed.last_epoch == 3 and resumed.gamma == 0.9
    assert "optimizer" not in scheduler.state_dict()


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="step_size"):
        lr_scheduler.StepLR(sgd(), step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        lr_scheduler.CosineAnnealingLR(sgd(), T_max=0)
    with pytest.raises(TypeError, match="Optimizer"):
        lr_scheduler.ExponentialLR(object(), gamma=0.9)
    with pytest.raises(ValueError, match="no parameter groups"):
        lr_scheduler.ExponentialLR(optim.SGD(), gamma=0.9)


def _halve(epoch):
    return 0.5 ** (epoch // 4)


SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1)),
    ("MultiStepLR", dict(milestones=[3, 7, 7, 20], gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=_halve)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.9, total_iters=12)),
    ("OneCycleLR", dict(max_lr=[1.0, 0.5], total_steps=60)),
    ("OneCycleLR", dict(max_lr=0.3, epochs=6, steps_per_epoch=10, anneal_strategy="linear",
                        three_phase=True, pct_start=0.25, div_factor=10.0)),
]


def momentum_of(optimizer):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in optimizer.param_groups]


def torch_sequence(torch, name, options, epochs, opt_name="SGD", metrics=None):
    params = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in (0.1, 0.03)]
    topt = getattr(torch.optim, opt_name)(params, lr=0.1)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **options)
    lrs, momenta = [tsched.get_last_lr()], []
    for epoch in range(epochs):
        topt.step()
        tsched.step() if metrics is None else tsched.step(metrics[epoch])
        lrs.append(tsched.get_last_lr())
        momenta.append(momentum_of(topt))
    return lrs, momenta


@pytest.mark.parametrize("name, options", SCHEDULES,
                         ids=[f"{n}-{'-'.join(map(str, o.values()))}" for n, o in SCHEDULES])
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_sequence_matches_torch(torch, name, options, opt_name):
    lrs = (0.1, 0.03)
    params = [{"params": [tg.tensor([1.0], requires_grad=True)], "lr": lr} for lr in lrs]
    opt = getattr(optim, opt_name)(params, lr=0.1)
    scheduler = getattr(lr_scheduler, name)(opt, **options)
    ours, momenta = [scheduler.get_last_lr()], []
    for _ in range(60):
        opt.step()
        scheduler.step()
        ours.append(scheduler.get_last_lr())
        momenta.append(momentum_of(opt))
    theirs, their_momenta = torch_sequence(torch, name, options, 60, opt_name)
    assert ours == theirs  # bit for bit: the same chainable formulas in the same order
    assert momenta == their_momenta  # OneCycleLR cycles momentum / beta1


def test_reduce_on_plateau_matches_torch(torch):
    metrics = [*np.linspace(1, 0.5, 10), *[0.5] * 30, *np.linspace(0.5, 0.2, 10), *[0.3] * 50]
    for options in (dict(factor=0.5, patience=3, cooldown=2, min_lr=[0.01, 0.02]),
                    dict(mode="max", threshold_mode="abs", threshold=0.01, patience=0)):
        scheduler = lr_scheduler.ReduceLROnPlateau(sgd(0.1, 0.03), **options)
        ours = [scheduler.get_last_lr()]
        for metric in metrics:
            scheduler.step(tg.tensor(metric))  # a one-element tensor works as a number
            ours.append(scheduler.get_last_lr())
        theirs, _ = torch_sequence(torch, "ReduceLROnPlateau", options, len(metrics),
                                   metrics=metrics)
        assert ours == theirs


@pytest.mark.parametrize("name, options", [
    ("StepLR", dict(step_size=3, gamma=0.5)), ("MultiStepLR", dict(milestones=[2, 5])),
    ("ExponentialLR", dict(gamma=0.9)), ("CosineAnnealingLR", dict(T_max=5)),
    ("LinearLR", dict(total_iters=4))])
def test_step_with_an_epoch_uses_the_closed_form_as_torch(torch, name, options):
    scheduler = getattr(lr_scheduler, name)(sgd(0.1), **options)
    params = [{"params": [torch.zeros(1, requires_grad=True)], "lr": 0.1}]
    tsched = getattr(torch.optim.lr_scheduler, name)(torch.optim.SGD(params), **options)
    for epoch in (3, 7, 1):
        with pytest.warns(UserWarning, match="deprecated"):
            scheduler.step(epoch)
        with pytest.warns(UserWarning):
            tsched.step(epoch)
        assert scheduler.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-15)


class Warmup:
    """A callable object: its attributes are saved in LambdaLR's state_dict, as torch's."""

    def __init__(self, length):
        self.length = length

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.length)


def test_lambda_lr_state_dict_keeps_callable_objects_state_and_drops_functions():
    scheduler = lr_scheduler.LambdaLR(sgd(1.0, 0.5), [Warmup(4), _halve])
    sequence(scheduler, 2)
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"length": 4}, None] and "optimizer" not in state
    resumed = lr_scheduler.LambdaLR(sgd(1.0, 0.5), [Warmup(9), _halve])
    resumed.load_state_dict(state)
    assert resumed.lr_lambdas[0].length == 4 and resumed.last_epoch == 2


def test_one_cycle_and_lambda_arguments_are_checked():
    with pytest.raises(ValueError, match="total_steps"):
        lr_scheduler.OneCycleLR(sgd(), max_lr=1.0)
    with pytest.raises(ValueError, match="positive integer epochs"):
        lr_scheduler.OneCycleLR(sgd(), max_lr=1.0, epochs=0, steps_per_epoch=3)
    with pytest.raises(ValueError, match="one value per parameter group"):
        lr_scheduler.OneCycleLR(sgd(1.0, 0.5), max_lr=[1.0], total_steps=5)
    with pytest.raises(ValueError, match="momentum or betas"):
        lr_scheduler.OneCycleLR(optim.Adagrad([tg.tensor([1.0], requires_grad=True)]),
                                max_lr=1.0, total_steps=5)
    scheduler = lr_scheduler.OneCycleLR(sgd(), max_lr=1.0, total_steps=2)
    scheduler.step()
    scheduler.step()
    with pytest.raises(ValueError, match="tried to step 3 times"):
        scheduler.step()
    with pytest.raises(TypeError, match="function"):
        lr_scheduler.LambdaLR(sgd(), lr_lambda=0.5)
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(sgd(), factor=1.5)
    with pytest.raises(AttributeError, match="Did you mean 'StepLR'"):  # torch's are all here
        _ = lr_scheduler.StepLr


ORDER_PROGRAM = """
import warnings
m = torch.nn.Linear(2, 1)
r = []
for kind in ("step", "cosine", "plateau", "warm_restarts", "one_cycle", "sequential", "lbfgs"):
    for good in (True, False):
        o = (torch.optim.LBFGS(m.parameters()) if kind == "lbfgs"
             else torch.optim.SGD(m.parameters(), lr=0.1))
        s = {"step": lambda: S.StepLR(o, 1), "cosine": lambda: S.CosineAnnealingLR(o, 5),
             "plateau": lambda: S.ReduceLROnPlateau(o),
             "warm_restarts": lambda: S.CosineAnnealingWarmRestarts(o, 2),
             "one_cycle": lambda: S.OneCycleLR(o, 0.1, total_steps=5),
             "sequential": lambda: S.SequentialLR(o, [S.ConstantLR(o), S.ExponentialLR(o, 0.9)],
                                                  [2]),
             "lbfgs": lambda: S.StepLR(o, 1)}[kind]()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(2):
                if good:
                    o.step(lambda: m(torch.ones(1, 2)).sum()) if kind == "lbfgs" else o.step()
                s.step(1.0) if kind == "plateau" else s.step()
        r.append((kind, good, sum("before `optimizer.step()`" in str(w.message) for w in caught)))
"""


def test_scheduler_before_optimizer_warns_as_torch(torch):
    def run(lib):
        env = {"torch": lib, "S": lib.optim.lr_scheduler}
        exec(ORDER_PROGRAM, env)
        return env["r"]

    ours = run(tg)
    assert ours == run(torch)
    assert ("step", False, 1) in ours and ("step", True, 0) in ours
