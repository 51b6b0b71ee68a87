"""Parity checks for what the structured programs (test_pytorch_programs_structured*.py)
found missing or different, each against torch 2.13 in float64: F.pad with negative widths
(cropping), convolutions with padding="same" or "valid" and a padding_mode other than
zeros, and more."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from twins import raises_as_torch, same_as_torch

import tinygraph as tg


def _pad_run(lib, shape, widths, mode):
    x = lib.arange(int(np.prod(shape)), dtype=lib.float64).reshape(shape).requires_grad_()
    if mode == "constant":
        y = lib.nn.functional.pad(x, widths, value=0.5)
    else:
        y = lib.nn.functional.pad(x, widths, mode=mode)
    (y * lib.arange(y.numel(), dtype=lib.float64).reshape(y.shape)).sum().backward()
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("widths", [(-1, 1), (2, -3), (-2, -2), (-1, 0, 1, -1),
                                    (0, 0, -1, 0), (1, -2, -1, 1)])
def test_pad_with_negative_widths_crops_as_torch(torch, mode, widths):
    shape = (1, 2, 5) if len(widths) == 2 else (1, 2, 3, 5)
    ours, theirs = _pad_run(tg, shape, widths, mode), _pad_run(torch, shape, widths, mode)
    for mine, want in zip(ours, theirs):
        assert mine.shape == want.shape
        np.testing.assert_array_equal(mine, want)


@pytest.mark.parametrize("code", [
    "r = torch.nn.functional.pad(torch.ones(1, 2, 5), (-6, 1))",
    "r = torch.nn.functional.pad(torch.ones(1, 2, 5), (-5, 0), mode='reflect')",
    "r = torch.nn.functional.pad(torch.ones(1, 2, 5), (-3, -2), mode='replicate')"])
def test_pad_cropping_everything_raises_as_torch(torch, code):
    raises_as_torch(torch, code)


def _conv_run(lib, layer, kwargs, shape):
    rng = np.random.default_rng(5)
    conv = getattr(lib.nn, layer)(**kwargs).double()
    with lib.no_grad():
        conv.weight.copy_(lib.tensor(rng.normal(size=tuple(conv.weight.shape))))
        conv.bias.copy_(lib.tensor(rng.normal(size=tuple(conv.bias.shape))))
    x = lib.tensor(rng.normal(size=shape), requires_grad=True)
    y = conv(x)
    (y * y).sum().backward()
    return [y.detach().numpy(), x.grad.numpy(), conv.weight.grad.numpy()]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("layer, kwargs, shape", [
    ("Conv1d", dict(in_channels=2, out_channels=3, kernel_size=4, padding="same"), (2, 2, 7)),
    ("Conv1d", dict(in_channels=2, out_channels=3, kernel_size=3, padding="same",
                    dilation=2), (2, 2, 7)),
    ("Conv1d", dict(in_channels=2, out_channels=3, kernel_size=3, padding="valid"), (2, 2, 7)),
    ("Conv2d", dict(in_channels=2, out_channels=2, kernel_size=(4, 3), padding="same",
                    dilation=(1, 2)), (1, 2, 6, 7))])
def test_conv_same_padding_with_a_padding_mode_as_torch(torch, mode, layer, kwargs, shape):
    kwargs = dict(kwargs, padding_mode=mode)
    for mine, want in zip(_conv_run(tg, layer, kwargs, shape),
                          _conv_run(torch, layer, kwargs, shape)):
        assert mine.shape == want.shape
        np.testing.assert_allclose(mine, want, rtol=1e-12, atol=1e-12)


def test_transposed_conv_with_a_padding_mode_raises_as_torch(torch):
    raises_as_torch(torch, "r = torch.nn.ConvTranspose1d(2, 2, 3, padding_mode='reflect')")


def _distance_grads(lib, call):
    a = lib.tensor([[0.0, 1.0], [2.0, 3.0], [1.0, 1.0]], dtype=lib.float64, requires_grad=True)
    b = lib.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=lib.float64, requires_grad=True)
    y = eval(call, {"torch": lib, "a": a, "b": b})
    (y * lib.arange(1, y.numel() + 1, dtype=lib.float64).reshape(y.shape)).sum().backward()
    return [y.detach().numpy(), a.grad.numpy(), b.grad.numpy()]


@pytest.mark.parametrize("call", [
    "torch.cdist(a, b, p=float('inf'))", "torch.cdist(a[None], b[None], p=float('inf'))",
    "torch.pdist(a, p=float('inf')) + 0 * b.sum()", "torch.cdist(a, b, p=0)",
    "torch.pdist(a, p=0) + 0 * b.sum()", "torch.dist(a[:2], b, p=float('inf'))",
    "torch.norm(a - b[:1], p=float('inf'), dim=1)"])
def test_distance_gradients_at_ties_and_p0_as_torch(torch, call):
    """A tie for the largest |x| in cdist/pdist with p=inf gives each tied coordinate the
    whole gradient (norm and dist share it out); p=0 is differentiable with gradient 0.
    (torch.norm with p=0 is differentiable too, but leaves .grad None, and torch.dist's
    p=0 backward raises; tinygraph gives zeros for both.)"""
    for mine, want in zip(_distance_grads(tg, call), _distance_grads(torch, call)):
        assert mine.shape == want.shape and mine.dtype == want.dtype
        np.testing.assert_allclose(mine, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("code", [
    "r = torch.einsum(a, [0, 1, 2], b, [2, 3], [0, 1, 3])",
    "r = torch.einsum(a, [0, 1, 2], b, [2, 3])",
    "r = torch.einsum(m, [0, 0])",
    "r = torch.einsum(m, [1, 0])",
    "r = torch.einsum(a, [Ellipsis, 0], b, [0, 1])",
    "r = torch.einsum(a, [..., 51], [..., 51])",
    "r = torch.einsum(m, [0, 1], m, (1, 2), m, [2, 0], [])"])
def test_einsum_sublist_form_as_torch(torch, code):
    """Capsule and tensor-network code writes einsum with integer subscripts."""
    setup = ("a = torch.arange(24.).reshape(2, 3, 4).double(); "
             "b = torch.arange(8.).reshape(4, 2).double(); m = torch.arange(9.).reshape(3, 3)\n")
    same_as_torch(torch, setup + code)


@pytest.mark.parametrize("code", [
    "r = torch.einsum(torch.ones(2, 3), [0, 60])",
    "r = torch.einsum(torch.ones(2, 3), [0, -1])",
    "r = torch.einsum(torch.ones(2, 3), [0, 1], torch.ones(3))"])
def test_einsum_sublist_errors_as_torch(torch, code):
    raises_as_torch(torch, code)


@pytest.mark.parametrize("code", [
    "r = x.scatter(0, idx, s, reduce='multiply')",
    "r = x.scatter(1, idx[:2], 2.5, reduce='multiply')",
    "r = x.clone().scatter_(0, idx, s, reduce='multiply')",
    "r = x.long().scatter(0, idx, s.long(), reduce='multiply')",
    "r = x.scatter(0, idx, s, reduce='add')"])
def test_scatter_multiply_with_repeated_indices_as_torch(torch, code):
    """Repeated indices multiply together (reduce='add' sums them)."""
    setup = ("x = torch.tensor([[2., 3.], [1., 5.]], dtype=torch.float64)\n"
             "s = torch.tensor([[1., 2.], [3., 4.], [5., 6.]], dtype=torch.float64)\n"
             "idx = torch.tensor([[0, 1], [0, 1], [1, 1]])\n")
    with warnings.catch_warnings():  # torch: reduce= with a tensor src is deprecated
        warnings.simplefilter("ignore", UserWarning)
        same_as_torch(torch, setup + code)


def _cholesky_ex_run(lib, upper):
    a = np.array([[4.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    batch = lib.tensor(np.stack([np.eye(3), a, -np.eye(3), a + np.eye(3)]), requires_grad=True)
    L, info = lib.linalg.cholesky_ex(batch, upper=upper)
    good = L[info == 0]
    (good * lib.arange(good.numel(), dtype=lib.float64).reshape(good.shape)).sum().backward()
    # the failed matrices' gradients are LAPACK's partial results in torch: not compared
    return good.detach().numpy(), info.numpy(), batch.grad.numpy()[[0, 3]]


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_ex_reports_failures_in_info_as_torch(torch, upper):
    """The jitter loop of GP code: factor, and add to the diagonal where info says so."""
    for mine, want in zip(_cholesky_ex_run(tg, upper), _cholesky_ex_run(torch, upper)):
        assert mine.shape == want.shape and mine.dtype == want.dtype
        np.testing.assert_allclose(mine, want, rtol=1e-12, atol=1e-14)
    L, info = tg.linalg.cholesky_ex(tg.tensor([[1.0, 2.0], [2.0, 1.0]]))
    assert info.item() == 2 and bool(L.isnan().all())
    assert type(tg.linalg.cholesky_ex(tg.eye(2))).__name__ == "linalg_cholesky_ex"


@pytest.mark.parametrize("code", [
    "r = torch.linalg.cholesky_ex(torch.tensor([[1., 2.], [2., 1.]]), check_errors=True)",
    "r = torch.linalg.cholesky_ex(torch.ones(2, 3))",
    "r = torch.cholesky_inverse(torch.ones(3))"])
def test_cholesky_ex_and_inverse_errors_as_torch(torch, code):
    raises_as_torch(torch, code)


def test_cholesky_inverse_function_and_method_as_torch(torch):
    code = ("A = torch.tensor([[4., 2., 0.5], [2., 3., 0.], [0.5, 0., 2.]], dtype=torch.float64)\n"
            "r = torch.cholesky_inverse(torch.linalg.cholesky(A)) "
            "+ torch.linalg.cholesky(A, upper=True).cholesky_inverse(upper=True)")
    same_as_torch(torch, code)


def _edge_softmax(lib, in_place):
    """A softmax over each node's incoming edges with index_reduce's amax (the form some
    graph code uses instead of scatter_reduce), and its gradients."""
    scores = lib.tensor([[1.0, 0.5], [3.0, -1.0], [3.0, 2.0], [2.0, 0.0], [0.5, 0.5]],
                        dtype=lib.float64, requires_grad=True)
    target = lib.tensor([0, 0, 1, 1, 1])
    start = lib.full((2, 2), float("-inf"), dtype=lib.float64)
    if in_place:
        top = start.index_reduce_(0, target, scores.detach(), "amax")
    else:
        top = lib.index_reduce(start, 0, target, scores, "amax").detach()
    e = (scores - top[target]).exp()
    alpha = e / lib.zeros(2, 2, dtype=lib.float64).index_add(0, target, e)[target]
    mean = lib.ones(2, 2, dtype=lib.float64).index_reduce(0, target, scores, "mean",
                                                          include_self=False)
    ((alpha * lib.arange(10.0, dtype=lib.float64).view(5, 2)).sum() + mean.pow(2).sum()
     ).backward()
    return [alpha.detach().numpy(), mean.detach().numpy(), scores.grad.numpy()]


@pytest.mark.parametrize("in_place", [False, True])
def test_index_reduce_in_an_edge_softmax_as_torch(torch, in_place):
    with warnings.catch_warnings():  # torch: index_reduce() is in beta
        warnings.simplefilter("ignore", UserWarning)
        theirs = _edge_softmax(torch, in_place)
    for mine, want in zip(_edge_softmax(tg, in_place), theirs):
        np.testing.assert_allclose(mine, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("code", [
    "r = torch.ones(3).index_reduce(0, torch.tensor([0, 1]), torch.ones(2), 'sum')",
    "r = torch.ones(3).index_reduce(0, torch.tensor([0, 1]), torch.ones(3), 'prod')",
    "r = torch.ones(3).index_reduce(0, torch.tensor([[0, 1]]), torch.ones(2), 'prod')",
    "r = torch.ones(3).index_reduce(0, torch.tensor([0., 1.]), torch.ones(2), 'prod')",
    "r = torch.ones(3).index_reduce(0, torch.tensor([0, 5]), torch.ones(2), 'amax')",
    "r = torch.ones(3, 2).index_reduce(0, torch.tensor([0, 1]), torch.ones(2), 'prod')"])
def test_index_reduce_errors_as_torch(torch, code):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        raises_as_torch(torch, code)


def _identity_permute_second_derivative(lib, call):
    x = lib.tensor(np.arange(1.0, 11.0).reshape(2, 5) / 7, requires_grad=True)
    z = eval(call, {"torch": lib, "x": x})
    (g,) = lib.autograd.grad((z * z.sin()).sum() ** 2, x, create_graph=True)
    g.sum().backward()
    return g.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("call", ["x.permute(0, 1)", "torch.movedim(x, 0, 0)",
                                  "x.permute(1, 0)", "torch.movedim(x[:1], 1, 1)",
                                  "torch.quantile(x, 0.5, dim=0, keepdim=True)"])
def test_second_derivative_through_an_identity_permute_as_torch(torch, call):
    """x.permute(0, 1) of a matrix: its backward, recorded under create_graph, permuted by a
    2-tuple that was taken for a swap of two dims."""
    for mine, want in zip(_identity_permute_second_derivative(tg, call),
                          _identity_permute_second_derivative(torch, call)):
        np.testing.assert_allclose(mine, want, rtol=1e-12)


def test_transpose_with_one_sequence_permutes_as_numpy():
    x = tg.arange(6.0).reshape(2, 3)
    assert x.transpose((0, 1)).shape == (2, 3) and tg.transpose(x, [1, 0]).shape == (3, 2)
    assert x.transpose(0, 1).shape == (3, 2)


@pytest.mark.parametrize("code", [
    "r = torch.zeros(3).index_add(0, torch.tensor([0., 1.]), torch.ones(2))",
    "r = torch.zeros(3).index_select(0, torch.tensor([0.]))",
    "r = torch.zeros(3).index_fill(0, torch.tensor([0.]), 1.)",
    "r = torch.nn.functional.pad(torch.ones(1, 2, 3), (3, 0), mode='reflect')",
    "r = torch.nn.functional.pad(torch.ones(1, 2, 3), (1, 0, 0))",
    "r = torch.nn.functional.pad(torch.ones(1, 2, 3), (4, 0), mode='circular')",
    "r = torch.nn.Embedding(3, 2)(torch.tensor([1.0]))",
    "r = torch.searchsorted(torch.tensor([3., 1.]), torch.tensor([2.]), "
    "sorter=torch.tensor([1, 5]))",
    "r = torch.nn.functional.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0]))",
    "r = torch.nn.functional.binary_cross_entropy(torch.tensor([0.5]), torch.tensor([2.0]))",
    "r = torch.nn.functional.one_hot(torch.tensor([3]), 3)",
    "r = torch.nn.functional.one_hot(torch.tensor([1.0]), 3)"])
def test_error_types_the_programs_met_as_torch(torch, code):
    """Mistakes a BPR or few-shot script makes (float indices, labels out of range,
    probabilities outside [0, 1]) raise what torch raises (tinygraph's errors are also the
    ValueError/TypeError/IndexError they were)."""
    raises_as_torch(torch, code)


def _nanquantile_run(lib, kwargs):
    a = np.array([[1.0, np.nan, 3.0, 0.5, 2.0, 1.5], [np.nan, 0.7, np.nan, np.nan, 2.5, 0.1],
                  [4.0, 2.0, np.nan, 1.1, np.nan, 0.2]])
    x = lib.tensor(a, requires_grad=True)
    kwargs = dict(kwargs)
    if isinstance(kwargs["q"], list):
        kwargs["q"] = lib.tensor(kwargs["q"], dtype=lib.float64)
    y = lib.nanquantile(x, **kwargs)
    weights = lib.arange(1.0, y.numel() + 1, dtype=lib.float64).reshape(y.shape)
    total = (lib.nan_to_num(y * y.sin(), 0.0) * weights).sum()
    (g,) = lib.autograd.grad(total, x, create_graph=True)
    (g * g).sum().backward()
    return y.detach().numpy(), g.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("kwargs", [
    {"q": 0.3}, {"q": 0.5, "dim": 1}, {"q": 0.5, "dim": 1, "keepdim": True},
    {"q": 0.75, "dim": -1, "interpolation": "midpoint"}, {"q": 0.6, "dim": 1,
                                                           "interpolation": "nearest"},
    {"q": 0.2, "dim": 0, "interpolation": "lower"}, {"q": 0.9, "dim": 1,
                                                     "interpolation": "higher"},
    {"q": [0.1, 0.5, 0.8], "dim": 1}, {"q": [0.1, 0.5, 0.8], "dim": 0, "keepdim": True},
    {"q": [0.25, 0.9]}])
def test_nanquantile_with_nans_as_torch(torch, kwargs):
    """NaNs left out per slice; a slice of NaNs only gives NaN; first and second
    derivatives go to the neighbours of each slice's position."""
    for mine, want in zip(_nanquantile_run(tg, kwargs), _nanquantile_run(torch, kwargs)):
        assert mine.shape == want.shape
        np.testing.assert_allclose(mine, want, rtol=1e-12, atol=1e-14)
    assert tg.tensor([1.0, float("nan")]).nanquantile(0.5).item() == 1.0


