"""Creating tensors from data (SPEC "Tensors"): tg.tensor's dtype inference and refusals,
tg.Tensor's constructor, as_tensor and from_numpy, the default dtype; PyTorch is the oracle."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn

# Data whose dtype tg.tensor must infer as torch.tensor does.
INFERRED = [
    1.5, 3, True, [1, 2], [1, 2.5], [True, False], [True, 1], [True, 1.0], [], [[]], [[], []],
    (1, 2), range(3), [[1, 2], [3, 4]], [[1.0], [2.0]], -2**63, [1, 2**62],
    np.float64(2.0), np.float32(2.0), np.int32(3), np.bool_(True), np.uint8(7),
    [np.float64(1.0)], [np.float32(1.0)], [np.int32(1), np.int32(2)], [np.float64(1.0), 2],
    np.arange(3), np.arange(3, dtype=np.int16), np.zeros(2, np.float16), np.zeros((2, 0)),
    np.array([1, 2], np.uint8), np.array([True]), np.array(2.5), np.array([1, 2], np.uint16),
]


def _torch_name(dtype) -> str:
    return f"torch.{np.dtype(dtype).name}".replace("torch.bool", "torch.bool")


@pytest.mark.parametrize("data", INFERRED, ids=repr)
def test_tensor_infers_the_dtype_as_torch_does(data, torch):
    ours, theirs = tg.tensor(data), torch.tensor(data)
    assert str(theirs.dtype) == _torch_name(ours.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("data", [[1.5, 2], 2.5, [[1.0]]], ids=repr)
def test_the_default_dtype_applies_to_python_floats_only(data, torch):
    tg.set_default_dtype(tg.float64)
    torch.set_default_dtype(torch.float64)
    try:
        assert tg.tensor(data).dtype == tg.float64 == torch.tensor(data).numpy().dtype
        assert tg.tensor(np.float32(1)).dtype == tg.float32  # NumPy data keeps its dtype
        assert tg.tensor([1, 2]).dtype == tg.int64
        assert tg.zeros(2).dtype == tg.float64 and tg.randn(2).dtype == tg.float64
    finally:
        torch.set_default_dtype(torch.float32)


def test_float64_data_among_python_floats_keeps_float64():
    assert tg.tensor([np.float64(1.0), 2.5]).dtype == tg.float64
    assert tg.tensor([tg.tensor(1.0, dtype=tg.float64), 2.0]).dtype == tg.float64
    assert tg.tensor([tg.tensor(1.0), tg.tensor(2.0)]).dtype == tg.float32


@pytest.mark.parametrize("dtype", [tg.float64, tg.float16, tg.int32, tg.int8, tg.uint8,
                                   tg.bool, float, int, bool, "float64", np.float32])
def test_an_explicit_dtype_wins(dtype, torch):
    data = [1.7, -0.0, 2.0] if np.dtype(dtype).kind != "u" else [1.7, 0.0, 2.0]
    ours = tg.tensor(data, dtype=dtype)
    assert ours.dtype == np.dtype(dtype)
    theirs = torch.tensor(data, dtype=getattr(torch, np.dtype(dtype).name))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_an_explicit_dtype_converts_python_floats_without_a_float32_detour():
    assert tg.tensor([0.1], dtype=tg.float64).item() == 0.1
    assert tg.tensor(0.1, dtype=tg.float64).item() == 0.1


def test_tensor_copies_its_data():
    a = np.array([1.0, 2.0])
    t = tg.tensor(a)
    a[0] = 100.0
    assert t.numpy()[0] == 1.0
    source = tg.tensor([1.0, 2.0], requires_grad=True)
    copy = tg.tensor(source)
    assert copy.is_leaf and not copy.requires_grad
    assert not np.shares_memory(copy.numpy(), source.numpy())


def test_tensor_takes_pytorchs_keywords_and_a_name():
    t = tg.tensor([1.0, 2.0], dtype=tg.float64, device="cpu", requires_grad=True, name="w")
    assert t.dtype == tg.float64 and t.requires_grad and t.is_leaf and t.name == "w"
    assert t.device == tg.device("cpu")


@pytest.mark.parametrize("make", [
    lambda: tg.tensor([1, 2], requires_grad=True),
    lambda: tg.tensor([True], requires_grad=True),
    lambda: tg.tensor(np.arange(3), requires_grad=True),
    lambda: tg.tensor([1.0], dtype=tg.int64, requires_grad=True),
    lambda: tg.tensor([1, 2]).requires_grad_(),
    lambda: tg.zeros(2, dtype=tg.int32, requires_grad=True),
    lambda: tg.full((2,), 3, requires_grad=True),
    lambda: tg.randint(3, (2,), requires_grad=True),
    lambda: tg.Tensor(2, dtype=tg.int64, requires_grad=True),
], ids=range(9))
def test_requires_grad_on_a_non_floating_dtype_is_a_type_error(make):
    with pytest.raises(TypeError, match="only Tensors of floating point dtype can require grad"):
        make()


@pytest.mark.parametrize("data, error, message", [
    (["a", "b"], TypeError, r"tensor: cannot make a tensor of dtype <U1"),
    ("abc", TypeError, r"strings or Python objects"),
    (None, TypeError, r"strings or Python objects"),
    ([None], TypeError, r"strings or Python objects"),
    ({1: 2}, TypeError, r"strings or Python objects"),
    (np.array([1.0], dtype=np.longdouble), TypeError, r"float128 is not supported"),
    (np.array([1.0, 2.0], dtype=">f8"), TypeError, r"byte order"),
    ([1 + 2j], TypeError, r"complex dtype complex128 is not supported"),
    (np.ma.masked_array([1.0, 2.0], mask=[0, 1]), TypeError, r"masked array.*filled"),
    ([[1, 2], [3]], ValueError, r"ragged: at dim 1, data\[0\] has length 2 but data\[1\] has "
                                r"length 1"),
    ([[[1], [2]], [[3], [4, 5]]], ValueError, r"at dim 2, data\[0\]\[0\] has length 1 but "
                                              r"data\[1\]\[1\] has length 2"),
    ([[1, 2], 3], ValueError, r"at dim 1, data\[0\] is a sequence of length 2 but data\[1\] "
                              r"is a number"),
    ([2**63], OverflowError, r"does not fit in int64"),
    ([2**64], OverflowError, r"does not fit in int64"),
    ([float("nan")], ValueError, r"NaN or infinity cannot be converted to int64"),
], ids=range(15))
def test_data_a_tensor_cannot_hold_is_refused_where_it_enters(data, error, message):
    dtype = tg.int64 if message.startswith("NaN") else None
    with pytest.raises(error, match=message):
        tg.tensor(data, dtype=dtype)


def test_pytorch_refuses_the_same_data(torch):
    for data in (["a"], None, [[1, 2], [3]], [[1, 2], 3], [2**63]):
        with pytest.raises((TypeError, ValueError, RuntimeError)):
            torch.tensor(data)
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2], requires_grad=True)


def test_an_unknown_dtype_is_refused_naming_the_choices():
    with pytest.raises(TypeError, match=r"tensor: dtype='floaty' is not a dtype; pass one of "
                                        r"tg.float32"):
        tg.tensor([1.0], dtype="floaty")
    with pytest.raises(TypeError, match="complex"):
        tg.zeros(2, dtype=np.complex64)


# -- tg.Tensor: torch.Tensor's constructor ----------------------------------------------------

@pytest.mark.parametrize("args", [(), (2, 3), (3,), (0,), (np.int64(3),), ([1, 2],),
                                  ((2, 3),), (np.array([1, 2]),), (np.array([True]),),
                                  (np.array(2.5),), ([[1.0, 2.0]],)], ids=repr)
def test_Tensor_constructor_matches_torch(args, torch):
    ours, theirs = tg.Tensor(*args), torch.Tensor(*args)
    assert ours.dtype == tg.float32 and str(theirs.dtype) == "torch.float32"
    assert tuple(ours.shape) == tuple(theirs.shape)
    if theirs.numel() and not all(isinstance(a, (int, np.integer)) for a in args):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert not ours.requires_grad and ours.is_leaf


def test_Tensor_of_sizes_is_zero_filled_and_takes_a_size():
    np.testing.assert_array_equal(tg.Tensor(2, 3).numpy(), np.zeros((2, 3)))
    assert tg.Tensor(tg.zeros(4, 5).size()).shape == (4, 5)
    assert tg.Tensor(2, device="cpu").shape == (2,)


def test_Tensor_of_a_tensor_shares_its_storage_as_torch():
    for source in (tg.tensor([1.0, 2.0]), tg.tensor([1, 2]), tg.tensor(3.0, dtype=tg.float64)):
        alias = tg.Tensor(source)
        assert alias.numpy() is source.numpy() and alias.dtype == source.dtype
        assert alias.is_leaf and alias is not source


def test_Tensor_follows_the_default_dtype():
    tg.set_default_dtype(tg.float64)
    assert tg.Tensor([1, 2]).dtype == tg.float64 and tg.Tensor(2).dtype == tg.float64


@pytest.mark.parametrize("args, error, message", [
    ((2.5,), TypeError, r"tg.Tensor\(2.5\): pass integer sizes"),
    ((True,), TypeError, r"pass integer sizes"),
    ((2, [3]), TypeError, r"pass integer sizes"),
    (("a",), TypeError, r"pass integer sizes"),
    ((-1,), ValueError, r"sizes must be non-negative"),
    (([[1], [2, 3]],), ValueError, r"ragged"),
], ids=range(6))
def test_Tensor_refuses_what_torch_refuses(args, error, message, torch):
    with pytest.raises(error, match=message):
        tg.Tensor(*args)
    with pytest.raises((TypeError, ValueError, RuntimeError)):
        torch.Tensor(*args)


# -- as_tensor, from_numpy --------------------------------------------------------------------

def test_as_tensor_shares_an_array_of_the_same_dtype(torch):
    a = np.array([1.0, 2.0])
    t = tg.as_tensor(a)
    assert t.numpy() is a and t.dtype == tg.float64
    a[0] = 5.0
    assert t[0].item() == 5.0
    converted = tg.as_tensor(a, dtype=tg.float32)
    assert converted.dtype == tg.float32 and not np.shares_memory(converted.numpy(), a)
    assert tg.as_tensor([1, 2]).dtype == tg.int64 == torch.as_tensor([1, 2]).numpy().dtype


def test_as_tensor_of_a_tensor_is_itself_or_a_differentiable_conversion():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert tg.as_tensor(x) is x and tg.as_tensor(x, dtype=tg.float32) is x
    y = tg.as_tensor(x, dtype=tg.float64)
    assert y.dtype == tg.float64 and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_from_numpy_shares_memory_and_keeps_the_dtype(torch):
    for dtype in (np.float64, np.float32, np.float16, np.int32, np.int64, np.uint8, np.bool_):
        a = np.zeros(3, dtype=dtype)
        t = tg.from_numpy(a)
        assert t.numpy() is a and t.dtype == dtype
        assert str(torch.from_numpy(a).dtype) == _torch_name(dtype)
    a = np.zeros(3)
    t = tg.from_numpy(a)
    t[1] = 4.0
    assert a[1] == 4.0
    assert tg.from_numpy(np.array(3.0)).shape == ()


@pytest.mark.parametrize("data, message", [
    ([1, 2], r"from_numpy: expected a np.ndarray, got list"),
    (np.float64(3.0), r"expected a np.ndarray, got float64"),
    (np.array(["a"]), r"cannot make a tensor of dtype <U1"),
    (np.ma.masked_array([1.0], mask=[1]), r"masked array"),
], ids=range(4))
def test_from_numpy_refuses_what_is_not_a_numeric_array(data, message, torch):
    with pytest.raises(TypeError, match=message):
        tg.from_numpy(data)
    if not isinstance(data, np.ma.MaskedArray):
        with pytest.raises(TypeError):
            torch.from_numpy(data)


def test_set_default_dtype_takes_floating_dtypes_only(torch):
    tg.set_default_dtype(tg.float16)
    assert tg.tensor(1.5).dtype == tg.float16 and tg.get_default_dtype() == tg.float16
    with pytest.raises(TypeError, match="only floating-point types can be the default"):
        tg.set_default_dtype(tg.int64)
    with pytest.raises(TypeError):
        torch.set_default_dtype(torch.int64)


def test_a_parameter_of_an_array_keeps_its_dtype_and_of_a_tensor_shares_it():
    assert nn.Parameter(np.zeros(2)).dtype == tg.float64
    assert nn.Parameter([1.0, 2.0]).dtype == tg.float32
    t = tg.zeros(2, dtype=tg.float64)
    p = nn.Parameter(t)
    assert p.numpy() is t.numpy() and p.requires_grad and p.is_leaf
