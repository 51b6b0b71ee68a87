"""nn.CTCLoss / F.ctc_loss against PyTorch in float64: values, torch's gradient (also for
log_probs that are not normalised), every reduction, zero_infinity, the argument forms
(padded or concatenated targets, Tensor/list/tuple lengths, unbatched input), the errors, and
a small bidirectional-LSTM CTC recogniser trained on both libraries."""

from __future__ import annotations

import numpy as np
import pytest
from twins import raises_as_torch, same_run, weights

import tinygraph as tg


def _both(torch, x, targets, input_lengths, target_lengths, as_tensors=True, **kwargs):
    """(loss, gradient) from torch and from tinygraph, for log_probs ``x``."""
    results = []
    for lib in (torch, tg):
        lp = lib.tensor(x, requires_grad=True)
        lengths = ((lib.tensor(input_lengths), lib.tensor(target_lengths)) if as_tensors
                   else (input_lengths, target_lengths))
        loss = lib.nn.functional.ctc_loss(lp, lib.tensor(targets), *lengths, **kwargs)
        (grad,) = lib.autograd.grad(loss.sum(), lp)
        results.append((loss.detach().numpy(), grad.numpy()))
    return results


def _random_case(rng, normalise: bool):
    steps, batch, classes = rng.integers(1, 9), rng.integers(1, 5), rng.integers(2, 7)
    x = rng.normal(size=(steps, batch, classes)) * 2
    if normalise:
        x = x - np.log(np.exp(x).sum(-1, keepdims=True))
    target_lengths = rng.integers(0, 5, size=batch)
    targets = rng.integers(0, classes, size=(batch, max(target_lengths.max(), 1)))
    input_lengths = rng.integers(0, steps + 1, size=batch)
    return x, targets, input_lengths, target_lengths, int(rng.integers(0, classes))


@pytest.mark.parametrize("normalise", [True, False], ids=["log_softmax", "unnormalised"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_random_batches_match_torch_values_and_gradients(torch, normalise, reduction,
                                                         zero_infinity):
    # random lengths (0 included), impossible alignments (inf), targets holding the blank,
    # and rows that are not log-probabilities: torch's formula throughout
    rng = np.random.default_rng(hash((normalise, reduction, zero_infinity)) % 2**32)
    for _ in range(40):
        x, targets, il, tl, blank = _random_case(rng, normalise)
        (want, want_grad), (got, got_grad) = _both(
            torch, x, targets, il, tl, blank=blank, reduction=reduction,
            zero_infinity=zero_infinity)
        np.testing.assert_allclose(got, want, rtol=1e-10)
        np.testing.assert_allclose(got_grad, want_grad, rtol=1e-9, atol=1e-12)


def test_gradient_is_torchs_formula_not_the_derivative_for_unnormalised_rows(torch):
    x = np.random.default_rng(3).normal(size=(5, 1, 3))  # not log-probabilities
    (_, want), (_, got) = _both(torch, x, [[1, 2]], [5], [2], reduction="sum")
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    # with exp(lp) summing to 1 per frame the formula is the derivative through log_softmax
    lp = tg.tensor(x, requires_grad=True)
    loss = tg.nn.functional.ctc_loss(lp.log_softmax(2), tg.tensor([[1, 2]]), [5], [2])
    assert tg.gradcheck(lambda v: tg.nn.functional.ctc_loss(
        v.log_softmax(2), tg.tensor([[1, 2]]), [5], [2]), [lp])
    assert loss.shape == ()


def test_argument_forms_agree(torch):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 3, 5))
    x = x - np.log(np.exp(x).sum(-1, keepdims=True))
    padded = np.array([[1, 2, 2], [3, 4, 0], [2, 0, 0]])
    lengths = [3, 2, 1]
    concat = np.concatenate([padded[n, :lengths[n]] for n in range(3)])
    reference = _both(torch, x, padded, [6, 5, 4], lengths)
    for targets in (padded, concat):
        for as_tensors in (True, False):
            for il, tl in (([6, 5, 4], lengths), ((6, 5, 4), tuple(lengths))):
                got = _both(torch, x, targets, il, tl, as_tensors=as_tensors)
                for (a, ga), (b, gb) in zip(got, reference):
                    np.testing.assert_allclose(a, b, rtol=1e-12)
                    np.testing.assert_allclose(ga, gb, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_unbatched_input(torch, reduction):
    x = np.random.default_rng(2).normal(size=(6, 4))
    for lengths in ((torch.tensor(6), torch.tensor(2)), ([6], [2])):
        out = []
        for lib in (torch, tg):
            lp = lib.tensor(x, requires_grad=True)
            il, tl = (lib.tensor(v.item()) if hasattr(v, "item") else v for v in lengths)
            loss = lib.nn.functional.ctc_loss(lp.log_softmax(1), lib.tensor([3, 1]), il, tl,
                                              reduction=reduction)
            (grad,) = lib.autograd.grad(loss, lp)
            out.append((loss.detach().numpy(), grad.numpy()))
        assert out[1][0].shape == out[0][0].shape == ()
        np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-12)
        np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-10, atol=1e-14)


