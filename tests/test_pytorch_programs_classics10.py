"""The forward-mode AD tutorial's shape, run on torch and on tinygraph imported as torch:
dual tensors made inside ``forward_ad.dual_level()``, Jacobian-vector products of functions
and of a module, a full Jacobian built one column per dual, reverse over forward (a loss on a
tangent, differentiated with respect to the weights), and the errors make_dual raises."""

from __future__ import annotations

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph
import tinygraph.autograd.forward_ad as tg_fwad


def _fwad(torch):
    if torch is tinygraph:
        return tg_fwad
    import torch.autograd.forward_ad as fwad

    return fwad


def forward_mode(torch):
    fwAD = _fwad(torch)
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(110)
    primal = torch.tensor(rng.standard_normal((3, 4)))
    tangent = torch.tensor(rng.standard_normal((3, 4)))
    numbers = []

    def fn(x, y):
        return x ** 2 + y.sin() * x.exp() - F.softplus(x * y)

    with fwAD.dual_level():
        dual_input = fwAD.make_dual(primal, tangent)
        assert fwAD.unpack_dual(dual_input).tangent is tangent or torch.equal(
            fwAD.unpack_dual(dual_input).tangent, tangent)
        plain = torch.tensor(rng.standard_normal((3, 4)))
        dual_output = fn(dual_input, plain)
        jvp = fwAD.unpack_dual(dual_output).tangent
        numbers += jvp.flatten().tolist()
        assert fwAD.unpack_dual(plain).tangent is None

    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2)).double()
    randomize(torch, model, 111)
    with fwAD.dual_level():
        out = model(fwAD.make_dual(primal, tangent))
        numbers += fwAD.unpack_dual(out).tangent.detach().flatten().tolist()
        numbers += fwAD.unpack_dual(out).primal.flatten().tolist()

    x = torch.tensor(rng.standard_normal(4))
    columns = []
    for i in range(4):
        with fwAD.dual_level():
            e = torch.zeros(4, dtype=torch.float64)
            e[i] = 1.0
            y = torch.tanh(model(fwAD.make_dual(x, e)))
            columns.append(fwAD.unpack_dual(y).tangent.detach())
    jacobian = torch.stack(columns, dim=1)
    numbers += jacobian.flatten().tolist()

    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(3):
        with fwAD.dual_level():
            out = model(fwAD.make_dual(primal, tangent))
            smoothness = (fwAD.unpack_dual(out).tangent ** 2).mean()
            fit = F.mse_loss(fwAD.unpack_dual(out).primal, torch.zeros(3, 2,
                                                                       dtype=torch.float64))
        opt.zero_grad()
        smoothness.backward()
        opt.step()
        losses += [smoothness.item(), fit.item()]
    return losses, numbers, weights(model)


def test_forward_mode_ad_gives_the_same_numbers_on_both(torch):
    same_run(forward_mode(tinygraph), forward_mode(torch))


def test_make_dual_refuses_as_torch(torch):
    for lib in (torch, tinygraph):
        fwAD = _fwad(lib)
        x = lib.tensor([1.0, 2.0], dtype=lib.float64)
        with pytest.raises(RuntimeError):
            fwAD.make_dual(x, x)  # no level open
        with fwAD.dual_level():
            with pytest.raises(RuntimeError):
                fwAD.make_dual(x, lib.ones(3, dtype=lib.float64))
            with pytest.raises(ValueError):
                fwAD.make_dual(lib.tensor([1, 2]), lib.ones(2))
            y = fwAD.make_dual(x, lib.ones(2, dtype=lib.float64)) * 3
        assert fwAD.unpack_dual(y).tangent is None  # the level closed
        assert type(fwAD.unpack_dual(y)).__name__ == "UnpackedDualTensor"