@pytest.mark.parametrize("code", [
    "r = torch.nanquantile(x, 0.4, dim=1)", "r = x.nanquantile(torch.tensor([0.2, 0.7]), dim=0)",
    "r = torch.nanquantile(x, 0.5, dim=1, keepdim=True, interpolation='nearest')",
    "r = torch.nanquantile(x[1], 0.5)"])
def test_nanquantile_of_slices_of_nans_only_is_nan_as_torch(torch, code):
    same_as_torch(torch, "x = torch.tensor([[1., float('nan'), 3.], [float('nan')] * 3, "
                         "[2., 0.5, float('nan')]])\n" + code)


@pytest.mark.parametrize("code", [
    "r = torch.nanquantile(torch.ones(3, dtype=torch.int64), 0.5)",
    "r = torch.nanquantile(torch.ones(3), 1.5)",
    "r = torch.nanquantile(torch.ones(3), 0.5, interpolation='cubic')"])
def test_nanquantile_errors_as_torch(torch, code):
    raises_as_torch(torch, code)


_SINGULAR = ("torch.stack([torch.eye(2), torch.tensor([[1., 2.], [2., 4.]]), torch.zeros(2, 2), "
             "torch.tensor([[0., 1.], [0., 2.]]), torch.tensor([[1., 0.], [0., 0.]]), "
             "torch.tensor([[2., 1.], [1., 3.]])]).double()")


