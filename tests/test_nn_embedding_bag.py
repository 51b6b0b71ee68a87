"""nn.EmbeddingBag and F.embedding_bag against PyTorch: values and gradients (weight and
per_sample_weights) in float64 for every mode and input layout, the module's init, names, repr
and from_pretrained, and PyTorch's errors with PyTorch's exception types."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn

ROWS, DIM = 7, 4
FLAT = np.array([0, 1, 2, 3, 4, 1, 6, 6, 3])
OFFSETS = np.array([0, 2, 2, 5])  # the second bag is empty
GRID = np.array([[0, 1, 2], [3, 3, 1], [5, 5, 5]])

CASES = [
    # (input, offsets, keyword arguments, per_sample_weights?)
    (FLAT, OFFSETS, {"mode": "sum"}, False),
    (FLAT, OFFSETS, {"mode": "mean"}, False),
    (FLAT, OFFSETS, {"mode": "max"}, False),
    (FLAT, OFFSETS, {"mode": "sum"}, True),
    (FLAT, OFFSETS, {"mode": "sum", "padding_idx": 1}, True),
    (FLAT, OFFSETS, {"mode": "mean", "padding_idx": 6}, False),
    (FLAT, OFFSETS, {"mode": "max", "padding_idx": -1}, False),
    (FLAT, np.array([0, 2, 2, 5, 9]), {"mode": "mean", "include_last_offset": True}, False),
    # a last offset short of the input's length: the last bag still runs to the end (torch)
    (FLAT, np.array([0, 1, 4]), {"mode": "sum", "include_last_offset": True}, True),
    (FLAT, np.array([0, 3, 6]), {"mode": "max", "include_last_offset": True}, False),
    (GRID, None, {"mode": "sum"}, True),
    (GRID, None, {"mode": "mean"}, False),
    (GRID, None, {"mode": "max"}, False),
    (GRID, None, {"mode": "mean", "padding_idx": 5}, False),  # an all-padding bag is zeros
    (GRID.astype(np.int32), None, {"mode": "max", "padding_idx": 3}, False),
    (FLAT.astype(np.int32), OFFSETS.astype(np.int32), {"mode": "mean"}, False),
    (np.array([], np.int64), np.array([0, 0]), {"mode": "sum"}, False),
]


def run(lib, weight, index, offsets, kwargs, psw):
    w = lib.tensor(weight, requires_grad=True)
    p = lib.tensor(psw, requires_grad=True) if psw is not None else None
    out = lib.nn.functional.embedding_bag(
        lib.tensor(index), w, None if offsets is None else lib.tensor(offsets),
        per_sample_weights=p, **kwargs)
    upstream = np.linspace(-1.0, 2.0, out.numel()).reshape(tuple(out.shape))
    (out * lib.tensor(upstream)).sum().backward()
    return (out.detach().numpy(), w.grad.numpy(),
            None if p is None else p.grad.numpy())


@pytest.mark.parametrize("index, offsets, kwargs, weighted", CASES,
                         ids=[f"{c[0].ndim}d-{c[2]}-psw{c[3]}" for c in CASES])
def test_embedding_bag_values_and_gradients_match_torch(torch, index, offsets, kwargs,
                                                        weighted):
    rng = np.random.default_rng(0)
    weight = rng.normal(size=(ROWS, DIM))
    psw = rng.normal(size=index.shape) if weighted else None
    ours = run(tg, weight, index, offsets, kwargs, psw)
    theirs = run(torch, weight, index, offsets, kwargs, psw)
    for mine, reference in zip(ours, theirs):
        if reference is None:
            assert mine is None
            continue
        assert mine.dtype == reference.dtype == np.float64
        np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-12)


def test_max_mode_gives_a_tie_to_the_first_entry_of_the_bag(torch):
    weight = np.array([[1.0, 2.0], [1.0, 3.0], [0.0, 3.0]])
    grads = []
    for lib in (tg, torch):
        w = lib.tensor(weight, requires_grad=True)
        out = lib.nn.functional.embedding_bag(lib.tensor([2, 1, 0]), w, lib.tensor([0]),
                                              mode="max")
        out.sum().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(grads[0], [[0, 0], [1, 0], [0, 1]])


def test_embedding_bag_second_derivatives_through_per_sample_weights():
    rng = np.random.default_rng(1)
    w = tg.tensor(rng.normal(size=(ROWS, DIM)), requires_grad=True)
    p = tg.tensor(rng.normal(size=FLAT.shape), requires_grad=True)

    def bag(weight, psw):
        return tg.nn.functional.embedding_bag(tg.tensor(FLAT), weight, tg.tensor(OFFSETS),
                                              mode="sum", per_sample_weights=psw) ** 2

    assert tg.gradcheck(bag, (w, p))
    assert tg.gradgradcheck(bag, (w, p))


def test_module_matches_torch_parameters_repr_and_forward(torch):
    settings = [{}, {"mode": "sum", "padding_idx": -2, "include_last_offset": True},
                {"mode": "max", "max_norm": 1.5, "norm_type": 1.0}]
    for kwargs in settings:
        ours = nn.EmbeddingBag(ROWS, DIM, dtype=tg.float64, **kwargs)
        theirs = torch.nn.EmbeddingBag(ROWS, DIM, dtype=torch.float64, **kwargs)
        assert repr(ours) == repr(theirs)
        assert [n for n, _ in ours.named_parameters()] == ["weight"]
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert ours.padding_idx == theirs.padding_idx
        table = np.random.default_rng(2).normal(size=(ROWS, DIM)) * 2
        ours.load_state_dict({"weight": tg.tensor(table)})
        theirs.load_state_dict({"weight": torch.tensor(table)})
        offsets = [0, 3, 3, 5]
        a = ours(tg.tensor(FLAT), tg.tensor(offsets))
        b = theirs(torch.tensor(FLAT), torch.tensor(offsets))
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)
        a.pow(2).sum().backward()
        b.pow(2).sum().backward()
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                                   rtol=1e-6, atol=1e-12)
        # max_norm renormalizes the looked-up rows of the table itself, as torch
        np.testing.assert_allclose(ours.weight.detach().numpy(),
                                   theirs.weight.detach().numpy(), rtol=1e-6)


def test_sparse_and_scale_grad_by_freq_are_refused_when_the_module_is_built():
    for kwargs in ({"sparse": True}, {"scale_grad_by_freq": True}):
        with pytest.raises(NotImplementedError, match="EmbeddingBag: .*not supported"):
            nn.EmbeddingBag(5, 2, **kwargs)


def test_module_init_is_standard_normal_with_the_padding_row_zero():
    tg.manual_seed(0)
    bag = nn.EmbeddingBag(2000, 50, padding_idx=3)
    w = bag.weight.detach().numpy()
    assert bag.weight.dtype == tg.float32 and bag.weight.requires_grad
    assert not w[3].any()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1.0) < 0.01


def test_from_pretrained_shares_the_table_and_freezes_it(torch):
    table = np.arange(12.0).reshape(4, 3)
    for freeze in (True, False):
        ours = nn.EmbeddingBag.from_pretrained(tg.tensor(table), freeze=freeze, mode="sum")
        theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), freeze=freeze,
                                                       mode="sum")
        assert ours.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(ours(tg.tensor([[1, 2]])).detach().numpy(),
                                      theirs(torch.tensor([[1, 2]])).detach().numpy())
    source = tg.tensor(table)
    assert nn.EmbeddingBag.from_pretrained(source).weight.numpy() is source.numpy()


def bag_errors(lib):
    F, nn_ = lib.nn.functional, lib.nn
    w, i, o = lib.zeros(5, 3, dtype=lib.float64), lib.tensor([0, 1, 2, 3]), lib.tensor([0, 2])
    return {
        "psw shape": lambda: F.embedding_bag(i, w, o, mode="sum",
                                             per_sample_weights=lib.ones(3, dtype=lib.float64)),
        "psw mean": lambda: F.embedding_bag(i, w, o, per_sample_weights=lib.ones(
            4, dtype=lib.float64)),
        "psw dtype": lambda: F.embedding_bag(i, w, o, mode="sum",
                                             per_sample_weights=lib.ones(4)),
        "weight 1-D": lambda: F.embedding_bag(i, w[0], o),
        "weight int": lambda: F.embedding_bag(i, w.long(), o),
        "2-D with offsets": lambda: F.embedding_bag(i.view(2, 2), w, o),
        "3-D": lambda: F.embedding_bag(i.view(1, 2, 2), w),
        "1-D without offsets": lambda: F.embedding_bag(i, w),
        "2-D offsets": lambda: F.embedding_bag(i, w, o.view(1, 2)),
        "float indices": lambda: F.embedding_bag(i.double(), w, o),
        "float offsets": lambda: F.embedding_bag(i, w, o.double()),
        "bad mode": lambda: F.embedding_bag(i, w, o, mode="min"),
        "max and scale_grad_by_freq": lambda: F.embedding_bag(i, w, o, mode="max",
                                                              scale_grad_by_freq=True),
        "offsets[0] not 0": lambda: F.embedding_bag(i, w, lib.tensor([1, 2])),
        "offsets past the end": lambda: F.embedding_bag(i, w, lib.tensor([0, 9])),
        "index out of range": lambda: F.embedding_bag(lib.tensor([0, 5]), w, lib.tensor([0])),
        "negative index": lambda: F.embedding_bag(lib.tensor([0, -1]), w, lib.tensor([0])),
        "index out of range, 2-D": lambda: F.embedding_bag(lib.tensor([[0, 5]]), w),
        "padding_idx out of range": lambda: F.embedding_bag(i, w, o, padding_idx=5),
        "module padding_idx": lambda: nn_.EmbeddingBag(5, 3, padding_idx=-6),
        "module _weight shape": lambda: nn_.EmbeddingBag(5, 3, _weight=lib.zeros(3, 5)),
        "from_pretrained 1-D": lambda: nn_.EmbeddingBag.from_pretrained(lib.zeros(3)),
        "float size": lambda: nn_.EmbeddingBag(2.5, 3),
    }


@pytest.mark.parametrize("case", list(bag_errors(tg)))
def test_embedding_bag_errors_have_torch_types(torch, case):
    with pytest.raises(Exception) as theirs:
        bag_errors(torch)[case]()
    with pytest.raises(type(theirs.value)) as ours:
        bag_errors(tg)[case]()
    assert "mbedding" in str(ours.value) or "padding_idx" in str(ours.value) or "weight" in str(
        ours.value)


def test_fixed_length_bags_export_to_onnx_with_a_free_batch_axis(tmp_path, onnxruntime):
    from onnxrun import run_onnx

    tg.manual_seed(0)
    model = nn.Sequential(nn.EmbeddingBag(10, 3, mode="mean"), nn.Linear(3, 2)).double()
    path = tmp_path / "bag.onnx"
    tg.onnx.export(model, (tg.tensor([[1, 2, 3], [4, 5, 6]]),), path, input_names=["ids"],
                   dynamic_axes={"ids": {0: "batch"}})
    ids = np.array([[7, 8, 9], [0, 1, 2], [9, 9, 0], [3, 3, 3]])
    (out,) = run_onnx(onnxruntime, path, ids)
    np.testing.assert_allclose(out, model(tg.tensor(ids)).detach().numpy(), rtol=1e-10)


def embedding_errors(lib):
    nn_ = lib.nn
    return {
        "padding_idx out of range": lambda: nn_.Embedding(5, 3, padding_idx=7),
        "_weight shape": lambda: nn_.Embedding(5, 3, _weight=lib.zeros(2, 2)),
        "from_pretrained 1-D": lambda: nn_.Embedding.from_pretrained(lib.zeros(3)),
    }


@pytest.mark.parametrize("case", list(embedding_errors(tg)))
def test_embedding_construction_errors_have_torch_types(torch, case):
    """nn.Embedding (the sibling of EmbeddingBag) raised ValueError where torch asserts."""
    with pytest.raises(Exception) as theirs:
        embedding_errors(torch)[case]()
    with pytest.raises(type(theirs.value), match="Embedding"):
        embedding_errors(tg)[case]()


def test_embedding_from_pretrained_shares_the_tensor_as_torch(torch):
    table = np.arange(6.0).reshape(2, 3)
    theirs_source, ours_source = torch.tensor(table), tg.tensor(table)
    theirs = torch.nn.Embedding.from_pretrained(theirs_source)
    ours = nn.Embedding.from_pretrained(ours_source)
    theirs_source[0, 0] = 10.0
    ours_source[0, 0] = 10.0
    assert ours.weight[0, 0].item() == theirs.weight[0, 0].item() == 10.0


def test_the_old_argument_order_warns_and_swaps_as_torch(torch):
    table = np.arange(12.0).reshape(4, 3)
    results = []
    for lib in (tg, torch):
        with pytest.warns(UserWarning, match="Argument order of nn.functional.embedding_bag"):
            out = lib.nn.functional.embedding_bag(lib.tensor(table), lib.tensor([[0, 3]]))
        results.append(out.numpy())
    np.testing.assert_array_equal(results[0], results[1])
