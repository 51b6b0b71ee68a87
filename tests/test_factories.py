"""Tensor factories (SPEC "Tensors"): torch's signatures, dtypes, shapes and values; random
draws reproducible under tg.manual_seed; bad sizes and ranges refused naming the factory."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg


def _same(ours, theirs, rtol=1e-6):
    assert str(theirs.dtype) == f"torch.{ours.dtype.name}"
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=rtol)


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("args, kwargs", [
    ((2, 3), {}), (((2, 3),), {}), (([4],), {}), (((),), {}), (([],), {}), ((0, 2), {}),
    ((), {"size": (2, 3)}), ((2,), {"dtype": "float64"}), ((2,), {"dtype": "int32"}),
    ((2,), {"dtype": "bool"}), ((3,), {"device": "cpu"}),
], ids=repr)
def test_filled_factories_match_torch(name, args, kwargs, torch):
    theirs_kwargs = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    ours = getattr(tg, name)(*args, **kwargs)
    theirs = getattr(torch, name)(*args, **theirs_kwargs)
    if name == "empty":  # tinygraph's empty is zero-filled; torch's holds whatever was there
        theirs = torch.zeros_like(theirs)
    _same(ours, theirs)
    assert ours.is_leaf and not ours.requires_grad


@pytest.mark.parametrize("fill", [3, 3.5, True, np.float64(2.0), -1])
def test_full_takes_its_dtype_from_the_fill_value(fill, torch):
    _same(tg.full((2, 3), fill), torch.full((2, 3), fill))
    _same(tg.full([2], fill, dtype=tg.float64), torch.full([2], fill, dtype=torch.float64))
    _same(tg.full((2,), tg.tensor(2.5)), torch.full((2,), torch.tensor(2.5)))


@pytest.mark.parametrize("name, extra", [("zeros_like", ()), ("ones_like", ()),
                                         ("empty_like", ()), ("full_like", (2.7,)),
                                         ("full_like", (True,))])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int16", "bool"])
def test_like_factories_take_shape_and_dtype_from_the_input(name, extra, dtype, torch):
    ours = getattr(tg, name)(tg.zeros((2, 3), dtype=dtype), *extra)
    theirs = getattr(torch, name)(torch.zeros((2, 3), dtype=getattr(torch, dtype)), *extra)
    if name == "empty_like":
        theirs = torch.zeros_like(theirs)
    _same(ours, theirs)
    converted = getattr(tg, name)(tg.zeros(2, dtype=dtype), *extra, dtype=tg.float64)
    assert converted.dtype == tg.float64


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_a_factory_without_a_size_is_refused_as_in_torch(name, torch):
    with pytest.raises(TypeError, match=rf"{name}: missing the size"):
        getattr(tg, name)()
    with pytest.raises(TypeError):
        getattr(torch, name)()


def test_like_factories_take_requires_grad_and_refuse_non_tensors():
    assert tg.ones_like(tg.zeros(2), requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="zeros_like: input must be a Tensor, got list"):
        tg.zeros_like([1, 2])


@pytest.mark.parametrize("args, kwargs", [
    ((5,), {}), ((5.0,), {}), ((1, 4), {}), ((0, 1, 0.1), {}), ((-3, 7.3, 0.7), {}),
    ((10, 0, -3), {}), ((0, 0), {}), ((1, 2.5, 0.5), {"dtype": "float64"}),
    ((0, 10, 3), {"dtype": "float32"}), ((0, 2.5, 1.5), {"dtype": "int64"}),
    ((), {"end": 3}), ((np.int32(3),), {}), ((0, 1, 1 / 3), {"dtype": "float64"}),
], ids=repr)
def test_arange_matches_torch(args, kwargs, torch):
    theirs_kwargs = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    _same(tg.arange(*args, **kwargs), torch.arange(*args, **theirs_kwargs))


def test_arange_takes_zero_dim_tensors():
    np.testing.assert_array_equal(tg.arange(tg.tensor(3)).numpy(), [0, 1, 2])


@pytest.mark.parametrize("args, message", [
    ((0, 1, 0), r"arange: step must be nonzero"),
    ((0, 1, -1), r"arange: the range 0 to 1 goes against step -1"),
    ((-3,), r"goes against step 1"),
    ((float("inf"),), r"the bounds must be finite"),
    ((0, 2.5, 0.5), r"step must be nonzero"),  # with dtype int64: step 0.5 becomes 0, as torch
], ids=range(5))
def test_arange_refuses_ranges_torch_refuses(args, message, torch):
    dtype = {"dtype": tg.int64} if args == (0, 2.5, 0.5) else {}
    with pytest.raises(ValueError, match=message):
        tg.arange(*args, **dtype)
    with pytest.raises((RuntimeError, ValueError)):
        torch.arange(*args, **({"dtype": torch.int64} if dtype else {}))


@pytest.mark.parametrize("args, kwargs", [
    ((0, 1, 5), {}), ((-3, 7.3, 1001), {"dtype": "float64"}), ((0, 1, 1), {}),
    ((0, 1, 0), {}), ((2, -2, 4), {}), ((0, 10, 5), {"dtype": "int64"}),
    ((0, 10, 4), {"dtype": "int64"}), ((0, -10, 4), {"dtype": "int64"}),
    ((1.5, 1.5, 3), {"dtype": "float64"}),
], ids=repr)
def test_linspace_matches_torch(args, kwargs, torch):
    theirs_kwargs = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    _same(tg.linspace(*args, **kwargs), torch.linspace(*args, **theirs_kwargs), rtol=1e-12
          if kwargs.get("dtype") == "float64" else 1e-6)


@pytest.mark.parametrize("args, kwargs", [
    ((0, 2, 3), {}), ((0, 2, 3), {"base": 2}), ((-1, 1, 5), {"dtype": "float64"}),
    ((0, 2, 3), {"dtype": "int64"}),
], ids=repr)
def test_logspace_matches_torch(args, kwargs, torch):
    theirs_kwargs = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    _same(tg.logspace(*args, **kwargs), torch.logspace(*args, **theirs_kwargs))


def test_linspace_refuses_bad_step_counts():
    with pytest.raises(ValueError, match="linspace: sizes must be non-negative"):
        tg.linspace(0, 1, -1)
    with pytest.raises(TypeError, match="linspace: sizes must be integers"):
        tg.linspace(0, 1, 2.5)


@pytest.mark.parametrize("args, kwargs", [((2,), {}), ((2, 3), {}), ((0,), {}),
                                          ((2,), {"dtype": "int64"}),
                                          ((3,), {"dtype": "float64"})], ids=repr)
def test_eye_matches_torch(args, kwargs, torch):
    theirs_kwargs = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    _same(tg.eye(*args, **kwargs), torch.eye(*args, **theirs_kwargs))
    assert tg.eye(2, dtype=tg.float64, requires_grad=True).requires_grad


@pytest.mark.parametrize("make", [
    lambda: tg.zeros(2.5, 3), lambda: tg.ones((2, 3.0)), lambda: tg.randn(2, -1),
    lambda: tg.empty(-1), lambda: tg.full((2.5,), 1.0), lambda: tg.eye(2.5),
    lambda: tg.eye(-1), lambda: tg.randperm(-1), lambda: tg.randint(3, (2.5,)),
    lambda: tg.rand(size=(-2,)),
], ids=range(10))
def test_sizes_must_be_non_negative_integers(make):
    with pytest.raises((TypeError, ValueError), match=r"sizes must be"):
        make()


# -- random -----------------------------------------------------------------------------------

@pytest.mark.parametrize("draw", [
    lambda: tg.rand(3, 2), lambda: tg.randn(4), lambda: tg.randint(10, (5,)),
    lambda: tg.randint(3, 9, (2, 2)), lambda: tg.randperm(6), lambda: tg.normal(0.0, 1.0, (3,)),
    lambda: tg.rand_like(tg.zeros(2)), lambda: tg.randn_like(tg.zeros(2)),
    lambda: tg.normal(tg.zeros(3), tg.ones(3)),
], ids=range(9))
def test_manual_seed_makes_every_draw_reproducible(draw):
    tg.manual_seed(123)
    first = [draw().numpy() for _ in range(2)]
    tg.manual_seed(123)
    again = [draw().numpy() for _ in range(2)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(first[:1], first[1:]))


@pytest.mark.parametrize("draw, shape, dtype", [
    (lambda tg: tg.rand(2, 3), (2, 3), "float32"),
    (lambda tg: tg.rand((4,), dtype=tg.float64), (4,), "float64"),
    (lambda tg: tg.randn(()), (), "float32"),
    (lambda tg: tg.randn(size=(2,)), (2,), "float32"),
    (lambda tg: tg.randint(10, (3,)), (3,), "int64"),
    (lambda tg: tg.randint(3, 10, (2, 2)), (2, 2), "int64"),
    (lambda tg: tg.randint(10, size=(3,)), (3,), "int64"),
    (lambda tg: tg.randint(low=1, high=10, size=(3,)), (3,), "int64"),
    (lambda tg: tg.randint(10, (3,), dtype=tg.float32), (3,), "float32"),
    (lambda tg: tg.randperm(5), (5,), "int64"),
    (lambda tg: tg.randperm(0), (0,), "int64"),
    (lambda tg: tg.randperm(5, dtype=tg.float32), (5,), "float32"),
    (lambda tg: tg.rand_like(tg.zeros(2, dtype=tg.float64)), (2,), "float64"),
    (lambda tg: tg.randn_like(tg.zeros(2, 3)), (2, 3), "float32"),
    (lambda tg: tg.normal(0.0, 1.0, (2,)), (2,), "float32"),
    (lambda tg: tg.normal(0, 1, size=(2,), dtype=tg.float64), (2,), "float64"),
    (lambda tg: tg.normal(tg.zeros(3), 1.0), (3,), "float32"),
    (lambda tg: tg.normal(0.0, tg.ones(3)), (3,), "float32"),
    (lambda tg: tg.normal(tg.zeros(3, dtype=tg.float64), tg.ones(3)), (3,), "float64"),
    (lambda tg: tg.normal(tg.zeros(3, 1), tg.ones(3)), (3, 3), "float32"),
], ids=range(20))
def test_random_factories_give_torchs_shapes_and_dtypes(draw, shape, dtype, torch):
    for library in (tg, torch):
        out = draw(library)
        assert tuple(out.shape) == shape and str(out.dtype).split(".")[-1] == dtype


def test_random_values_lie_in_their_ranges():
    u = tg.rand(10_000).numpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.02
    k = tg.randint(3, 7, (10_000,)).numpy()
    assert set(np.unique(k)) == {3, 4, 5, 6}
    assert sorted(tg.randperm(50).tolist()) == list(range(50))
    n = tg.normal(5.0, 2.0, (20_000,)).numpy()
    assert abs(n.mean() - 5.0) < 0.1 and abs(n.std() - 2.0) < 0.1
    z = tg.normal(tg.tensor([0.0, 100.0]), tg.tensor([0.0, 0.0])).numpy()
    np.testing.assert_array_equal(z, [0.0, 100.0])


@pytest.mark.parametrize("draw, error, message", [
    (lambda: tg.rand(2, dtype=tg.int64), TypeError, r"rand: draws floats, but dtype is int64"),
    (lambda: tg.randn(2, dtype=tg.int64), TypeError, r"randn: draws floats"),
    (lambda: tg.rand_like(tg.tensor([1, 2])), TypeError, r"rand_like: draws floats"),
    (lambda: tg.randn_like(tg.tensor([1, 2])), TypeError, r"randn_like: draws floats"),
    (lambda: tg.normal(tg.tensor([1, 2]), 1.0), TypeError, r"normal: draws floats"),
    (lambda: tg.randint(5, 5, (3,)), ValueError, r"low must be less than high"),
    (lambda: tg.randint(0, (3,)), ValueError, r"low must be less than high"),
    (lambda: tg.randint(2.5, (3,)), TypeError, r"randint: high must be an int"),
    (lambda: tg.randint(10), TypeError, r"missing the size"),
    (lambda: tg.normal(0.0, 1.0), TypeError, r"give the size"),
    (lambda: tg.normal(tg.zeros(3), 1.0, size=(3,)), TypeError, r"give size only"),
    (lambda: tg.normal(tg.zeros(3), -1.0), ValueError, r"std must be >= 0"),
    (lambda: tg.normal(0.0, -1.0, (2,)), ValueError, r"std must be >= 0"),
], ids=range(13))
def test_random_factories_refuse_what_torch_refuses(draw, error, message):
    with pytest.raises(error, match=message):
        draw()


def test_factories_take_requires_grad_and_device():
    for make in (tg.zeros, tg.ones, tg.empty, tg.rand, tg.randn):
        t = make(2, dtype=tg.float64, requires_grad=True, device="cpu")
        assert t.requires_grad and t.is_leaf and t.dtype == tg.float64
    for make in (lambda d: tg.zeros(2, device=d), lambda d: tg.arange(3, device=d),
                 lambda d: tg.randn(2, device=d), lambda d: tg.tensor([1.0], device=d),
                 lambda d: tg.as_tensor([1.0], device=d), lambda d: tg.linspace(0, 1, 3, device=d),
                 lambda d: tg.full((2,), 1.0, device=d), lambda d: tg.Tensor(2, device=d)):
        assert make(tg.device("cpu")).device == "cpu"
        with pytest.raises(RuntimeError, match="runs on the CPU only"):
            make("cuda")


def test_new_factories_follow_the_tensor_dtype_as_torch(torch):
    for lib in (tg, torch):
        x = lib.ones(2, dtype=lib.float64)
        got = [x.new_zeros(2, 3), x.new_ones((2,)), x.new_full((2,), 3.0), x.new_empty(1),
               x.new_tensor([1, 2]), x.new_zeros(2, dtype=lib.int64),
               x.new_ones(2, requires_grad=True)]
        if lib is tg:
            ours = got
        else:
            theirs = got
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a.shape == tuple(b.shape)
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        assert a.requires_grad == b.requires_grad
        if i != 3:  # new_empty: torch's values are whatever the memory held
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