def _ex_run(lib, call):
    A = eval(_SINGULAR, {"torch": lib}).requires_grad_()
    result, info = eval(call, {"torch": lib, "A": A})
    good = result[info == 0] if result.shape[0] == info.shape[0] else result[:, info == 0]
    (good * good).sum().backward()
    return info.numpy(), good.detach().numpy(), A.grad.numpy()[[0, 5]]


@pytest.mark.parametrize("call", [
    "torch.linalg.inv_ex(A)", "torch.linalg.solve_ex(A, torch.ones(2, dtype=torch.float64))",
    "torch.linalg.solve_ex(A, torch.ones(6, 2, 3, dtype=torch.float64))",
    "torch.linalg.solve_ex(A, torch.ones(4, 6, 2, 1, dtype=torch.float64))",
    "torch.linalg.solve_ex(A, torch.ones(3, 2, dtype=torch.float64), left=False)"])
def test_inv_ex_and_solve_ex_report_singular_matrices_as_torch(torch, call):
    """info is the first zero pivot of the LU factorisation; the other matrices' results
    and gradients are inv's and solve's."""
    for mine, want in zip(_ex_run(tg, call), _ex_run(torch, call)):
        assert mine.shape == want.shape and mine.dtype == want.dtype
        np.testing.assert_allclose(mine, want, rtol=1e-12, atol=1e-14)
    result, info = tg.linalg.inv_ex(tg.zeros(2, 2))
    assert info.item() == 1 and bool(result.isnan().all())
    assert type(tg.linalg.solve_ex(tg.eye(2), tg.ones(2))).__name__ == "linalg_solve_ex"


@pytest.mark.parametrize("code", [
    "r = torch.linalg.inv_ex(torch.zeros(2, 2), check_errors=True)",
    "r = torch.linalg.solve_ex(torch.zeros(2, 2), torch.ones(2), check_errors=True)",
    "r = torch.linalg.inv_ex(torch.ones(2, 3))"])
def test_inv_ex_and_solve_ex_errors_as_torch(torch, code):
    raises_as_torch(torch, code)
