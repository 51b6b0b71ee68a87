"""Comparisons and value tests (tinygraph/ops/compare.py): boolean results with no gradient,
functions and methods, checked against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

ELEMENTWISE = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
               "less_equal", "not_equal"]
CASES = [
    (np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])),
    (np.array([[1.0], [2.0]]), np.array([2.0, 1.0, 0.0])),  # broadcast both ways
    (np.array([1, 2, 3]), 2),
    (np.array([1.5, np.nan, 2.0]), np.array([1.5, np.nan, 3.0])),
    (np.array(2.0), np.array([1.0, 2.0])),
]


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("a, b", CASES, ids=range(len(CASES)))
def test_elementwise_comparisons_match_torch(name, a, b, torch):
    x = tg.tensor(a, requires_grad=a.dtype.kind == "f")
    other = tg.tensor(b) if isinstance(b, np.ndarray) else b
    theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(b) if isinstance(
        b, np.ndarray) else b)
    for ours in (getattr(tg, name)(x, other), getattr(x, name)(other)):
        assert ours.dtype == tg.bool and not ours.requires_grad and ours.grad_fn is None
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_comparisons_agree_with_the_operators():
    x, y = tg.tensor([1.0, 2.0, 3.0]), tg.tensor([2.0, 2.0, 2.0])
    for name, op in [("eq", "__eq__"), ("ne", "__ne__"), ("lt", "__lt__"), ("le", "__le__"),
                     ("gt", "__gt__"), ("ge", "__ge__")]:
        np.testing.assert_array_equal(getattr(x, name)(y).numpy(), getattr(x, op)(y).numpy())


def test_shapes_that_do_not_broadcast_are_refused_naming_the_op(torch):
    with pytest.raises(tg.ShapeError, match=r"eq: shapes \(2,\) and \(3,\) do not broadcast"):
        tg.eq(tg.ones(2), tg.ones(3))
    with pytest.raises(RuntimeError):
        torch.eq(torch.ones(2), torch.ones(3))


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
@pytest.mark.parametrize("data", [[1.0, np.nan, np.inf, -np.inf, 0.0], [1, 2], [[np.nan]]],
                         ids=range(3))
def test_value_tests_match_torch(name, data, torch):
    ours = getattr(tg, name)(tg.tensor(data))
    theirs = getattr(torch, name)(torch.tensor(data))
    assert ours.dtype == tg.bool
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(getattr(tg.tensor(data), name)().numpy(), theirs.numpy())


@pytest.mark.parametrize("a, b, kwargs", [
    ([1.0, 2.0], [1.0, 2.0 + 1e-9], {}),
    ([1.0, 2.0], [1.0, 2.1], {}),
    ([1.0, 2.0], [1.0, 2.1], {"rtol": 0.1}),
    ([1.0, np.nan], [1.0, np.nan], {}),
    ([1.0, np.nan], [1.0, np.nan], {"equal_nan": True}),
    ([0.0], [1e-9], {"atol": 0.0}),
    ([[1.0], [2.0]], [1.0, 2.0], {}),
], ids=range(7))
def test_isclose_and_allclose_match_torch(a, b, kwargs, torch):
    x, y = tg.tensor(a, dtype=tg.float64), tg.tensor(b, dtype=tg.float64)
    t, u = torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    np.testing.assert_array_equal(tg.isclose(x, y, **kwargs).numpy(),
                                  torch.isclose(t, u, **kwargs).numpy())
    assert tg.allclose(x, y, **kwargs) is torch.allclose(t, u, **kwargs)
    assert x.allclose(y, **kwargs) is t.allclose(u, **kwargs)


def test_isclose_refuses_mixed_dtypes_as_torch(torch):
    with pytest.raises(TypeError, match=r"isclose: the tensors have different dtypes"):
        tg.allclose(tg.tensor([1, 2]), tg.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError):
        torch.allclose(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]))


@pytest.mark.parametrize("a, b", [
    ([1.0, 2.0], [1.0, 2.0]), ([1.0, 2.0], [1.0, 3.0]), ([1.0, 2.0], [1.0]),
    ([1, 2], [1.0, 2.0]), ([np.nan], [np.nan]), ([[1.0, 2.0]], [1.0, 2.0]), ([], []),
], ids=range(7))
def test_equal_is_one_bool_as_torch(a, b, torch):
    expected = torch.equal(torch.tensor(a), torch.tensor(b))
    assert tg.equal(tg.tensor(a), tg.tensor(b)) is expected
    assert tg.tensor(a).equal(tg.tensor(b)) is expected
