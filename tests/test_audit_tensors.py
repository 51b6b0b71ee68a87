"""Tensors against PyTorch 2.13 (SPEC "Tensors"): the same code run on torch and on tinygraph
gives the same values, dtypes, shapes, gradients, error types and printing."""

from __future__ import annotations

import numpy as np
import pytest
from twins import raises_as_torch, run_code, same_as_torch

import tinygraph as tg

# -- integer powers and bitwise operators -----------------------------------------------------


@pytest.mark.parametrize("code", [
    "r = torch.tensor([0, 1, -1, 2, -2, -1]) ** torch.tensor([-1, -1, -1, -1, -1, -2])",
    "r = torch.tensor([0, 1, -1, 2], dtype=torch.int32) ** torch.tensor([-1, -3, -3, 2])",
    "r = 2 ** torch.tensor([-1, 0, 3])",
    "r = torch.tensor(2) ** torch.tensor(-1)",
    "r = torch.tensor([2, 3]) ** 2",
])
def test_integer_pow_with_negative_tensor_exponents_truncates_as_torch(torch, code):
    same_as_torch(torch, code)


@pytest.mark.parametrize("code", [
    "r = torch.tensor([2, 3]) ** -1",
    "r = torch.tensor(2) ** -2",
])
def test_integer_pow_with_a_negative_python_exponent_raises_runtime_error(torch, code):
    raises_as_torch(torch, code)
    with pytest.raises(ValueError, match="pow"):  # also NumPy's type, naming the op
        run_code(tg, code)


@pytest.mark.parametrize("code", [
    "r = torch.tensor([1, 2]) & torch.tensor([3, 1])",
    "r = torch.tensor([1, 2]) | torch.tensor([3, 1])",
    "r = torch.tensor([1, 2]) ^ torch.tensor([3, 1])",
    "r = ~torch.tensor([1, 2])",
    "r = ~torch.tensor([True, False])",
    "r = torch.tensor([6]) & 3",
    "r = 3 & torch.tensor([6])",
    "r = torch.tensor([True, False]) | torch.tensor([1, 0])",
    "r = torch.tensor([True, False]) & True",
    "r = torch.tensor([1, 2], dtype=torch.int32) ^ torch.tensor(3, dtype=torch.int64)",
    "r = torch.bitwise_and(torch.tensor([6]), torch.tensor([3]))",
    "r = torch.bitwise_not(torch.tensor([6], dtype=torch.uint8))",
    "r = torch.tensor([6]).bitwise_or(1)",
    "r = torch.logical_and(torch.tensor([1, 0]), torch.tensor([1, 1]))",
    "r = torch.logical_or(torch.tensor([1., 0]), torch.tensor([0., 0]))",
    "r = torch.logical_xor(torch.tensor([True, False]), torch.tensor([True, True]))",
    "r = torch.tensor([1., 0]).logical_not()",
])
def test_bitwise_operators_are_bitwise_on_integers_as_torch(torch, code):
    same_as_torch(torch, code)


@pytest.mark.parametrize("code", [
    "r = ~torch.tensor([1.0])",
    "r = torch.tensor([1.0]) & torch.tensor([1.0])",
    "r = torch.tensor([1.0]) | 1",
])
def test_bitwise_operators_refuse_floats(torch, code):
    with pytest.raises((TypeError, RuntimeError, NotImplementedError)):
        run_code(torch, code)
    with pytest.raises(TypeError, match="integer or bool"):
        run_code(tg, code)


def test_comparisons_of_0d_tensors_hold_arrays_numpy_can_read(torch):
    x = tg.tensor(3.0)
    for result in (x >= 3, x == 3, ~(x > 2), (x > 2) & (x < 4)):
        assert isinstance(result.numpy(), np.ndarray)
        assert np.asarray(result).dtype == np.bool_
    assert bool(np.asarray(tg.tensor(3.0) > 2)) is bool(np.asarray(torch.tensor(3.0) > 2))


def test_comparing_with_none_or_a_string_is_false_as_torch(torch):
    for lib in (torch, tg):
        x = lib.tensor([1.0])
        assert (x == None) is False  # noqa: E711 - the operator is what is tested
        assert (x != None) is True  # noqa: E711
        assert (x == "a") is False


# -- indexing ------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [
    "0, :, [1, 2]", "None, 0, ..., [1, 2]", "torch.tensor(0), :, [1, 2]", "[0, 1], :, 0",
    "0, :, torch.tensor([[1, 2]])", "0, :, [True, False, True, False]", ":, 0, None, [1, 2]",
    "0, None, :, [1, 2]", "1:, 1, [0, 2]", "..., 0, [1]", "[1], 1:, 2", "[]",
])
def test_integers_apply_before_index_arrays_as_torch(torch, index):
    same_as_torch(torch, f"x = torch.arange(24.).reshape(2, 3, 4)\nr = x[{index}]")


