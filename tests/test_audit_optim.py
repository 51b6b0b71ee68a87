"""The optim and utils.data surfaces against PyTorch, as a user drives them: whole trajectories
through param groups with different options, parameters without a gradient, zero_grad
without set_to_none, an lr changed by hand, add_param_group and a state_dict resume; state_dict
structure; construction errors; schedules over 35 steps (resumed, chained, started at a
last_epoch); ReduceLROnPlateau; and DataLoader collation, Generators and splits."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygraph as tg

GROUPS = [
    ("SGD", [{"momentum": 0.9, "nesterov": True}, {"momentum": 0.5, "dampening": 0.3,
                                                    "weight_decay": 0.1}], {"lr": 0.01}),
    ("SGD", [{"maximize": True}, {"weight_decay": 0.2}], {"lr": 0.01}),
    ("Adam", [{"amsgrad": True}, {"weight_decay": 0.1, "betas": (0.8, 0.9)}], {"lr": 0.01}),
    ("Adam", [{"maximize": True}, {"eps": 1e-3, "decoupled_weight_decay": True,
                                   "weight_decay": 0.3}], {"lr": 0.01}),
    ("AdamW", [{"amsgrad": True}, {"weight_decay": 0.1, "maximize": True}], {"lr": 0.01}),
    ("RMSprop", [{"centered": True, "momentum": 0.9},
                 {"alpha": 0.9, "eps": 1e-4, "weight_decay": 0.1}], {"lr": 0.01}),
    ("RMSprop", [{"centered": True}, {"momentum": 0.3, "maximize": True}], {"lr": 0.01}),
    ("Adagrad", [{"lr_decay": 0.1}, {"initial_accumulator_value": 0.5, "weight_decay": 0.1}],
     {"lr": 0.05, "initial_accumulator_value": 0.1}),
    ("Adagrad", [{"maximize": True}, {"eps": 1e-3}], {"lr": 0.05}),
    ("Adadelta", [{"rho": 0.5, "maximize": True}, {"weight_decay": 0.1, "eps": 1e-3}],
     {"lr": 0.5}),
    ("Adamax", [{"maximize": True}, {"weight_decay": 0.1, "betas": (0.5, 0.9)}], {"lr": 0.02}),
    ("NAdam", [{"momentum_decay": 0.01}, {"weight_decay": 0.1, "decoupled_weight_decay": True}],
     {"lr": 0.02}),
    ("RAdam", [{"maximize": True}, {"weight_decay": 0.1, "betas": (0.8, 0.9)}], {"lr": 0.02}),
    ("Rprop", [{"etas": (0.3, 1.5)}, {"step_sizes": (1e-3, 0.2), "maximize": True}],
     {"lr": 0.02}),
    ("ASGD", [{"t0": 5, "lambd": 0.01}, {"weight_decay": 0.1, "alpha": 0.5}], {"lr": 0.02}),
]
GROUP_IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(GROUPS)]
STARTS = [np.random.default_rng(0).standard_normal(shape) for shape in [(3, 4), (4,), (2,), ()]]


def trajectory(lib, name, groups, defaults, *, no_grad_after=None, zero_in_place=False,
               set_lr_at=None, resume_at=None, add_group_at=None, steps=20):
    """The parameters after each of ``steps`` steps of a loss with a cubic term."""
    params = [lib.tensor(a.copy(), requires_grad=True) for a in STARTS]

    def build(ps):
        first = [{"params": ps[:2], **groups[0]}]
        rest = [{"params": ps[2:], **groups[1]}]
        opt = getattr(lib.optim, name)(first if add_group_at else first + rest, **defaults)
        return opt

    opt = build(params)
    seen = []
    for step in range(steps):
        if step == add_group_at:
            opt.add_param_group({"params": params[2:], **groups[1]})
        if step == resume_at:  # a fresh optimizer on copies of the parameters, loaded
            saved = opt.state_dict()
            params = [lib.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
            opt = build(params)
            opt.load_state_dict(saved)
        opt.zero_grad(set_to_none=not zero_in_place)
        used = [p for i, p in enumerate(params) if no_grad_after is None or i != 1
                or step < no_grad_after]
        loss = sum(((p - 0.3) ** 2 * (i + 1)).sum() + 0.1 * (p ** 3).sum()
                   for i, p in enumerate(used))
        loss.backward()
        if step == set_lr_at:
            opt.param_groups[0]["lr"] = 0.005
        opt.step()
        seen.append([p.detach().numpy().copy() for p in params])
    return seen, opt


VARIANTS = {"plain": {}, "grad-none": {"no_grad_after": 3}, "set-lr": {"set_lr_at": 7},
            "zero-in-place": {"zero_in_place": True, "no_grad_after": 2},
            "resume": {"resume_at": 9, "set_lr_at": 4}, "add-group": {"add_group_at": 5}}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name, groups, defaults", GROUPS, ids=GROUP_IDS)
def test_trajectories_with_param_groups_equal_torch(torch, name, groups, defaults, variant):
    ours, _ = trajectory(tg, name, groups, defaults, **VARIANTS[variant])
    theirs, _ = trajectory(torch, name, groups, defaults, **VARIANTS[variant])
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for p, q in zip(a, b):
            np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-14, err_msg=f"step {step}")


@pytest.mark.parametrize("steps", [0, 2])
@pytest.mark.parametrize("name, groups, defaults", GROUPS, ids=GROUP_IDS)
def test_state_dict_structure_equals_torch(torch, name, groups, defaults, steps):
    """State keyed by parameter index with torch's per-parameter keys (Adagrad's state exists
    from construction on), groups with torch's option names and 'params' as index lists."""
    def structure(lib):
        _, opt = trajectory(lib, name, groups, defaults, no_grad_after=1, steps=steps)
        saved = opt.state_dict()
        return ({index: sorted(state) for index, state in saved["state"].items()},
                [sorted(group) for group in saved["param_groups"]],
                [group["params"] for group in saved["param_groups"]])

    assert structure(tg) == structure(torch)


