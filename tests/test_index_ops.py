"""split/chunk/unbind, gather/scatter_add/index_select/masked_fill, einsum/mm/bmm/dot/outer:
what the op table does not cover: tuples of views, edge sizes, and the mistakes PyTorch
refuses, refused here too with the same kind of exception and a message naming the op."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg


def _both(torch, fn):
    """``fn`` run on torch and on tinygraph: both raise, ours an instance of torch's class."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(tg)
    return str(ours.value)


MISTAKES = {
    "split_sizes_not_summing": (lambda t: t.split(t.zeros(5, 4), [1, 3]), "sum exactly to 5"),
    "split_negative": (lambda t: t.split(t.zeros(5, 4), -1), "non-negative"),
    "split_zero": (lambda t: t.split(t.zeros(5, 4), 0), "can only be 0"),
    "split_float": (lambda t: t.split(t.zeros(5, 4), 2.0), "int"),
    "split_dim": (lambda t: t.split(t.zeros(5, 4), 2, 2), "out of range"),
    "split_0d": (lambda t: t.split(t.tensor(1.0), 1), "0-d"),
    "chunk_zero": (lambda t: t.chunk(t.zeros(6), 0), "greater than 0"),
    "unbind_0d": (lambda t: t.unbind(t.tensor(1.0)), "0-d"),
    "gather_out_of_bounds": (lambda t: t.gather(t.zeros(5, 4), 1, t.tensor([[5]])),
                             "index 5 is out of bounds for dimension 1 with size 4"),
    "gather_negative": (lambda t: t.gather(t.zeros(5, 4), 1, t.tensor([[-1]])),
                        "index -1 is out of bounds"),
    "gather_ndim": (lambda t: t.gather(t.zeros(5, 4), 1, t.tensor([0, 1])),
                    "same number of dimensions"),
    "gather_too_big": (lambda t: t.gather(t.zeros(5, 4), 1, t.zeros(6, 1, dtype=t.long)),
                       "no larger than the input"),
    "gather_float_index": (lambda t: t.gather(t.zeros(5, 4), 1, t.zeros(1, 1)), "int64"),
    "gather_dim": (lambda t: t.gather(t.zeros(5, 4), 2, t.zeros(1, 1, dtype=t.long)),
                   "out of range"),
    "scatter_add_dtype": (lambda t: t.scatter_add(t.zeros(5, 4), 0, t.zeros(
        1, 1, dtype=t.long), t.zeros(1, 1, dtype=t.float64)), "dtype"),
    "scatter_add_src_small": (lambda t: t.scatter_add(t.zeros(5, 4), 0, t.zeros(
        2, 2, dtype=t.long), t.zeros(1, 1)), "no larger than src"),
    "scatter_add_out_of_bounds": (lambda t: t.scatter_add(t.zeros(5, 4), 0, t.tensor([[9]]),
                                                          t.ones(1, 1)), "index 9"),
    "index_select_matrix": (lambda t: t.index_select(t.zeros(5, 4), 0, t.tensor([[2]])),
                            "vector"),
    "index_select_float": (lambda t: t.index_select(t.zeros(5, 4), 0, t.tensor([2.0])),
                           "int64"),
    "index_select_out_of_range": (lambda t: t.index_select(t.zeros(5, 4), 0, t.tensor([7])),
                                  "index 7"),
    "masked_fill_int_mask": (lambda t: t.zeros(4).masked_fill(t.tensor([1, 0, 1, 0]), 1.5),
                             "boolean masks"),
    "masked_fill_1d_value": (lambda t: t.zeros(4).masked_fill(t.tensor([True] * 4),
                                                              t.tensor([1.0])),
                             "0-dimensional value"),
    "masked_fill_shapes": (lambda t: t.zeros(4).masked_fill(t.tensor([True] * 3), 1.0),
                           "cannot be broadcast"),
    "einsum_fewer_operands": (lambda t: t.einsum("ij,jk", t.zeros(2, 3)), "fewer operands"),
    "einsum_ndim": (lambda t: t.einsum("ij,jk", t.zeros(2, 3), t.zeros(3)),
                    "number of subscripts"),
    "einsum_output_label": (lambda t: t.einsum("ij,jk->l", t.zeros(2, 3), t.zeros(3, 4)),
                            "'l'"),
    "einsum_repeated_output": (lambda t: t.einsum("ij,jk->ii", t.zeros(2, 3), t.zeros(3, 4)),
                               "more than once"),
    "einsum_subscript": (lambda t: t.einsum("i1", t.zeros(2, 3)), "invalid subscript"),
    "einsum_dtypes": (lambda t: t.einsum("ij,jk", t.zeros(2, 3), t.zeros(
        3, 4, dtype=t.float64)), "dtype"),
    "einsum_sizes": (lambda t: t.einsum("ij,jk", t.zeros(2, 3), t.zeros(4, 4)), "size 3"),
    "mm_vector": (lambda t: t.mm(t.zeros(2, 3), t.zeros(3)), "mm: expects 2-D"),
    "mm_shapes": (lambda t: t.mm(t.zeros(2, 3), t.zeros(2, 3)), "(2, 3) and (2, 3)"),
    "mm_dtypes": (lambda t: t.mm(t.zeros(2, 3), t.zeros(3, 4, dtype=t.float64)), "dtype"),
    "bmm_2d": (lambda t: t.bmm(t.zeros(2, 3), t.zeros(3, 4)), "bmm: expects 3-D"),
    "bmm_batch": (lambda t: t.bmm(t.zeros(2, 2, 3), t.zeros(3, 3, 4)), "bmm"),
    "dot_lengths": (lambda t: t.dot(t.zeros(3), t.zeros(4)), "same length"),
    "dot_matrix": (lambda t: t.dot(t.zeros(2, 3), t.zeros(2, 3)), "dot: expects 1-D"),
    "dot_dtypes": (lambda t: t.dot(t.zeros(3), t.zeros(3, dtype=t.float64)), "dtype"),
    "outer_matrix": (lambda t: t.outer(t.zeros(2, 3), t.zeros(3)), "outer: expects 1-D"),
    "outer_0d": (lambda t: t.outer(t.tensor(2.0), t.zeros(3)), "0-D"),
}


