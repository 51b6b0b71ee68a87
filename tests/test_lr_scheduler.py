"""Learning-rate schedules: sequences by hand and equal to torch.optim.lr_scheduler's."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import optim
from tinygraph.optim import lr_scheduler


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


SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
]


@pytest.mark.parametrize("name, options", SCHEDULES,
                         ids=[f"{n}-{'-'.join(map(str, o.values()))}" for n, o in SCHEDULES])
def test_sequence_matches_torch(torch, name, options):
    ours = sequence(getattr(lr_scheduler, name)(sgd(0.1, 0.03), **options), 40)
    params = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in (0.1, 0.03)]
    topt = torch.optim.SGD(params, lr=0.1)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **options)
    theirs = [tsched.get_last_lr()]
    for _ in range(40):
        topt.step()
        tsched.step()
        theirs.append(tsched.get_last_lr())
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-13, atol=0)