def test_adagrad_starts_every_accumulator_at_the_constructors_value_as_torch(torch):
    def build(lib):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
        return lib.optim.Adagrad([{"params": [a]}, {"params": [b],
                                                    "initial_accumulator_value": 5.0}],
                                 initial_accumulator_value=0.5)

    ours, theirs = build(tg).state_dict()["state"], build(torch).state_dict()["state"]
    assert sorted(ours) == sorted(theirs) == [0, 1]
    for i in (0, 1):
        np.testing.assert_array_equal(ours[i]["sum"], theirs[i]["sum"].numpy())
        assert ours[i]["step"] == theirs[i]["step"].item() == 0


ALL_OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
                  "RAdam", "Rprop", "ASGD"]


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_param_groups_hold_torchs_options(torch, name):
    ours = getattr(tg.optim, name)([tg.zeros(2, requires_grad=True)], lr=0.1).param_groups[0]
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)],
                                        lr=0.1).param_groups[0]
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        if key != "params":
            assert ours[key] == theirs[key], key


def test_adam_with_decoupled_weight_decay_is_adamw_as_torch(torch):
    def run(lib, cls, **options):
        p = lib.tensor(STARTS[0].copy(), requires_grad=True)
        opt = getattr(lib.optim, cls)([p], lr=0.05, weight_decay=0.5, **options)
        for _ in range(10):
            opt.zero_grad()
            ((p - 1) ** 2).sum().backward()
            opt.step()
        return p.detach().numpy()

    adamw = run(torch, "AdamW")
    np.testing.assert_allclose(run(tg, "Adam", decoupled_weight_decay=True), adamw, rtol=1e-12)
    np.testing.assert_allclose(run(tg, "AdamW"), adamw, rtol=1e-12)
    assert not np.allclose(run(tg, "Adam"), adamw)


def test_differentiable_steps_are_refused_clearly():
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        tg.optim.SGD([tg.zeros(2, requires_grad=True)], lr=0.1, differentiable=True)
    opt = tg.optim.Adam([tg.zeros(2, requires_grad=True)], fused=True, capturable=False)
    assert opt.param_groups[0]["fused"] is True


CONSTRUCTION = {
    "negative lr": lambda lib, p: lib.optim.SGD(p, lr=-0.1),
    "negative momentum": lambda lib, p: lib.optim.SGD(p, lr=0.1, momentum=-0.5),
    "nesterov without momentum": lambda lib, p: lib.optim.SGD(p, lr=0.1, nesterov=True),
    "nesterov with dampening": lambda lib, p: lib.optim.SGD(p, lr=0.1, momentum=0.9,
                                                            nesterov=True, dampening=0.1),
    "negative weight decay": lambda lib, p: lib.optim.SGD(p, lr=0.1, weight_decay=-1),
    "beta1 of 1": lambda lib, p: lib.optim.Adam(p, betas=(1.0, 0.999)),
    "negative beta2": lambda lib, p: lib.optim.AdamW(p, betas=(0.9, -0.1)),
    "negative eps": lambda lib, p: lib.optim.Adam(p, eps=-1e-8),
    "negative alpha": lambda lib, p: lib.optim.RMSprop(p, alpha=-0.5),
    "negative lr_decay": lambda lib, p: lib.optim.Adagrad(p, lr_decay=-0.1),
    "empty parameters": lambda lib, p: lib.optim.SGD([], lr=0.1),
    "a tensor as params": lambda lib, p: lib.optim.SGD(p[0], lr=0.1),
    "a non-leaf": lambda lib, p: lib.optim.SGD([p[0] * 2], lr=0.1),
    "lr a string": lambda lib, p: lib.optim.SGD(p, lr="0.1"),
    "beta a string": lambda lib, p: lib.optim.Adam(p, betas=(0.9, "x")),
    "unknown option": lambda lib, p: lib.optim.SGD(p, lr=0.1, nesterof=True),
    "Adamax beta": lambda lib, p: lib.optim.Adamax(p, betas=(0.9, 1.0)),
    "NAdam momentum_decay": lambda lib, p: lib.optim.NAdam(p, momentum_decay=-0.1),
    "RAdam eps": lambda lib, p: lib.optim.RAdam(p, eps=-1.0),
    "Rprop etas": lambda lib, p: lib.optim.Rprop(p, etas=(1.5, 2.0)),
    "ASGD weight_decay": lambda lib, p: lib.optim.ASGD(p, weight_decay=-1.0),
    "a parameter in two groups": lambda lib, p: lib.optim.SGD([{"params": p}, {"params": p}],
                                                              lr=0.1),
}


@pytest.mark.parametrize("case", CONSTRUCTION)
def test_construction_errors_have_torchs_types(torch, case):
    def error(lib):
        with pytest.raises(Exception) as info:
            CONSTRUCTION[case](lib, [lib.zeros(2, requires_grad=True)])
        return info.type

    theirs = error(torch)
    assert issubclass(error(tg), theirs)


# -- lr_scheduler ---------------------------------------------------------------------------

def two_groups(lib, name="SGD"):
    params = [lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)]
    options = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    return getattr(lib.optim, name)([{"params": params[:1]},
                                     {"params": params[1:], "lr": 0.2}], **options)


