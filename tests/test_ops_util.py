"""torch's utilities without gradient (indices, counts, booleans, random draws), the grids
and combinations of 1-D tensors, the in-place methods and the stride attributes, each
against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygraph as tg

pytestmark = pytest.mark.torch


def same(ours, theirs, torch):
    """Values, dtype and shape equal (NaN equal to NaN); tuples element by element."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            same(a, b, torch)
        return
    assert isinstance(ours, tg.Tensor) and not ours.requires_grad
    expected = theirs.numpy()
    assert ours.numpy().dtype == expected.dtype, (ours.dtype, theirs.dtype)
    assert ours.shape == expected.shape, (ours.shape, expected.shape)
    np.testing.assert_array_equal(ours.numpy(), expected)


def both(torch, array):
    return tg.tensor(array), torch.tensor(array)


MIXED = [[0.0, 3.0, -1.0], [2.0, 0.0, 0.0]]


@pytest.mark.parametrize("array", [MIXED, [0, 1, 0, 5], [[True, False]], 5.0, 0, []])
def test_nonzero_and_argwhere_match_torch(torch, array):
    x, t = both(torch, array)
    same(tg.nonzero(x), torch.nonzero(t), torch)
    same(x.nonzero(), t.nonzero(), torch)
    same(tg.nonzero(x, as_tuple=True), torch.nonzero(t, as_tuple=True), torch)
    same(x.nonzero(as_tuple=True), t.nonzero(as_tuple=True), torch)
    same(tg.argwhere(x), torch.argwhere(t), torch)
    same(x.argwhere(), t.argwhere(), torch)


UNIQUE_INPUTS = [[3, 1, 2, 1, 3, 3], [[1.0, 2.0], [1.0, 2.0], [0.0, 5.0]],
                 [[2, 1, 2], [0, 1, 0]], [3.0, float("nan"), 1.0, float("nan")],
                 [True, False, True], 4, []]


@pytest.mark.parametrize("array", UNIQUE_INPUTS)
@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("counts", [False, True])
def test_unique_matches_torch(torch, array, inverse, counts):
    x, t = both(torch, array)
    kwargs = {"return_inverse": inverse, "return_counts": counts}
    same(tg.unique(x, **kwargs), torch.unique(t, **kwargs), torch)
    same(x.unique(sorted=True, **kwargs), t.unique(sorted=True, **kwargs), torch)
    same(tg.unique_consecutive(x, **kwargs), torch.unique_consecutive(t, **kwargs), torch)
    for dim in range(-np.ndim(array), np.ndim(array)):
        if np.isnan(np.asarray(array, dtype=float)).any():
            continue
        same(tg.unique(x, dim=dim, **kwargs), torch.unique(t, dim=dim, **kwargs), torch)
        same(x.unique_consecutive(dim=dim, **kwargs),
             t.unique_consecutive(dim=dim, **kwargs), torch)


def test_unique_consecutive_keeps_runs(torch):
    x, t = both(torch, [1, 1, 2, 2, 3, 1, 1, 2])
    kwargs = {"return_inverse": True, "return_counts": True}
    same(tg.unique_consecutive(x, **kwargs), torch.unique_consecutive(t, **kwargs), torch)
    x, t = both(torch, [[1, 1, 2, 2], [1, 1, 2, 3]])
    same(x.unique_consecutive(dim=1, **kwargs), t.unique_consecutive(dim=1, **kwargs), torch)


def test_unique_of_a_0d_tensor_along_a_dim_raises_index_error_as_torch(torch):
    with pytest.raises(IndexError):
        torch.unique(torch.tensor(1.0), dim=0)
    with pytest.raises(IndexError):
        tg.unique(tg.tensor(1.0), dim=0)


