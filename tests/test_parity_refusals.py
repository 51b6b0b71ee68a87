"""What PyTorch 2.13 refuses, tinygraph refuses too, with the same built-in error type: code
that a user ports from NumPy habits (a list as an operand, a product of mixed dtypes, a
one-argument transpose) must fail where it is written, not compute something PyTorch would
not. And what PyTorch accepts next to those refusals still works the same."""

from __future__ import annotations

import pytest
from twins import raises_as_torch, same_as_torch

import tinygraph as tg

REFUSED = [
    # requires_grad is settable on leaves only, to a bool, True only for floating dtypes
    "x = torch.ones(2, requires_grad=True); y = x * 2; y.requires_grad = False",
    "x = torch.ones(2, requires_grad=True); y = x * 2; y.requires_grad = True",
    "x = torch.ones(2, dtype=torch.long); x.requires_grad = True",
    "x = torch.ones(2); x.requires_grad = 1",
    "x = torch.ones(2); x.requires_grad = None",
    "x = torch.ones(2); x.requires_grad_(1)",
    "x = torch.ones(2, requires_grad=True); (x * 2).requires_grad_(False)",
    "torch.ones(2, dtype=torch.long).requires_grad_()",
    # products take one dtype (NumPy would promote)
    "torch.ones(2, 2) @ torch.ones(2, 2, dtype=torch.float64)",
    "torch.ones(2, 2) @ torch.ones(2, 2, dtype=torch.long)",
    "torch.matmul(torch.ones(3), torch.ones(3, dtype=torch.float64))",
    "torch.ones(2, 3, 4) @ torch.ones(4, 2, dtype=torch.float64)",
    "torch.nn.functional.linear(torch.ones(2, 2, dtype=torch.float64), torch.ones(3, 2))",
    "torch.nn.functional.linear(torch.ones(2, 2), torch.ones(3, 2),"
    " torch.ones(3, dtype=torch.float64))",
    "torch.nn.Linear(2, 3)(torch.ones(4, 2, dtype=torch.float64))",
    "torch.lerp(torch.ones(2), torch.ones(2, dtype=torch.float64), 0.5)",
    "torch.lerp(torch.ones(2), torch.ones(2), torch.ones(2, dtype=torch.float64))",
    # a list or tuple is not an operand
    "torch.ones(2) + [1, 2]",
    "[1, 2] + torch.ones(2)",
    "torch.ones(2) * [1, 2]",
    "torch.ones(2) - (1, 2)",
    "torch.add(torch.ones(2), [1, 2])",
    "torch.maximum(torch.ones(2), [1, 2])",
    "torch.ones(2) < [1, 2]",
    # signatures
    "torch.full(2, 7)",
    "torch.ones(2, 3).transpose(0)",
    "torch.transpose(torch.ones(2, 3), 1)",
]


@pytest.mark.parametrize("code", REFUSED)
def test_refused_as_pytorch_refuses(torch, code):
    raises_as_torch(torch, code)


ACCEPTED = [
    "x = torch.ones(2); x.requires_grad = True; r = (x * 3).sum()",
    "x = torch.ones(2, dtype=torch.long); x.requires_grad = False; r = x + 1",
    "x = torch.ones(2, requires_grad=True); y = x * 2; y.requires_grad_(True); r = y.sum()",
    "r = torch.ones(2, 2, dtype=torch.float64) @ torch.ones(2, 2, dtype=torch.float64)",
    "r = torch.ones(2, 2) @ torch.ones(2, 2)",
    "r = torch.lerp(torch.ones(2), torch.zeros(2), 0.25)",
    "r = torch.ones(2) + np.ones(2)",
    "r = torch.ones(2) + 1.5",
    "r = torch.full((2,), 7)",
    "r = torch.full([2, 1], 7.0)",
    "r = torch.full(torch.ones(2, 3).shape, 1.0)",
    "r = torch.ones(2, 3).transpose(0, 1)",
]


@pytest.mark.filterwarnings("ignore:__array_wrap__:DeprecationWarning")  # torch's, on + ndarray
@pytest.mark.parametrize("code", ACCEPTED)
def test_accepted_as_pytorch_accepts(torch, code):
    same_as_torch(torch, code)


@pytest.mark.parametrize("other", [[1.0, 2.0], (1.0, 2.0), "ab", None])
def test_equality_with_a_non_tensor_is_python_identity(torch, other):
    """``t == [1, 2]`` is False in PyTorch (Python's fallback), not an elementwise test."""
    assert (torch.ones(2) == other) is (tg.ones(2) == other) is False
    assert (torch.ones(2) != other) is (tg.ones(2) != other) is True


def test_requires_grad_errors_name_the_fix():
    y = tg.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf variables.*detach"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="must be a bool"):
        tg.ones(2).requires_grad = 1
    with pytest.raises(TypeError, match="floating point"):
        tg.ones(2, dtype=tg.long).requires_grad = True


def test_mixed_dtype_product_names_both_dtypes():
    with pytest.raises(RuntimeError, match="matmul: .*float32 and float64.*\\.to\\("):
        tg.ones(2, 2) @ tg.ones(2, 2, dtype=tg.float64)
    with pytest.raises(TypeError, match="add: unsupported operand of type list.*tg.tensor"):
        tg.ones(2) + [1, 2]
