"""Engine semantics (SPEC "Autograd"): seeding, accumulation, retain_graph, create_graph,
retain_grad, shared subgraphs, deep graphs, dtypes of gradients."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import tinygraph as tg


def leaf(values, dtype=np.float64):
    return tg.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def test_backward_seeds_one_element_outputs_with_one():
    for shape in [(), (1,), (1, 1)]:
        x = leaf(np.full(shape, 3.0))
        (x * x).backward()
        np.testing.assert_allclose(x.grad.numpy(), np.full(shape, 6.0))


def test_backward_on_non_scalar_without_gradient_raises_naming_the_shape():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match=r"\(2, 2\)"):
        (x * 2).backward()


def test_backward_with_explicit_gradient_tensor_or_array():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).backward(tg.tensor(np.array([1.0, 0.0, 2.0])))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.0, 12.0])
    y = leaf([1.0, 2.0])
    (y * 3).backward(np.array([1.0, -1.0]))
    np.testing.assert_allclose(y.grad.numpy(), [3.0, -3.0])
    z = leaf([1.0, 2.0])
    (z * 3).backward([1.0, 2.0])  # a list is the gradient's data, not one per output
    np.testing.assert_allclose(z.grad.numpy(), [3.0, 6.0])


def test_backward_gradient_of_wrong_shape_raises():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises((RuntimeError, ValueError), match=r"\(2,\).*\(3,\)|\(3,\).*\(2,\)"):
        (x * 2).backward(tg.tensor(np.ones(2)))


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0 + 2.0, 3.0 + 4.0])


def test_grad_attribute_is_a_tensor_without_graph():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    assert isinstance(x.grad, tg.Tensor)
    assert x.grad.grad_fn is None and not x.grad.requires_grad


def test_accumulated_grad_is_not_aliased_with_other_leaves_or_upstream():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    upstream = tg.tensor(np.array([1.0, 1.0]))
    (x + y).backward(upstream)
    x.grad.data += 10  # must not change y.grad nor the upstream gradient
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(upstream.numpy(), [1.0, 1.0])


class _HandsBack(tg.autograd.Op):
    """The identity, whose backward returns exactly the array in ``gradient``."""

    __slots__ = ("gradient",)

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return (self.gradient,)


def _read_only(values):
    values.flags.writeable = False
    return values


@pytest.mark.parametrize("kind, gradient", [
    ("fresh", np.full(3, 2.0, np.float32)),
    ("read-only", _read_only(np.full(3, 2.0, np.float32))),
    ("view", np.full(6, 2.0, np.float32)[::2]),
    ("other dtype", np.full(3, 2.0)),
])
def test_a_leaf_grad_owns_a_writable_array_of_the_leafs_dtype(kind, gradient):
    x = tg.tensor(np.zeros(3, np.float32), requires_grad=True)
    _HandsBack.apply(x, gradient=gradient).sum().backward()
    grad = x.grad.numpy()
    assert grad.dtype == np.float32 and grad.flags.writeable and grad.base is None
    assert (grad is gradient) == (kind == "fresh")  # a backward's own new array is taken as is
    np.testing.assert_array_equal(grad, [2.0, 2.0, 2.0])


def test_broadcast_leaf_gets_a_writable_grad_of_its_own_shape():
    b = leaf([1.0, 2.0, 3.0])
    (b + np.zeros((4, 3))).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [4.0, 4.0, 4.0])
    (b * 1).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [5.0, 5.0, 5.0])
    s = leaf(2.0)
    (s * np.ones(3)).sum().backward()
    assert s.grad.shape == () and s.grad.item() == 3.0


def test_non_leaf_grad_is_none_unless_retain_grad():
    x = leaf([1.0, 2.0])
    y = x * 2
    z = y * y
    z.retain_grad()
    (z.sum() * 1).backward()
    assert y.grad is None
    assert not y.is_leaf and x.is_leaf
    np.testing.assert_allclose(z.grad.numpy(), [1.0, 1.0])


def test_retain_grad_accumulates_like_a_leaf():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    (y * 3).sum().backward(retain_graph=True)
    (y * 3).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [6.0, 6.0])


def test_second_backward_without_retain_graph_raises_mentioning_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_create_graph_gives_second_and_third_derivatives():
    x = leaf([0.5, -1.0, 2.0])
    y = (x**4).sum()
    (g,) = tg.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), 4 * x.numpy() ** 3)
    (h,) = tg.grad(g.sum(), x, create_graph=True)
    np.testing.assert_allclose(h.numpy(), 12 * x.numpy() ** 2)
    (t,) = tg.grad(h.sum(), x)
    np.testing.assert_allclose(t.numpy(), 24 * x.numpy())


def test_backward_create_graph_puts_a_differentiable_grad_on_the_leaf():
    x = leaf([1.0, 3.0])
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    grad = x.grad
    x.grad = None
    grad.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * np.array([1.0, 3.0]))


def test_mixed_partial_derivatives():
    x, y = leaf(2.0), leaf(3.0)
    (gx,) = tg.grad(x * x * y, x, create_graph=True)  # 2xy
    (gxy,) = tg.grad(gx, y)  # 2x
    assert gxy.item() == pytest.approx(4.0)


def test_shared_subgraph_gradients_are_summed_where_paths_meet():
    x = leaf([1.0, 2.0])
    s = x * x  # used three times below
    out = (s + s * 2 + s.exp()).sum()
    out.backward()
    expected = 2 * x.numpy() * (1 + 2 + np.exp(x.numpy() ** 2))
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_same_leaf_twice_in_one_op():
    x = leaf([1.0, -2.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0])
    x.grad = None
    (x + x + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_diamond_graph_runs_each_node_once():
    calls = []
    x = leaf([1.0])
    a = x * 2
    a.register_hook(lambda g: calls.append(g.numpy().copy()))
    b, c = a + 1, a * 3
    (b * c).sum().backward()
    assert len(calls) == 1
    # d/da (a + 1)(3a) = 6a + 3 = 15 at a = 2
    np.testing.assert_allclose(calls[0], [15.0])
    np.testing.assert_allclose(x.grad.numpy(), [30.0])


def test_million_op_chain_backward_has_no_recursion_error():
    x = tg.tensor(np.array(1.0), requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = -y
    y.backward()
    assert x.grad.item() == 1.0


def test_a_recorded_op_leaves_two_objects_for_the_cycle_collector():
    # The collector walks every tracked object of a live graph again and again while a deep
    # graph is recorded: a node and the tuple of its parents, nothing else (its output
    # Tensor is freed with the variable).
    x = leaf(np.ones(4))
    a = leaf(np.ones(4))
    gc.collect()  # untracks the tuples (saved values, shapes) that hold no tracked objects
    before = len(gc.get_objects())
    y = x
    for _ in range(1000):
        y = y * a + 1.0
    gc.collect()
    assert len(gc.get_objects()) - before <= 4000 + 10  # 2,000 ops, two objects each at most


def _collected(make) -> bool:
    """Whether the cycle collector frees the tensor ``make()`` returns once it is dropped."""
    ref = weakref.ref(make())
    gc.collect()
    return ref() is None


def test_reference_cycles_through_the_graph_are_collected():
    x = leaf(np.ones(3))

    def hook_holding_its_own_tensor():
        y = x * 2.0
        y.register_hook(lambda g: g * y.numpy())
        return y

    def leaf_hook_holding_a_tensor_below_it():
        w = leaf(np.ones(3))
        w.register_hook(lambda g: g + below.numpy())  # registered before `below` is recorded
        below = (w * 2.0 + 1.0).exp()
        return below

    def module_holding_its_output():
        class Keep(tg.nn.Module):
            def forward(self, v):
                self.last = v * 3.0
                return self.last

        return Keep()(x)

    for make in (hook_holding_its_own_tensor, leaf_hook_holding_a_tensor_below_it,
                 module_holding_its_output):
        assert _collected(make), make.__name__
    y = make()
    y.sum().backward()  # the graph still works while it is alive
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0, 3.0])


def test_nodes_hold_their_parents_and_compare_by_identity():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    first, second = (x * w).grad_fn, (x * w).grad_fn
    sinks = (tg.autograd.grad_accumulator(x), tg.autograd.grad_accumulator(w))
    assert first.parents == second.parents == sinks  # one sink per leaf while graphs use it
    assert first.needs_grad is first.parents and first.needs_input_grad == (True, True)
    assert first != second and first == first and len({first, second}) == 2
    assert first.next_functions == tuple((s, 0) for s in sinks)
    assert sinks[0].leaf is x  # the graph holds its leaves


def test_float32_is_preserved_with_python_scalars():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert x.dtype == np.float32
    y = (x * 2.5 + 1) / 3.0 - 0.5
    y = 2.0 ** y * x**2 + (1.0 - x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_float32_grad_of_a_float64_consumer_stays_float32():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor(np.array([0.5, 0.25]), requires_grad=True)  # float64
    (x * w).sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64


def test_requires_grad_propagates_only_from_inputs_that_require_it():
    a = tg.tensor([1.0])
    b = leaf([2.0])
    assert not (a * 2).requires_grad
    assert (a * b).requires_grad and (a * b).grad_fn is not None
    assert (a * b.detach()).grad_fn is None


def test_backward_on_a_tensor_without_graph_raises():
    with pytest.raises(RuntimeError, match="require"):
        tg.tensor([1.0]).sum().backward()


def test_backward_from_a_leaf_itself():
    x = leaf(3.0)
    x.backward()
    assert x.grad.item() == 1.0


def test_backward_through_detach_stops():
    x = leaf([1.0, 2.0])
    y = (x * x).detach() * x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 4.0])


def test_multiple_roots_with_tg_backward():
    x = leaf([1.0, 2.0])
    tg.backward([(x * 2).sum(), (x * x).sum()])
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 6.0])


def test_inplace_add_on_non_leaf_is_recorded():
    x = leaf([1.0, 2.0])
    y = x * 2
    y += x
    y *= 3
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [9.0, 9.0])


def test_setitem_on_non_leaf_routes_gradients():
    x = leaf([1.0, 2.0, 3.0])
    v = leaf(5.0)
    y = x * 1
    y[1] = v * 2
    (y * tg.tensor(np.array([1.0, 10.0, 100.0]))).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.0, 100.0])
    assert v.grad.item() == 20.0
