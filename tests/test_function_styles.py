"""tg.Function's other forms, each run on PyTorch too: setup_context (PyTorch 2's style),
ctx.mark_dirty (in-place Functions), keyword arguments, and the errors for a backward that
returns the wrong count, shape or type, naming the Function and the input."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg


def leaf(lib, values):
    return lib.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def functions(lib):
    """The same Function classes, written once, for either library."""

    class Scale(lib.autograd.Function):  # setup_context style: forward has no ctx
        @staticmethod
        def forward(x, y, scale=2.0):
            return x * y * scale

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, y, scale = inputs
            ctx.seen = (len(inputs), ctx.needs_input_grad)
            ctx.save_for_backward(x, y)
            ctx.scale = scale

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * y * ctx.scale, g * x * ctx.scale, None

    class Exp(lib.autograd.Function):  # saves its output from setup_context
        @staticmethod
        def forward(x):
            return x.exp()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(output)

        @staticmethod
        def backward(ctx, g):
            (result,) = ctx.saved_tensors
            return g * result

    class TimesThree(lib.autograd.Function):  # in place, marked dirty
        @staticmethod
        def forward(ctx, x):
            x *= 3
            ctx.mark_dirty(x)
            ctx.save_for_backward(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 3

    class Power(lib.autograd.Function):  # old style with a keyword argument
        @staticmethod
        def forward(ctx, x, exponent=2.0):
            ctx.save_for_backward(x)
            ctx.exponent = exponent
            return x ** exponent

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * ctx.exponent * x ** (ctx.exponent - 1), None

    return Scale, Exp, TimesThree, Power


def test_setup_context_style_matches_torch(torch):
    results = []
    for lib in (tg, torch):
        Scale, _, _, _ = functions(lib)
        x, y = leaf(lib, [1.0, 2.0]), leaf(lib, [3.0, 4.0])
        out = Scale.apply(x, y=y, scale=3.0)  # keywords are bound to forward's parameters
        assert out.grad_fn.seen == (3, (True, True, False))
        out.sum().backward()
        results.append((out.detach().numpy().copy(), x.grad.numpy().copy(),
                        y.grad.numpy().copy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_setup_context_saving_the_output_has_exact_second_derivatives(torch):
    results = []
    for lib in (tg, torch):
        _, Exp, _, _ = functions(lib)
        x = leaf(lib, [0.5, -1.0])
        (g,) = lib.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        results.append(h.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)
    assert tg.gradgradcheck(functions(tg)[1].apply, leaf(tg, [0.3, 1.2]))


def test_mark_dirty_returns_the_input_itself_in_the_graph_as_torch(torch):
    results = []
    for lib in (tg, torch):
        _, _, TimesThree, _ = functions(lib)
        a = leaf(lib, [1.0, 2.0])
        b = a * 1
        c = TimesThree.apply(b)
        assert c is b and b.grad_fn is not None
        (c * c).sum().backward()
        results.append((b.detach().numpy().copy(), a.grad.numpy().copy()))
    for x, y in zip(*results):
        np.testing.assert_allclose(x, y, rtol=1e-12)


def test_mark_dirty_refuses_a_leaf_and_older_nodes_that_saved_it_as_torch(torch):
    for lib in (tg, torch):
        _, _, TimesThree, _ = functions(lib)
        with pytest.raises(RuntimeError, match="(?i)leaf"):
            TimesThree.apply(leaf(lib, [1.0]))
        a = leaf(lib, [1.0, 2.0])
        b = a * 1
        d = b * b  # saved b's old values
        TimesThree.apply(b)
        with pytest.raises(RuntimeError, match="(?i)modified by an in-?place operation"):
            d.sum().backward()
        with lib.no_grad():  # outside recording a leaf may be changed
            x = leaf(lib, [1.0])
            TimesThree.apply(x)
            assert float(x.sum()) == 3.0


def test_a_dirty_input_that_is_not_returned_is_refused(torch):
    for lib in (tg, torch):
        class Forgets(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x *= 2
                ctx.mark_dirty(x)
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return g

        with pytest.raises(RuntimeError, match="(?i)dirty.*return"):
            Forgets.apply(leaf(lib, [1.0]) * 1)


def test_keyword_arguments_reach_forward_and_get_no_gradient(torch):
    for lib in (tg, torch):
        _, _, _, Power = functions(lib)
        x = leaf(lib, [2.0])
        Power.apply(x, exponent=3.0).sum().backward()
        assert float(x.grad.sum()) == 12.0


def wrong(lib, result):
    class Wrong(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return result(lib, g)

    return Wrong


@pytest.mark.parametrize("result, ours", [
    (lambda lib, g: (g, g), r"'Wrong' returned 2 gradients.*1 input"),
    (lambda lib, g: (), r"'Wrong' returned 0 gradients"),
    (lambda lib, g: lib.tensor(np.ones(3)), r"'Wrong' produced a gradient of shape \(3,\) for "
                                            r"its input 0, of shape \(2,\)"),
    (lambda lib, g: 2.0, r"'Wrong' returned a float as the gradient for its input 0"),
], ids=["too many", "too few", "shape", "type"])
def test_a_wrong_backward_is_refused_naming_the_function_and_input_as_torch(torch, result,
                                                                            ours):
    for lib in (tg, torch):
        x = leaf(lib, [1.0, 2.0])
        with pytest.raises((RuntimeError, TypeError), match=ours if lib is tg else ""):
            wrong(lib, result).apply(x).sum().backward()


def test_a_gradient_that_broadcasts_is_summed_to_the_input_as_torch(torch):
    for lib in (tg, torch):
        x = leaf(lib, [1.0, 2.0])
        wrong(lib, lambda lib, g: lib.tensor(np.ones((3, 2)))).apply(x).sum().backward()
        np.testing.assert_array_equal(np.asarray(x.grad.tolist()), [3.0, 3.0])


def ctx_trace(lib) -> list:
    """What a Function sees of mark_non_differentiable, set_materialize_grads and
    needs_input_grad, step by step."""
    seen = []

    class SortIndex(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            index = lib.tensor(np.argsort(x.detach().numpy()).astype(np.float64))
            ctx.mark_non_differentiable(index)
            return x * 2, index

        @staticmethod
        def backward(ctx, g, g_index):  # the index's gradient arrives as zeros
            seen.append(("index grad", g_index.tolist()))
            return g * 2

    class Lazy(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.set_materialize_grads(False)
            seen.append(("needs", tuple(ctx.needs_input_grad)))
            return x * k, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            seen.append(("missing", ga is None, gb is None))
            return (gb * 3 if ga is None else ga * 2), None

    x = leaf(lib, [3.0, 1.0, 2.0])
    values, index = SortIndex.apply(x)
    seen.append(("requires grad", values.requires_grad, index.requires_grad))
    values.sum().backward()
    Lazy.apply(x, 2.0)[1].sum().backward()
    seen.append(("grad", x.grad.tolist()))
    return seen


def test_the_ctx_flags_behave_as_torch(torch):
    assert ctx_trace(tg) == ctx_trace(torch) == [
        ("requires grad", True, False), ("index grad", [0.0, 0.0, 0.0]),
        ("needs", (True, False)), ("missing", True, False), ("grad", [5.0, 5.0, 5.0])]