def test_module_float32_and_repr(torch):
    x = np.random.default_rng(4).normal(size=(5, 2, 4)).astype(np.float32)
    args = ([[1, 2], [3, 3]], [5, 4], [2, 2])
    want = torch.nn.CTCLoss(blank=0, zero_infinity=True)(
        torch.tensor(x).log_softmax(2), torch.tensor(args[0]), *args[1:])
    got = tg.nn.CTCLoss(blank=0, zero_infinity=True)(
        tg.tensor(x).log_softmax(2), tg.tensor(args[0]), *args[1:])
    assert got.dtype == tg.float32
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5)
    module = tg.nn.CTCLoss(blank=3, reduction="sum", zero_infinity=True)
    assert (module.blank, module.reduction, module.zero_infinity) == (3, "sum", True)
    assert repr(module) == repr(torch.nn.CTCLoss()) == "CTCLoss()"


def test_impossible_alignment_is_inf_and_nan_gradient_unless_zero_infinity(torch):
    x = np.random.default_rng(5).normal(size=(4, 2, 4))
    targets, il, tl = [[3, 3, 3], [1, 2, 3]], [4, 4], [3, 3]  # 3, 3, 3 needs 5 frames
    (want, want_grad), (got, got_grad) = _both(torch, x, targets, il, tl, reduction="none")
    assert np.isinf(got[0]) and np.isnan(got_grad[:, 0]).all()
    np.testing.assert_allclose(got_grad, want_grad, rtol=1e-10)
    (want, want_grad), (got, got_grad) = _both(torch, x, targets, il, tl, reduction="none",
                                               zero_infinity=True)
    assert got[0] == 0 and (got_grad[:, 0] == 0).all()
    np.testing.assert_allclose(got_grad, want_grad, rtol=1e-10)


def test_second_derivative_refused_as_torch(torch):
    x = np.random.default_rng(6).normal(size=(5, 2, 4))
    for lib in (torch, tg):
        lp = lib.tensor(x, requires_grad=True)
        loss = lib.nn.functional.ctc_loss(lp.log_softmax(2), lib.tensor([[1, 2], [3, 3]]),
                                          [5, 4], [2, 2])
        (grad,) = lib.autograd.grad(loss, lp, create_graph=True)
        assert grad.requires_grad
        with pytest.raises(RuntimeError, match="derivative for .*ctc_loss_backward is not "
                                               "implemented"):
            grad.sum().backward()


_SETUP = ("lp = torch.tensor(np.random.default_rng(0).normal(size=(5, 2, 4)))"
          ".log_softmax(2)\nt = torch.tensor([[1, 2], [3, 3]])\n")