def test_integer_and_array_index_scatters_gradients_back_as_torch(torch):
    code = ("w = torch.arange(24.).reshape(2, 3, 4).requires_grad_()\n"
            "(w[1, :, [0, 0, 3]] * torch.arange(9.).reshape(3, 3)).sum().backward()\n"
            "r = w.grad")
    same_as_torch(torch, code)


def test_setitem_with_integers_and_arrays_apart_as_torch(torch):
    code = ("w = torch.arange(24.).reshape(2, 3, 4).requires_grad_()\n"
            "v = torch.ones(3, 2, requires_grad=True)\n"
            "y = w * 1\n"
            "y[1, :, [0, 3]] = v * 2\n"
            "(y * torch.arange(24.).reshape(2, 3, 4)).sum().backward()\n"
            "r = torch.cat([y.flatten(), w.grad.flatten(), v.grad.flatten()])")
    same_as_torch(torch, code)


def test_assigning_a_product_with_a_number_back_into_its_source_keeps_the_gradient(torch):
    # Mul of y[1:] and 3 needs only the 3: changing y afterwards must not void the backward
    for code in ("x = torch.ones(3, requires_grad=True);; y = x * 2;; y[1:] = y[1:] * 3;; "
                 "y.sum().backward();; r = x.grad",
                 "x = torch.ones(3, requires_grad=True);; y = x * 2;; y[1:] = y[1:] / 4;; "
                 "y.sum().backward();; r = x.grad",
                 "x = torch.ones(3, requires_grad=True);; y = x * 2;; y[:2] = 3 * y[:2];; "
                 "y.sum().backward();; r = x.grad"):
        same_as_torch(torch, code.replace(";; ", "\n"))


# -- error types ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", [
    "r = torch.tensor([1, 2], requires_grad=True)",
    "r = torch.zeros(2, dtype=torch.int64, requires_grad=True)",
    "r = torch.arange(3, requires_grad=True)",
    "x = torch.tensor([1, 2]);; x.requires_grad_()",
    "x = torch.tensor([1., 2.], requires_grad=True);; x.data = torch.tensor([5, 6])",
    "r = torch.zeros(-1, 3)",
    "r = torch.ones(2, -3)",
    "r = torch.full((-1,), 2.)",
    "r = torch.eye(-1)",
    "r = torch.randperm(-1)",
    "r = torch.linspace(0, 1, -1)",
    "r = torch.arange(1, 0)",
    "r = torch.arange(0, 5, 0)",
    "r = torch.randint(5, 3, (2,))",
    "r = torch.normal(torch.zeros(2), -1.0)",
    "r = torch.tensor([1, 2]) // 0",
    "r = torch.tensor([1, 2]) % 0",
    "r = torch.tensor([True, False]) - torch.tensor([True, True])",
    "r = -torch.tensor([True, False])",
])
def test_errors_are_instances_of_torchs_types(torch, code):
    raises_as_torch(torch, code.replace(";; ", "\n"))


def test_dtype_refusals_stay_type_errors_and_sizes_value_errors():
    with pytest.raises(TypeError, match="floating point"):
        tg.tensor([1, 2], requires_grad=True)
    with pytest.raises(ValueError, match="non-negative"):
        tg.zeros(-1)
    with pytest.raises(ZeroDivisionError, match="floor_divide"):
        tg.tensor([1]) // 0


@pytest.mark.parametrize("method", ["uniform_", "normal_"])
def test_random_fills_refuse_integer_tensors(torch, method):
    with pytest.raises(RuntimeError):  # NotImplementedError in torch
        getattr(torch.tensor([1, 2]), method)()
    with pytest.raises(TypeError, match=method):
        getattr(tg.tensor([1, 2]), method)()


# -- creation, conversions -----------------------------------------------------------------


@pytest.mark.parametrize("code", [
    "r = torch.zeros(torch.tensor(2))",
    "r = torch.ones(np.int64(2), torch.tensor(3))",
    "r = torch.tensor([[1.5, -2.]]).short()",
    "r = torch.tensor([[1.5, -2.]]).char()",
    "r = torch.tensor([[1.5, 2.]]).byte()",
])
def test_creation_and_conversions_as_torch(torch, code):
    same_as_torch(torch, code)