SCHEDULES = {
    "StepLR": lambda s, opt, **kw: s.StepLR(opt, 4, gamma=0.5, **kw),
    "MultiStepLR": lambda s, opt, **kw: s.MultiStepLR(opt, [3, 7, 7, 20], gamma=0.3, **kw),
    "ExponentialLR": lambda s, opt, **kw: s.ExponentialLR(opt, 0.9, **kw),
    "CosineAnnealingLR": lambda s, opt, **kw: s.CosineAnnealingLR(opt, T_max=7, eta_min=0.01,
                                                                  **kw),
    "LambdaLR": lambda s, opt, **kw: s.LambdaLR(opt, [lambda e: 0.9 ** e,
                                                      lambda e: 1 + e % 3], **kw),
    "LinearLR": lambda s, opt, **kw: s.LinearLR(opt, start_factor=0.25, end_factor=0.9,
                                                total_iters=10, **kw),
    "LinearLR-down": lambda s, opt, **kw: s.LinearLR(opt, start_factor=1.0, end_factor=0.1,
                                                     total_iters=6, **kw),
    "OneCycleLR": lambda s, opt, **kw: s.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=40,
                                                    **kw),
    "OneCycleLR-linear-3": lambda s, opt, **kw: s.OneCycleLR(
        opt, max_lr=1.0, total_steps=40, anneal_strategy="linear", three_phase=True, **kw),
    "OneCycleLR-epochs": lambda s, opt, **kw: s.OneCycleLR(
        opt, max_lr=0.5, epochs=4, steps_per_epoch=10, pct_start=0.25, div_factor=10.0,
        final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9, **kw),
    "OneCycleLR-no-momentum": lambda s, opt, **kw: s.OneCycleLR(
        opt, max_lr=0.5, total_steps=40, cycle_momentum=False, **kw),
    "CyclicLR": lambda s, opt, **kw: s.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                **kw),
    "CyclicLR-triangular2": lambda s, opt, **kw: s.CyclicLR(
        opt, base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=3, step_size_down=5,
        mode="triangular2", **kw),
    "CyclicLR-exp_range": lambda s, opt, **kw: s.CyclicLR(
        opt, base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.95,
        base_momentum=0.7, max_momentum=0.95, **kw),
    "CyclicLR-scale_fn": lambda s, opt, **kw: s.CyclicLR(
        opt, base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=lambda x: 0.5 ** x,
        scale_mode="iterations", cycle_momentum=False, **kw),
}


def schedule_trace(lib, name, optimizer, resume_at=None, chained=False):
    """Every group's lr and momentum (or beta1) after each optimizer.step/scheduler.step."""
    opt = two_groups(lib, optimizer)
    make = SCHEDULES[name]
    scheduler = make(lib.optim.lr_scheduler, opt)
    other = lib.optim.lr_scheduler.ExponentialLR(opt, 0.95) if chained else None
    seen = [scheduler.get_last_lr()]
    for step in range(39):
        opt.step()
        scheduler.step()
        if other is not None:
            other.step()
        if step == resume_at:
            saved, saved_opt = scheduler.state_dict(), opt.state_dict()
            opt = two_groups(lib, optimizer)
            opt.load_state_dict(saved_opt)
            scheduler = make(lib.optim.lr_scheduler, opt)
            scheduler.load_state_dict(saved)
        seen.append(scheduler.get_last_lr() + [group["lr"] for group in opt.param_groups]
                    + [group.get("momentum", group.get("betas", (0.0,))[0])
                       for group in opt.param_groups])
    return seen


TRACES = [(name, optimizer, mode) for name in SCHEDULES for optimizer in ("SGD", "Adam")
          for mode in ("plain", "resumed", "chained")
          if not (mode == "chained" and "Cycl" in name)]  # these set the lr outright


@pytest.mark.parametrize("name, optimizer, mode", TRACES, ids=["-".join(t) for t in TRACES])
def test_schedules_equal_torch_over_40_steps(torch, name, optimizer, mode):
    options = {"resumed": {"resume_at": 12}, "chained": {"chained": True}}.get(mode, {})
    ours = schedule_trace(tg, name, optimizer, **options)
    theirs = schedule_trace(torch, name, optimizer, **options)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(np.array(ours[1:]), np.array(theirs[1:]), rtol=1e-13, atol=0)


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                                  "LambdaLR", "LinearLR"])
def test_a_schedule_started_at_last_epoch_equals_torch(torch, name):
    def run(lib):
        opt = two_groups(lib)
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"]
        scheduler = SCHEDULES[name](lib.optim.lr_scheduler, opt, last_epoch=5)
        seen = [scheduler.get_last_lr()]
        for _ in range(10):
            opt.step()
            scheduler.step()
            seen.append(scheduler.get_last_lr())
        return seen

    np.testing.assert_allclose(run(tg), run(torch), rtol=1e-13)


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_one_cycle_resumed_with_last_epoch_equals_torch(torch, optimizer):
    def run(lib):
        opt = two_groups(lib, optimizer)
        scheduler = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=30)
        for _ in range(10):
            opt.step()
            scheduler.step()
        fresh = two_groups(lib, optimizer)
        fresh.load_state_dict(opt.state_dict())
        scheduler = lib.optim.lr_scheduler.OneCycleLR(fresh, max_lr=1.0, total_steps=30,
                                                      last_epoch=9)
        seen = []
        for _ in range(15):
            fresh.step()
            scheduler.step()
            group = fresh.param_groups[1]
            seen.append(scheduler.get_last_lr() + [group.get("momentum",
                                                             group.get("betas", (0,))[0])])
        return seen

    np.testing.assert_allclose(run(tg), run(torch), rtol=1e-13)


