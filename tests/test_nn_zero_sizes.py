"""Layers of size zero, as PyTorch 2.13 builds them (``nn.Linear(3, 0)`` is a layer with no
outputs; its init leaves the empty weight alone), and the sizes PyTorch refuses."""

from __future__ import annotations

import pytest
from twins import raises_as_torch, run_code

import tinygraph as tg

SAME = [
    "m = torch.nn.Linear(0, 2); y = m(torch.ones(3, 0)); r = (y.tolist(), tuple(m.bias.shape))",
    "m = torch.nn.Linear(3, 0); y = m(torch.ones(2, 3)); y.sum().backward(); "
    "r = (tuple(y.shape), tuple(m.weight.grad.shape), tuple(m.bias.grad.shape))",
    "m = torch.nn.Linear(3, 0); r = (repr(m), list(m.state_dict()))",
    "m = torch.nn.Embedding(0, 3); r = tuple(m.weight.shape)",
    "m = torch.nn.Embedding(3, 0); r = tuple(m(torch.tensor([1, 2])).shape)",
    "m = torch.nn.LayerNorm(0); r = tuple(m(torch.ones(4, 0)).shape)",
    "m = torch.nn.Conv2d(0, 2, 1); r = tuple(m.weight.shape)",
    "m = torch.nn.GroupNorm(1, 0); r = tuple(m.weight.shape)",
    "m = torch.nn.Bilinear(2, 2, 0); r = tuple(m(torch.ones(3, 2), torch.ones(3, 2)).shape)",
    "m = torch.nn.InstanceNorm1d(0); r = repr(m)",
    "m = torch.nn.BatchNorm1d(0); r = (repr(m), tuple(m.running_mean.shape))",
]

REFUSED = [
    "torch.nn.Bilinear(0, 2, 2)",
    "torch.nn.RNN(0, 2)",
    "torch.nn.LSTM(2, 0)",
    "torch.nn.Linear(-1, 2)",
    "torch.nn.Embedding(2.5, 3)",
]


@pytest.mark.parametrize("code", SAME)
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
def test_zero_sized_layers_as_torch(torch, code):
    assert run_code(tg, code) == run_code(torch, code)


@pytest.mark.parametrize("code", REFUSED)
def test_sizes_torch_refuses(torch, code):
    raises_as_torch(torch, code)