def test_bincount_matches_torch(torch):
    x, t = both(torch, [1, 2, 2, 5])
    same(tg.bincount(x), torch.bincount(t), torch)
    same(x.bincount(minlength=8), t.bincount(minlength=8), torch)
    for weights in ([0.5, 1.0, 2.0, 3.0], np.array([1, 2, 3, 4]),
                    np.array([0.5, 1.0, 2.0, 3.0], dtype=np.float32)):
        same(tg.bincount(x, tg.tensor(weights)), torch.bincount(t, torch.tensor(weights)),
             torch)
    empty, t_empty = tg.tensor([], dtype=tg.int64), torch.tensor([], dtype=torch.int64)
    same(tg.bincount(empty), torch.bincount(t_empty), torch)
    same(tg.bincount(empty, minlength=3), torch.bincount(t_empty, minlength=3), torch)


@pytest.mark.parametrize("call", [
    lambda m: m.bincount(m.tensor([[1]])),
    lambda m: m.bincount(m.tensor([-1])),
    lambda m: m.bincount(m.tensor([1, 2]), weights=m.tensor([1.0])),
    lambda m: m.bincount(m.tensor([1]), minlength=-1),
    lambda m: m.bincount(m.tensor([1.0])),
    lambda m: m.bincount(m.tensor([True, False])),
    lambda m: m.unique(m.zeros(2, 0), dim=0),
    lambda m: m.histc(m.tensor([1, 2])),
    lambda m: m.histc(m.tensor([1.0, 2.0]), min=3, max=1),
    lambda m: m.histc(m.tensor([1.0, 2.0]), bins=0),
    lambda m: m.count_nonzero(m.zeros(2, 3), dim=3),
    lambda m: m.count_nonzero(m.zeros(2, 3), dim=(0, 0)),
    lambda m: m.searchsorted(m.tensor([1, 2]), m.tensor([1]), right=True, side="left"),
    lambda m: m.bucketize(m.tensor([1.0]), m.tensor([[1.0]])),
    lambda m: m.tensor([1, 2]).is_nonzero(),
    lambda m: m.tensor([]).is_nonzero(),
    lambda m: m.heaviside(m.tensor([1.0]), m.tensor([1])),
    lambda m: m.meshgrid(m.zeros(2, 2), indexing="ij"),
    lambda m: m.meshgrid(m.zeros(2), m.zeros(2, dtype=m.int64), indexing="ij"),
    lambda m: m.cartesian_prod(m.zeros(2, 2)),
    lambda m: m.combinations(m.zeros(2, 2)),
    lambda m: m.bernoulli(m.tensor([2.0])),
    lambda m: m.bernoulli(m.tensor([1, 0])),
    lambda m: m.tril_indices(-1, 3),
    lambda m: m.triu_indices(3, 3, dtype=m.float32),
    lambda m: m.randint_like(m.zeros(3), 4, 2),
    lambda m: m.zeros(3).random_(2.5),
    lambda m: m.zeros(3).bernoulli_(m.tensor([0.5, 0.5])),
    lambda m: m.zeros(2, 3).fill_diagonal_(m.tensor([1.0])),
    lambda m: m.zeros(3, dtype=m.int64).exponential_(),
    lambda m: m.zeros(2, 3).transpose_(0, 2),
    lambda m: m.zeros(2, 3).unsqueeze_(3),
    lambda m: m.zeros(2, 3, 4).t_(),
    lambda m: m.zeros(2, 1).expand(2, 3).abs_(),
])
def test_errors_have_torchs_types(torch, call):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(expected.type):
        call(tg)


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1), [0]])
def test_count_nonzero_matches_torch(torch, dim):
    x, t = both(torch, [[1, 0, 0], [2, 2, 0]])
    same(tg.count_nonzero(x, dim=dim), torch.count_nonzero(t, dim=dim), torch)
    same(x.count_nonzero(dim), t.count_nonzero(dim), torch)
    x, t = both(torch, 3.0)
    same(tg.count_nonzero(x), torch.count_nonzero(t), torch)


def test_isin_matches_torch(torch):
    x, t = both(torch, [[1, 2], [3, 4]])
    tests = [2, 3, 9]
    same(tg.isin(x, tg.tensor(tests)), torch.isin(t, torch.tensor(tests)), torch)
    same(tg.isin(x, tg.tensor(tests), invert=True), torch.isin(t, torch.tensor(tests),
                                                                invert=True), torch)
    same(tg.isin(x, 2), torch.isin(t, 2), torch)
    same(tg.isin(2, tg.tensor(tests)), torch.isin(2, torch.tensor(tests)), torch)
    with pytest.raises(TypeError):
        tg.isin(1, 2)


