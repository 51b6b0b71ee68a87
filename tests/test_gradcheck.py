"""tg.gradcheck / tg.gradgradcheck: pass on correct ops, catch wrong ones with a message that
names the input, the element and both values."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tinygraph as tg


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


class WrongSquare(tg.Function):
    """x**2 whose backward is wrong at one element: 2x everywhere but 3x at index (1, 0)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x * tg.tensor(wrong_factor(x.shape))


def wrong_factor(shape):
    factor = np.full(shape, 2.0)
    factor[1, 0] = 3.0
    return factor


class WrongSecondDerivative(tg.Function):
    """x**3 with a correct first derivative (3x^2) written so that its own derivative is
    wrong: the backward treats x as a constant in one factor (3 * x.detach() * x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x.detach() * x * grad


class Scale(tg.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a * 1.01  # input 1 is slightly wrong


def test_gradcheck_passes_on_correct_ops():
    x, w = leaf(np.random.default_rng(0).random((3, 4))), leaf([[0.5], [-1.0], [2.0], [0.1]])
    assert tg.gradcheck(lambda a, b: (a @ b).tanh().sum(), [x, w]) is True
    assert tg.gradcheck(lambda t: t.softmax(axis=1).log(), x) is True
    assert tg.gradgradcheck(lambda a, b: (a @ b).sigmoid(), [x, w]) is True


def test_gradcheck_accepts_multiple_outputs_and_constant_inputs():
    x = leaf([1.0, 2.0])
    const = tg.tensor(np.array([3.0, 4.0]))
    assert tg.gradcheck(lambda a, c: (a * c, a.exp()), [x, const])


def test_gradcheck_catches_wrong_backward_and_names_input_element_and_values():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(WrongSquare.apply, x)
    message = str(info.value)
    assert "input 0" in message
    assert "(1, 0)" in message
    number = r"(?:np\.float64\()?(-?\d+\.?\d*(?:e[-+]?\d+)?)"
    analytic = float(re.search("analytic:? " + number, message).group(1))
    numerical = float(re.search("numerical:? " + number, message).group(1))
    # the upstream gradient is random: compare the ratio analytic / numerical = 3x / 2x
    assert analytic / numerical == pytest.approx(1.5, rel=1e-4)


def test_gradcheck_names_the_right_input_index():
    a, b = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    with pytest.raises(tg.GradcheckError, match="input 1"):
        tg.gradcheck(Scale.apply, [a, b])


def test_gradcheck_raise_exception_false_returns_false():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    assert tg.gradcheck(WrongSquare.apply, x, raise_exception=False) is False


def test_gradcheck_leaves_inputs_unchanged():
    values = np.array([0.3, -0.7, 1.1])
    x = leaf(values)
    tg.gradcheck(lambda t: (t**3).sum(), x)
    np.testing.assert_array_equal(x.numpy(), values)
    assert x.grad is None


def test_gradgradcheck_catches_a_wrong_second_derivative():
    x = leaf([0.5, -1.5, 2.0])
    assert tg.gradcheck(WrongSecondDerivative.apply, x)  # first order is right
    with pytest.raises(tg.GradcheckError):
        tg.gradgradcheck(WrongSecondDerivative.apply, x)
    assert tg.gradgradcheck(WrongSecondDerivative.apply, x, raise_exception=False) is False


def test_gradcheck_requires_float64_inputs():
    x = tg.tensor([1.0, 2.0], requires_grad=True)  # float32
    with pytest.raises(TypeError, match="float64"):
        tg.gradcheck(lambda t: t * t, x)


def test_gradcheck_without_inputs_requiring_grad_raises():
    with pytest.raises(ValueError, match="requires grad"):
        tg.gradcheck(lambda t: t * t, tg.tensor(np.array([1.0])))


def test_gradcheck_tolerances_are_honoured():
    x = leaf([1.0, 2.0])
    # Scale's 1% error on input 1 passes with rtol=2e-2 and fails with the default 1e-3
    assert tg.gradcheck(Scale.apply, [x, leaf([0.5, 0.5])], rtol=2e-2, atol=0)
    assert not tg.gradcheck(Scale.apply, [x, leaf([0.5, 0.5])], raise_exception=False)


def test_mismatch_message_prints_plain_floats_and_says_what_they_are():
    class Wrong(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    x = tg.tensor(np.array([0.5, 1.5]), requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(Wrong.apply, x)
    message = str(info.value)
    assert "np.float64" not in message
    assert "v . J" in message


# -- PyTorch's signature: fast_mode, keywords, where it lives --------------------------------


def test_gradcheck_is_tg_autograd_gradcheck_and_its_module_holds_gradcheckerror():
    from tinygraph.autograd.gradcheck import GradcheckError

    assert tg.autograd.gradcheck is tg.gradcheck
    assert tg.autograd.gradgradcheck is tg.gradgradcheck
    assert GradcheckError is tg.GradcheckError


def test_fast_mode_passes_correct_ops_and_catches_a_wrong_backward():
    x = leaf(np.random.default_rng(1).random((3, 4)))
    assert tg.gradcheck(lambda t: (t * t).tanh().sum(1), x, fast_mode=True)
    assert tg.gradgradcheck(lambda t: (t * t).tanh(), x, fast_mode=True)
    with pytest.raises(tg.GradcheckError, match=r"fast_mode.*input 0.*analytic.*numerical"):
        tg.gradcheck(WrongSquare.apply, leaf([[1.0, 2.0], [3.0, 4.0]]), fast_mode=True)
    with pytest.raises(tg.GradcheckError):
        tg.gradgradcheck(WrongSecondDerivative.apply, leaf([0.5, -1.5]), fast_mode=True)


def test_torch_keywords_are_accepted_and_forward_ad_is_refused():
    x = leaf([0.5, 1.5])
    assert tg.gradcheck(lambda t: t.exp(), x, nondet_tol=1e-10, check_undefined_grad=False,
                        check_batched_grad=True, check_grad_dtypes=True, masked=False)
    assert tg.gradgradcheck(lambda t: t.exp(), x, gen_non_contig_grad_outputs=True,
                            nondet_tol=0.0, check_batched_grad=False)
    # nothing to check: True, as PyTorch
    assert tg.gradcheck(WrongSquare.apply, leaf([[1.0, 2.0], [3.0, 4.0]]),
                        check_backward_ad=False)
    assert tg.gradgradcheck(WrongSecondDerivative.apply, x, check_rev_over_rev=False)
    with pytest.raises(NotImplementedError, match="forward-mode"):
        tg.gradcheck(lambda t: t.exp(), x, check_forward_ad=True)
    with pytest.raises(NotImplementedError, match="check_fwd_over_rev"):
        tg.gradgradcheck(lambda t: t.exp(), x, check_fwd_over_rev=True)


def test_check_grad_dtypes_catches_a_gradient_of_another_dtype():
    class Float32Grad(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return (g * 2).astype(np.float32)

    x = leaf([1.0, 2.0])
    assert tg.gradcheck(Float32Grad.apply, x, atol=1e-4)  # values are right
    with pytest.raises(tg.GradcheckError, match="float32"):
        tg.gradcheck(Float32Grad.apply, x, check_grad_dtypes=True)


def test_gradcheck_perturbs_a_non_contiguous_input_in_place_and_restores_it():
    array = np.arange(6.0).reshape(2, 3).T  # strided
    x = tg.tensor(array, requires_grad=True)
    x._data = array  # keep the strided view itself
    before = array.copy()
    assert tg.gradcheck(lambda t: (t * t).sum(1), x)
    assert tg.gradcheck(lambda t: (t * t).sum(1), x, fast_mode=True)
    np.testing.assert_array_equal(array, before)


def test_gradcheck_agrees_with_torch_on_right_and_wrong_gradients(torch):
    values = np.array([[0.3, -0.7], [1.1, 0.2]])
    for fast in (False, True):
        for fn in (WrongSquare, None):
            ours = tg.gradcheck(fn.apply if fn else (lambda t: (t * t).sum()),
                                leaf(values), raise_exception=False, fast_mode=fast)

            class TorchWrong(torch.autograd.Function):  # WrongSquare, run by PyTorch
                forward = staticmethod(WrongSquare.forward)

                @staticmethod
                def backward(ctx, grad):
                    (x,) = ctx.saved_tensors
                    return grad * x * torch.tensor(wrong_factor(x.shape))

            theirs = torch.autograd.gradcheck(
                TorchWrong.apply if fn else (lambda t: (t * t).sum()),
                torch.tensor(values, requires_grad=True), raise_exception=False,
                fast_mode=fast)
            assert ours == theirs == (fn is None)
