"""PyTorch's ``out=`` on the public functions, and ``tg.accelerator``: what the "Tensors"
tutorial does (``torch.matmul(t, t.T, out=y3)``, ``torch.accelerator.is_available()``),
against PyTorch, errors and warnings included."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygraph as tg


@pytest.mark.parametrize("call", [
    lambda m, out: m.matmul(m.ones(4, 4), m.ones(4, 4).T, out=out),
    lambda m, out: m.mul(m.ones(4, 4), 3.0, out=out),
    lambda m, out: m.exp(m.zeros(4, 4), out=out),
    lambda m, out: m.add(m.ones(4, 4), m.ones(4, 4), alpha=2, out=out),
    lambda m, out: m.sum(m.ones(4, 4, 3), dim=2, out=out),
])
def test_out_receives_the_result_and_is_returned(torch, call):
    ours, theirs = tg.empty(4, 4), torch.empty(4, 4)
    version = ours._version
    assert call(tg, ours) is ours and call(torch, theirs) is theirs
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours._version > version  # written in place: saved copies of it are checked


def test_out_converts_within_a_kind_and_resizes_as_torch(torch):
    ints = tg.ones(2, 2, dtype=tg.long)
    floats = tg.empty(2, 2)
    assert tg.mul(ints, ints, out=floats).dtype == tg.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grown = tg.mul(tg.ones(2, 3), 2.0, out=tg.empty(0))  # empty: resized silently
    assert grown.shape == (2, 3)
    with pytest.warns(UserWarning, match="resized"):
        resized = tg.mul(tg.ones(2, 3), 2.0, out=tg.empty(5))
    assert resized.shape == (2, 3) and resized.tolist() == [[2.0] * 3] * 2
    with pytest.warns(UserWarning, match="resized"):
        torch.mul(torch.ones(2, 3), 2.0, out=torch.empty(5))


@pytest.mark.parametrize("call", [
    lambda m: m.mul(m.ones(2), m.ones(2, requires_grad=True), out=m.empty(2)),
    lambda m: m.mul(m.ones(2), m.ones(2), out=m.empty(2, requires_grad=True)),
    lambda m: m.mul(m.ones(2), 1.5, out=m.empty(2, dtype=m.long)),
    lambda m: m.exp(m.ones(2), out=[1.0, 2.0]),
])
def test_out_refuses_what_torch_refuses(torch, call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(theirs.type):
        call(tg)


def test_out_under_no_grad_writes_values_of_inputs_that_require_grad():
    x = tg.ones(3, requires_grad=True)
    out = tg.empty(3)
    with tg.no_grad():
        tg.mul(x, 2.0, out=out)
    assert out.tolist() == [2.0, 2.0, 2.0] and not out.requires_grad


def test_accelerator_says_there_is_none(torch):
    assert tg.accelerator.is_available() is torch.accelerator.is_available() is False
    assert tg.accelerator.current_accelerator() is torch.accelerator.current_accelerator()
    assert tg.accelerator.device_count() == torch.accelerator.device_count() == 0
    device = (tg.accelerator.current_accelerator().type if tg.accelerator.is_available()
              else "cpu")
    assert tg.ones(2).to(device).device == tg.device("cpu")
    with pytest.raises(RuntimeError, match="CPU only"):
        tg.accelerator.set_device_index(0)
