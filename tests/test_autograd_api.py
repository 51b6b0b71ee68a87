"""tg.autograd.grad and backward as torch.autograd's: allow_unused and materialize_grads, dict
inputs, batched grad_outputs, backward(inputs=...) into chosen tensors only, and the errors
PyTorch raises."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg


def graph(lib):
    """x, w leaves; h = x * w; y = sum(h * h) + sum(w * 3)."""
    x = lib.tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = lib.tensor(np.array([3.0, -4.0]), requires_grad=True)
    h = x * w
    y = (h * h).sum() + (w * 3).sum()
    return x, w, h, y


def value(t):
    return None if t is None else np.asarray(t.detach().numpy())


def test_materialize_grads_gives_zeros_for_unused_inputs_as_torch(torch):
    for create_graph in (False, True):
        results = []
        for lib in (tg, torch):
            x, w, _, y = graph(lib)
            unused = lib.tensor(np.array([5.0]), requires_grad=True)
            got = lib.autograd.grad(y, (x, unused), materialize_grads=True,
                                    create_graph=create_graph)
            results.append([(value(g), g.requires_grad) for g in got])
        for (a, ra), (b, rb) in zip(*results):
            np.testing.assert_allclose(a, b, rtol=1e-12)
            assert ra == rb


def test_allow_unused_gives_none_and_its_default_follows_materialize_grads(torch):
    for lib in (tg, torch):
        x, _, _, y = graph(lib)
        unused = lib.tensor(np.array([5.0]), requires_grad=True)
        g, none = lib.autograd.grad(y, (x, unused), allow_unused=True, retain_graph=True)
        assert none is None
        with pytest.raises(RuntimeError):
            lib.autograd.grad(y, (x, unused), retain_graph=True)
        with pytest.raises(ValueError, match="allow_unused"):
            lib.autograd.grad(y, (x, unused), allow_unused=False, materialize_grads=True)


def test_dict_inputs_give_a_dict_of_gradients_as_torch_2_13(torch):
    for lib in (tg, torch):
        x, w, _, y = graph(lib)
        grads = lib.autograd.grad(y, {"x": x, "w": w})
        assert list(grads) == ["x", "w"]
        np.testing.assert_allclose(value(grads["x"]), [18.0, 64.0])  # 2 h w


def test_batched_grad_outputs_stack_one_vector_jacobian_product_each(torch):
    results = []
    for lib in (tg, torch):
        x = lib.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
        z = x * x
        s = (x * 3).sum()
        eye = lib.tensor(np.eye(3))
        (jac,) = lib.autograd.grad([z, s], x, [eye, lib.tensor(np.ones(3))],
                                   is_grads_batched=True)
        results.append(value(jac))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)
    np.testing.assert_allclose(results[0], np.diag([2.0, 4.0, 6.0]) + 3.0)


def test_grad_errors_match_torch(torch):
    for lib in (tg, torch):
        x, _, _, y = graph(lib)
        with pytest.raises(RuntimeError, match="empty"):
            lib.autograd.grad(y, [])
        z = x * 2
        with pytest.raises(RuntimeError, match="(?i)shape"):
            lib.autograd.grad(z, x, lib.tensor(np.ones(3)), retain_graph=True)
        with pytest.raises(RuntimeError, match=r"(?i)2 \w+ (and|but) 1"):
            lib.autograd.grad([y, z], x, [None], retain_graph=True)
        with pytest.raises(RuntimeError):
            lib.autograd.grad(lib.tensor(np.array(1.0)), x)


def test_extra_grad_outputs_are_ignored_and_only_inputs_accepted_as_torch(torch):
    for lib in (tg, torch):
        x, _, _, y = graph(lib)
        (g,) = lib.autograd.grad([y], [x], [None, None], retain_graph=True)
        np.testing.assert_allclose(value(g), [18.0, 64.0])
        with pytest.warns(FutureWarning) if lib is torch else _nothing():
            (g,) = lib.autograd.grad(y, x, only_inputs=False)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# -- backward(inputs=...) ------------------------------------------------------------------


@pytest.mark.parametrize("how", ["method", "function", "dict"])
def test_backward_inputs_accumulates_into_those_tensors_only_as_torch(torch, how):
    grads = []
    for lib in (tg, torch):
        x, w, h, y = graph(lib)
        if how == "method":
            y.backward(inputs=[x], retain_graph=True)
            y.backward(inputs=x)
        elif how == "function":
            lib.autograd.backward([y], inputs=(x,), retain_graph=True)
            lib.autograd.backward(y, inputs=[x])
        else:
            lib.autograd.backward(y, inputs={"x": x}, retain_graph=True)
            lib.autograd.backward(y, inputs={"x": x})
        assert w.grad is None
        grads.append(value(x.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
    np.testing.assert_allclose(grads[0], [36.0, 128.0])  # accumulated twice


def test_backward_inputs_gives_a_non_leaf_its_grad_as_torch(torch):
    results = []
    for lib in (tg, torch):
        x, w, h, y = graph(lib)
        y.backward(inputs=[h, w])
        assert x.grad is None
        results.append((value(h.grad), value(w.grad)))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_backward_inputs_unreachable_stays_none_and_errors_as_torch(torch):
    for lib in (tg, torch):
        x, w, h, y = graph(lib)
        far = lib.tensor(np.array([1.0]), requires_grad=True)
        y.backward(inputs=[far], retain_graph=True)
        assert far.grad is None
        with pytest.raises(RuntimeError, match="empty"):
            y.backward(inputs=[], retain_graph=True)
        with pytest.raises(RuntimeError):
            y.backward(inputs=[lib.tensor(np.array([1.0]))], retain_graph=True)


def test_backward_inputs_with_create_graph_gives_differentiable_grads(torch):
    x, w, h, y = graph(tg)
    y.backward(inputs=[x], create_graph=True)
    assert x.grad.requires_grad and w.grad is None
    (ours,) = tg.autograd.grad(x.grad.sum(), w)
    # torch's backward(create_graph=True) warns once per process (another test counts on that
    # warning), so the reference takes the same gradient with grad()
    tx, tw, _, ty = graph(torch)
    (gx,) = torch.autograd.grad(ty, tx, create_graph=True)
    (theirs,) = torch.autograd.grad(gx.sum(), tw)
    np.testing.assert_allclose(ours.numpy(), value(theirs), rtol=1e-12)


def test_backward_inputs_counts_a_tensor_given_twice_once(torch):
    for lib in (tg, torch):
        x, _, _, y = graph(lib)
        y.backward(inputs=[x, x])
        np.testing.assert_allclose(value(x.grad), [18.0, 64.0])


def test_backward_of_several_tensors_with_grad_tensors_as_torch(torch):
    results = []
    for lib in (tg, torch):
        x, w, h, y = graph(lib)
        lib.autograd.backward([h, y], grad_tensors=[lib.tensor(np.array([1.0, -1.0])), None])
        results.append((value(x.grad), value(w.grad)))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_backward_accepts_the_old_grad_variables_name():
    x, w, h, _ = graph(tg)
    tg.autograd.backward(h, grad_variables=tg.tensor(np.ones(2)))
    np.testing.assert_allclose(x.grad.numpy(), w.numpy())
    with pytest.raises(RuntimeError, match="grad_tensors only"):
        tg.autograd.backward(h, tg.ones(2), grad_variables=tg.ones(2))


# -- only the branches that lead to the inputs run, as PyTorch ------------------------------


def hooks_that_run(lib) -> list:
    seen = []
    x, w = graph(lib)[:2]
    for name, t in [("x", x), ("w", w)]:
        t.register_hook(lambda g, name=name: seen.append(name))
    h = x * 3
    h.register_hook(lambda g: seen.append("h"))
    u = w * 5
    u.register_hook(lambda g: seen.append("u"))
    z = (h + u).sum()
    lib.autograd.grad(z, x, retain_graph=True)
    z.backward(inputs=[w])
    return seen


def test_grad_and_backward_inputs_run_hooks_only_on_the_way_to_the_inputs(torch):
    assert hooks_that_run(tg) == hooks_that_run(torch) == ["h", "x", "u", "w"]


def test_a_freed_branch_that_does_not_lead_to_the_inputs_is_not_run(torch):
    for lib in (tg, torch):
        x, w = graph(lib)[:2]
        u = (w * w).sum()
        z = (x * x).sum() + u
        u.backward(retain_graph=False)  # frees w's branch
        (g,) = lib.autograd.grad(z, x)  # never goes there
        np.testing.assert_allclose(value(g), [2.0, 4.0])


def test_grad_with_respect_to_an_intermediate_does_not_run_the_nodes_below_it():
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x.exp()
    y = (h * 2).sum()
    (g,) = tg.grad(y, h)
    assert h.grad_fn.saved is not None  # exp's backward did not run, so nothing was freed
    np.testing.assert_array_equal(g.numpy(), [2.0, 2.0])


def test_inputs_and_grad_outputs_may_be_generators_as_torch(torch):
    for lib in (tg, torch):
        x, w, _, y = graph(lib)
        gx, gw = lib.autograd.grad(y, (t for t in (x, w)), (g for g in [None]),
                                   retain_graph=True)
        np.testing.assert_allclose(value(gw), [9.0, -29.0])  # 2 h x + 3
        y.backward(inputs=(t for t in [w]))
        assert x.grad is None
    x = graph(tg)[0]
    z = x * 2
    (g,) = tg.grad(z, x, grad_outputs=np.array([1.0, -1.0]))  # an array: one gradient
    np.testing.assert_allclose(g.numpy(), [2.0, -2.0])
    with pytest.raises(TypeError, match="grad_outputs must be a Tensor"):
        tg.grad(z.sum(), x, grad_outputs=1.0)
    with pytest.raises(TypeError, match=r"inputs\[0\] is a torch.Tensor"):
        tg.grad(z.sum(), torch.ones(1))


def test_grad_of_summed_zero_dim_gradients_is_array_backed():
    # two uses of a 0-d input: NumPy sums their 0-d gradients into a scalar
    u = tg.tensor(2.0, requires_grad=True)
    (g,) = tg.autograd.grad(u * 3 + u * 4, u)
    assert isinstance(g.numpy(), np.ndarray) and g.numpy().shape == ()
    assert g.item() == 7.0
    g.add_(1.0)  # an array, so it can change in place
    assert g.item() == 8.0
