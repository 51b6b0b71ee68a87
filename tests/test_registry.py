"""Declaring an op once (tinygraph/ops/registry.py): the function, the method, the NumPy
ufunc and the create_graph namespace all follow; the op table covers every public op."""

from __future__ import annotations

import numpy as np
import pytest
from optable import OPS

import tinygraph as tg
from tinygraph.ops import registry
from tinygraph.ops.namespace import tensor_namespace

# Public operations that are exercised by an op-table entry of another name.
COVERED_AS = {"transpose": "T", "cat": "concatenate"}
# Public operations that return their input itself (no op is recorded; its gradient is the
# identity): tests/test_math_functions_more.py.
RETURNS_INPUT = {"positive"}
# Public operations with integer or boolean results, or no derivative in PyTorch either
# (floor_divide), or random draws: nothing to differentiate (tested against PyTorch in
# tests/test_reductions_torch.py, tests/test_sorting.py and tests/test_ops_util.py).
WITHOUT_GRADIENT = {"argmax", "argmin", "all", "any", "floor_divide", "argsort", "multinomial",
                    # tests/test_ops_util.py
                    "nonzero", "argwhere", "unique", "unique_consecutive", "isin", "searchsorted",
                    "bucketize", "bincount", "count_nonzero", "histc", "signbit", "isposinf",
                    "isneginf", "heaviside", "is_nonzero", "bernoulli",
                    # integers only, and Poisson draws (zero gradient):
                    # tests/test_math_functions_more.py
                    "gcd", "lcm", "poisson",
                    # bool results (tests/test_tensor_utilities_more.py)
                    "isreal", "is_complex",
                    # shapes in, a tg.Size out (tests/test_parity_functions_more.py)
                    "broadcast_shapes"}

# Names under which the Tensor namespace keeps the array namespace's own kernel, which
# backwards call with the kernel's arguments: ``xp.scatter_add(grad, index, shape)``, not
# PyTorch's ``scatter_add(input, dim, index, src)``.
NAMESPACE_KERNELS = {"scatter_add"}


def _without_gradient(name: str) -> bool:
    """Comparisons and value tests (ops/compare.py): boolean results, nothing to
    differentiate; tests/test_compare.py checks them against PyTorch."""
    return (name in WITHOUT_GRADIENT
            or getattr(registry.declared[name], "__module__", "") == "tinygraph.ops.compare")


def test_every_public_op_is_in_the_op_table():
    names = {spec.name for spec in OPS}
    missing = [name for name in registry.declared
               if name not in names and COVERED_AS.get(name) not in names
               and not _without_gradient(name) and name not in RETURNS_INPUT]
    assert not missing, f"public ops without an op-table entry: {missing}"


def test_every_public_op_is_a_function_a_method_and_a_namespace_entry():
    for name, function in registry.functions.items():
        assert getattr(tg, name) is function, name
        assert function.__doc__, f"tg.{name} has no docstring"
        if name not in NAMESPACE_KERNELS:
            assert getattr(tensor_namespace, name) is function
        if name in registry.methods:
            method = registry.methods[name]
            assert getattr(tg.Tensor, name) is method, name
            # x.polygamma(n) is torch.polygamma(n, x): the one method whose order differs
            assert method is function or name == "polygamma", name


def test_numpy_keyword_spellings_are_accepted_as_pytorch_does():
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.sum(axis=1, keepdims=True).numpy(),
                                  x.sum(dim=1, keepdim=True).numpy())
    with pytest.raises(TypeError, match="both 'dim' and its NumPy spelling 'axis'"):
        x.sum(dim=0, axis=1)


def test_numpy_ufuncs_run_the_differentiable_op():
    x = tg.tensor([0.5, 1.0], requires_grad=True)
    y = np.exp(x)
    assert isinstance(y, tg.Tensor) and y.grad_fn is not None
    (np.multiply(y, 2.0) + np.ones(2)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([0.5, 1.0]), rtol=1e-6)


def test_a_numpy_ufunc_without_an_op_refuses_to_drop_the_gradient():
    x = tg.tensor([0.5, 1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"np\.cbrt: tinygraph has no differentiable op"):
        np.cbrt(x)
    values = np.cbrt(x.detach())  # values only, as asked
    assert isinstance(values, tg.Tensor) and not values.requires_grad
    assert (np.greater(x, 0.7)).tolist() == [False, True]  # no gradient to lose: fine


def test_a_numpy_ufunc_writing_into_an_array_writes_values():
    x = tg.tensor([0.5, 1.0], requires_grad=True)
    out = np.zeros(2, dtype=np.float32)
    assert np.sin(x.detach(), out=out) is out
    np.testing.assert_allclose(out, np.sin([0.5, 1.0]), rtol=1e-6)