@pytest.mark.parametrize("fn, words", MISTAKES.values(), ids=MISTAKES.keys())
def test_mistakes_raise_what_torch_raises(torch, fn, words):
    assert words in _both(torch, fn)


def test_pieces_are_tuples_of_views_of_the_input():
    x = tg.arange(12.0).reshape(4, 3)
    for pieces in (x.split(2), x.split([1, 3]), x.chunk(3), x.unbind(1), tg.chunk(x, 2, 1)):
        assert type(pieces) is tuple
        assert all(np.shares_memory(p.numpy(), x.numpy()) for p in pieces)
    assert [p.shape for p in x.unbind(1)] == [(4,)] * 3


@pytest.mark.parametrize("call, shape, pieces", [
    (lambda t, x: t.split(x, 0), (0, 3), [(0, 3)]),
    (lambda t, x: t.split(x, 2), (0, 3), [(0, 3)]),
    (lambda t, x: t.chunk(x, 2), (0,), [(0,), (0,)]),
    (lambda t, x: t.chunk(x, 4), (6,), [(2,), (2,), (2,)]),  # ceil(6 / 4) = 2: three pieces
    (lambda t, x: t.chunk(x, 3, dim=-1), (6,), [(2,), (2,), (2,)]),
    (lambda t, x: x.split(4, dim=0), (6,), [(4,), (2,)]),
    (lambda t, x: x.unbind(-1), (2, 0), []),
])
def test_piece_sizes_follow_torch(torch, call, shape, pieces):
    ours = [tuple(p.shape) for p in call(tg, tg.zeros(*shape))]
    theirs = [tuple(p.shape) for p in call(torch, torch.zeros(*shape))]
    assert ours == theirs == pieces


