"""Core user mistakes (SPEC "Errors"): each raises an exception naming the operation and the
shapes involved, and where possible the fix."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg


def t(*shape, grad=False):
    return tg.tensor(np.ones(shape), requires_grad=grad)


@pytest.mark.parametrize("a, b", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)),
                                  ((5, 2, 3), (4, 2))])
def test_mismatched_matmul_shapes_name_op_shapes_and_fix(a, b):
    with pytest.raises(ValueError, match="matmul") as info:
        t(*a, grad=True) @ t(*b)
    message = str(info.value)
    assert str(a) in message and str(b) in message
    assert "transpose" in message or ".T" in message


def test_matmul_mistake_is_also_a_runtime_error_like_torch():
    with pytest.raises(RuntimeError):
        t(2, 3) @ t(4, 5)


def test_matmul_with_a_0d_operand_says_to_use_mul():
    with pytest.raises(ValueError, match=r"matmul.*\*"):
        tg.matmul(t(2, 3), t())


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_non_broadcastable_shapes_name_op_and_shapes(op):
    with pytest.raises(ValueError, match=op) as info:
        getattr(tg, op)(t(2, 3, grad=True), t(4, 3))
    message = str(info.value)
    assert "(2, 3)" in message and "(4, 3)" in message and "broadcast" in message


def test_non_broadcastable_operator_form():
    with pytest.raises(ValueError, match=r"add.*\(2,\).*\(3,\)"):
        t(2) + t(3)


def test_where_with_mismatched_condition_names_all_shapes():
    with pytest.raises(ValueError, match="where") as info:
        tg.where(np.ones(4, dtype=bool), t(2, 3), 0.0)
    assert "(4,)" in str(info.value) and "(2, 3)" in str(info.value)


def test_broadcast_to_an_incompatible_shape_names_both_shapes():
    with pytest.raises(ValueError, match="broadcast_to") as info:
        t(2, 3).broadcast_to((4, 3, 2))
    assert "(2, 3)" in str(info.value) and "(4, 3, 2)" in str(info.value)


def test_reshape_to_wrong_size_names_op_and_shapes():
    with pytest.raises(ValueError, match="reshape") as info:
        t(2, 3).reshape(4, 2)
    assert "(2, 3)" in str(info.value) and "(4,2)" in str(info.value).replace(" ", "")


@pytest.mark.parametrize("call", [
    lambda x: x.sum(axis=2), lambda x: x.mean(axis=-3), lambda x: x.max(axis=(0, 5)),
    lambda x: x.softmax(axis=2), lambda x: x.squeeze(3), lambda x: x.unsqueeze(4),
    lambda x: x.logsumexp(axis=7), lambda x: x.var(axis=9),
])
def test_axis_out_of_range_names_the_axis(call):
    with pytest.raises(ValueError, match="dim"):
        call(t(2, 3))


def test_transpose_of_more_than_two_dims_needs_a_full_permutation():
    with pytest.raises(ValueError, match="permutation"):
        t(2, 3, 4).transpose(0, 1, 1)
    assert t(2, 3, 4).transpose(0, 2).shape == (4, 3, 2)  # two dims: swapped, as PyTorch


def test_concatenate_and_stack_mismatch_name_the_op():
    with pytest.raises(ValueError, match="concatenate"):
        tg.concatenate([t(2, 3), t(2, 4)])
    with pytest.raises(ValueError, match="stack"):
        tg.stack([t(2, 3), t(3, 2)])
    with pytest.raises(ValueError, match="cat: expected a non-empty list"):
        tg.cat([])


def test_index_out_of_range_names_getitem():
    with pytest.raises(IndexError, match="getitem"):
        t(2, 3)[5]


def test_backward_twice_without_retain_graph():
    x = t(3, grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_backward_on_non_scalar_without_gradient_names_shape_and_fix():
    with pytest.raises(RuntimeError, match=r"\(2, 3\)") as info:
        (t(2, 3, grad=True) * 2).backward()
    assert "sum()" in str(info.value) or "gradient" in str(info.value)


def test_backward_on_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        t(2).sum().backward()


def test_tg_grad_input_not_requiring_grad():
    x = t(2, grad=True)
    with pytest.raises(RuntimeError, match="inputs\\[1\\]"):
        tg.grad((x * 2).sum(), [x, t(2)])


def test_requires_grad_on_integer_data_says_how_to_convert():
    with pytest.raises(TypeError, match="float"):
        tg.tensor([1, 2], dtype=np.int64, requires_grad=True)


def test_unsupported_data_type_is_a_type_error():
    with pytest.raises(TypeError, match="tensor"):
        tg.tensor("abc")


def test_item_of_multi_element_tensor_names_shape():
    with pytest.raises(RuntimeError, match=r"\(2, 3\)"):  # PyTorch's exception type
        t(2, 3).item()


def test_clip_without_bounds():
    with pytest.raises(RuntimeError, match="clip"):  # PyTorch's type
        tg.clip(t(2))


def test_custom_function_gradient_of_wrong_shape_names_the_function():
    class BadShape(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return tg.ones(5, dtype=np.float64)

    with pytest.raises(ValueError, match=r"BadShape.*\(5,\).*\(3,\)"):
        BadShape.apply(t(3, grad=True)).sum().backward()


def test_backward_twice_error_names_the_node_reached_without_blaming_its_saves():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True") as info:
        y.backward()
    # sum saved nothing and runs again, as in PyTorch; mul's saved x was freed
    assert "reached 'mul'" in str(info.value)


@pytest.mark.parametrize("data, message", [
    (np.ma.masked_array([1.0, 2.0], mask=[0, 1]), r"masked array.*filled"),
    (["a", "b"], r"strings or Python objects"),
    (np.array([object(), object()]), r"strings or Python objects"),
    ([1 + 2j], r"complex dtype complex128 is not supported"),
    (np.array([1 + 2j], dtype=np.complex64), r"complex dtype complex64"),
])
def test_data_a_tensor_cannot_hold_is_refused_at_creation(data, message):
    with pytest.raises(TypeError, match=message):
        tg.tensor(data)


def test_ragged_lists_are_refused_naming_the_level():
    with pytest.raises(ValueError, match=r"ragged: at dim 1, data\[0\] has length 2 but "
                                         r"data\[1\] has length 1"):
        tg.tensor([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("make", [lambda: tg.zeros(2.5, 3), lambda: tg.ones((2, 3.0)),
                                  lambda: tg.randn(2, -1)])
def test_sizes_must_be_non_negative_integers(make):
    with pytest.raises((TypeError, ValueError), match=r"sizes must be"):
        make()


def test_a_dtype_numpy_cannot_combine_is_explained_naming_the_op():
    # NumPy's own no-loop error cannot be rebuilt from a message: the explanation must not crash
    with pytest.raises(TypeError, match=r"add: .*inputs: float64 array of shape \(1,\), <U1"):
        tg.tensor(np.array([1.0])) + np.array(["a"])
