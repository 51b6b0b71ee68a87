"""Autograd against PyTorch 2.13, from an audit of SPEC.md's "Autograd" section: each test runs
the same code on tinygraph and on torch and compares values, gradients, warnings and error
types. Covers what the audit found different, and the corner cases users hit most."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import tinygraph as tg


def f64(lib, values, requires_grad=True):
    return lib.tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


def value(t):
    return None if t is None else np.asarray(t.detach().numpy())


def both(torch, fn):
    """fn(lib) on tinygraph and on torch; the two results."""
    return fn(tg), fn(torch)


# -- backward twice ---------------------------------------------------------------------------

GRAPHS_THAT_SAVE_NOTHING = {
    "add": lambda lib, x: (x + 1).sum(),
    "neg_sub": lambda lib, x: (x - (-x)).sum(),
    "mean": lambda lib, x: x.mean(),
    "reshape_transpose": lambda lib, x: x.reshape(1, 2).t().sum(),
    "expand": lambda lib, x: x.expand(3, 2).sum(),
    "index": lambda lib, x: x[0],
    "cat": lambda lib, x: lib.cat([x, x]).sum(),
}


@pytest.mark.parametrize("name", GRAPHS_THAT_SAVE_NOTHING)
def test_backward_twice_through_a_graph_that_saved_nothing_accumulates_as_torch(torch, name):
    def run(lib):
        x = f64(lib, [1.0, 2.0])
        y = GRAPHS_THAT_SAVE_NOTHING[name](lib, x)
        y.backward()
        y.backward()  # no saved values were freed: PyTorch runs it again
        return value(x.grad)

    ours, theirs = both(torch, run)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize("make", [lambda x: x.exp().sum(), lambda x: (x * x).sum(),
                                  lambda x: (x * 2).sum(), lambda x: (x ** 2).sum()])
def test_backward_twice_through_saved_values_says_retain_graph_as_torch(torch, make):
    for lib in (tg, torch):
        x = f64(lib, [1.0, 2.0])
        y = make(x)
        y.backward()
        with pytest.raises(RuntimeError, match="retain_graph=True"):
            y.backward()


def test_backward_twice_through_a_shared_subgraph_with_retain_graph_as_torch(torch):
    def run(lib):
        x = f64(lib, [1.0, 2.0])
        h = x.exp()
        a, b = (h * 2).sum(), (h * h).sum()
        a.backward(retain_graph=True)
        b.backward()
        return value(x.grad)

    ours, theirs = both(torch, run)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_gradient_of_x_times_x_sums_both_uses_as_torch(torch):
    def run(lib):
        x = f64(lib, [3.0, -1.5])
        (x * x).sum().backward()
        return value(x.grad)

    ours, theirs = both(torch, run)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    np.testing.assert_allclose(ours, [6.0, -3.0], rtol=1e-6)


def test_in_place_change_of_a_saved_tensor_raises_with_torchs_words(torch):
    for lib in (tg, torch):
        x = f64(lib, [1.0, 2.0])
        y = x.exp()  # exp saves its output
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_results_under_no_grad_do_not_require_grad_as_torch(torch):
    ours, theirs = both(torch, lambda lib: _no_grad_flags(lib, f64(lib, [1.0])))
    assert ours == theirs == (False, True, True, False)


def _no_grad_flags(lib, x):
    with lib.no_grad() as entered:
        y = x * 2
    return y.requires_grad, y.grad_fn is None, y.is_leaf, entered is not None


# -- .grad of a non-leaf, retains_grad, detach_, hook handles ------------------------------------


def test_reading_grad_of_a_non_leaf_warns_and_gives_none_as_torch(torch):
    for lib in (tg, torch):
        x = f64(lib, [1.0, 2.0])
        y = x * 2
        y.sum().backward()
        with pytest.warns(UserWarning, match="not a leaf Tensor"):
            assert y.grad is None
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # leaves and retained non-leaves do not warn
            assert x.grad is not None and lib.tensor([1.0]).grad is None
            z = x * 3
            z.retain_grad()
            assert z.grad is None


def test_retains_grad_as_torch(torch):
    def run(lib):
        x = f64(lib, [1.0, 2.0])
        y = x * 2
        before = y.retains_grad
        y.retain_grad()
        y.retain_grad()  # twice is once
        (y * y).sum().backward()
        return before, y.retains_grad, x.retains_grad, value(y.grad)

    ours, theirs = both(torch, run)
    assert ours[:3] == theirs[:3] == (False, True, False)
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-6)


def test_detach_in_place_makes_a_leaf_that_does_not_require_grad_as_torch(torch):
    def run(lib):
        x = f64(lib, [1.0, 2.0])
        y = x * 2
        out = y.detach_()
        x.detach_()
        return out is y, y.requires_grad, y.is_leaf, y.grad_fn is None, x.requires_grad

    ours, theirs = both(torch, run)
    assert ours == theirs == (True, False, True, True, False)


def test_detach_in_place_of_a_view_raises_as_torch(torch):
    for lib in (tg, torch):
        view = (f64(lib, [1.0, 2.0, 3.0]) * 2)[0:2]
        with pytest.raises(RuntimeError, match="detach"):
            view.detach_()


def test_a_hook_handle_removes_the_hook_when_its_with_block_ends_as_torch(torch):
    def run(lib):
        x = f64(lib, [1.0, 2.0])
        with x.register_hook(lambda g: g * 10):
            (x * x).sum().backward()
        (x * x).sum().backward()
        return value(x.grad)

    ours, theirs = both(torch, run)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    np.testing.assert_allclose(ours, [22.0, 44.0], rtol=1e-6)


# -- requires_grad on ints, Variable ----------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda lib: lib.tensor([1, 2], requires_grad=True),
    lambda lib: lib.tensor([1, 2]).requires_grad_(),
    lambda lib: lib.zeros(2, dtype=lib.int32, requires_grad=True),
    lambda lib: lib.autograd.functional.jacobian(lambda a: a * 2, lib.tensor([1, 2])),
], ids=["tensor", "requires_grad_", "zeros", "jacobian"])
def test_requires_grad_on_an_int_tensor_raises_runtime_error_as_torch(torch, make):
    for lib in (tg, torch):
        with pytest.raises(RuntimeError, match="(?i)floating point"):
            make(lib)


def test_legacy_variable_makes_a_leaf_sharing_the_values_as_torch(torch):
    def run(lib):
        from_autograd = lib.autograd.Variable
        data = lib.tensor([1.0, 2.0])
        v = from_autograd(data, requires_grad=True)
        (v * v).sum().backward()
        plain = from_autograd(v * 2)
        return (isinstance(data, from_autograd), v is data, v.is_leaf, plain.requires_grad,
                plain.grad_fn is None, value(v.grad))

    ours, theirs = both(torch, run)
    assert ours[:5] == theirs[:5] == (True, False, True, False, True)
    np.testing.assert_allclose(ours[5], theirs[5], rtol=1e-6)
    assert tg.autograd.grad_mode.no_grad is tg.no_grad


# -- Function.apply keyword arguments, save_for_backward ----------------------------------------


def scaled_product(lib):
    class ScaledProduct(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, k=2.0):
            ctx.save_for_backward(x, w)
            ctx.k = k
            ctx.seen = ctx.needs_input_grad
            return x * w * k

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return g * w * ctx.k, g * x * ctx.k, None

    return ScaledProduct


@pytest.mark.parametrize("call", [
    lambda F, x, w: F.apply(x, w), lambda F, x, w: F.apply(x, w=w),
    lambda F, x, w: F.apply(x=x, w=w), lambda F, x, w: F.apply(w=w, x=x),
    lambda F, x, w: F.apply(x, w, k=3.0), lambda F, x, w: F.apply(x, w, 3.0),
], ids=["positional", "w=", "x=,w=", "w=,x=", "k=", "k positional"])
def test_function_apply_binds_keyword_arguments_to_forward_as_torch(torch, call):
    def run(lib):
        x, w = f64(lib, [1.0, 2.0]), f64(lib, [3.0, 4.0])
        y = call(scaled_product(lib), x, w)
        y.sum().backward()
        return value(y), value(x.grad), value(w.grad), y.grad_fn.seen

    ours, theirs = both(torch, run)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert ours[3] == theirs[3]


def test_save_for_backward_refuses_a_non_tensor_as_torch(torch):
    for lib in (tg, torch):
        class Keep(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, None, 3)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        with pytest.raises(TypeError, match="save_for_backward can only save"):
            Keep.apply(f64(lib, [1.0]))


def test_a_function_that_saved_nothing_runs_backward_twice_as_torch(torch):
    def run(lib):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.k = 2.0
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * ctx.k

        x = f64(lib, [1.0, 2.0])
        y = Double.apply(x).sum()
        y.backward()
        y.backward()
        return value(x.grad)

    ours, theirs = both(torch, run)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_calling_a_function_instance_raises_runtime_error_as_torch(torch):
    for lib in (tg, torch):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns at Double()
            instance = Double()
        with pytest.raises(RuntimeError, match="(?i)legacy autograd function"):
            instance(f64(lib, [1.0]))


def test_grad_fn_names_are_torchs(torch):
    def run(lib):
        x = f64(lib, [1.0, 2.0])
        y = x * 2
        two = scaled_product(lib).apply(x, y)
        return (y.grad_fn.name(), (y * y).sum().grad_fn.name(), two.grad_fn.name(),
                y.grad_fn.next_functions[0][0].name())

    ours, theirs = both(torch, run)
    assert ours == theirs


# -- context managers return None, errors carry torch's words -------------------------------------


def test_grad_mode_context_managers_give_none_to_as_as_torch(torch):
    def run(lib):
        entered = []
        for make in (lib.no_grad, lib.enable_grad, lambda: lib.set_grad_enabled(True),
                     lib.inference_mode, lambda: lib.autograd.set_detect_anomaly(False)):
            with make() as it:
                entered.append(it)
        return entered

    ours, theirs = both(torch, run)
    assert ours == theirs == [None] * 5


MISTAKES = {
    "backward of a non-scalar": lambda lib: (f64(lib, [1.0, 2.0]) * 2).backward(),
    "grad of a non-scalar": lambda lib: lib.autograd.grad(f64(lib, [1.0, 2.0]) * 2,
                                                          f64(lib, [1.0])),
    "unused input": lambda lib: lib.autograd.grad((f64(lib, [1.0]) * 2).sum(), f64(lib, [1.0])),
    "input without grad": lambda lib: lib.autograd.grad((f64(lib, [1.0]) * 2).sum(),
                                                        f64(lib, [1.0], False)),
    "in-place on a leaf": lambda lib: f64(lib, [1.0]).add_(1),
    "retain_grad without grad": lambda lib: f64(lib, [1.0], False).retain_grad(),
    "hook without grad": lambda lib: f64(lib, [1.0], False).register_hook(print),
    "requires_grad_(False) of a non-leaf": lambda lib: (f64(lib, [1.0]) * 2).requires_grad_(False),
}
TORCH_PHRASES = {
    "backward of a non-scalar": "grad can be implicitly created only for scalar outputs",
    "grad of a non-scalar": "grad can be implicitly created only for scalar outputs",
    "unused input": "appears to not have been used in the graph",
    "input without grad": "does not require grad",
    "in-place on a leaf": "a leaf Variable that requires grad is being used in an in-place",
    "retain_grad without grad": "can't retain_grad on Tensor that has requires_grad=False",
    "hook without grad": "cannot register a hook on a tensor that doesn't require gradient",
    "requires_grad_(False) of a non-leaf": "only change requires_grad flags of leaf variables",
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_autograd_errors_are_runtime_errors_with_torchs_words(torch, mistake):
    for lib in (tg, torch):
        with pytest.raises(RuntimeError, match=re.escape(TORCH_PHRASES[mistake])):
            MISTAKES[mistake](lib)


def test_detect_anomaly_names_the_function_that_returned_nan_as_torch(torch):
    for lib in (tg, torch):
        class Broken(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return g * float("nan")

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns that anomaly mode is slow
            with lib.autograd.detect_anomaly():
                y = Broken.apply(f64(lib, [0.0, 1.0])).sum()
                with pytest.raises(RuntimeError,
                                   match="Function 'BrokenBackward' returned nan values in its "
                                         "0th output"):
                    y.backward()
