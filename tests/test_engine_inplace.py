"""In-place ops (SPEC "Autograd"): version counters, leaves that require grad, and a backward
that needs a value changed after it was saved."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


@pytest.mark.parametrize("update", [
    lambda w: w.__iadd__(1.0),
    lambda w: w.__isub__(1.0),
    lambda w: w.__imul__(2.0),
    lambda w: w.__itruediv__(2.0),
    lambda w: w.__setitem__(0, 5.0),
])
def test_inplace_on_leaf_requiring_grad_raises_outside_no_grad(update):
    w = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="in-place|no_grad"):
        update(w)
    np.testing.assert_allclose(w.numpy(), [1.0, 2.0])


def test_inplace_on_leaf_works_inside_no_grad_and_bumps_the_version():
    w = leaf([1.0, 2.0])
    data = w.numpy()
    version = w._version
    with tg.no_grad():
        w += 1.0
        w *= 2.0
        w -= tg.tensor(np.array([1.0, 1.0]))
        w /= 2.0
        w[1] = 0.0
    assert w.numpy() is data  # truly in place: optimizers rely on it
    np.testing.assert_allclose(w.numpy(), [1.5, 0.0])
    assert w._version == version + 5
    assert w.is_leaf and w.requires_grad


def test_inplace_on_tensor_without_grad_is_allowed_anywhere():
    t = tg.tensor(np.array([1.0, 2.0]))
    t += 1
    t[0] = 10.0
    np.testing.assert_allclose(t.numpy(), [10.0, 3.0])


def test_backward_after_a_saved_input_was_modified_raises_naming_op_and_versions():
    w = leaf([1.0, 2.0])
    x = tg.tensor(np.array([3.0, 4.0]))
    loss = (w * x).sum()  # mul saved w
    with tg.no_grad():
        w += 1.0
    with pytest.raises(RuntimeError, match="mul") as info:
        loss.backward()
    message = str(info.value)
    assert "version 1" in message and "version 0" in message


def test_backward_after_a_saved_output_was_modified_raises():
    x = leaf([0.5, 1.0])
    y = x.exp()  # exp saves its output
    loss = (y + 1).sum()  # add saves nothing: only exp holds y
    with tg.no_grad():
        y *= 3
    with pytest.raises(RuntimeError, match="exp"):
        loss.backward()


def test_modifying_an_input_that_no_backward_needs_is_fine():
    w = leaf([1.0, 2.0])
    loss = (w + 1).sum()  # add saves nothing
    with tg.no_grad():
        w += 1.0
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 1.0])


def test_update_between_backward_and_next_forward_is_fine():
    """The training loop: forward, backward, in-place update, forward again."""
    w = leaf([1.0, 2.0])
    x = tg.tensor(np.array([3.0, 4.0]))
    for _ in range(3):
        w.grad = None
        (w * w * x).sum().backward()
        with tg.no_grad():
            w -= 0.01 * w.grad
    before = w.numpy() / (1 - 0.02 * x.numpy())  # undo the last step: w -= 0.01 * 2 w x
    np.testing.assert_allclose(w.grad.numpy(), 2 * before * x.numpy(),
                               rtol=1e-12)


def test_recorded_inplace_on_a_non_leaf_saved_before_raises_as_torch(torch):
    """The change is made in the tensor's memory (PyTorch's semantics: a detached alias sees
    it), so a node that saved the old values refuses its backward, as PyTorch's does."""
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = x * 1
        alias = y.detach()
        z = (y * y).sum()  # mul saved y
        y += 1
        np.testing.assert_allclose(alias.numpy(), [2.0, 3.0])
        with pytest.raises(RuntimeError, match="modified by an inplace|in-place"):
            (z + y.sum()).backward()


def test_recorded_inplace_on_non_leaf_keeps_gradients_correct():
    x = leaf([1.0, 2.0])
    y = x * 1
    y += 1  # recorded: y's node is now the add
    y *= x  # mul saves y's values before the change, not the changed ones
    (y * y).sum().backward()
    value = (x.numpy() + 1) * x.numpy()
    np.testing.assert_allclose(x.grad.numpy(), 2 * value * (2 * x.numpy() + 1))


def test_setitem_modified_tensor_is_detected_too():
    w = leaf([1.0, 2.0, 3.0])
    loss = (w * w).sum()
    with tg.no_grad():
        w[0] = 0.0
    with pytest.raises(RuntimeError, match="version"):
        loss.backward()


def test_custom_function_saved_tensor_modified_is_detected():
    class Square(tg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    w = leaf([1.0, 2.0])
    loss = Square.apply(w).sum()
    with tg.no_grad():
        w += 1
    with pytest.raises(RuntimeError, match="Square"):
        loss.backward()


def test_accumulating_into_a_create_graph_gradient_is_an_inplace_change(torch):
    """As in PyTorch: a later backward adds into .grad in place, so a graph that saved the
    create_graph gradient can no longer be differentiated."""
    x = leaf([1.0, 2.0])
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    penalty = (g * g).sum()
    (x * 1).sum().backward()
    assert x.grad is g
    np.testing.assert_allclose(g.numpy(), 3 * np.array([1.0, 4.0]) + 1)
    with pytest.raises(RuntimeError, match="version"):
        tg.grad(penalty, x)

    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    with pytest.warns(UserWarning):
        (t**3).sum().backward(create_graph=True)
    penalty_t = (t.grad * t.grad).sum()
    (t * 1).sum().backward()
    with pytest.raises(RuntimeError, match="version"):
        torch.autograd.grad(penalty_t, t)