ERRORS = {
    "input length too long": "torch.nn.functional.ctc_loss(lp, t, [6, 4], [2, 2])",
    "negative input length": "torch.nn.functional.ctc_loss(lp, t, [-1, 4], [2, 2])",
    "target length too long": "torch.nn.functional.ctc_loss(lp, t, [5, 4], [3, 2])",
    "negative target length": "torch.nn.functional.ctc_loss(lp, t, [5, 4], [-1, 2])",
    "too few input lengths": "torch.nn.functional.ctc_loss(lp, t, [5], [2, 2])",
    "too many target lengths": "torch.nn.functional.ctc_loss(lp, t, [5, 4], [2, 2, 2])",
    "4-d log_probs": "torch.nn.functional.ctc_loss(lp[None], t, [5, 4], [2, 2])",
    "1-d log_probs": "torch.nn.functional.ctc_loss(lp[:, 0, 0], t, [5, 4], [2, 2])",
    "blank too large": "torch.nn.functional.ctc_loss(lp, t, [5, 4], [2, 2], blank=4)",
    "negative blank": "torch.nn.functional.ctc_loss(lp, t, [5, 4], [2, 2], blank=-1)",
    "short concatenated targets": "torch.nn.functional.ctc_loss(lp, torch.tensor([1, 2, 3]), "
                                  "[5, 4], [2, 2])",
    "padded batch mismatch": "torch.nn.functional.ctc_loss(lp, t[:1], [5, 4], [2, 2])",
    "3-d targets": "torch.nn.functional.ctc_loss(lp, t[None], [5, 4], [2, 2])",
    "float lengths": "torch.nn.functional.ctc_loss(lp, t, torch.tensor([5., 4.]), "
                     "torch.tensor([2, 2]))",
    "int lengths": "torch.nn.functional.ctc_loss(lp[:, 0], t[0], 5, 2)",
    "mixed lengths": "torch.nn.functional.ctc_loss(lp, t, torch.tensor([5, 4]), [2, 2])",
    "bad reduction": "torch.nn.functional.ctc_loss(lp, t, [5, 4], [2, 2], reduction='all')",
    "empty batch": "torch.nn.functional.ctc_loss(lp[:, :0], t[:0], [], [])",
    "integer log_probs": "torch.nn.functional.ctc_loss(lp.long(), t, [5, 4], [2, 2])",
}
MESSAGES = {
    "input length too long": "input_lengths to have value at most 5",
    "negative target length": "target_lengths to have value at least 0",
    "target length too long": "size at least 3 at dimension 1",
    "too few input lengths": "input_lengths must be of size batch_size",
    "blank too large": "blank must be in label range",
    "float lengths": "input_lengths must be integral",
    "empty batch": "must not be empty",
    "bad reduction": "all is not a valid value for reduction",
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_as_torch(torch, case):
    raises_as_torch(torch, _SETUP + ERRORS[case])
    if case in MESSAGES:
        with pytest.raises(Exception, match=MESSAGES[case]):
            exec(_SETUP + ERRORS[case], {"torch": tg, "np": np})


def test_targets_out_of_range_are_refused():
    # torch reads outside log_probs there (undefined values); tinygraph refuses
    lp = tg.tensor(np.zeros((4, 1, 3)))
    with pytest.raises(RuntimeError, match=r"class indices in \[0, 3\)"):
        tg.nn.functional.ctc_loss(lp, tg.tensor([[1, 3]]), [4], [2])


# -- a program: a bidirectional-LSTM CTC recogniser on synthetic sequences ---------------

def _recogniser_run(lib):
    rng = np.random.default_rng(0)
    steps, batch, classes, features = 12, 4, 5, 6
    labels = rng.integers(1, classes, size=(batch, 4))
    target_lengths = np.array([4, 3, 2, 3])
    input_lengths = np.array([12, 11, 9, 12])
    prototypes = rng.normal(size=(classes, features))
    frames = np.zeros((steps, batch, features))
    for n in range(batch):  # each label held for a few frames, blanks (zeros) between
        for k in range(target_lengths[n]):
            frames[3 * k:3 * k + 2, n] = prototypes[labels[n, k]]
    frames += 0.1 * rng.normal(size=frames.shape)

    class Recogniser(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = lib.nn.LSTM(features, 8, bidirectional=True)
            self.head = lib.nn.Linear(16, classes)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.head(out).log_softmax(2)

    lib.manual_seed(0)
    model = Recogniser().double()
    state = {k: lib.tensor(np.random.default_rng(1).normal(size=tuple(v.shape)) * 0.3)
             for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    criterion = lib.nn.CTCLoss(blank=0)
    optimizer = lib.optim.Adam(model.parameters(), lr=0.05)
    x = lib.tensor(frames)
    targets = lib.tensor(labels)
    losses = []
    for _ in range(6):
        optimizer.zero_grad()
        loss = criterion(model(x), targets, lib.tensor(input_lengths),
                         lib.tensor(target_lengths))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, [losses[-1] < losses[0]], weights(model)


def test_bidirectional_lstm_ctc_recogniser_trains_as_torch(torch):
    ours, theirs = _recogniser_run(tg), _recogniser_run(torch)
    assert ours[1] == [True]
    same_run(ours, theirs)


def test_every_node_of_a_ctc_graph_passes_check_graph():
    # torch's gradient is the op's derivative plus exp(log_probs), the latter added in the
    # graph: each node's backward is the derivative of its forward, also for rows that are
    # not log-probabilities
    x = tg.tensor(np.random.default_rng(7).normal(size=(6, 2, 4)), requires_grad=True)
    with tg.debug.record_inputs():
        loss = tg.nn.functional.ctc_loss(x * 1.5, tg.tensor([[1, 2, 1], [3, 0, 0]]), [6, 5],
                                         [3, 1], zero_infinity=True)
    report = tg.check_graph(loss)
    assert all(row.status == "pass" for row in report), str(report)
    assert "ctc_loss" in {row.op for row in report}
