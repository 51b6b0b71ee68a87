"""cummax/cummin indices, tensor_split's forms and cov/corrcoef's options against torch 2.13
(their values and gradients are in the op table)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

NAN = float("nan")


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("values", [
    [1.0, 3.0, 3.0, 2.0, 5.0, 5.0, 0.0],  # ties: the latest position
    [1.0, NAN, 3.0, NAN, 0.0],  # a NaN stays the extreme; a later NaN takes over
    [[2.0, 1.0, 2.0], [0.0, 0.0, -1.0]],
])
def test_running_extremes_and_their_indices_match_torch(torch, name, values):
    for dim in range(-1, np.ndim(values)):
        got = getattr(tg, name)(tg.tensor(values), dim)
        want = getattr(torch, name)(torch.tensor(values), dim)
        np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
        assert got.indices.dtype == tg.int64


def test_running_extremes_of_ints_and_0d_tensors_match_torch(torch):
    for lib in (torch, tg):
        r = lib.cummax(lib.tensor([3, 1, 4, 1, 5]), 0)
        assert r.values.tolist() == [3, 3, 4, 4, 5] and r.indices.tolist() == [0, 0, 2, 2, 4]
        r = lib.tensor(2.0).cummin(0)
        assert r.values.item() == 2.0 and r.indices.item() == 0
    with pytest.raises(IndexError):
        tg.cummax(tg.ones(3), 1)


def test_a_tie_sends_the_gradient_to_the_latest_position(torch):
    values = [1.0, 3.0, 3.0, 2.0]
    ours = tg.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    tg.cummax(ours, 0).values.sum().backward()
    torch.cummax(theirs, 0).values.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("cuts", [3, 4, 9, [1, 5], [5, 1, 9], [-2], (2,), [], "tensor_list",
                                  "tensor_count"])
def test_tensor_split_forms_match_torch(torch, cuts):
    def pieces(lib):
        x = lib.arange(14).reshape(7, 2)
        given = cuts
        if cuts == "tensor_list":
            given = lib.tensor([2, 4])
        elif cuts == "tensor_count":
            given = lib.tensor(3)
        return [p.tolist() for p in lib.tensor_split(x, given)]

    assert pieces(tg) == pieces(torch)


def test_tensor_split_errors_as_torch():
    with pytest.raises(RuntimeError, match="larger than 0"):
        tg.arange(7).tensor_split(0)
    with pytest.raises(RuntimeError, match="at least a 1-dimensional"):
        tg.tensor(1.0).tensor_split(2)
    with pytest.raises(IndexError):
        tg.arange(7).tensor_split(2, dim=1)


def test_tensor_split_pieces_are_views(torch):
    x = tg.arange(6.0)
    first, _ = x.tensor_split(2)
    first[0] = 100.0
    assert x[0].item() == 100.0


def test_cov_of_ints_a_vector_and_one_variable_match_torch(torch):
    for values, kwargs in [([[1, 2, 4], [2, 1, 0]], {}), ([1.0, 2.0, 4.0], {}),
                           ([[1.0, 2.0, 4.0]], {"correction": 0}),
                           ([[1.0, 2.0, 4.0], [0.0, 1.0, 3.0]], {"correction": 2})]:
        got = tg.cov(tg.tensor(values), **kwargs)
        want = torch.cov(torch.tensor(values), **kwargs)
        assert got.shape == tuple(want.shape) and got.dtype == tg.float32
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    np.testing.assert_allclose(tg.corrcoef(tg.tensor([1.0, 2.0, 4.0])).numpy(),
                               torch.corrcoef(torch.tensor([1.0, 2.0, 4.0])).numpy())


def test_cov_refuses_what_torch_refuses():
    with pytest.raises(RuntimeError, match="two or fewer dimensions"):
        tg.cov(tg.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="fweights.*3 elements"):
        tg.cov(tg.ones(2, 3), fweights=tg.tensor([1, 2]))