METRICS = list(np.r_[np.linspace(1, 0.5, 5), np.full(6, 0.5), 0.49999, 0.4, np.full(10, 0.45),
                     np.linspace(0.45, 0.3, 5), np.full(15, 0.3)])
PLATEAUS = [{}, {"mode": "max"}, {"factor": 0.5, "patience": 2},
            {"threshold": 0.1, "threshold_mode": "abs", "patience": 1, "cooldown": 2},
            {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 0},
            {"patience": 1, "min_lr": [0.01, 0.2], "factor": 0.3},
            {"patience": 0, "min_lr": 0.05, "factor": 0.5, "cooldown": 1},
            {"patience": 0, "eps": 0.2, "factor": 0.5}]


@pytest.mark.parametrize("options", PLATEAUS, ids=range(len(PLATEAUS)))
def test_reduce_on_plateau_equals_torch_through_a_resume(torch, options):
    def run(lib):
        opt = two_groups(lib)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
        seen = [scheduler.get_last_lr() + [0, 0, 0.0, scheduler.last_epoch]]
        for i, metric in enumerate(METRICS):
            opt.step()
            scheduler.step(metric if i % 2 else lib.tensor(metric))
            seen.append(scheduler.get_last_lr() + [scheduler.num_bad_epochs,
                        scheduler.cooldown_counter, float(scheduler.best), scheduler.last_epoch])
            if i == 20:
                saved, saved_opt = scheduler.state_dict(), opt.state_dict()
                opt = two_groups(lib)
                opt.load_state_dict(saved_opt)
                scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
                scheduler.load_state_dict(saved)
        return seen, sorted(saved)

    ours, theirs = run(tg), run(torch)
    np.testing.assert_allclose(np.array(ours[0]), np.array(theirs[0]), rtol=1e-13)
    assert ours[1] == theirs[1]


# -- utils.data -----------------------------------------------------------------------------

def plain(value):
    """Tensors as (dtype, shape, values); containers as (type name, contents)."""
    if hasattr(value, "numpy") and hasattr(value, "dtype"):
        array = value.detach().numpy()
        return str(array.dtype), array.shape, array.tolist()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [plain(v) for v in value]
    return type(value).__name__, value


