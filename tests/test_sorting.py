"""sort, argsort, topk and multinomial against PyTorch: values, indices, dtypes, ties and NaN,
gradients, the errors; and an export that sorts its own inputs. (The values' gradients and
second derivatives are in the op table, tests/optable/reduce_more.py.)"""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

NAN = float("nan")
ROWS = [[3.0, 1.0, NAN, 2.0, 1.0, -4.0], [0.5, 0.5, 0.5, -1.0, 7.0, 0.5]]


def _same(ours, theirs):
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_values_and_indices_match_torch_with_ties_and_nan_when_stable(torch, dim,
                                                                         descending):
    ours = tg.tensor(ROWS).sort(dim=dim, descending=descending, stable=True)
    theirs = torch.tensor(ROWS).sort(dim=dim, descending=descending, stable=True)
    _same(ours.values, theirs.values)
    _same(ours.indices, theirs.indices)
    _same(tg.argsort(tg.tensor(ROWS), dim=dim, descending=descending, stable=True),
          torch.argsort(torch.tensor(ROWS), dim=dim, descending=descending, stable=True))


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float64"])
def test_sort_keeps_the_dtype(torch, dtype):
    values = [[3, 0, 2], [1, 1, 0]]
    ours = tg.tensor(values).to(getattr(tg, dtype)).sort(descending=True, stable=True)
    theirs = torch.tensor(values).to(getattr(torch, dtype)).sort(descending=True, stable=True)
    _same(ours.values, theirs.values)
    _same(ours.indices, theirs.indices)


@pytest.mark.parametrize("k, dim, largest", [(2, -1, True), (3, 1, False), (1, 0, True),
                                             (0, 1, True), (6, -1, False)])
def test_topk_matches_torch(torch, k, dim, largest):
    rows = [[3.0, 1.0, 8.0, 2.0, -1.0, -4.0], [0.5, 0.25, 9.0, -1.0, 7.0, 0.75]]
    ours = tg.topk(tg.tensor(rows), k, dim, largest)
    theirs = torch.topk(torch.tensor(rows), k, dim, largest)
    _same(ours.values, theirs.values)
    _same(ours.indices, theirs.indices)
    assert type(ours).__name__ == "topk" and ours._fields == ("values", "indices")


def test_topk_gradient_goes_to_the_picked_elements(torch):
    rows = np.array([[3.0, 1.0, 8.0, 2.0], [0.5, 0.25, 9.0, -1.0]])
    weights = np.array([[1.0, 10.0], [100.0, 1000.0]])
    x, t = tg.tensor(rows, requires_grad=True), torch.tensor(rows, requires_grad=True)
    (x.topk(2).values * tg.tensor(weights)).sum().backward()
    (t.topk(2).values * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    assert x.topk(2).values.grad_fn is not None and x.topk(2).indices.grad_fn is None


def test_0d_inputs_sort_and_topk_to_themselves(torch):
    for ours, theirs in [(tg.tensor(5.0).sort(), torch.tensor(5.0).sort()),
                         (tg.tensor(5.0).topk(1), torch.tensor(5.0).topk(1)),
                         (tg.tensor(5.0).topk(0), torch.tensor(5.0).topk(0))]:
        _same(ours.values, theirs.values)
        _same(ours.indices, theirs.indices)


@pytest.mark.parametrize("call", [
    lambda m: m.tensor([1.0, 2.0]).topk(3),
    lambda m: m.tensor([1.0, 2.0]).topk(-1),
    lambda m: m.tensor([1.0, 2.0]).sort(dim=1),
    lambda m: m.tensor(1.0).sort(dim=1),
    lambda m: m.argsort(m.tensor([[1.0]]), dim=-3),
])
def test_bad_arguments_raise_what_torch_raises(torch, call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(theirs.type):
        call(tg)


def test_multinomial_draws_by_the_weights_with_and_without_replacement():
    tg.manual_seed(0)
    weights = tg.tensor([[1.0, 0.0, 6.0, 3.0], [0.0, 0.0, 0.0, 2.0]])
    draws = tg.multinomial(weights, 20000, replacement=True)
    assert draws.shape == (2, 20000) and draws.dtype == tg.int64
    freq = np.stack([np.bincount(row, minlength=4) for row in draws.numpy()]) / 20000
    np.testing.assert_allclose(freq, [[0.1, 0.0, 0.6, 0.3], [0, 0, 0, 1]], atol=0.015)
    assert freq[0, 1] == 0  # a zero weight is never drawn
    once = tg.multinomial(weights[0], 3)
    assert once.shape == (3,) and sorted(once.tolist()) == [0, 2, 3]  # each at most once
    assert tg.multinomial(tg.tensor([0.0, 1.0, 0.0]), 3).tolist() == [1, 0, 2]  # as torch
    firsts = np.bincount([tg.multinomial(weights[0], 1).item() for _ in range(4000)],
                         minlength=4) / 4000
    np.testing.assert_allclose(firsts, [0.1, 0.0, 0.6, 0.3], atol=0.03)


def test_multinomial_repeats_after_manual_seed():
    probs = tg.softmax(tg.randn(3, 10), dim=-1)
    tg.manual_seed(7)
    first = tg.multinomial(probs, 4)
    tg.manual_seed(7)
    np.testing.assert_array_equal(first.numpy(), tg.multinomial(probs, 4).numpy())


@pytest.mark.parametrize("call", [
    lambda m: m.multinomial(m.tensor([[0.5, 0.5]]), 3),
    lambda m: m.multinomial(m.tensor([-1.0, 2.0]), 1),
    lambda m: m.multinomial(m.tensor([float("nan"), 2.0]), 1),
    lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1, True),
    lambda m: m.multinomial(m.tensor(1.0), 1),
    lambda m: m.multinomial(m.ones(2, 2, 2), 1),
    lambda m: m.multinomial(m.tensor([1, 2]), 1),
    lambda m: m.multinomial(m.tensor([1.0, 2.0]), 0),
])
def test_multinomial_refuses_what_torch_refuses(torch, call):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError, match="multinomial"):
        call(tg)


@pytest.mark.parametrize("which", ["sort", "topk"])
def test_an_exported_sort_sorts_the_inputs_it_is_given(onnxruntime, tmp_path, which):
    def fn(x):
        if which == "sort":
            return x.sort(dim=1, descending=True).values * 2
        return x.topk(2, dim=1, largest=False).values * 2

    x = tg.tensor(np.random.default_rng(0).standard_normal((3, 5)))
    path = tmp_path / "model.onnx"
    tg.onnx.export(fn, (x,), str(path), input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    other = np.random.default_rng(1).standard_normal((4, 5))
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"x": other})
    np.testing.assert_allclose(got, fn(tg.tensor(other)).numpy(), rtol=1e-12)


def test_multinomial_draws_from_a_given_generator():
    probs = tg.tensor([0.2, 0.3, 0.5])
    first = tg.multinomial(probs, 8, True, generator=tg.Generator().manual_seed(3))
    tg.manual_seed(99)  # the library's stream is not the one used
    again = tg.multinomial(probs, 8, True, generator=tg.Generator().manual_seed(3))
    assert first.tolist() == again.tolist()
