"""The process-wide switches a PyTorch training script sets (compile, matmul precision,
deterministic algorithms, threads, print options, finfo/iinfo, the default device, the
backends' flags) and tg.amp (GradScaler, autocast), against torch where torch runs the same."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygraph as tg


@pytest.fixture(autouse=True)
def _default_print_options():
    yield
    tg.set_printoptions(profile="default", sci_mode=None)


def test_a_nanogpt_style_preamble_runs(torch):
    for m in (tg, torch):
        m.backends.cuda.matmul.allow_tf32 = True
        m.backends.cudnn.allow_tf32 = True
        m.backends.cudnn.benchmark = False
        m.set_float32_matmul_precision("high")
        assert m.get_float32_matmul_precision() == "high"
        m.set_float32_matmul_precision("highest")
    model = tg.compile(tg.nn.Linear(3, 2))  # (torch's would build kernels here)
    assert isinstance(model(tg.ones(1, 3)), tg.Tensor)
    assert tg.backends.mps.is_available() is torch.backends.mps.is_available() is False
    with pytest.raises(RuntimeError):
        tg.set_float32_matmul_precision("fast")


def test_compile_as_a_decorator_returns_the_function():
    @tg.compile(fullgraph=True)
    def f(x):
        return x * 2

    assert f(tg.ones(2)).tolist() == [2.0, 2.0]


@pytest.mark.parametrize("options, values", [
    ({"precision": 2}, [1.23456, 2.5]),
    ({"sci_mode": False}, [1e-6, 2.5]),
    ({"sci_mode": True}, [1.5, 2.5]),
    ({"profile": "short"}, [1.23456, 2.5, 3.75]),
    ({"threshold": 5, "edgeitems": 1}, list(range(10))),
    ({"linewidth": 30}, [1.5] * 12),
])
def test_print_options_as_torch(torch, options, values):
    tg.set_printoptions(**options)
    torch.set_printoptions(**options)
    try:
        ours = repr(tg.tensor(values))
        theirs = repr(torch.tensor(values))
    finally:
        torch.set_printoptions(profile="default", sci_mode=None)
    assert ours == theirs


def test_finfo_iinfo_threads_and_flags_as_torch(torch):
    for dtype in ("float16", "float32", "float64"):
        ours, theirs = tg.finfo(getattr(tg, dtype)), torch.finfo(getattr(torch, dtype))
        assert (float(ours.eps), float(ours.max), float(ours.tiny), ours.bits) == (
            theirs.eps, theirs.max, theirs.tiny, theirs.bits)
    assert tg.finfo().eps == torch.finfo().eps  # the default float dtype
    assert int(tg.iinfo(tg.int64).max) == torch.iinfo(torch.int64).max
    tg.set_num_threads(1)
    assert tg.get_num_threads() == 1
    tg.use_deterministic_algorithms(True)
    assert tg.are_deterministic_algorithms_enabled()
    tg.use_deterministic_algorithms(False)
    assert tg.get_default_device() == tg.device("cpu")
    tg.set_default_device("cpu")
    with pytest.raises(RuntimeError, match="CPU only"):
        tg.set_default_device("cuda")


def _scaled_training(m, scaler, steps):
    w = m.tensor([1.0, -2.0], dtype=m.float64, requires_grad=True)
    opt = m.optim.SGD([w], lr=0.1)
    scales = []
    for k in range(steps):
        opt.zero_grad()
        loss = (w * w).sum() * (1e300 if k == 2 else 1.0)  # step 3 overflows: skipped
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    return w.detach().numpy(), scales


def test_grad_scaler_follows_torchs_cpu_scaler(torch):
    make = dict(init_scale=8.0, growth_interval=2)
    ours = _scaled_training(tg, tg.amp.GradScaler("cpu", **make), 6)
    theirs = _scaled_training(torch, torch.amp.GradScaler("cpu", **make), 6)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[1] == theirs[1]


def test_a_cuda_grad_scaler_disables_itself_on_the_cpu_and_autocast_is_refused():
    with pytest.warns(UserWarning, match="Disabling"):
        scaler = tg.cuda.amp.GradScaler()
    assert not scaler.is_enabled() and scaler.get_scale() == 1.0
    w = tg.ones(2, requires_grad=True)
    opt = tg.optim.SGD([w], lr=0.5)
    scaler.scale(w.sum()).backward()
    scaler.step(opt)
    scaler.update()
    assert w.tolist() == [0.5, 0.5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tg.autocast("cpu", enabled=False):
            pass
    with pytest.raises(NotImplementedError, match="no mixed precision"):
        with tg.autocast("cpu", dtype=tg.float16):
            pass


AMP_PROGRAM = """
import warnings
model = torch.nn.Linear(3, 1).double()
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.5, -0.25, 1.0]], dtype=torch.float64))
    model.bias.fill_(0.1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], dtype=torch.float64)
y = torch.tensor([[1.0], [0.0]], dtype=torch.float64)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    scaler = torch.cuda.amp.GradScaler()
    scaler_new = torch.amp.GradScaler("cuda")
    losses = []
    for step in range(3):
        opt.zero_grad()
        with torch.autocast(device_type="cuda", dtype=torch.float16):
            loss = torch.nn.functional.mse_loss(model(x), y)
        with torch.cuda.amp.autocast():
            losses.append(loss.item() + 0 * model(x).sum().item())
        with torch.amp.autocast("mps"):
            pass
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
r = (losses, model.weight.tolist(), scaler.is_enabled(), scaler_new.is_enabled(),
     sorted({w.category.__name__ for w in caught}), str(loss.dtype).split("float")[-1])
"""


def test_cuda_autocast_and_scaler_disable_themselves_as_in_cpu_only_torch(torch):
    def run(lib):
        env = {"torch": lib}
        exec(AMP_PROGRAM, env)
        return env["r"]

    ours, theirs = run(tg), run(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)
    assert ours[2:] == theirs[2:] == (False, False, ["FutureWarning", "UserWarning"], "64")


def test_autocast_device_type_is_required_and_checked(torch):
    from twins import raises_as_torch

    raises_as_torch(torch, "torch.autocast()")
    raises_as_torch(torch, "torch.autocast('tpu')")
