"""nn.AdaptiveLogSoftmaxWithLoss against PyTorch in float64: the (output, loss) named tuple,
gradients, log_prob, predict (each of its three paths), unbatched input, parameters, the
errors, and a few Adam steps of a tiny language-model head on both libraries."""

from __future__ import annotations

import numpy as np
import pytest
from twins import raises_as_torch, same_run, weights

import tinygraph as tg


def _make(lib, seed=0, head_bias=False, cutoffs=(4, 10, 15), div_value=2.0):
    rng = np.random.default_rng(seed)
    module = lib.nn.AdaptiveLogSoftmaxWithLoss(8, 20, list(cutoffs), div_value=div_value,
                                               head_bias=head_bias).double()
    module.load_state_dict({k: lib.tensor(rng.normal(size=tuple(v.shape)))
                            for k, v in module.state_dict().items()})
    return module


@pytest.mark.parametrize("head_bias", [False, True])
@pytest.mark.parametrize("cutoffs", [(4, 10, 15), (1,), (18, 19)])
def test_forward_log_prob_predict_and_gradients_match_torch(torch, head_bias, cutoffs):
    results = []
    for lib in (torch, tg):
        module = _make(lib, head_bias=head_bias, cutoffs=cutoffs)
        rng = np.random.default_rng(1)
        x = lib.tensor(rng.normal(size=(12, 8)), requires_grad=True)
        target = lib.tensor(np.r_[rng.integers(0, 20, size=10), 0, 19])
        result = module(x, target)
        assert type(result).__name__ == "_ASMoutput" and result._fields == ("output", "loss")
        (result.loss + result.output[3]).backward()
        results.append([result.output.detach().numpy(), result.loss.detach().numpy(),
                        x.grad.numpy(), module.log_prob(x).detach().numpy(),
                        module.predict(x).numpy()]
                       + [None if p.grad is None else p.grad.numpy()
                          for p in module.parameters()])
    for got, want in zip(results[1], results[0]):
        assert (got is None) == (want is None)  # a cluster no target falls in: no gradient
        if want is None:
            continue
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_unbatched_and_single_row(torch):
    for x_shape, target in (((8,), 13), ((1, 8), [13]), ((1, 8), [2])):
        results = []
        for lib in (torch, tg):
            module = _make(lib)
            x = lib.tensor(np.random.default_rng(2).normal(size=x_shape))
            output, loss = module(x, lib.tensor(target))
            results.append((output.detach().numpy(), loss.detach().numpy()))
        for got, want in zip(results[1], results[0]):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("best", ["shortlist", "clusters", "mixed"])
def test_predict_paths(torch, best):
    bias = {"shortlist": [9.0] * 4 + [-9.0] * 3, "clusters": [-9.0] * 4 + [9.0] * 3,
            "mixed": [0.0] * 7}[best]
    predictions = []
    for lib in (torch, tg):
        module = _make(lib, head_bias=True)
        with lib.no_grad():
            module.head.bias.copy_(lib.tensor(bias))
        x = lib.tensor(np.random.default_rng(3).normal(size=(16, 8)) * 2)
        predictions.append(module.predict(x).numpy())
        np.testing.assert_array_equal(predictions[-1],
                                      module.log_prob(x).argmax(1).numpy())
    np.testing.assert_array_equal(predictions[1], predictions[0])
    if best == "mixed":
        assert (predictions[1] < 4).any() and (predictions[1] >= 4).any()


def test_parameters_and_repr_are_torchs(torch):
    ours = tg.nn.AdaptiveLogSoftmaxWithLoss(16, 30, [5, 12], head_bias=True)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 30, [5, 12], head_bias=True)
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == [
        (k, tuple(p.shape)) for k, p in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    assert (ours.shortlist_size, ours.n_clusters, ours.head_size, ours.cutoffs) == (
        theirs.shortlist_size, theirs.n_clusters, theirs.head_size, theirs.cutoffs)


_SETUP = "m = torch.nn.AdaptiveLogSoftmaxWithLoss(32, 20, [4, 10]).double()\n"
ERRORS = {
    "no cutoffs": "torch.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [])",
    "unsorted cutoffs": "torch.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [10, 4])",
    "cutoff too large": "torch.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [4, 20])",
    "zero cutoff": "torch.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [0, 4])",
    "repeated cutoff": "torch.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [4, 4])",
    "batch mismatch": _SETUP + "m(torch.zeros(3, 32, dtype=torch.float64), torch.tensor([1, 2]))",
    "3-d input": _SETUP + "m(torch.zeros(2, 3, 32, dtype=torch.float64), torch.tensor([1, 2]))",
    "0-d target, 2-d input": _SETUP + "m(torch.zeros(2, 32, dtype=torch.float64), "
                                      "torch.tensor(1))",
    "2-d target": _SETUP + "m(torch.zeros(2, 32, dtype=torch.float64), "
                           "torch.tensor([[1], [2]]))",
    "target too large": _SETUP + "m(torch.zeros(2, 32, dtype=torch.float64), "
                                 "torch.tensor([1, 20]))",
    "negative target": _SETUP + "m(torch.zeros(2, 32, dtype=torch.float64), "
                                "torch.tensor([-1, 2]))",
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_as_torch(torch, case):
    raises_as_torch(torch, ERRORS[case])


def test_error_messages():
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique, positive"):
        tg.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [10, 4])
    module = tg.nn.AdaptiveLogSoftmaxWithLoss(32, 20, [4, 10]).double()
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 19\]"):
        module(tg.zeros(2, 32, dtype=tg.float64), tg.tensor([1, 20]))


def _language_model_run(lib):
    rng = np.random.default_rng(0)
    tokens = lib.tensor(rng.integers(0, 40, size=(6, 5)))
    embedding = lib.nn.Embedding(40, 12).double()
    asm = lib.nn.AdaptiveLogSoftmaxWithLoss(12, 40, [8, 20], div_value=2.0).double()
    model = lib.nn.ModuleDict({"embedding": embedding, "asm": asm})
    model.load_state_dict({k: lib.tensor(rng.normal(size=tuple(v.shape)) * 0.5)
                           for k, v in model.state_dict().items()})
    optimizer = lib.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(6):
        optimizer.zero_grad()
        hidden = embedding(tokens[:, :-1]).reshape(-1, 12)
        _, loss = asm(hidden, tokens[:, 1:].reshape(-1))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, [losses[-1] < losses[0]], weights(model)


def test_a_language_model_head_trains_as_torch(torch):
    ours, theirs = _language_model_run(tg), _language_model_run(torch)
    assert ours[1] == [True]
    same_run(ours, theirs)