def test_is_contiguous_as_torch(torch):
    for lib in (torch, tg):
        x = lib.arange(6.0).reshape(2, 3)
        assert x.is_contiguous() and not x.t().is_contiguous()
        assert x.t().contiguous().is_contiguous()


# -- printing ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [
    "torch.tensor([1., 2.], requires_grad=True) * 2",
    "torch.tensor([1., 2.], requires_grad=True) + 2",
    "torch.tensor([1., 2.], requires_grad=True).sum()",
    "torch.tensor([[1., 2.]], requires_grad=True).sum(0)",
    "torch.tensor([1., 2.], requires_grad=True).mean()",
    "torch.tensor([1., 2.], requires_grad=True).exp()",
    "torch.tensor([1., 2.], requires_grad=True) ** 2",
    "torch.tensor([1., 2.], requires_grad=True) ** torch.tensor([1., 2.])",
    "2 ** torch.tensor([1., 2.], requires_grad=True)",
    "torch.tensor([[1., 2.]], requires_grad=True) @ torch.tensor([[1.], [2.]])",
    "torch.tensor([1., 2.], requires_grad=True) @ torch.tensor([1., 2.])",
    "torch.tensor([1., 2.], requires_grad=True)[0]",
    "torch.tensor([1., 2.], requires_grad=True)[1:]",
    "torch.tensor([1., 2.], requires_grad=True)[[0, 0]]",
    "torch.tensor([1., 2.], requires_grad=True).reshape(2, 1)",
    "torch.tensor([1., 2.], requires_grad=True).double()",
    "torch.tensor([1., 2.], requires_grad=True).clamp(0, 1)",
    "torch.tensor([1., 2.], requires_grad=True).relu()",
    "torch.tensor([1., 2.], requires_grad=True).max()",
    "torch.cat([torch.tensor([1., 2.], requires_grad=True)] * 2)",
    "torch.zeros(0, dtype=torch.int64)",
    "torch.zeros(2, 0, dtype=torch.bool)",
    "torch.tensor([float('nan'), float('inf'), -float('inf'), 1.])",
    "torch.tensor([1.5, float('nan')])",
    "torch.tensor([-1.5, float('nan')])",
    "torch.tensor([1e-5, float('inf')])",
    "torch.tensor([1., 2000.])",
    "torch.tensor([0., 1000.])",
    "torch.tensor([3., 5000.5])",
])
def test_repr_as_torch(torch, code):
    expected = repr(eval(code, {"torch": torch})).replace("torch.", "")
    got = repr(eval(code, {"torch": tg})).replace("tg.", "")
    assert got == expected


def test_grad_fn_name_is_torchs_and_a_functions_is_its_class_name(torch):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert (x * 2).grad_fn.name() == "MulBackward0"
    assert (x * 2).grad_fn.op_name() == "mul"  # the short label pictures use

    class Twice(tg.Function):
        @staticmethod
        def forward(ctx, v):
            return v * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class TorchTwice(torch.autograd.Function):
        forward, backward = Twice.forward, Twice.backward

    y = Twice.apply(x)
    assert y.grad_fn.name() == "TwiceBackward"
    t = TorchTwice.apply(torch.tensor([1.0, 2.0], requires_grad=True))
    assert t.grad_fn.name() == "TorchTwiceBackward"
    assert repr(y) == "tensor([2., 4.], grad_fn=<TwiceBackward>)"


# -- NumPy interop -------------------------------------------------------------------------


def test_ufunc_out_tensor_is_an_in_place_change():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = tg.tensor([3.0, 4.0])
    assert np.exp(x, out=y) is y
    np.testing.assert_allclose(y.numpy(), np.exp([1.0, 2.0]).astype(np.float32))
    assert y._version == 1 and y.grad_fn is None
    with pytest.raises(RuntimeError, match="leaf"):
        np.exp(y, out=x)  # a leaf that requires grad refuses in-place changes
    with tg.no_grad():
        np.negative(y, out=x)
    np.testing.assert_allclose(x.detach().numpy(), -y.numpy())
    a = np.zeros(2, np.float32)
    assert np.exp(y, out=a) is a  # an ndarray out= receives values only


# -- ranges and overflow at creation -------------------------------------------------------


@pytest.mark.parametrize("args", [
    (0.5, 3.7, 1), (0, 5, 1.5), (0.5, 3.7, 1.5), (-0.5, 3.7, 1), (3.7, 0.5, -1), (0, 5, 2.5),
    (1, 2.5), (0, 10, 3), (10, 0, -3), (-7, 7, 2),
])
@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_integer_arange_lengths_as_torch(torch, args, dtype):
    same_as_torch(torch, f"r = torch.arange(*{args}, dtype=torch.{dtype})")