SORTED = [1, 3, 5, 7, 9]


@pytest.mark.parametrize("kwargs", [{}, {"right": True}, {"side": "right"}, {"side": "left"},
                                    {"out_int32": True}])
def test_searchsorted_and_bucketize_match_torch(torch, kwargs):
    seq, t_seq = both(torch, SORTED)
    values, t_values = both(torch, [[3, 6, 9], [0, 1, 10]])
    same(tg.searchsorted(seq, values, **kwargs), torch.searchsorted(t_seq, t_values, **kwargs),
         torch)
    same(tg.searchsorted(seq, 3, **kwargs), torch.searchsorted(t_seq, 3, **kwargs), torch)
    rows, t_rows = both(torch, [[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]])
    values, t_values = both(torch, [[3.0, 0.0], [4.0, 7.0]])
    same(tg.searchsorted(rows, values, **kwargs),
         torch.searchsorted(t_rows, t_values, **kwargs), torch)
    if "side" not in kwargs:
        values, t_values = both(torch, [[3, 6, 9], [0, 1, 10]])
        same(tg.bucketize(values, seq, **kwargs), torch.bucketize(t_values, t_seq, **kwargs),
             torch)
        same(tg.bucketize(3, seq, **kwargs), torch.bucketize(3, t_seq, **kwargs), torch)


def test_searchsorted_with_a_sorter_matches_torch(torch):
    seq, t_seq = both(torch, [5, 1, 3])
    order, t_order = both(torch, [1, 2, 0])
    same(tg.searchsorted(seq, tg.tensor([2, 4]), sorter=order),
         torch.searchsorted(t_seq, torch.tensor([2, 4]), sorter=t_order), torch)


@pytest.mark.parametrize("kwargs", [{}, {"bins": 4, "min": 0, "max": 3}, {"bins": 5},
                                    {"bins": 3, "min": 1.5, "max": 1.5},
                                    {"bins": 7, "min": -1, "max": 2.5}])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histc_matches_torch(torch, kwargs, dtype):
    values = np.random.default_rng(0).normal(size=50).astype(dtype)
    values[:3] = [0.0, 1.0, 3.0]
    x, t = both(torch, values)
    same(tg.histc(x, **kwargs), torch.histc(t, **kwargs), torch)
    same(x.histc(**kwargs), t.histc(**kwargs), torch)
    x, t = both(torch, np.array([2.0, 2.0], dtype=dtype))
    same(x.histc(bins=4), t.histc(bins=4), torch)
    x, t = both(torch, np.array([], dtype=dtype))
    same(x.histc(bins=3), t.histc(bins=3), torch)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("sizes", [(2,), (2, 3), (2, 3, 4), (0, 2)])
def test_meshgrid_matches_torch_values_and_gradients(torch, indexing, sizes):
    arrays = [np.arange(1.0, n + 1) * (i + 1) for i, n in enumerate(sizes)]
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grids = tg.meshgrid(*ours, indexing=indexing)
        assert len(tg.meshgrid(ours, indexing=indexing)) == len(sizes)
    t_grids = torch.meshgrid(*theirs, indexing=indexing)
    weights = np.random.default_rng(1).normal(size=tuple(t_grids[0].shape))
    for g, tgr in zip(grids, t_grids, strict=True):
        np.testing.assert_array_equal(g.numpy(), tgr.detach().numpy())
    sum(((g * tg.tensor(weights)) * (i + 1)).sum() for i, g in enumerate(grids)).backward()
    sum(((g * torch.tensor(weights)) * (i + 1)).sum() for i, g in enumerate(t_grids)).backward()
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6)


