"""PyTorch's tensor utilities that tinygraph lacked, against torch 2.13 (run as twins: the same
code on both libraries): values, dtypes, shapes, views and memory sharing, gradients, error
types. The differentiable ones are also in the op table (tests/optable/utilities.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from twins import raises_as_torch, run_code

import tinygraph as tg

pytestmark = pytest.mark.filterwarnings("ignore:torch.range is deprecated:UserWarning")


def _plain(value):
    """Tensors as (array, dtype name); tuples and lists element by element."""
    if hasattr(value, "detach") and hasattr(value, "dtype"):
        array = value.detach().numpy()
        return ("tensor", np.array(array), str(array.dtype))
    if isinstance(value, (tuple, list)):
        return type(value).__name__ if not hasattr(value, "_fields") else "tuple", \
            [_plain(v) for v in value]
    if hasattr(value, "itemsize") and not isinstance(value, np.ndarray):  # a dtype
        return ("dtype", str(value).replace("torch.", "").replace("tg.", ""))
    return value


def _equal(ours, theirs, code: str) -> None:
    if isinstance(theirs, tuple) and theirs and theirs[0] == "tensor":
        assert ours[0] == "tensor", code
        assert ours[2] == theirs[2], (code, ours[2], theirs[2])
        assert ours[1].shape == theirs[1].shape, (code, ours[1].shape, theirs[1].shape)
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=0, err_msg=code)
    elif isinstance(theirs, tuple) and len(theirs) == 2 and isinstance(theirs[1], list):
        assert len(ours[1]) == len(theirs[1]), code
        for a, b in zip(ours[1], theirs[1]):
            _equal(a, b, code)
    else:
        assert ours == theirs, (code, ours, theirs)


def same(torch, code: str) -> None:
    """``code`` (setting ``r``) gives the same values, dtypes, shapes, numbers in both."""
    _equal(_plain(run_code(tg, code)), _plain(run_code(torch, code)), code)


# -- nanmedian, aminmax --------------------------------------------------------------------

NAN = "n = float('nan'); x = torch.tensor([[1., n, 3., 2.], [4., 5., n, n], [n, 6., n, n]], " \
      "dtype=torch.float64)\n"


@pytest.mark.parametrize("code", [
    NAN + "r = torch.nanmedian(x)",
    NAN + "r = tuple(torch.nanmedian(x, 1))",
    NAN + "r = tuple(x.nanmedian(dim=0, keepdim=True))",
    NAN + "r = torch.nanmedian(x, -1).indices",
    "r = tuple(torch.nanmedian(torch.tensor([2., 1, 2, 1]), 0))",
    "r = torch.nanmedian(torch.tensor([1, 5, 2, 7]))",
    "r = tuple(torch.nanmedian(torch.tensor(3.), 0))",
    "r = torch.nanmedian(torch.tensor([]))",
    "r = [torch.nanmedian(torch.full((2, 3), float('nan'))), "
    "torch.nanmedian(torch.full((2, 5), float('nan')), 1).values]",
    "r = tuple(torch.aminmax(torch.tensor([[1., 7., -2.], [4., 4., 0.]])))",
    "r = tuple(torch.aminmax(torch.tensor([[1., 7., -2.], [4., 4., 0.]]), dim=1))",
    "r = tuple(torch.tensor([[1, 7], [4, 0]]).aminmax(dim=0, keepdim=True))",
    "r = tuple(torch.aminmax(torch.ones(2, 3), keepdim=True))",
    "r = tuple(torch.aminmax(torch.tensor(2.5), dim=0))",
    NAN + "r = tuple(torch.aminmax(x))",
    "r = [torch.aminmax(torch.tensor([1., 2.])).min, torch.aminmax(torch.tensor([3.])).max]",
])
def test_nanmedian_and_aminmax_match_torch(torch, code):
    same(torch, code)


@pytest.mark.parametrize("code", [
    "torch.nanmedian(torch.zeros(0, 3), 0)",
    "torch.nanmedian(torch.ones(2, 3), 2)",
    "torch.nanmedian(torch.tensor([True, False]))",
    "torch.aminmax(torch.tensor([]))",
    "torch.aminmax(torch.zeros(2, 0), dim=1)",
    "torch.aminmax(torch.ones(2), 0)",
])
def test_nanmedian_and_aminmax_refuse_as_torch(torch, code):
    raises_as_torch(torch, code)


@pytest.mark.parametrize("code", [
    # ties: the gradient of the all-element nanmedian and of aminmax is shared evenly
    "x = torch.tensor([1., 2., 2., 1., float('nan')], dtype=torch.float64, requires_grad=True)\n"
    "r = torch.autograd.grad(torch.nanmedian(x) * 3, x)",
    "x = torch.tensor([[1., 2., 5.], [3., float('nan'), 0.]], dtype=torch.float64, "
    "requires_grad=True)\nr = torch.autograd.grad(torch.nanmedian(x, 1).values.sum(), x)",
    "x = torch.tensor([1., 5., 2., 5., 1.], dtype=torch.float64, requires_grad=True)\n"
    "a = torch.aminmax(x)\nr = torch.autograd.grad(a.min * 2 + a.max * 7, x)",
])
def test_nanmedian_and_aminmax_gradients_match_torch(torch, code):
    same(torch, code)


# -- trapezoid, vander, diagflat, msort, take ----------------------------------------------

@pytest.mark.parametrize("code", [
    "r = torch.trapezoid(torch.tensor([1, 2, 3]))",
    "r = torch.trapezoid(torch.tensor([1, 2, 3]), dx=2)",
    "r = torch.trapezoid(torch.tensor([1., 2, 3]), torch.tensor([0, 1, 3]))",
    "r = torch.trapezoid(torch.zeros(2, 0, dtype=torch.float64))",
    "r = torch.trapezoid(torch.arange(6.).reshape(2, 3), torch.tensor([[0., 1, 3]]))",
    "r = torch.trapezoid(torch.arange(6.).reshape(3, 2), torch.tensor([0., 1, 3]), dim=0)",
    "r = torch.trapezoid(torch.arange(12.).reshape(2, 3, 2), torch.arange(12.).reshape(2, 3, 2)"
    " ** 2, dim=1)",
    "r = torch.trapz(torch.tensor([1., 2, 3]), torch.tensor([0., 1, 3]))",
    "r = torch.trapz(torch.tensor([[1., 2, 3]]), dx=0.5, dim=1)",
    "r = torch.cumulative_trapezoid(torch.tensor([1, 2, 3]))",
    "r = torch.cumulative_trapezoid(torch.ones(2, 3), torch.arange(3.) * 2, dim=1)",
    "r = torch.cumulative_trapezoid(torch.zeros(2, 0))",
    "r = torch.vander(torch.tensor([1, 2, 3]))",
    "r = torch.vander(torch.tensor([1, 2], dtype=torch.int32), N=4)",
    "r = torch.vander(torch.tensor([True, False]))",
    "r = torch.vander(torch.tensor([1., 2], dtype=torch.float16), increasing=True)",
    "r = torch.vander(torch.tensor([1., 2]), N=0)",
    "r = torch.vander(torch.zeros(0))",
    "r = torch.diagflat(torch.tensor([[1, 2], [3, 4]]), 1)",
    "r = torch.tensor([1., 2.]).diagflat(-1)",
    "r = torch.diagflat(torch.tensor(5.))",
    "r = torch.msort(torch.tensor([[3, 1], [2, 4], [0, 9]]))",
    "r = torch.tensor([3., 1., 2.]).msort()",
    "r = torch.take(torch.arange(6).reshape(2, 3), torch.tensor([[0, -1], [4, 4]]))",
    "r = torch.arange(6.).reshape(2, 3).t().take(torch.tensor([1, 2]))",
    "r = torch.take(torch.tensor(5.), torch.tensor(0))",
])
def test_integration_matrices_and_take_match_torch(torch, code):
    same(torch, code)


@pytest.mark.parametrize("code", [
    "torch.trapezoid(torch.tensor([1., 2, 3]), torch.tensor([1., 2, 3]), dx=1)",
    "torch.trapezoid(torch.tensor(1.))",
    "torch.trapezoid(torch.tensor([1., 2.]), [0., 1.])",
    "torch.trapezoid(torch.ones(2, 3), torch.ones(2))",
    "torch.vander(torch.ones(2, 2))",
    "torch.vander(torch.ones(2), N=-1)",
    "torch.take(torch.arange(6), torch.tensor([6]))",
    "torch.take(torch.arange(6), torch.tensor([-7]))",
    "torch.take(torch.arange(6.), torch.tensor([1], dtype=torch.int32))",
])
def test_integration_matrices_and_take_refuse_as_torch(torch, code):
    raises_as_torch(torch, code)


def test_trapezoid_of_an_empty_dim_is_outside_the_graph_as_torch(torch):
    for lib in (tg, torch):
        y = lib.zeros(2, 0, dtype=lib.float64, requires_grad=True)
        assert not lib.trapezoid(y).requires_grad
        assert lib.cumulative_trapezoid(y).requires_grad


# -- select, narrow_copy, splits, atleast, row_stack ----------------------------------------

@pytest.mark.parametrize("code", [
    "r = torch.select(torch.arange(6).reshape(2, 3), 1, -1)",
    "r = torch.arange(24.).reshape(2, 3, 4).select(-2, 1)",
    "r = torch.narrow_copy(torch.arange(6).reshape(2, 3), 1, 1, 2)",
    "r = torch.arange(6.).narrow_copy(0, -2, 2)",
    "r = torch.split_with_sizes(torch.arange(6), [2, 0, 4])",
    "r = torch.arange(6).reshape(3, 2).split_with_sizes([1, 1], dim=1)",
    "r = torch.hsplit(torch.arange(6), 3)",
    "r = torch.hsplit(torch.arange(6).reshape(2, 3), [1])",
    "r = torch.arange(12).reshape(4, 3).vsplit([1, 10])",
    "r = torch.vsplit(torch.arange(12).reshape(4, 3), 2)",
    "r = torch.dsplit(torch.arange(6).reshape(1, 2, 3), [1, 2])",
    "r = torch.arange(8).reshape(1, 2, 4).dsplit(2)",
    "r = torch.atleast_1d(torch.tensor(1.))",
    "r = torch.atleast_2d([torch.tensor(1.), torch.tensor([1., 2.])])",
    "r = torch.atleast_3d(torch.tensor(1.), torch.ones(2), torch.ones(2, 3), "
    "torch.ones(1, 2, 3, 4))",
    "r = torch.atleast_1d((torch.ones(2),))",
    "r = torch.row_stack([torch.tensor([1, 2]), torch.tensor([[3, 4], [5, 6]])])",
    "r = torch.row_stack((torch.tensor([1.]), torch.tensor([2], dtype=torch.int32)))",
])
def test_picking_and_cutting_match_torch(torch, code):
    same(torch, code)


@pytest.mark.parametrize("code", [
    "torch.select(torch.tensor(5.), 0, 0)",
    "torch.select(torch.ones(2, 3), 1, 3)",
    "torch.select(torch.ones(2, 3), 2, 0)",
    "torch.narrow_copy(torch.ones(3), 0, 2, 2)",
    "torch.split_with_sizes(torch.arange(6), [2, 3])",
    "torch.split_with_sizes(torch.arange(6), [7, -1])",
    "torch.hsplit(torch.tensor(1.), 1)",
    "torch.hsplit(torch.arange(6), 4)",
    "torch.hsplit(torch.ones(2, 2), 0)",
    "torch.vsplit(torch.arange(6), 3)",
    "torch.dsplit(torch.ones(2, 2), 1)",
])
def test_picking_and_cutting_refuse_as_torch(torch, code):
    raises_as_torch(torch, code)


def test_views_share_memory_and_copies_do_not(torch):
    for lib in (tg, torch):
        x = lib.zeros(2, 3)
        x.select(1, 2).fill_(7)                  # select: a view
        lib.narrow_copy(x, 1, 0, 2).fill_(5)     # narrow_copy: a copy
        lib.split_with_sizes(x, [1, 1])[1].fill_(1)
        lib.hsplit(x, [1])[0].fill_(3)
        lib.atleast_3d(x)[0, 0, 0] = 9
        assert x.tolist() == [[9.0, 0.0, 7.0], [3.0, 1.0, 1.0]]
        y = lib.ones(2)
        assert lib.atleast_1d(y) is y and lib.atleast_2d(lib.ones(2, 2)).shape == (2, 2)


def test_select_gradient_and_multi_output_rules_match_torch(torch):
    def run(lib):
        x = lib.arange(6.0, dtype=lib.float64).reshape(2, 3).requires_grad_()
        out = (x.select(1, 0) * 2).sum() + (lib.split_with_sizes(x, [1, 1])[1] ** 2).sum() \
            + (lib.dsplit(x.reshape(1, 2, 3), [2])[0] * 3).sum()
        return lib.autograd.grad(out, x)[0].numpy()

    np.testing.assert_allclose(run(tg), run(torch), rtol=1e-12)
    for lib in (tg, torch):
        x = lib.ones(4, requires_grad=True) * 1
        with pytest.raises(RuntimeError):
            lib.split_with_sizes(x, [2, 2])[0].mul_(2)


# -- dtypes ----------------------------------------------------------------------------------

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def test_promote_types_and_can_cast_match_torch_for_every_pair(torch):
    for a in DTYPES:
        for b in DTYPES:
            want = torch.promote_types(getattr(torch, a), getattr(torch, b))
            assert tg.promote_types(getattr(tg, a), getattr(tg, b)) == getattr(tg, str(want)[6:])
            assert tg.can_cast(getattr(tg, a), getattr(tg, b)) == \
                torch.can_cast(getattr(torch, a), getattr(torch, b)), (a, b)


@pytest.mark.parametrize("code", [
    "r = torch.result_type(torch.tensor([1]), 1.0)",
    "r = torch.result_type(1, 2)",
    "r = torch.result_type(2, 1.0)",
    "r = torch.result_type(True, 1)",
    "r = torch.result_type(1.0, 2.0)",
    "r = torch.result_type(torch.tensor([True]), True)",
    "r = torch.result_type(torch.tensor([1], dtype=torch.uint8), -1)",
    "r = torch.result_type(torch.tensor(1., dtype=torch.float64), torch.tensor([1], "
    "dtype=torch.int32))",
    "r = torch.result_type(torch.tensor([1], dtype=torch.int8), torch.tensor(1000))",
    "r = torch.result_type(torch.tensor(1, dtype=torch.int16), 2.5)",
    "r = [torch.isreal(torch.tensor([1., 2])), torch.tensor([[1]]).isreal()]",
    "r = [torch.is_complex(torch.tensor([1.])), torch.ones(2).is_complex()]",
])
def test_result_type_and_dtype_tests_match_torch(torch, code):
    same(torch, code)


@pytest.mark.parametrize("code", [
    "torch.result_type(torch.tensor([1]), 'a')",
])
def test_dtype_rules_refuse_as_torch(torch, code):
    raises_as_torch(torch, code)


# -- top-level dropout, tg.range -----------------------------------------------------------

@pytest.mark.parametrize("code", [
    "r = torch.dropout(torch.ones(3), 0.5, False)",
    "r = torch.dropout(torch.ones(3), 1.0, True)",
    "r = torch.dropout(torch.ones(3), p=0.0, train=True)",
    "r = torch.alpha_dropout(torch.ones(3), 0.5, False)",
    "r = torch.feature_alpha_dropout(torch.ones(2, 3), 0.5, False)",
    "r = torch.range(1, 4)",
    "r = torch.range(1, 4, 0.5)",
    "r = torch.range(0, 10, 3)",
    "r = torch.range(1, 2, 0.3)",
    "r = torch.range(4, 1, -1, dtype=torch.int64)",
    "r = torch.range(1, 3, requires_grad=True)",
])
def test_top_level_dropout_and_range_match_torch(torch, code):
    same(torch, code)


@pytest.mark.parametrize("code", [
    "torch.dropout(torch.ones(3), 0.5)",
    "torch.dropout(torch.ones(3), 1.5, True)",
    "torch.alpha_dropout(torch.ones(3), -0.1, True)",
    "torch.range(4, 1)",
    "torch.range(0, 1, 0)",
    "torch.range(3)",
])
def test_top_level_dropout_and_range_refuse_as_torch(torch, code):
    raises_as_torch(torch, code)


def test_dropout_in_training_drops_and_scales():
    tg.manual_seed(0)
    out = tg.dropout(tg.ones(10000, dtype=tg.float64), 0.25, True).numpy()
    assert set(np.unique(out)) <= {0.0, 1 / 0.75}
    assert abs((out == 0).mean() - 0.25) < 0.02


def test_range_warns_as_torch(torch):
    for lib in (tg, torch):
        with pytest.warns(UserWarning, match="range is deprecated"):
            lib.range(0, 2)


# -- H, mH, real, imag -----------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "r = torch.arange(6.).reshape(2, 3).H",
    "r = torch.arange(24.).reshape(2, 3, 4).mH",
    "r = torch.arange(6.).reshape(2, 3).real",
    "r = torch.real(torch.arange(3))",
])
def test_conjugate_views_of_real_tensors_match_torch(torch, code):
    same(torch, code)


@pytest.mark.parametrize("code", [
    "torch.arange(3.).H", "torch.ones(2, 3, 4).H", "torch.arange(3.).mH",
    "torch.ones(2).imag", "torch.imag(torch.ones(2))",
])
def test_conjugate_views_refuse_as_torch(torch, code):
    raises_as_torch(torch, code)


def test_h_and_mh_are_views_and_real_is_the_tensor(torch):
    for lib in (tg, torch):
        x = lib.zeros(2, 3)
        x.mH[2, 1] = 4
        x.H[0, 0] = 1
        assert x.tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 4.0]]
        assert x.real is x and lib.real(x) is x
        with pytest.warns(UserWarning, match="deprecated on 0-D"):
            assert lib.tensor(2.0).H.item() == 2.0


def test_top_level_in_place_functions_change_their_input(torch):
    for lib in (tg, torch):
        x = lib.zeros(3)
        assert lib.index_put_(x, (lib.tensor([1]),), lib.tensor(2.0), accumulate=True) is x
        assert lib.resize_as_(x, lib.zeros(2)) is x
        assert x.tolist() == [0.0, 2.0]


# -- index_put, index_copy, put --------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "x = torch.zeros(3, 4)\nr = x.index_put_((torch.tensor([0, 0]), torch.tensor([1, 1])), "
    "torch.tensor(1.), accumulate=True)",
    "r = torch.zeros(3, 4).index_put((torch.tensor([0, 2]),), torch.tensor([1., 2, 3, 4]))",
    "r = torch.index_put(torch.zeros(3, 4), (torch.tensor([True, False, True]),), "
    "torch.tensor(7.))",
    "r = torch.zeros(3, 4).index_put_([torch.tensor([0])], torch.tensor(1.))",
    "r = torch.zeros(3, 4, dtype=torch.int64).index_put_((torch.tensor([1, 1, 2], "
    "dtype=torch.int32),), torch.tensor([1, 2, 3, 4]), accumulate=True)",
    "r = torch.zeros(3, 2).index_copy_(0, torch.tensor([2, 0]), torch.tensor([[1., 2], [3, 4]]))",
    "r = torch.index_copy(torch.zeros(3, 2), 1, torch.tensor([1]), torch.ones(3, 1))",
    "r = torch.zeros(2, 3).put_(torch.tensor([0, -1, 0]), torch.tensor([1., 2, 3]), "
    "accumulate=True)",
    "r = torch.zeros(2, 3).put(torch.tensor([[1]]), torch.tensor([9.]))",
    "r = torch.put(torch.zeros(2, 3).t(), torch.tensor([1, 4]), torch.tensor([5., 6.]))",
])
def test_index_writes_match_torch(torch, code):
    same(torch, code)


@pytest.mark.parametrize("code", [
    "torch.zeros(3, 4).index_put_((torch.tensor([0.]),), torch.tensor(1.))",
    "torch.zeros(3, 4).index_put_((torch.tensor([0]),), 1.)",
    "torch.zeros(3, 4).index_put_((torch.tensor([0]),), torch.tensor(1, dtype=torch.int64))",
    "torch.zeros(3).index_put_((torch.tensor([0]), torch.tensor([0])), torch.tensor(1.))",
    "torch.zeros(3, 4).index_put_((torch.tensor([0]),), torch.ones(3))",
    "torch.zeros(3, 2).index_copy(0, torch.tensor([2, 0]), torch.ones(2, 2, dtype=torch.float64))",
    "torch.zeros(3, 2).index_copy(0, torch.tensor([3]), torch.ones(1, 2))",
    "torch.zeros(3, 2).index_copy(0, torch.tensor([0, 1]), torch.ones(1, 2))",
    "torch.zeros(3, 2).index_copy(0, torch.tensor([0.]), torch.ones(1, 2))",
    "torch.zeros(2, 3).put(torch.tensor([6]), torch.tensor([9.]))",
    "torch.zeros(2, 3).put(torch.tensor([1, 2]), torch.tensor([9.]))",
])
def test_index_writes_refuse_as_torch(torch, code):
    raises_as_torch(torch, code)


@pytest.mark.parametrize("change", [
    "y.index_put_((lib.tensor([0, 2, 0]),), v * 2, accumulate=True)",
    "y.index_put_((lib.tensor([0, 2, 0]),), v[:3].reshape(3, 1), accumulate=True)",
    "y.index_put_((lib.tensor([1, 0]), lib.tensor([2, 2])), v[1:3])",
    "y[1].index_copy_(0, lib.tensor([2, 0]), v[:2])",
    "y.put_(lib.tensor([5, -1, 0]), v[:3], accumulate=True)",
    "y.t().put_(lib.tensor([1, 3]), v[2:] ** 2)",
])
def test_in_place_index_writes_record_gradients_as_torch(torch, change):
    def run(lib):
        x = lib.tensor(np.arange(1.0, 13.0).reshape(3, 4), dtype=lib.float64, requires_grad=True)
        v = lib.tensor([0.5, -1.5, 2.5, 3.0], dtype=lib.float64, requires_grad=True)
        y = x * 1
        version = y._version
        eval(change, {"lib": lib, "y": y, "v": v})
        assert y._version > version
        (y * y).sum().backward()
        return y.detach().numpy().copy(), x.grad.numpy(), v.grad.numpy()

    for ours, theirs in zip(run(tg), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_in_place_index_writes_refuse_leaves_that_require_grad(torch):
    for lib in (tg, torch):
        x = lib.zeros(3, requires_grad=True)
        changes = [("index_put_", ((lib.tensor([0]),), lib.tensor(1.0))),
                   ("index_copy_", (0, lib.tensor([0]), lib.ones(1))),
                   ("put_", (lib.tensor([0]), lib.ones(1)))]
        for name, args in changes:
            with pytest.raises(RuntimeError, match="leaf"):
                getattr(x, name)(*args)
        with lib.no_grad():
            x.put_(lib.tensor([1]), lib.ones(1))
        assert x.tolist() == [0.0, 1.0, 0.0]


# -- apply_, map_, resize_ ------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "x = torch.tensor([1., 2, 3]); r = [x.apply_(lambda v: v * 2), x]",
    "r = torch.tensor([1., 2, 3]).map_(torch.tensor([1., 1, 1]), lambda u, v: u + v)",
    "r = torch.tensor([1, 2]).apply_(lambda v: v * 2.7)",
    "r = torch.arange(6.).reshape(2, 3).map_(torch.tensor([10., 20, 30]), lambda a, b: a * b)",
    "r = torch.tensor(2.).apply_(lambda v: -v)",
    "x = torch.arange(6.); r = [x.resize_(2, 2).clone(), x.resize_(3, 3)[:2]]",
    "x = torch.arange(6.); r = x.resize_as_(torch.zeros(2))",
    "x = torch.arange(6.)\nv = x[1:].view(5)\nr = [v.resize_(2), v.resize_(5)]",
])
def test_callables_and_resize_match_torch(torch, code):
    same(torch, code)


@pytest.mark.parametrize("code", [
    "torch.tensor([1., 2], requires_grad=True).apply_(lambda v: v)",
    "(torch.tensor([1., 2], requires_grad=True) * 2).map_(torch.ones(2), lambda u, v: u)",
    "torch.tensor([1., 2]).apply_(lambda v: 'a')",
    "torch.tensor([1., 2]).map_(torch.ones(3, 2), lambda u, v: u)",
    "torch.arange(3., requires_grad=True).resize_(2)",
    "(torch.arange(3., requires_grad=True) * 1).resize_(3)",
])
def test_callables_and_resize_refuse_as_torch(torch, code):
    raises_as_torch(torch, code)


def test_resize_bumps_the_version_and_keeps_the_storage(torch):
    for lib in (tg, torch):
        x = lib.arange(6.0)
        base = x.data_ptr()
        x.apply_(lambda v: v + 1)
        version = x._version
        x.resize_(2, 2)
        assert x.data_ptr() == base and x._version == version + 1
        x.resize_(4, 4)  # grown: the old elements first
        assert x.reshape(-1)[:6].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
        y = lib.zeros(2, 2)
        v = y.view(4)
        v.map_(lib.arange(4.0), lambda a, b: b)
        assert y.tolist() == [[0.0, 1.0], [2.0, 3.0]]


def test_apply_and_map_bump_the_version_so_saved_values_are_checked():
    # PyTorch's apply_/map_ leave the version alone (a graph that saved the tensor then
    # silently uses the new values); here they count as the in-place changes they are
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.tensor([3.0, 4.0])
    y = (w * x).sum()
    x.apply_(lambda v: v * 10)
    assert x._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    x.map_(tg.ones(2), lambda a, b: a + b)
    assert x._version == 2 and x.tolist() == [31.0, 41.0]


# -- storage ---------------------------------------------------------------------------------

def test_storage_facts_match_torch(torch):
    def facts(lib):
        t = lib.arange(6.0)
        m = t.view(2, 3)
        s = lib.ones(2)
        before = s.is_shared()
        s.share_memory_()
        return [t[0:].data_ptr() == t.data_ptr(), t[1:].data_ptr() - t.data_ptr(),
                m.data_ptr() == t.data_ptr(), m[1].data_ptr() - t.data_ptr(),
                m.t().data_ptr() == t.data_ptr(), lib.empty(0).data_ptr(),
                t[2:].storage_offset(), m[:, 1].storage_offset(), m.t()[2].storage_offset(),
                before, s.is_shared(), s[1:].is_shared(), lib.ones(2).is_shared(),
                s.is_pinned()]

    assert facts(tg) == facts(torch)
    raises_as_torch(torch, "torch.ones(2).pin_memory()")


@pytest.mark.parametrize("code", [
    "t = torch.arange(6.); r = t.new(2, 3).shape",
    "r = torch.arange(6.).new([1, 2])",
    "r = torch.arange(6.).new()",
    "r = torch.arange(3).new([1.5])",
    "r = torch.arange(6.).new((2, 3))",
    "r = torch.arange(6.).new(torch.Size([2, 3])).shape",
    "r = torch.arange(6.).new(torch.tensor([1., 2])).requires_grad",
    "r = torch.empty_strided((2, 3), (1, 2)).stride()",
    "r = torch.empty_strided((2, 3), (3, 1), dtype=torch.float64).dtype",
    "r = torch.empty_strided((0, 3), (3, 1)).shape",
    "r = torch.empty_strided((2, 2), (2, 1), requires_grad=True).requires_grad",
])
def test_new_and_empty_strided_match_torch(torch, code):
    same(torch, code)


@pytest.mark.parametrize("code", [
    "torch.arange(6.).new(torch.tensor([1, 2]))",
    "torch.arange(6.).new(2.5)",
    "torch.arange(6.).new([[1, 2], [3]])",
    "torch.empty_strided((2, 3), (-1, 1))",
    "torch.empty_strided((2, 3), (1,))",
])
def test_new_and_empty_strided_refuse_as_torch(torch, code):
    raises_as_torch(torch, code)


# -- as_strided ----------------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "t = torch.arange(6.); r = torch.as_strided(t, (2, 2), (1, 2), 1)",
    "t = torch.arange(6.); r = t[2:].as_strided((2,), (1,))",
    "t = torch.arange(6.); r = t.as_strided((2, 2), (1, 2)).storage_offset()",
    "t = torch.arange(12.).reshape(3, 4).t(); r = t.as_strided((3, 3), (4, 1))",
    "t = torch.arange(6.); r = t.as_strided((3, 2), (0, 1), 2)",
    "t = torch.arange(6.); r = t.as_strided((0, 2), (1, 1), 6)",
    "t = torch.arange(6).reshape(2, 3); r = t.as_strided((2, 3), (1, 2)).stride()",
])
def test_as_strided_values_match_torch(torch, code):
    same(torch, code)


@pytest.mark.parametrize("code", [
    "torch.arange(6.).as_strided((3,), (3,), 0)",
    "torch.arange(6.).as_strided((3,), (3,), 1)",
    "torch.ones(2, 3).as_strided((2,), (1,), -1)",
    "torch.ones(2, 3).as_strided((2, 2), (1,))",
])
def test_as_strided_refuses_as_torch(torch, code):
    raises_as_torch(torch, code)


@pytest.mark.parametrize("make", [
    "x.as_strided((2, 2), (1, 1))",
    "x[2:].as_strided((2, 2), (1, 1))",
    "x.as_strided((3, 2), (2, 1), 1) * x.as_strided((3, 2), (1, 2))",
    "x.view(2, 4).t().as_strided((2, 2), (4, 1), 1)",
    "x.as_strided((4,), (0,), 3) ** 2",
    "x[2:4].as_strided((3,), (1,)) * lib.tensor([1., 2., 3.], dtype=lib.float64)",
    "x[1:2].expand(2, 3).as_strided((3, 2), (1, 2), 1)",
    "x[6:].as_strided((2,), (1,))",
])
def test_as_strided_gradients_match_torch(torch, make):
    def run(lib):
        x = lib.tensor(np.linspace(-1.0, 2.0, 8), dtype=lib.float64, requires_grad=True)
        y = eval(make, {"x": x, "lib": lib})
        (g,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        return y.detach().numpy(), g.detach().numpy(), gg.numpy()

    for ours, theirs in zip(run(tg), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_as_strided_of_an_overlapping_input_shares_the_gradient_as_torch(torch):
    # (torch's second derivative here is NaN; the first is compared)
    def run(lib):
        x = lib.tensor(np.linspace(-1.0, 2.0, 8), dtype=lib.float64, requires_grad=True)
        y = x[:1].expand(3).as_strided((2,), (1,)) * x[1:3]
        return lib.autograd.grad((y * y).sum(), x)[0].numpy()

    np.testing.assert_allclose(run(tg), run(torch), rtol=1e-12)


def test_as_strided_is_a_view_that_in_place_changes_go_through(torch):
    for lib in (tg, torch):
        base = lib.zeros(4)
        view = base.as_strided((2,), (2,))
        view += 1
        assert base.tolist() == [1.0, 0.0, 1.0, 0.0]
        x = lib.ones(4, dtype=lib.float64, requires_grad=True)
        y = x * 1
        y.as_strided((2,), (2,), 1).mul_(3)
        (g,) = lib.autograd.grad(y.sum(), x)
        assert g.tolist() == [1.0, 3.0, 1.0, 3.0]


def test_as_strided_export_refuses_a_view_outside_its_input(tmp_path, onnx):
    def model(x):
        return x[1:3].as_strided((3,), (1,))  # reads x[3], which x[1:3] does not hold

    with pytest.raises(tg.onnx.ExportError, match="outside its input"):
        tg.onnx.export(model, (tg.arange(6.0),), tmp_path / "m.onnx")


# -- legacy tensor types ---------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "r = torch.FloatTensor([1, 2])",
    "r = torch.LongTensor([1.5, 2])",
    "r = torch.DoubleTensor(2, 3).shape",
    "r = torch.FloatTensor()",
    "r = torch.FloatTensor(torch.Size([2])).shape",
    "r = torch.FloatTensor((2, 3))",
    "r = torch.BoolTensor([1, 0])",
    "r = torch.ByteTensor(2).dtype",
    "r = torch.HalfTensor([1])",
    "r = torch.IntTensor([[1, 2]])",
    "r = torch.FloatTensor(torch.tensor([1., 2]))",
    "r = [isinstance(torch.ones(2), torch.FloatTensor), "
    "isinstance(torch.ones(2, dtype=torch.float64), torch.FloatTensor), "
    "isinstance(torch.nn.Parameter(torch.ones(1)), torch.FloatTensor), "
    "isinstance(torch.tensor([1]), torch.LongTensor), isinstance(3, torch.LongTensor), "
    "isinstance(torch.tensor([True]), torch.BoolTensor), torch.FloatTensor.dtype == torch.float32]",
    "r = [torch.ones(2).type(), torch.tensor([1]).type(), torch.tensor([True]).type(), "
    "torch.ones(1, dtype=torch.float16).type(), torch.ones(1, dtype=torch.uint8).type()]",
    "r = torch.ones(2).type(torch.DoubleTensor)",
    "r = torch.ones(2).type('torch.IntTensor')",
    "r = torch.ones(2).type(torch.int64)",
    "r = torch.ones(2, dtype=torch.float64).type(torch.Tensor)",
    "x = torch.ones(2); r = x.type(torch.FloatTensor) is x",
    "r = torch.ones(2, requires_grad=True).type(torch.DoubleTensor).requires_grad",
])
def test_legacy_tensor_types_match_torch(torch, code):
    same(torch, code)


@pytest.mark.parametrize("code", [
    "torch.FloatTensor(torch.tensor([1, 2]))",
    "torch.FloatTensor([[1, 2], [3]])",
    "torch.FloatTensor(-1)",
    "torch.FloatTensor(2.5)",
])
def test_legacy_tensor_types_refuse_as_torch(torch, code):
    raises_as_torch(torch, code)


def test_legacy_constructor_of_a_tensor_shares_its_storage():
    x = tg.tensor([1.0, 2.0])
    y = tg.FloatTensor(x)
    y[0] = 5
    assert x.tolist() == [5.0, 2.0] and not y.requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tg.LongTensor(3).shape == (3,)