@pytest.mark.parametrize("values, dtype", [
    ([-1], "uint8"), ([2.5], "uint8"), ([255], "uint8"), ([-255], "uint8"), ([-128], "int8"),
    ([True], "uint8"),
])
def test_python_values_that_fit_convert_as_torch(torch, values, dtype):
    same_as_torch(torch, f"r = torch.tensor({values}, dtype=torch.{dtype})")


@pytest.mark.parametrize("values, dtype", [
    ([256], "uint8"), ([-0.5], "uint8"), ([255.9], "uint8"), ([-256], "uint8"), ([128], "int8"),
    ([-129], "int8"), ([127.9], "int8"), ([2**40], "int32"), ([1e10], "int32"),
])
def test_python_values_that_overflow_the_dtype_are_refused_as_torch(torch, values, dtype):
    code = f"r = torch.tensor({values}, dtype=torch.{dtype})"
    raises_as_torch(torch, code)
    with pytest.raises(ValueError, match="overflow"):
        run_code(tg, code)


def test_arrays_convert_without_a_range_check_as_torch(torch):
    same_as_torch(torch, "r = torch.tensor(np.array([300]), dtype=torch.uint8)")


@pytest.mark.parametrize("code", [
    "r = torch.rand(2, 3, dtype=torch.int64)",
    "x = torch.tensor([1., 2.], requires_grad=True);; y = x * 1;; y.clamp_()",
])
def test_more_errors_are_runtime_errors_as_torch(torch, code):
    with pytest.raises(RuntimeError):
        run_code(torch, code.replace(";; ", "\n"))
    with pytest.raises(RuntimeError):
        run_code(tg, code.replace(";; ", "\n"))


# -- printing: layout ------------------------------------------------------------------------


@pytest.mark.parametrize("code", [
    "torch.tensor(np.random.default_rng(0).standard_normal((50, 50)))",
    "torch.tensor(np.random.default_rng(0).standard_normal((50, 50)), requires_grad=True)",
    "torch.arange(2000.).reshape(40, 50)",
    "torch.arange(1001.)",
    "torch.arange(2000)",
    "torch.tensor(np.random.default_rng(0).standard_normal((2, 30)))",
    "torch.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)",
    "torch.tensor(np.random.default_rng(0).standard_normal(5) * 1e-6)",
    "torch.tensor(np.random.default_rng(0).standard_normal(4) * 1e9, requires_grad=True)",
    "torch.tensor([-0., 0.])",
    "torch.tensor([True])",
    "torch.tensor([[True, False], [False, True]])",
    "torch.tensor([0.1, 0.2], dtype=torch.float16)",
    "torch.tensor([[1, -200], [3, 4]], dtype=torch.int32)",
])
def test_repr_layout_as_torch(torch, code):
    expected = repr(eval(code, {"torch": torch, "np": np})).replace("torch.", "")
    got = repr(eval(code, {"torch": tg, "np": np})).replace("tg.", "")
    assert got == expected


def test_repr_of_random_tensors_as_torch(torch):
    rng = np.random.default_rng(1)
    for _ in range(300):
        ndim = int(rng.integers(0, 4))
        shape = tuple(int(n) for n in rng.integers(0, 12 if ndim < 3 else 6, ndim))
        a = rng.standard_normal(shape) * 10.0 ** int(rng.integers(-9, 12))
        if rng.random() < 0.3:
            a = np.round(a)
        if rng.random() < 0.2 and a.size:
            a.flat[int(rng.integers(0, a.size))] = rng.choice([np.nan, np.inf, -np.inf, 0.0])
        dtype = str(rng.choice(["float32", "float64", "int64", "int32", "bool"]))
        if dtype.startswith("int"):
            a = np.clip(np.nan_to_num(a, posinf=0, neginf=0), -1e9, 1e9)
        a = a > 0 if dtype == "bool" else a.astype(dtype)
        grad = dtype.startswith("float") and rng.random() < 0.3
        expected = repr(torch.tensor(a, requires_grad=grad)).replace("torch.", "")
        assert repr(tg.tensor(a, requires_grad=grad)).replace("tg.", "") == expected


def test_comparison_operators_share_the_functions_errors_as_torch(torch):
    raises_as_torch(torch, "r = torch.tensor([1., 2.]) == torch.tensor([1., 2., 3.])")
    raises_as_torch(torch, "r = torch.tensor([1., 2.]) < torch.tensor([1., 2., 3.])")
    for lib in (torch, tg):
        assert (lib.tensor([1.0, 2.0]) == object()) is False