def test_meshgrid_default_is_ij_and_takes_0d_tensors(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.meshgrid(torch.tensor([1, 2]), torch.tensor(7))
    same(tuple(g.contiguous() for g in tg.meshgrid(tg.tensor([1, 2]), tg.tensor(7))),
         expected, torch)


@pytest.mark.parametrize("sizes", [(3,), (2, 3), (2, 1, 3), (2, 0)])
def test_cartesian_prod_matches_torch_values_and_gradients(torch, sizes):
    arrays = [np.arange(1.0, n + 1) * (i + 2) for i, n in enumerate(sizes)]
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, t_y = tg.cartesian_prod(*ours), torch.cartesian_prod(*theirs)
    np.testing.assert_array_equal(y.numpy(), t_y.detach().numpy())
    weights = np.random.default_rng(2).normal(size=tuple(t_y.shape))
    (y * tg.tensor(weights)).sum().backward()
    (t_y * torch.tensor(weights)).sum().backward()
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("r", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("with_replacement", [False, True])
def test_combinations_match_torch_values_and_gradients(torch, r, with_replacement):
    array = np.array([1.5, -2.0, 3.0, 0.5])
    x = tg.tensor(array, requires_grad=True)
    t = torch.tensor(array, requires_grad=True)
    y = tg.combinations(x, r=r, with_replacement=with_replacement)
    t_y = torch.combinations(t, r=r, with_replacement=with_replacement)
    assert y.shape == tuple(t_y.shape) and y.requires_grad == t_y.requires_grad
    np.testing.assert_array_equal(y.numpy(), t_y.detach().numpy())
    if t_y.requires_grad and t_y.numel():
        weights = np.random.default_rng(3).normal(size=tuple(t_y.shape))
        (y * tg.tensor(weights)).sum().backward()
        (t_y * torch.tensor(weights)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    same(tg.combinations(tg.tensor([1, 2, 3]), 2), torch.combinations(torch.tensor([1, 2, 3])),
         torch)


@pytest.mark.parametrize("row, col, offset", [(3, 4, 0), (3, 4, 1), (4, 3, -1), (3, 3, -5),
                                              (0, 0, 0), (1, 5, 2)])
def test_tril_and_triu_indices_match_torch(torch, row, col, offset):
    same(tg.tril_indices(row, col, offset), torch.tril_indices(row, col, offset), torch)
    same(tg.triu_indices(row, col, offset), torch.triu_indices(row, col, offset), torch)
    same(tg.tril_indices(row, col, offset=offset, dtype=tg.int32),
         torch.tril_indices(row, col, offset=offset, dtype=torch.int32), torch)


def test_signbit_isposinf_isneginf_heaviside_match_torch(torch):
    array = [-1.5, -0.0, 0.0, 2.0, float("inf"), -float("inf"), float("nan")]
    x, t = both(torch, array)
    for name in ("signbit", "isposinf", "isneginf"):
        same(getattr(tg, name)(x), getattr(torch, name)(t), torch)
        same(getattr(x, name)(), getattr(t, name)(), torch)
    x, t = both(torch, [-1, 0, 3])
    same(x.signbit(), t.signbit(), torch)
    same(tg.heaviside(x, tg.tensor([5])), torch.heaviside(t, torch.tensor([5])), torch)
    x, t = both(torch, [[-1.0, 0.0, float("nan")], [0.0, 2.0, 0.0]])
    same(x.heaviside(tg.tensor([0.5, 0.25, 0.125])),
         t.heaviside(torch.tensor([0.5, 0.25, 0.125])), torch)


@pytest.mark.parametrize("array", [[3.0], [[0]], 0.0, True, [False]])
def test_is_nonzero_matches_torch(torch, array):
    x, t = both(torch, array)
    assert tg.is_nonzero(x) is torch.is_nonzero(t)
    assert x.is_nonzero() is t.is_nonzero()


def test_bernoulli_draws_zeros_and_ones_with_the_given_probabilities(torch):
    tg.manual_seed(0)
    p = tg.tensor([0.0, 1.0, 0.0, 1.0], dtype=tg.float32)
    y = tg.bernoulli(p)
    assert y.dtype == torch_dtype(torch.bernoulli(torch.tensor(p.numpy())))
    assert y.tolist() == [0.0, 1.0, 0.0, 1.0] and not y.requires_grad
    many = tg.full((20000,), 0.3, dtype=tg.float64).bernoulli()
    assert abs(many.mean().item() - 0.3) < 0.02 and many.dtype == tg.float64
    assert abs(tg.bernoulli(tg.zeros(20000), 0.7).mean().item() - 0.7) < 0.02
    assert tg.bernoulli(tg.zeros(3), p=tg.tensor(1.0)).tolist() == [1.0, 1.0, 1.0]
    assert tg.bernoulli(tg.tensor([1, 0]), 1.0).tolist() == [1, 1]
    tg.manual_seed(3)
    first = tg.rand(100).bernoulli()
    tg.manual_seed(3)
    assert tg.equal(first, tg.rand(100).bernoulli())


def test_randint_like_matches_torchs_shape_dtype_and_range(torch):
    for input in (tg.zeros(2, 3), tg.zeros(4, dtype=tg.int32)):
        t = torch.tensor(input.numpy())
        for args in ((5,), (3, 7)):
            y, t_y = tg.randint_like(input, *args), torch.randint_like(t, *args)
            assert y.shape == tuple(t_y.shape) and y.dtype == torch_dtype(t_y)
            low, high = (0, args[0]) if len(args) == 1 else args
            assert ((y >= low) & (y < high)).all()
    y = tg.randint_like(tg.zeros(3), high=4, dtype=tg.int64)
    assert y.dtype == tg.int64 and (y < 4).all()


def torch_dtype(t):
    return tg.tensor(t.numpy()).dtype


# -- in-place methods ----------------------------------------------------------------------

ELEMENTWISE_ = [("abs_", ()), ("sqrt_", ()), ("sign_", ()), ("neg_", ()), ("floor_", ()),
                ("ceil_", ()), ("round_", ()), ("trunc_", ()), ("log_", ()), ("sigmoid_", ()),
                ("tanh_", ()), ("relu_", ()), ("pow_", (3,)), ("pow_", (0.5,))]


def _positive(sign=1.0):
    return np.array([[0.7, 1.3, 2.6], [0.2, 3.4, 1.9]]) * sign


@pytest.mark.parametrize("name, args", ELEMENTWISE_, ids=lambda v: str(v))
def test_inplace_elementwise_methods_match_torch_values_versions_and_gradients(torch, name,
                                                                                args):
    array = _positive() if name in ("sqrt_", "log_", "pow_") else _positive() - 1.5
    x = tg.tensor(array, requires_grad=True)
    t = torch.tensor(array, requires_grad=True)
    with pytest.raises(RuntimeError):
        getattr(t, name)(*args)
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(x, name)(*args)
    y, t_y = x * 2, t * 2
    version = y._version
    assert getattr(y, name)(*args) is y and getattr(t_y, name)(*args) is t_y
    assert y._version == version + 1
    np.testing.assert_allclose(y.detach().numpy(), t_y.detach().numpy(), rtol=1e-6)
    weights = np.random.default_rng(4).normal(size=array.shape)
    (y * tg.tensor(weights)).sum().backward()
    (t_y * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    with tg.no_grad():  # allowed on the leaf there, as in torch
        getattr(x, name)(*args)
    with torch.no_grad():
        getattr(t, name)(*args)
    np.testing.assert_allclose(x.detach().numpy(), t.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("name, args", [("abs_", ()), ("neg_", ()), ("sign_", ()),
                                        ("relu_", ()), ("pow_", (2,))])
def test_inplace_methods_on_integers_match_torch(torch, name, args):
    x, t = both(torch, [-3, 0, 2])
    version = x._version
    same(getattr(x, name)(*args), getattr(t, name)(*args), torch)
    assert x._version == version + 1


@pytest.mark.parametrize("name, args", [("sqrt_", ()), ("log_", ()), ("sigmoid_", ()),
                                        ("pow_", (0.5,))])
def test_inplace_methods_refuse_a_float_result_in_an_integer_tensor_as_torch(torch, name,
                                                                             args):
    x, t = both(torch, [1, 4])
    with pytest.raises(RuntimeError):
        getattr(t, name)(*args)
    with pytest.raises(RuntimeError, match="can't be cast"):
        getattr(x, name)(*args)
    assert x.tolist() == [1, 4]


def test_round_with_decimals_and_pow_with_a_tensor_exponent_match_torch(torch):
    x, t = both(torch, [1.2345, -2.5, 0.5])
    same(x.round_(decimals=2), t.round_(decimals=2), torch)
    x, t = both(torch, [1.5, 2.0, 3.0])
    same(x.pow_(tg.tensor([2.0, 0.5, 1.0])), t.pow_(torch.tensor([2.0, 0.5, 1.0])), torch)


def test_inplace_change_through_a_view_updates_the_base_and_gradients_as_torch(torch):
    array = np.array([[0.5, -1.0, 2.0], [-3.0, 1.5, 0.25]])
    x, t = tg.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    y, t_y = x * 1.5, t * 1.5
    y[0].abs_().tanh_()
    t_y[0].abs_().tanh_()
    np.testing.assert_allclose(y.detach().numpy(), t_y.detach().numpy(), rtol=1e-6)
    (y * y).sum().backward()
    (t_y * t_y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name, args", [("t_", ()), ("transpose_", (0, 2)),
                                        ("transpose_", (-1, 1)), ("squeeze_", ()),
                                        ("squeeze_", (1,)), ("unsqueeze_", (0,)),
                                        ("unsqueeze_", (-1,))])
def test_view_changing_inplace_methods_match_torch(torch, name, args):
    shape = (3, 2) if name == "t_" else (2, 1, 3)
    array = np.arange(1.0, 7.0).reshape(shape)
    x, t = tg.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    with pytest.raises(RuntimeError):
        getattr(t, name)(*args)
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(x, name)(*args)
    y, t_y = x * 2, t * 2
    version = y._version
    assert getattr(y, name)(*args) is y and getattr(t_y, name)(*args) is t_y
    assert y.shape == tuple(t_y.shape) and y.stride() == t_y.stride()
    assert y._version == version + 1
    np.testing.assert_array_equal(y.detach().numpy(), t_y.detach().numpy())
    weights = np.random.default_rng(5).normal(size=y.shape)
    (y * tg.tensor(weights)).sum().backward()
    (t_y * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    plain, t_plain = both(torch, array)
    getattr(plain, name)(*args)
    getattr(t_plain, name)(*args)
    same(plain, t_plain, torch)


@pytest.mark.parametrize("shape, wrap", [((3, 3), False), ((5, 3), False), ((5, 3), True),
                                         ((2, 4), True), ((3, 3, 3), False)])
def test_fill_diagonal_matches_torch(torch, shape, wrap):
    x, t = tg.zeros(*shape), torch.zeros(*shape)
    same(x.fill_diagonal_(2.5, wrap=wrap), t.fill_diagonal_(2.5, wrap=wrap), torch)
    array = np.random.default_rng(6).normal(size=shape)
    x, t = tg.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    y, t_y = (x * 3).fill_diagonal_(1.0, wrap=wrap), (t * 3).fill_diagonal_(1.0, wrap=wrap)
    np.testing.assert_allclose(y.detach().numpy(), t_y.detach().numpy(), rtol=1e-6)
    (y * y).sum().backward()
    (t_y * t_y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)


def test_fill_diagonal_refuses_what_torch_refuses(torch):
    for shape in ((3,), (3, 4, 5)):
        with pytest.raises(RuntimeError):
            torch.zeros(shape).fill_diagonal_(1)
        with pytest.raises(RuntimeError):
            tg.zeros(shape).fill_diagonal_(1)


def test_random_exponential_and_bernoulli_fill_in_place_with_torchs_ranges(torch):
    tg.manual_seed(0)
    x = tg.zeros(4000)
    version = x._version
    assert x.random_(5) is x and x._version == version + 1
    assert set(x.tolist()) == {0.0, 1.0, 2.0, 3.0, 4.0}
    x.random_(2, 4)
    assert set(x.tolist()) == {2.0, 3.0}
    x.random_(**{"from": -3, "to": -1})
    assert set(x.tolist()) == {-3.0, -2.0}
    x.random_()
    assert x.min().item() >= 0 and x.max().item() <= 2 ** 24 and x.max().item() > 2 ** 20
    n = tg.zeros(100, dtype=tg.int32).random_()
    assert n.dtype == tg.int32 and n.min().item() >= 0
    assert set(tg.zeros(100, dtype=tg.bool).random_().tolist()) == {False, True}
    x.exponential_(2.0)
    assert x.min().item() >= 0 and abs(x.mean().item() - 0.5) < 0.05 and x.dtype == tg.float32
    x.bernoulli_(0.25)
    assert set(x.tolist()) == {0.0, 1.0} and abs(x.mean().item() - 0.25) < 0.03
    assert tg.zeros(3, dtype=tg.int64).bernoulli_(tg.tensor([1.0, 0.0, 1.0])).tolist() == [1, 0, 1]
    with pytest.raises(RuntimeError):
        torch.zeros(3).random_(4, 2)
    with pytest.raises(RuntimeError):
        x.random_(4, 2)
    with pytest.raises(RuntimeError):
        torch.zeros(3).bernoulli_(1.5)
    with pytest.raises(RuntimeError):
        x.bernoulli_(1.5)
    leaf = tg.zeros(3, requires_grad=True)
    for call in (lambda: leaf.random_(3), lambda: leaf.exponential_(),
                 lambda: leaf.bernoulli_(0.5)):
        with pytest.raises(RuntimeError, match="leaf"):
            call()


# -- strides and sizes ---------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda m: m.zeros(2, 3, 4), lambda m: m.zeros(2, 3, 4).transpose(0, 2),
    lambda m: m.zeros(3).expand(2, 3), lambda m: m.zeros(4, 5)[:, 1:3],
    lambda m: m.zeros(4, 5)[::2], lambda m: m.zeros(0, 3), lambda m: m.tensor(1.0),
    lambda m: m.zeros(2, 1, 3), lambda m: m.zeros(2, 3).t(), lambda m: m.zeros(3, 3).diagonal(),
    lambda m: m.zeros(2, 3, dtype=m.float64), lambda m: m.zeros(5, dtype=m.int16),
    lambda m: m.zeros(2, 3).permute(1, 0), lambda m: m.zeros(6).view(2, 3),
])
def test_stride_nbytes_itemsize_element_size_match_torch(torch, make):
    x, t = make(tg), make(torch)
    assert x.stride() == t.stride()
    for dim in range(-x.ndim, x.ndim):
        assert x.stride(dim) == t.stride(dim)
    assert x.nbytes == t.nbytes and x.itemsize == t.itemsize
    assert x.element_size() == t.element_size()
    with pytest.raises(IndexError):
        t.stride(x.ndim)
    with pytest.raises(IndexError):
        x.stride(x.ndim)


def test_draws_take_a_generator_and_repeat_with_its_seed():
    def draws(seed):
        g = tg.Generator().manual_seed(seed)
        return [tg.bernoulli(tg.full((50,), 0.5), generator=g),
                tg.zeros(50).bernoulli_(0.5, generator=g), tg.zeros(50).random_(9, generator=g),
                tg.zeros(50).exponential_(generator=g),
                tg.randint_like(tg.zeros(50), 9, generator=g)]

    for a, b in zip(draws(7), draws(7), strict=True):
        assert tg.equal(a, b)
    assert not all(tg.equal(a, b) for a, b in zip(draws(7), draws(8), strict=True))


def test_pow_with_an_exponent_that_requires_grad_gives_torchs_gradients(torch):
    base, power = np.array([1.5, 2.0, 0.5]), np.array([2.0, -1.0, 0.5])
    x, e = tg.tensor(base, requires_grad=True), tg.tensor(power, requires_grad=True)
    t_x, t_e = torch.tensor(base, requires_grad=True), torch.tensor(power, requires_grad=True)
    y, t_y = x * 1, t_x * 1
    y.pow_(e).sum().backward()
    t_y.pow_(t_e).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t_x.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(e.grad.numpy(), t_e.grad.numpy(), rtol=1e-6)
    leaf = tg.ones(3)  # needs no grad itself: recorded because the exponent does
    leaf.pow_(e)
    assert leaf.requires_grad and leaf.grad_fn is not None