def loader_tour(lib):
    data = lib.utils.data

    class Samples(data.Dataset):
        def __init__(self):
            self.x = np.arange(30, dtype=np.float32).reshape(10, 3)

        def __len__(self):
            return 10

        def __getitem__(self, i):
            return (self.x[i], float(i) / 2, i, {"t": lib.tensor([i, i + 1]), "f": 0.5 * i,
                                                 "b": i % 2 == 0}, (i, [1.0, 2.0]))

    seen = {}
    loader = data.DataLoader(Samples(), batch_size=4)
    seen["len"], seen["first"], seen["again"] = len(loader), [plain(b) for b in loader], [
        plain(b) for b in loader]
    loader = data.DataLoader(Samples(), batch_size=4, drop_last=True)
    seen["drop_last"] = len(loader), [plain(b) for b in loader]
    loader = data.DataLoader(Samples(), batch_size=None)
    seen["unbatched"] = len(loader), [plain(b) for b in loader][:3]
    seen["collate_fn"] = list(data.DataLoader(Samples(), batch_size=3, collate_fn=len))
    rows = data.TensorDataset(lib.arange(12.0).reshape(6, 2).double(), lib.arange(6))
    seen["tensor_dataset"] = ([plain(b) for b in data.DataLoader(rows, batch_size=4)],
                              plain(rows[1]), plain(rows[1:3]), len(rows))
    subset = data.Subset(rows, [5, 0, 2])
    seen["subset"] = [plain(b) for b in data.DataLoader(subset, batch_size=2)], len(subset)
    seen["list"] = [plain(b) for b in data.DataLoader([1.0, 2.0, 3.0], batch_size=2)]
    seen["array"] = [plain(b) for b in data.DataLoader(np.arange(6).reshape(3, 2),
                                                        batch_size=2)]
    seen["0-d"] = [plain(b) for b in data.DataLoader([lib.tensor(1.5), lib.tensor(2.5)],
                                                      batch_size=2)]
    seen["shuffled sizes"] = [len(b[0]) for b in data.DataLoader(rows, batch_size=4,
                                                                  shuffle=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = data.random_split(range(11), [0.5, 0.3, 0.2])
    seen["fractions"] = [len(p) for p in parts], sorted(i for p in parts for i in p.indices)
    parts = data.random_split(range(10), [3, 7], generator=None)
    seen["lengths"] = [len(p) for p in parts], [type(p).__name__ for p in parts]
    return seen


def test_dataloader_batches_and_collation_equal_torch(torch):
    """Python floats collate to float64 and ints to int64 (torch's default_collate), NumPy
    arrays to tensors of their dtype, tuples to lists, dicts and strings kept."""
    ours, theirs = loader_tour(tg), loader_tour(torch)
    assert list(ours) == list(theirs)
    for key in theirs:
        assert ours[key] == theirs[key], key


def test_a_generator_makes_splits_and_shuffles_repeat_as_torch_generators_do():
    from tinygraph.utils.data import DataLoader, TensorDataset, random_split

    dataset = TensorDataset(tg.arange(20))

    def split(seed):
        return [s.indices for s in random_split(dataset, [0.75, 0.25],
                                                generator=tg.Generator().manual_seed(seed))]

    assert split(42) == split(42) != split(43)
    assert sorted(split(42)[0] + split(42)[1]) == list(range(20))
    generator = tg.Generator().manual_seed(0)
    assert generator.initial_seed() == 0
    loader = DataLoader(dataset, batch_size=5, shuffle=True, generator=generator)
    first, second = [b[0].tolist() for b in loader], [b[0].tolist() for b in loader]
    assert first != second  # a new order each epoch, from the generator's stream
    generator.manual_seed(0)
    assert [b[0].tolist() for b in loader] == first
    with pytest.raises(TypeError, match="tg.Generator"):
        DataLoader(dataset, generator=3)
    with pytest.raises(RuntimeError, match="CPU"):
        tg.Generator("cuda")


def test_the_torch_spelling_of_a_seeded_split_runs(torch):
    def split(lib):
        dataset = lib.utils.data.TensorDataset(lib.arange(10))
        return [len(s) for s in lib.utils.data.random_split(
            dataset, [0.8, 0.2], generator=lib.Generator().manual_seed(42))]

    assert split(tg) == split(torch) == [8, 2]


def test_tensor_dataset_size_mismatch_raises_torchs_assertion_error_naming_sizes(torch):
    with pytest.raises(AssertionError):
        torch.utils.data.TensorDataset(torch.zeros(3), torch.zeros(4))
    with pytest.raises(AssertionError, match=r"\(3,\).*\(4, 2\)"):
        tg.utils.data.TensorDataset(tg.zeros(3), tg.zeros(4, 2))
    with pytest.raises(ValueError):  # and still the ValueError it was
        tg.utils.data.TensorDataset(tg.zeros(3), tg.zeros(4))


PAIRS = {
    "step": lambda s, opt: s.StepLR(opt, 3, gamma=0.5),
    "multi": lambda s, opt: s.MultiStepLR(opt, [4, 9], gamma=0.2),
    "exp": lambda s, opt: s.ExponentialLR(opt, 0.9),
    "cos": lambda s, opt: s.CosineAnnealingLR(opt, T_max=6, eta_min=0.001),
    "lambda": lambda s, opt: s.LambdaLR(opt, lambda e: 1 / (1 + e)),
    "linear": lambda s, opt: s.LinearLR(opt, start_factor=0.2, total_iters=5),
}


@pytest.mark.parametrize("first, second", [(a, b) for a in PAIRS for b in PAIRS if a != b])
def test_two_schedules_on_one_optimizer_compose_as_torch(torch, first, second):
    def run(lib):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        one = PAIRS[first](lib.optim.lr_scheduler, opt)
        two = PAIRS[second](lib.optim.lr_scheduler, opt)
        seen = [opt.param_groups[0]["lr"], one.get_last_lr()[0], two.get_last_lr()[0]]
        for _ in range(20):
            opt.step()
            one.step()
            two.step()
            seen += [opt.param_groups[0]["lr"], one.get_last_lr()[0], two.get_last_lr()[0]]
        return seen

    np.testing.assert_allclose(run(tg), run(torch), rtol=1e-12)


@pytest.mark.parametrize("base", ["LRScheduler", "_LRScheduler"])
def test_a_user_written_scheduler_subclass_runs_as_in_torch(torch, base):
    def run(lib):
        parent = getattr(lib.optim.lr_scheduler, base)

        class Warmup(parent):
            def __init__(self, optimizer, warm, last_epoch=-1):
                self.warm = warm
                super().__init__(optimizer, last_epoch)

            def get_lr(self):
                return [b * min(1.0, (self.last_epoch + 1) / self.warm) for b in self.base_lrs]

        opt = two_groups(lib)
        scheduler = Warmup(opt, 4)
        seen = [scheduler.get_last_lr()]
        for _ in range(6):
            opt.step()
            scheduler.step()
            seen.append(scheduler.get_last_lr() + [g["lr"] for g in opt.param_groups])
        assert scheduler.state_dict()["warm"] == 4
        return seen

    ours, theirs = run(tg), run(torch)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1:], theirs[1:], rtol=1e-13)


def test_scheduler_state_dicts_survive_tg_save_and_load(tmp_path, torch):
    """Counter milestones come back as a dict; the closed form of step(epoch) still works."""
    def run(lib, path=None):
        opt = two_groups(lib)
        scheduler = lib.optim.lr_scheduler.MultiStepLR(opt, [2, 2, 5], gamma=0.5)
        for _ in range(3):
            opt.step()
            scheduler.step()
        saved = scheduler.state_dict()
        if path is not None:
            tg.save(saved, path)
            saved = tg.load(path)
        scheduler = lib.optim.lr_scheduler.MultiStepLR(opt, [2, 2, 5], gamma=0.5)
        scheduler.load_state_dict(saved)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # step(epoch) is deprecated in both
            scheduler.step(6)
        return scheduler.get_last_lr()

    np.testing.assert_allclose(run(tg, tmp_path / "sched.npz"), run(torch), rtol=1e-13)


