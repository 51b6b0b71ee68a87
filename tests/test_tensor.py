"""Tensor attributes, `.data`/`.grad`, operators and methods (SPEC "Tensors")."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

# Creation and dtype rules: test_tensor_creation.py; factories: test_factories.py;
# sizes, conversions and Python protocols: test_tensor_protocols.py, test_dtypes_device.py.


def test_attributes():
    t = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="w")
    assert isinstance(t.numpy(), np.ndarray)
    assert t.grad is None and t.requires_grad and t.is_leaf and t.grad_fn is None
    assert t.shape == (2, 3) and t.ndim == 2 and t.numel() == 6 and t.dtype == np.float64
    assert t.name == "w"
    assert t.T.shape == (3, 2)
    np.testing.assert_array_equal(t.T.numpy(), t.numpy().T)
    y = t * 2
    assert not y.is_leaf and y.grad_fn is not None and y.requires_grad
    assert y.name is None and y.grad is None


def test_detach_numpy_item():
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 3
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    np.testing.assert_array_equal(d.numpy(), [3.0, 6.0])
    assert isinstance(x.numpy(), np.ndarray)
    assert y.sum().item() == 9.0 and isinstance(y.sum().item(), float)
    with pytest.raises(RuntimeError, match=r"\(2,\)"):  # PyTorch's exception type
        y.item()


def test_requires_grad_underscore_returns_self():
    x = tg.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad


def test_reflected_operators_with_scalars_and_arrays():
    x = tg.tensor(np.array([1.0, 2.0, 4.0]), requires_grad=True)
    a = np.array([2.0, 2.0, 2.0])
    cases = {
        "radd": (1 + x, 1 + x.numpy()), "rsub": (1 - x, 1 - x.numpy()),
        "rmul": (3 * x, 3 * x.numpy()), "rdiv": (8 / x, 8 / x.numpy()),
        "rpow": (2**x, 2 ** x.numpy()), "arr_add": (a + x, a + x.numpy()),
        "arr_sub": (a - x, a - x.numpy()), "arr_mul": (a * x, a * x.numpy()),
        "arr_div": (a / x, a / x.numpy()), "arr_pow": (a**x, a ** x.numpy()),
        "arr_matmul": (a @ x, a @ x.numpy()), "neg": (-x, -x.numpy()), "pos": (+x, x.numpy()),
    }
    for name, (got, expected) in cases.items():
        assert isinstance(got, tg.Tensor), name
        assert got.requires_grad, name
        np.testing.assert_allclose(got.numpy(), expected, err_msg=name)


def test_reflected_array_operator_gradient():
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    (np.array([3.0, 4.0]) * x - np.array([1.0, 1.0]) / x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0 + 1.0, 4.0 + 0.25])


@pytest.mark.parametrize("op", ["__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"])
def test_comparisons_are_boolean_without_grad(op):
    x = tg.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    for other in [2.0, tg.tensor(np.array([3.0, 2.0, 1.0])), np.array([1.0, 1.0, 1.0])]:
        result = getattr(x, op)(other)
        assert isinstance(result, tg.Tensor)
        assert result.dtype == np.bool_
        assert not result.requires_grad and result.grad_fn is None
        raw = other.numpy() if isinstance(other, tg.Tensor) else other
        np.testing.assert_array_equal(result.numpy(), getattr(x.numpy(), op)(raw))


def test_reflected_comparison_with_scalar():
    x = tg.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal((2.0 < x).numpy(), [False, False, True])


def test_boolean_mask_from_comparison_indexes_with_gradient():
    x = tg.tensor(np.array([-1.0, 2.0, -3.0, 4.0]), requires_grad=True)
    y = x[x > 0]
    np.testing.assert_array_equal(y.numpy(), [2.0, 4.0])
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 4.0, 0.0, 8.0])


def test_list_index_with_repeats_accumulates():
    x = tg.tensor(np.arange(4.0), requires_grad=True)
    x[[0, 0, 3, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 0.0, 1.0])


def test_integer_tensor_index_with_repeats_accumulates():
    x = tg.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    idx = tg.tensor(np.array([2, 2, 1]))
    x[idx].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])


def test_len_iter_bool_float():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert len(x) == 2
    rows = list(x)
    assert len(rows) == 2 and isinstance(rows[0], tg.Tensor)
    assert bool(tg.tensor([1.0])) and float(tg.tensor(2.5)) == 2.5
    with pytest.raises(RuntimeError, match="ambiguous"):  # PyTorch's exception type
        bool(x)


def test_numpy_interop_via_array_protocol():
    x = tg.tensor(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(np.asarray(x), [1.0, 2.0])


def test_repr_mentions_values_and_grad_fn():
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert "1." in repr(x) and "requires_grad=True" in repr(x)
    assert "grad_fn" in repr(x * 2)


def test_methods_match_functions():
    x = tg.tensor(np.arange(1.0, 7.0).reshape(2, 3))
    pairs = [
        (x.sum(axis=1), tg.sum(x, axis=1)), (x.mean(0, keepdims=True), tg.mean(x, 0, True)),
        (x.var(), tg.var(x)), (x.max(axis=-1), tg.max(x, axis=-1)), (x.min(), tg.min(x)),
        (x.logsumexp(axis=1), tg.logsumexp(x, axis=1)), (x.softmax(), tg.softmax(x)),
        (x.log_softmax(0), tg.log_softmax(x, 0)), (x.reshape(3, 2), x.reshape((3, 2))),
        (x.transpose(), x.T), (x.transpose(1, 0), x.transpose((1, 0))),
        (x.flatten(), tg.flatten(x)), (x.unsqueeze(0).squeeze(0), x),
        (x.exp(), tg.exp(x)), (x.log(), tg.log(x)), (x.sqrt(), tg.sqrt(x)),
        (x.abs(), tg.abs(x)), (x.clip(2, 5), tg.clip(x, 2, 5)), (x.relu(), tg.relu(x)),
        (x.sigmoid(), tg.sigmoid(x)), (x.tanh(), tg.tanh(x)),
        (x.matmul(x.T), tg.matmul(x, x.T)), (x.pow(2), x**2),
        (x.broadcast_to(4, 2, 3), tg.broadcast_to(x, (4, 2, 3))),
        (x.swapaxes(0, 1), tg.swapaxes(x, 0, 1)),
    ]
    for got, expected in pairs:
        np.testing.assert_allclose(got.numpy(), expected.numpy())


def test_var_is_unbiased_by_default_like_torch():
    x = tg.tensor(np.array([1.0, 2.0, 3.0, 4.0]))
    assert x.var().item() == pytest.approx(np.var([1, 2, 3, 4], ddof=1))
    assert tg.var(x, correction=0).item() == pytest.approx(np.var([1, 2, 3, 4]))


def test_squeeze_leaves_non_unit_axes_alone_like_torch():
    x = tg.tensor(np.zeros((2, 1, 3)))
    assert x.squeeze(0).shape == (2, 1, 3)
    assert x.squeeze(1).shape == (2, 3)
    assert x.squeeze().shape == (2, 3)


def test_astype_converts_and_gradient_comes_back_in_the_input_dtype():
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x.astype(np.float32)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_numpy_scalars_act_like_python_scalars_as_in_torch(torch):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    for scalar in [np.float64(2.0), np.float32(2.0), np.int64(3)]:
        for ours, theirs in [(x * scalar, t * scalar), (scalar - x, scalar - t),
                             (x / scalar, t / scalar), (x**scalar, t**scalar)]:
            assert ours.dtype == np.float32
            assert str(theirs.dtype) == "torch.float32"
            np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-6)
    (x * np.float64(np.sqrt(2.0))).sum().backward()
    assert x.grad.dtype == np.float32


def test_argmax_and_argmin_give_integer_index_tensors_without_gradient():
    x = tg.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True)
    assert x.argmax().item() == 2 and isinstance(x.argmax().numpy(), np.ndarray)
    np.testing.assert_array_equal(x.argmax(axis=1).numpy(), [1, 0])
    np.testing.assert_array_equal(x.argmin(axis=0, keepdims=True).numpy(), [[0, 1]])
    assert not x.argmax(axis=1).requires_grad


def test_data_is_a_detached_tensor_sharing_the_storage():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    storage = p.numpy()
    d = p.data
    assert isinstance(d, tg.Tensor) and not d.requires_grad and d.grad_fn is None
    assert d.numpy() is storage  # no copy
    (p * p).sum().backward()
    p.data -= 0.5 * p.grad  # the PyTorch / micrograd update idiom
    assert p.numpy() is storage  # updated in place, not rebound to a Tensor
    np.testing.assert_array_equal(storage, [0.0, 0.0])
    assert p.requires_grad and p.is_leaf


def test_assigning_data_replaces_the_values_and_refuses_another_shape():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    p.data = tg.tensor([3.0, 4.0], dtype=np.float64)
    np.testing.assert_array_equal(p.numpy(), [3.0, 4.0])
    p.data = np.array([5.0, 6.0])
    np.testing.assert_array_equal(p.numpy(), [5.0, 6.0])
    with pytest.raises(tg.ShapeError, match=r"x.data = value: value has shape \(3,\)"):
        p.data = np.zeros(3)
