"""The engine's public entry points: tg.grad and the grad modes (no_grad, enable_grad,
thread-local)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinygraph as tg


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)

# -- tg.grad -------------------------------------------------------------------------------


def test_grad_returns_a_tuple_of_tensors_and_leaves_dot_grad_untouched():
    x, y = leaf([1.0, 2.0]), leaf([3.0])
    result = tg.grad((x * y).sum(), [x, y])
    assert isinstance(result, tuple) and len(result) == 2
    assert all(isinstance(g, tg.Tensor) for g in result)
    np.testing.assert_allclose(result[0].numpy(), [3.0, 3.0])
    np.testing.assert_allclose(result[1].numpy(), [3.0])
    assert x.grad is None and y.grad is None


def test_grad_of_single_input_is_a_one_tuple():
    x = leaf(2.0)
    (g,) = tg.grad(x * x, x)
    assert g.item() == 4.0


def test_grad_with_grad_outputs_tensor():
    x = leaf([1.0, 2.0])
    (g,) = tg.grad(x * x, x, grad_outputs=tg.tensor(np.array([1.0, -1.0])))
    np.testing.assert_allclose(g.numpy(), [2.0, -4.0])


def test_grad_for_unused_input_raises_unless_allow_unused():
    x, unused = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="allow_unused"):
        tg.grad((x * 2).sum(), [x, unused])
    gx, gu = tg.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(gx.numpy(), [2.0])


def test_grad_with_respect_to_an_intermediate():
    x = leaf([1.0, 2.0])
    h = x * 3
    (gh,) = tg.grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.numpy(), 2 * h.numpy())


def test_grad_frees_the_graph_unless_retained():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    tg.grad(y, x, retain_graph=True)
    tg.grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph"):
        tg.grad(y, x)


def test_grad_of_grad_readme_example():
    x = leaf([1.0, 2.0, 3.0])
    (g,) = tg.grad((x**3).sum(), x, create_graph=True)
    (h,) = tg.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.numpy())


def test_hessian_vector_product():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = leaf([1.0, -1.0])
    f = (x @ tg.tensor(a) @ x) * 0.5
    (g,) = tg.grad(f, x, create_graph=True)
    v = np.array([1.0, 2.0])
    (hv,) = tg.grad((g * tg.tensor(v)).sum(), x)
    np.testing.assert_allclose(hv.numpy(), a @ v)


# -- grad modes ----------------------------------------------------------------------------


def test_no_grad_context_records_nothing():
    x = leaf([1.0])
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = x * 2
    assert tg.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad


def test_no_grad_and_enable_grad_as_decorators():
    x = leaf([1.0])

    @tg.no_grad()
    def frozen(t):
        return t * 2, tg.is_grad_enabled()

    @tg.enable_grad()
    def recording(t):
        return t * 2

    y, enabled = frozen(x)
    assert not enabled and not y.requires_grad
    with tg.no_grad():
        assert recording(x).requires_grad
        assert not tg.is_grad_enabled()


def test_grad_mode_decorators_work_without_parentheses_like_torch():
    @tg.no_grad
    def frozen():
        return tg.is_grad_enabled()

    @tg.enable_grad
    def recording():
        return tg.is_grad_enabled()

    assert frozen() is False and frozen.__name__ == "frozen"
    with tg.no_grad():
        assert recording() is True


def test_modes_nest_and_restore_after_exceptions():
    with tg.no_grad():
        with tg.enable_grad():
            assert tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
        with pytest.raises(ValueError):
            with tg.enable_grad():
                raise ValueError
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}
    inside = threading.Event()
    done = threading.Event()

    def worker():
        seen["worker_start"] = tg.is_grad_enabled()
        with tg.no_grad():
            inside.set()
            done.wait(5)
            seen["worker_inside"] = tg.is_grad_enabled()

    thread = threading.Thread(target=worker)
    with tg.no_grad():
        thread.start()
        inside.wait(5)
        seen["main_while_worker_in_no_grad"] = None
        with tg.enable_grad():
            seen["main_enabled"] = tg.is_grad_enabled()
        done.set()
        thread.join()
        seen["main_after"] = tg.is_grad_enabled()
    assert seen["worker_start"] is True  # a new thread starts with grad enabled
    assert seen["worker_inside"] is False
    assert seen["main_enabled"] is True
    assert seen["main_after"] is False


def test_enable_grad_in_another_thread_does_not_leak():
    results = []

    def worker():
        with tg.no_grad():
            results.append(tg.is_grad_enabled())

    with tg.enable_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert tg.is_grad_enabled()
    assert results == [False]


def test_grad_of_non_scalar_output_without_grad_outputs_names_the_shape():
    x = leaf([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(RuntimeError, match=r"\(4,\)"):
        tg.grad(x * 2, x)
    with pytest.raises(RuntimeError, match="2 outputs but 1 grad_outputs"):  # torch's type
        tg.grad([(x * 2).sum(), x.sum()], x, grad_outputs=[None])


def test_grad_of_several_outputs_sums_their_gradients():
    x = leaf([1.0, -2.0])
    (g,) = tg.grad([(x * x).sum(), (x * 3).sum()], x)
    np.testing.assert_allclose(g.numpy(), [5.0, -1.0])


def test_setitem_into_a_constant_makes_it_part_of_the_graph():
    w = leaf(2.0)
    x = tg.zeros(3, dtype=np.float64)
    x[0] = w * 2
    x[2] = w
    assert not x.is_leaf and x.requires_grad
    (x * tg.tensor(np.array([1.0, 10.0, 100.0]))).sum().backward()
    assert w.grad.item() == 102.0