MORE_SCHEDULES = {
    "MultiplicativeLR": lambda s, opt: s.MultiplicativeLR(opt, lambda e: 0.9 if e % 2 else 0.99),
    "ConstantLR": lambda s, opt: s.ConstantLR(opt, factor=0.5, total_iters=4),
    "PolynomialLR": lambda s, opt: s.PolynomialLR(opt, total_iters=10, power=2.0),
    "CosineAnnealingWarmRestarts": lambda s, opt: s.CosineAnnealingWarmRestarts(opt, T_0=5,
                                                                                eta_min=0.001),
    "CosineAnnealingWarmRestarts-2": lambda s, opt: s.CosineAnnealingWarmRestarts(opt, T_0=3,
                                                                                  T_mult=2),
    "SequentialLR-warmup-cosine": lambda s, opt: s.SequentialLR(
        opt, [s.LinearLR(opt, start_factor=0.1, total_iters=5),
              s.CosineAnnealingLR(opt, T_max=20, eta_min=0.001)], milestones=[5]),
    "SequentialLR-3": lambda s, opt: s.SequentialLR(
        opt, [s.ConstantLR(opt, factor=0.1, total_iters=2), s.ExponentialLR(opt, gamma=0.9),
              s.StepLR(opt, 3, 0.5)], milestones=[3, 10]),
    "ChainedScheduler": lambda s, opt: s.ChainedScheduler(
        [s.LinearLR(opt, start_factor=0.3, total_iters=4), s.CosineAnnealingLR(opt, T_max=8)],
        optimizer=opt),
}


@pytest.mark.parametrize("resume_at", [None, 7])
@pytest.mark.parametrize("name", MORE_SCHEDULES)
def test_torchs_other_schedules_equal_torch(torch, name, resume_at):
    """Beyond SPEC's list, the schedules PyTorch programs also reach for (a warm-up then a
    cosine is SequentialLR), stepped 30 times and resumed from their state dicts."""
    def run(lib):
        opt = two_groups(lib)
        make = MORE_SCHEDULES[name]
        scheduler = make(lib.optim.lr_scheduler, opt)
        seen = [scheduler.get_last_lr() + [g["lr"] for g in opt.param_groups]]
        for step in range(30):
            opt.step()
            scheduler.step()
            if step == resume_at:
                saved, saved_opt = scheduler.state_dict(), opt.state_dict()
                opt = two_groups(lib)
                opt.load_state_dict(saved_opt)
                scheduler = make(lib.optim.lr_scheduler, opt)
                scheduler.load_state_dict(saved)
            seen.append(scheduler.get_last_lr() + [g["lr"] for g in opt.param_groups])
        return seen

    np.testing.assert_allclose(run(tg), run(torch), rtol=1e-12, atol=0)


def test_warm_restarts_stepped_within_epochs_equal_torch(torch):
    def run(lib):
        opt = two_groups(lib)
        scheduler = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2,
                                                                       eta_min=0.01)
        seen = []
        for epoch in range(10):
            for batch in range(4):
                opt.step()
                scheduler.step(epoch + batch / 4)
                seen.append(scheduler.get_last_lr())
        return seen

    np.testing.assert_allclose(run(tg), run(torch), rtol=1e-12)


SCHEDULE_ERRORS = {
    "no schedulers": lambda s, opt: s.SequentialLR(opt, [], []),
    "milestones": lambda s, opt: s.SequentialLR(opt, [s.ExponentialLR(opt, 0.9)], [2]),
    "plateau in sequence": lambda s, opt: s.SequentialLR(
        opt, [s.ReduceLROnPlateau(opt), s.ExponentialLR(opt, 0.9)], [2]),
    "empty chain": lambda s, opt: s.ChainedScheduler([]),
    "constant factor": lambda s, opt: s.ConstantLR(opt, factor=2),
    "T_0": lambda s, opt: s.CosineAnnealingWarmRestarts(opt, T_0=0),
    "T_mult": lambda s, opt: s.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1.5),
    "negative epoch": lambda s, opt: s.CosineAnnealingWarmRestarts(opt, T_0=2).step(-1),
    "factor not callable": lambda s, opt: s.MultiplicativeLR(opt, 0.9),
    "cyclic mode": lambda s, opt: s.CyclicLR(opt, 0.1, 1.0, mode="sawtooth"),
    "cyclic base_lr per group": lambda s, opt: s.CyclicLR(opt, [0.1], 1.0),
}


@pytest.mark.parametrize("case", SCHEDULE_ERRORS)
def test_schedule_errors_have_torchs_types(torch, case):
    def error(lib):
        with pytest.raises(Exception) as info:
            SCHEDULE_ERRORS[case](lib.optim.lr_scheduler, two_groups(lib))
        return info.type

    assert issubclass(error(tg), error(torch))