def test_unused_pieces_send_no_gradient_and_used_ones_land_in_place():
    x = tg.arange(6.0, requires_grad=True)
    a, b, c = x.split(2)
    (b * 3).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 3.0, 3.0, 0.0, 0.0]


def test_scatter_add_with_an_index_smaller_than_src(rng):
    """PyTorch's own backward refuses this case; the gradient of the src elements the index
    does not reach is 0, as finite differences say."""
    x = tg.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    src = tg.tensor(rng.standard_normal((3, 6)), requires_grad=True)
    index = tg.tensor([[0, 1, 3], [2, 2, 0]])
    assert tg.gradcheck(lambda a, s: tg.scatter_add(a, 0, index, s), (x, src))
    assert tg.gradgradcheck(lambda a, s: tg.scatter_add(a, 0, index, s) ** 2, (x, src))


def test_gather_and_scatter_add_match_torch_with_repeated_indices(torch, rng):
    x = rng.standard_normal((3, 4))
    index = np.array([[0, 0, 2, 2], [1, 1, 1, 0]])
    ours = tg.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    (tg.gather(ours, 0, tg.tensor(index)) ** 2).sum().backward()
    (torch.gather(theirs, 0, torch.tensor(index)) ** 2).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_masked_fill_keeps_the_input_dtype_and_value_tensor_gets_its_gradient(torch):
    mask = [True, False, True]
    assert tg.tensor([1, 2, 3]).masked_fill(tg.tensor(mask), 1.5).tolist() == \
        torch.tensor([1, 2, 3]).masked_fill(torch.tensor(mask), 1.5).tolist()
    x = tg.zeros(3, requires_grad=True)
    v = tg.tensor(2.0, dtype=tg.float64, requires_grad=True)
    y = tg.masked_fill(x, tg.tensor(mask), v)
    assert y.dtype == tg.float32
    y.sum().backward()
    assert v.grad.item() == 2.0 and x.grad.tolist() == [0.0, 1.0, 0.0]


def test_einsum_forms_and_second_derivative(torch, rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 3))
    ours = [tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True)]
    theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    for lib, (p, q) in ((tg, ours), (torch, theirs)):
        y = lib.einsum("ij,jk,kk->i", p, q, q) + lib.einsum("ij,jk->ik", [p, q]).sum(1)
        (gp,) = lib.autograd.grad((y ** 2).sum(), p, create_graph=True)
        (gp.sum()).backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-10)
    # the sublist form: operand, its subscripts, ..., the output's subscripts
    np.testing.assert_allclose(tg.einsum(ours[0], [0, 1], ours[1], [1, 2], [2, 0]).detach().numpy(),
                               torch.einsum(theirs[0], [0, 1], theirs[1], [1, 2], [2, 0])
                               .detach().numpy(), rtol=1e-12)
    assert not hasattr(tg.Tensor, "einsum")


def test_the_methods_are_torch_s():
    x = tg.arange(6.0).reshape(2, 3)
    assert x.gather(1, tg.tensor([[0], [2]])).tolist() == [[0.0], [5.0]]
    assert x.index_select(1, tg.tensor([2])).tolist() == [[2.0], [5.0]]
    assert x.scatter_add(0, tg.tensor([[1, 0, 1]]), tg.ones(1, 3)).tolist() == \
        [[0.0, 2.0, 2.0], [4.0, 4.0, 6.0]]
    assert x.mm(x.T).shape == (2, 2) and x[0].dot(x[1]).item() == 14.0
    assert x[0].outer(x[1]).shape == (3, 3) and x.unsqueeze(0).bmm(x.T.unsqueeze(0)).shape == \
        (1, 2, 2)
