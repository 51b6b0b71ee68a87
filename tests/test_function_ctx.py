"""tg.Function as PyTorch's: saved outputs under double backward, several outputs, the ctx API;
hooks and .grad refuse replacements of another shape or type."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


class Exp(tg.Function):
    """PyTorch's double-backward tutorial's Exp: it saves its *output*."""

    @staticmethod
    def forward(ctx, x):
        result = x.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad):
        (result,) = ctx.saved_tensors
        return grad * result


class SquareAndDouble(tg.Function):
    """Two outputs: (x * 2, x * x); backward gets one gradient per output."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2, x * x

    @staticmethod
    def backward(ctx, g_double, g_square):
        (x,) = ctx.saved_tensors
        return g_double * 2 + g_square * 2 * x


def test_a_function_that_saves_its_output_has_exact_second_derivatives():
    x = leaf([0.3, -0.5, 1.2])
    assert tg.gradgradcheck(Exp.apply, [x])
    (g,) = tg.grad(Exp.apply(x).sum(), x, create_graph=True)
    (h,) = tg.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), np.exp(x.numpy()))  # not 0: the term is kept


def test_a_gradient_penalty_through_a_saved_output_matches_torch(torch):
    values = np.array([0.3, -0.5, 1.2])
    x = leaf(values)
    (g,) = tg.grad((Exp.apply(x) * 3).sum(), x, create_graph=True)
    (g * g).sum().backward()

    class TorchExp(torch.autograd.Function):  # the same code, run by PyTorch
        forward = staticmethod(Exp.forward)
        backward = staticmethod(Exp.backward)

    tx = torch.tensor(values, requires_grad=True)
    (tg_,) = torch.autograd.grad((TorchExp.apply(tx) * 3).sum(), tx, create_graph=True)
    (tg_ * tg_).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_a_function_with_two_outputs_returns_a_tuple_and_gets_two_gradients():
    x = tg.tensor(3.0, dtype=np.float64, requires_grad=True)
    doubled, squared = SquareAndDouble.apply(x)
    assert isinstance(doubled, tg.Tensor) and isinstance(squared, tg.Tensor)
    assert doubled.item() == 6.0 and squared.item() == 9.0
    (doubled * 1 + squared * 2).backward()
    assert x.grad.item() == 14.0  # torch: 2 * 1 + 2 * 3 * 2


def test_an_output_without_a_gradient_gets_zeros_unless_materialize_grads_is_off():
    x = tg.tensor(3.0, dtype=np.float64, requires_grad=True)
    SquareAndDouble.apply(x)[1].backward()
    assert x.grad.item() == 6.0  # torch: the unused output's gradient is zeros

    seen = []

    class Lazy(tg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            seen.append((ga, gb))
            return ga * 2 if ga is not None else gb * 3

    Lazy.apply(x)[1].backward()
    assert seen[0][0] is None and seen[0][1] is not None


def test_several_outputs_pass_double_backward():
    x = leaf([0.5, 1.5])
    assert tg.gradcheck(lambda t: SquareAndDouble.apply(t)[1], [x])
    assert tg.gradgradcheck(lambda t: sum(o.sum() for o in SquareAndDouble.apply(t)), [x])


def test_non_tensor_arguments_and_trailing_none_gradients():
    class Scale(tg.Function):
        @staticmethod
        def forward(ctx, x, factor, label):
            ctx.factor = factor
            assert ctx.needs_input_grad == (True, False, False)
            return x * factor

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.factor, None, None, None  # one extra trailing None: accepted

    x = leaf([1.0, 2.0])
    Scale.apply(x, 3.0, "three").sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_mark_non_differentiable_outputs_need_no_gradient():
    class SortWithIndex(tg.Function):
        @staticmethod
        def forward(ctx, x):
            order = np.argsort(x.numpy())
            index = tg.tensor(order.astype(np.float64))
            ctx.mark_non_differentiable(index)
            return x[order], index

        @staticmethod
        def backward(ctx, grad, _):
            return grad

    values, index = SortWithIndex.apply(leaf([3.0, 1.0, 2.0]))
    assert values.requires_grad and not index.requires_grad


def test_a_forward_returning_none_is_refused_naming_the_function():
    class Nothing(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return None

    with pytest.raises(TypeError, match=r"Nothing.forward returned None"):
        Nothing.apply(leaf([1.0]))


@pytest.mark.parametrize("on_leaf", [True, False])
def test_a_hook_returning_another_shape_is_refused_naming_the_hook(on_leaf):
    x = leaf([1.0, 2.0, 3.0])
    y = x if on_leaf else x * 1

    def reshape_me(g):
        return tg.ones(5, dtype=np.float64) if on_leaf else tg.ones(2, 3, dtype=np.float64)

    y.register_hook(reshape_me)
    with pytest.raises(RuntimeError, match=r"hook 'reshape_me' returned a Tensor of shape"):
        (y * 2).sum().backward()
    assert x.grad is None


def test_a_hook_returning_another_dtype_or_a_string_is_refused():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g.astype(np.float32))
    with pytest.raises(RuntimeError, match=r"dtype float32.*dtype float64"):
        (x * 2).sum().backward()
    y = leaf([1.0, 2.0]) * 1
    y.register_hook(lambda g: "abc")
    with pytest.raises(TypeError, match=r"hook '<lambda>' returned a str"):
        (y * 2).sum().backward()


def test_assigning_grad_checks_type_shape_and_dtype_as_torch():
    x = leaf([1.0, 2.0, 3.0])
    for bad, kind in [(0.0, TypeError), (np.ones(3), TypeError),
                      (tg.ones(2, 3, dtype=np.float64), RuntimeError),
                      (tg.ones(3, dtype=np.float32), RuntimeError)]:
        with pytest.raises(kind, match=r"x.grad = value"):
            x.grad = bad
    x.grad = tg.ones(3, dtype=np.float64)
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0, 3.0])
    x.grad = None
    assert x.grad is None


def test_grad_of_a_number_names_the_output():
    with pytest.raises(TypeError, match=r"grad\(\): outputs\[0\] is a float"):
        tg.grad(5.0, leaf([1.0]))


def test_a_leaf_the_user_dropped_is_still_held_by_its_graph():
    def loss_only():
        w = tg.tensor(np.ones(3), requires_grad=True, name="w")
        return (w * 2).sum()

    loss = loss_only()
    (sink,) = loss.grad_fn.parents[0].parents[:1]
    assert sink.leaf.name == "w" and sink.leaf.shape == (3,)


def test_once_differentiable_backward_runs_once_and_refuses_a_second_derivative():
    from tinygraph.autograd.function import once_differentiable

    class Cube(tg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x * x * grad

    x = leaf([1.0, 2.0])
    (g,) = tg.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert not g.requires_grad  # as in PyTorch: the seed needs no gradient, nor does g
    np.testing.assert_array_equal(g.numpy(), [3.0, 12.0])
    v = leaf([1.0, 1.0])
    (g,) = tg.grad(Cube.apply(x), x, grad_outputs=v, create_graph=True)
    with pytest.raises(RuntimeError, match="marked with @once_differentiable"):
        g.sum().backward()