def stream_and_sampler_tour(lib):
    data = lib.utils.data
    seen = {}

    class Stream(data.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter([(float(i), i) for i in range(self.n)])

    class SizedStream(Stream):
        def __len__(self):
            return self.n

    seen["stream"] = [plain(b) for b in data.DataLoader(Stream(7), batch_size=3)]
    seen["stream drop_last"] = [plain(b) for b in data.DataLoader(Stream(7), batch_size=3,
                                                                  drop_last=True)]
    seen["stream unbatched"] = [plain(b) for b in data.DataLoader(Stream(3), batch_size=None)]
    seen["stream len"] = (len(data.DataLoader(SizedStream(7), batch_size=3)),
                          len(data.DataLoader(SizedStream(7), batch_size=3, drop_last=True)))
    first, second = data.TensorDataset(lib.arange(4)), data.TensorDataset(lib.arange(10, 13))
    both = first + second
    seen["concat"] = (len(both), both.cumulative_sizes, plain(both[5]), plain(both[-1]),
                      [plain(b) for b in data.DataLoader(both, batch_size=3)])
    seen["concat with a list"] = plain(data.ConcatDataset([first, [100, 200]])[4])
    seen["sequential"] = list(data.SequentialSampler(range(5)))
    seen["batches"] = (list(data.BatchSampler(data.SequentialSampler(range(10)), 3, False)),
                       list(data.BatchSampler(range(10), 3, True)),
                       len(data.BatchSampler(range(10), 3, False)),
                       len(data.BatchSampler(range(10), 3, True)))
    seen["random"] = sorted(data.RandomSampler(range(6))), len(data.RandomSampler(range(6)))
    seen["with replacement"] = len(list(data.RandomSampler(range(6), replacement=True,
                                                           num_samples=9)))
    seen["subset random"] = sorted(data.SubsetRandomSampler([3, 5, 7]))
    seen["weighted"] = set(data.WeightedRandomSampler([0.0, 1.0, 0.0, 2.0], 6)) <= {1, 3}
    seen["weighted without replacement"] = sorted(data.WeightedRandomSampler(
        [0.1, 1.0, 0.5, 2.0], 4, replacement=False))
    rows = data.TensorDataset(lib.arange(10.0).double())
    loader = data.DataLoader(rows, batch_size=4, sampler=data.SubsetRandomSampler(range(6)))
    seen["loader over a subset"] = len(loader), sorted(v for b in loader for v in b[0].tolist())
    loader = data.DataLoader(rows, batch_sampler=data.BatchSampler(data.SequentialSampler(rows),
                                                                   4, False))
    seen["loader batch_sampler"] = [plain(b) for b in loader], len(loader)
    shuffled = data.DataLoader(rows, batch_size=4, shuffle=True)
    seen["loader parts"] = (type(shuffled.sampler).__name__,
                            type(shuffled.batch_sampler).__name__,
                            type(data.DataLoader(rows).sampler).__name__,
                            data.DataLoader(rows, batch_size=None).batch_sampler)
    return seen


def test_iterable_datasets_concat_datasets_and_samplers_as_torch(torch):
    ours, theirs = stream_and_sampler_tour(tg), stream_and_sampler_tour(torch)
    assert list(ours) == list(theirs)
    for key in theirs:
        assert ours[key] == theirs[key], key


DATA_ERRORS = {
    "batch_size 0": lambda data: data.BatchSampler(range(3), 0, False),
    "drop_last not a bool": lambda data: data.BatchSampler(range(3), 2, 1),
    "num_samples 0": lambda data: data.RandomSampler(range(3), num_samples=0),
    "replacement not a bool": lambda data: data.RandomSampler(range(3), replacement=1),
    "weighted num_samples": lambda data: data.WeightedRandomSampler([1.0], 0),
    "weights 2-d": lambda data: data.WeightedRandomSampler([[1.0]], 1),
    "shuffled stream": lambda data: data.DataLoader(
        type("S", (data.IterableDataset,), {"__iter__": lambda self: iter([1])})(),
        shuffle=True),
    "unbatched drop_last": lambda data: data.DataLoader([1, 2], batch_size=None,
                                                        drop_last=True),
    "len of a stream": lambda data: len(data.DataLoader(
        type("S", (data.IterableDataset,), {"__iter__": lambda self: iter([1])})())),
    "empty concat": lambda data: data.ConcatDataset([]),
    "concat index": lambda data: data.ConcatDataset([[1, 2], [3]])[-4],
    "base sampler": lambda data: next(iter(data.Sampler())),
}


@pytest.mark.parametrize("case", DATA_ERRORS)
def test_data_errors_have_torchs_types(torch, case):
    def error(lib):
        with pytest.raises(Exception) as info:
            DATA_ERRORS[case](lib.utils.data)
        return info.type

    assert issubclass(error(tg), error(torch))


def test_samplers_repeat_under_a_seed_and_take_generators():
    from tinygraph.utils.data import RandomSampler, SubsetRandomSampler, WeightedRandomSampler

    def draws(seed):
        tg.manual_seed(seed)
        return (list(RandomSampler(range(8))), list(SubsetRandomSampler([2, 4, 6])),
                list(WeightedRandomSampler([1.0, 2.0, 3.0], 5)),
                list(RandomSampler(range(8), generator=tg.Generator().manual_seed(1))))

    assert draws(0) == draws(0) and draws(0)[:3] != draws(1)[:3]
    assert draws(0)[3] == draws(1)[3]
    with pytest.raises(TypeError, match="generator"):
        RandomSampler(range(3), generator="seed")


def test_dataloader_takes_every_torch_keyword(torch):
    import inspect

    ours = inspect.signature(tg.utils.data.DataLoader).parameters
    theirs = inspect.signature(torch.utils.data.DataLoader).parameters
    assert list(ours) == list(theirs)
    for name, parameter in theirs.items():
        assert ours[name].default == parameter.default, name
    loader = tg.utils.data.DataLoader([1.0, 2.0], batch_size=2, pin_memory_device="",
                                      in_order=False, num_workers=0)
    assert [b.tolist() for b in loader] == [[1.0, 2.0]]


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_optimizer_repr_equals_torchs(torch, name):
    def build(lib):
        params = [lib.zeros(1, requires_grad=True), lib.zeros(1, requires_grad=True)]
        return getattr(lib.optim, name)([{"params": params[:1]},
                                         {"params": params[1:], "lr": 0.5}], lr=0.1)

    assert repr(build(tg)) == repr(build(torch))


@pytest.mark.parametrize("draw", [
    lambda g: tg.rand(3, generator=g), lambda g: tg.randn(2, 2, generator=g),
    lambda g: tg.randint(0, 10, (4,), generator=g), lambda g: tg.randperm(6, generator=g),
    lambda g: tg.normal(0.0, 1.0, (3,), generator=g),
    lambda g: tg.normal(tg.zeros(3), 1.0, generator=g)],
    ids=["rand", "randn", "randint", "randperm", "normal", "normal-tensor"])
def test_random_factories_draw_from_a_given_generator(draw):
    """torch.randn(3, generator=g) draws from g's stream (it was silently ignored)."""
    first = draw(tg.Generator().manual_seed(5))
    tg.manual_seed(0)  # the library's generator plays no part
    assert draw(tg.Generator().manual_seed(5)).tolist() == first.tolist()
    generator = tg.Generator().manual_seed(5)
    draw(generator)
    assert draw(generator).tolist() != first.tolist()  # the stream moved on
    with pytest.raises(TypeError, match="tg.Generator"):
        draw(3)


VARIANT_RULES = [
    ("Adamax", {}),
    ("Adamax", {"lr": 0.02, "betas": (0.5, 0.9), "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.02, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True,
               "betas": (0.3, 0.99)}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.02, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True,
               "betas": (0.8, 0.9), "maximize": True}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2), "maximize": True}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 20, "weight_decay": 0.1,
              "maximize": True}),
]


