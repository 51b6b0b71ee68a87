"""Hooks, custom ops (tg.Function) and detect_anomaly."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)

# -- hooks ---------------------------------------------------------------------------------


def test_leaf_hook_runs_once_per_backward_with_the_summed_gradient():
    x = leaf([1.0, 2.0])
    calls = []
    x.register_hook(lambda g: calls.append(g.numpy().copy()))
    (x * 2 + x * 3).sum().backward()
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], [5.0, 5.0])
    (x * 1).sum().backward()
    assert len(calls) == 2


def test_hook_argument_is_a_tensor_and_its_return_replaces_the_gradient():
    x = leaf([1.0, 2.0])
    kinds = []

    def double(g):
        kinds.append(isinstance(g, tg.Tensor))
        return g * 2

    x.register_hook(double)
    (x * 3).sum().backward()
    assert kinds == [True]
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_hook_returning_none_keeps_the_gradient():
    x = leaf([1.0])
    x.register_hook(lambda g: None)
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0])


def test_hook_on_intermediate_changes_what_flows_upstream():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.register_hook(lambda g: g * 0 + 1)
    (y * 10).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    assert y.grad is None


def test_hooks_chain_in_registration_order():
    x = leaf([1.0])
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [20.0])


def test_removed_hook_does_not_run():
    x = leaf([1.0])
    calls = []
    handle = x.register_hook(lambda g: calls.append(1))
    handle.remove()
    (x * 2).sum().backward()
    assert calls == []
    np.testing.assert_allclose(x.grad.numpy(), [2.0])


def test_hooks_run_under_tg_grad_too():
    x = leaf([1.0])
    x.register_hook(lambda g: g * 100)
    (g,) = tg.grad((x * 2).sum(), x)
    np.testing.assert_allclose(g.numpy(), [200.0])
    assert x.grad is None


# -- tg.Function ---------------------------------------------------------------------------


class Cube(tg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x * x * grad


class MulAdd(tg.Function):
    """(a * b + c), with c's gradient deliberately None when it needs none."""

    @staticmethod
    def forward(ctx, a, b, c):
        ctx.save_for_backward(a, b)
        return a * b + c

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a, grad


def test_custom_function_forward_and_backward():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x)
    assert isinstance(y, tg.Tensor) and y.grad_fn is not None
    np.testing.assert_allclose(y.numpy(), [1.0, 8.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])


def test_custom_function_receives_tensors_in_forward_and_backward():
    seen = {}

    class Probe(tg.Function):
        @staticmethod
        def forward(ctx, x):
            seen["forward"] = type(x)
            seen["recording"] = tg.is_grad_enabled()
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            seen["backward"] = type(grad)
            return grad * 2

    Probe.apply(leaf([1.0])).sum().backward()
    assert seen == {"forward": tg.Tensor, "recording": False, "backward": tg.Tensor}


def test_custom_function_with_several_inputs_and_constants():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    c = tg.tensor(np.array([0.5, 0.5]))
    MulAdd.apply(a, b, c).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 2.0])
    assert c.grad is None


def test_custom_function_passes_gradcheck_and_gradgradcheck():
    x = leaf([0.5, -1.5, 2.0])
    assert tg.gradcheck(Cube.apply, x)
    assert tg.gradgradcheck(Cube.apply, x)


def test_double_backward_through_custom_function():
    x = leaf([1.0, 2.0])
    (g,) = tg.grad(Cube.apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), [3.0, 12.0])
    (h,) = tg.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [6.0, 12.0])


def test_custom_function_saved_tensors_freed_after_backward():
    x = leaf([1.0])
    y = Cube.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_custom_function_returning_wrong_number_of_gradients_raises():
    class Bad(tg.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match="Bad"):
        Bad.apply(leaf([1.0]), leaf([2.0])).sum().backward()


def test_custom_function_output_without_grad_inputs_has_no_graph():
    y = Cube.apply(tg.tensor(np.array([2.0])))
    assert y.grad_fn is None
    np.testing.assert_allclose(y.numpy(), [8.0])


# -- detect_anomaly ------------------------------------------------------------------------


def test_detect_anomaly_names_the_forward_op_that_produced_nan():
    x = leaf([0.0, 1.0])
    with tg.detect_anomaly():
        y = x.sqrt()  # d sqrt / dx at 0 is inf
        with pytest.raises(RuntimeError, match="sqrt") as info, np.errstate(divide="ignore"):
            y.sum().backward()
    assert "test_engine_function.py" in str(info.value)


def test_without_detect_anomaly_non_finite_gradients_pass_silently():
    x = leaf([0.0, 1.0])
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()
    assert np.isinf(x.grad.numpy()[0])


def test_detect_anomaly_restores_the_previous_mode():
    x = leaf([0.0])
    with tg.detect_anomaly():
        pass
    y = x.sqrt()
    with np.errstate(divide="ignore"):
        y.sum().backward()
    assert np.isinf(x.grad.numpy()[0])


def test_gradient_a_hook_saw_or_returned_is_not_changed_by_later_accumulation():
    """.grad adds in place on later backwards; like PyTorch, it must not own an array the
    user still holds (a hook's argument or its returned replacement)."""
    x = leaf([1.0, 2.0])
    replacement = tg.tensor(np.array([1.0, 1.0]))
    x.register_hook(lambda g: replacement)
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    np.testing.assert_allclose(replacement.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])

    y = leaf([1.0, 2.0])
    seen = []
    h = y + 0
    h.register_hook(seen.append)  # keeps the Tensor it is given
    h.sum().backward()
    (y * 1).sum().backward()
    np.testing.assert_allclose(seen[0].numpy(), [1.0, 1.0])
    np.testing.assert_allclose(y.grad.numpy(), [2.0, 2.0])


def test_forward_can_read_needs_input_grad_as_in_pytorch():
    seen = []

    class Scale(tg.Function):
        @staticmethod
        def forward(ctx, x, factor):
            seen.append(ctx.needs_input_grad)
            return x * factor

        @staticmethod
        def backward(ctx, grad):
            return grad * 2.0, None

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    Scale.apply(x, tg.tensor([2.0, 2.0])).sum().backward()
    assert seen == [(True, False)]
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
