"""``nn.DataParallel`` and ``nn.parallel`` as CPU-only PyTorch 2.13 has them: the wrapper
runs its module as it is, its state_dict keys carry the ``module.`` prefix, and
``DistributedDataParallel`` without a process group raises PyTorch's error."""

from __future__ import annotations

import numpy as np
import pytest
from twins import raises_as_torch, randomize, run_code, weights

import tinygraph as tg

PROGRAM = """
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
randomize(torch, model, 0)
model = torch.nn.DataParallel(model.double())
opt = torch.optim.SGD(model.parameters(), lr=0.1)
rng = np.random.default_rng(1)
x = torch.tensor(rng.standard_normal((8, 3)))
y = torch.tensor(rng.integers(0, 2, 8))
losses = []
for _ in range(3):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
# the usual way back to the bare model: strip the prefix of the saved keys
bare = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
bare.load_state_dict({k.removeprefix("module."): v for k, v in model.state_dict().items()})
r = (losses, list(model.state_dict()), model.device_ids, repr(model), bare(input=x).tolist(),
     weights(bare))
"""


def _run(lib):
    env = {"torch": lib, "np": np, "randomize": randomize, "weights": weights}
    exec(PROGRAM, env)
    return env["r"]


def test_data_parallel_program_as_torch(torch):
    ours, theirs = _run(tg), _run(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[1] == theirs[1] == ["module.0.weight", "module.0.bias", "module.2.weight",
                                    "module.2.bias"]
    assert ours[2] == theirs[2] == []
    assert ours[3] == theirs[3]
    np.testing.assert_allclose(ours[4], theirs[4], rtol=1e-12)
    for key in theirs[5]:
        np.testing.assert_allclose(ours[5][key], theirs[5][key], rtol=1e-12)


def test_parallel_namespace_as_torch(torch):
    for name in ("DataParallel", "DistributedDataParallel", "data_parallel"):
        assert hasattr(tg.nn.parallel, name) and hasattr(torch.nn.parallel, name)
    assert tg.nn.parallel.DataParallel is tg.nn.DataParallel
    raises_as_torch(torch, "torch.nn.parallel.data_parallel(torch.nn.Linear(2, 3), "
                           "torch.ones(1, 2))")


def test_distributed_data_parallel_refused_as_torch(torch):
    raises_as_torch(torch, "torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 3))")
    with pytest.raises(ValueError, match="init_process_group"):
        tg.nn.parallel.DistributedDataParallel(tg.nn.Linear(2, 3))


def test_data_parallel_without_torch():
    model = tg.nn.DataParallel(tg.nn.Linear(2, 3), device_ids=[0, 1])
    assert model.device_ids == []
    x = tg.ones(4, 2)
    np.testing.assert_array_equal(model(x).numpy(), model.module(x).numpy())
    assert list(model.state_dict()) == ["module.weight", "module.bias"]


def test_module_compile_and_share_memory_as_torch(torch):
    # torch's Module.compile returns None (it compiles in place); calling it here would import
    # torch._dynamo, which changes torch's global state (distribution validation) for the
    # tests after this one, so only share_memory runs on torch
    code = """
m = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
r = (m.share_memory() is m, type(m).__name__)
"""
    assert run_code(tg, code) == run_code(torch, code) == (True, "Sequential")
    model = tg.nn.Sequential(tg.nn.Linear(2, 3), tg.nn.ReLU())
    assert model.compile(mode="max-autotune", fullgraph=True) is None
    assert "compile" in dir(torch.nn.Module)


def test_module_type_as_torch(torch):
    code = """
m = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
m[0].weight.grad = torch.ones(2, 2)
r = [m.type(torch.DoubleTensor) is m, str(m[0].weight.dtype), str(m[0].weight.grad.dtype),
     str(m[1].num_batches_tracked.dtype)]
m.type("torch.FloatTensor")
r += [str(m[0].weight.dtype), str(m[1].num_batches_tracked.dtype)]
m.type(torch.float64)
r += [str(m(torch.ones(3, 2, dtype=torch.float64)).dtype)]
r = [x.split(".")[-1].replace("dtype('", "").replace("')", "") if isinstance(x, str) else x
     for x in r]
"""
    assert run_code(tg, code) == run_code(torch, code)