@pytest.mark.parametrize("name, options", VARIANT_RULES,
                         ids=[f"{n}-{'-'.join(o) or 'defaults'}" for n, o in VARIANT_RULES])
def test_adams_relatives_follow_torch_over_300_steps(torch, name, options):
    """Adamax, NAdam (its momentum product kept in the default float dtype, as torch's),
    RAdam (through its switch to the rectified step), Rprop and ASGD (eta and mu rounded in
    the default float dtype, as torch's) fed the same gradients as torch's."""
    rng = np.random.default_rng(1)
    start = [rng.standard_normal(shape) for shape in [(3, 5), (5,), (40,)]]
    ours = [tg.tensor(p, requires_grad=True) for p in start]
    theirs = [torch.tensor(p, requires_grad=True) for p in start]
    opt = getattr(tg.optim, name)(ours, **options)
    topt = getattr(torch.optim, name)(theirs, **options)
    for step in range(300):
        for p, q in zip(ours, theirs):
            g = rng.standard_normal(p.shape) * (1 + step / 30)
            p.grad, q.grad = tg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-10, atol=1e-13,
                                       err_msg=f"step {step + 1}")


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_a_resume_through_tg_save_continues_the_same_trajectory(name, tmp_path):
    def run(resume):
        p = tg.tensor(STARTS[0].copy(), requires_grad=True)
        opt = getattr(tg.optim, name)([p], lr=0.05)
        for step in range(8):
            if resume and step == 4:
                tg.save(opt.state_dict(), tmp_path / "opt.npz")
                p = tg.tensor(p.detach().numpy().copy(), requires_grad=True)
                opt = getattr(tg.optim, name)([p], lr=0.05)
                opt.load_state_dict(tg.load(tmp_path / "opt.npz"))
            opt.zero_grad()
            ((p - 0.5) ** 4).sum().backward()
            opt.step()
        return p.detach().numpy()

    np.testing.assert_array_equal(run(True), run(False))


def lbfgs_fit(lib, line_search_fn, history_size, lr, max_iter):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    Y = np.sin(X @ np.array([[1.0], [-2.0], [0.5]]))
    w = lib.tensor(rng.standard_normal((3, 4)) * 0.5, requires_grad=True)
    v = lib.tensor(rng.standard_normal((4, 1)) * 0.5, requires_grad=True)
    c = lib.tensor(np.array([-1.2, 1.0]), requires_grad=True)
    opt = lib.optim.LBFGS([w, v, c], lr=lr, line_search_fn=line_search_fn,
                          history_size=history_size, max_iter=max_iter)
    x, y = lib.tensor(X), lib.tensor(Y)

    def closure():
        opt.zero_grad()
        loss = ((lib.tanh(x @ w) @ v - y) ** 2).mean() + ((c - 0.3) ** 2).sum() * 2
        loss.backward()
        return loss

    losses = [opt.step(closure).item() for _ in range(2)]
    state = opt.state[w]
    return losses, [p.detach().numpy().copy() for p in (w, v, c)], [state["func_evals"],
                                                                     state["n_iter"]]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("history_size, lr, max_iter", [(100, 1, 10), (3, 0.5, 7)])
def test_lbfgs_follows_torch(torch, line_search_fn, history_size, lr, max_iter):
    """The same losses, weights and evaluation counts (over more iterations the two drift
    apart at float64 rounding, which L-BFGS's curvature pairs amplify near the optimum)."""
    ours = lbfgs_fit(tg, line_search_fn, history_size, lr, max_iter)
    theirs = lbfgs_fit(torch, line_search_fn, history_size, lr, max_iter)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    for p, q in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(p, q, rtol=1e-9, atol=1e-12)
    assert ours[2] == theirs[2]


LBFGS_ERRORS = {
    "param groups": lambda lib, p: lib.optim.LBFGS([{"params": p[:1]}, {"params": p[1:]}]),
    "negative lr": lambda lib, p: lib.optim.LBFGS(p, lr=-1),
    "unknown line search": lambda lib, p: lib.optim.LBFGS(p, line_search_fn="armijo").step(
        lambda: (p[0] ** 2).sum().backward() or (p[0] ** 2).sum()),
}


@pytest.mark.parametrize("case", LBFGS_ERRORS)
def test_lbfgs_errors_have_torchs_types(torch, case):
    def error(lib):
        params = [lib.ones(2, requires_grad=True), lib.ones(1, requires_grad=True)]
        with pytest.raises(Exception) as info:
            LBFGS_ERRORS[case](lib, params)
        return info.type

    assert issubclass(error(tg), error(torch))
