"""nn.LSTM(..., proj_size=k) against PyTorch in float64: parameter names, shapes and init
bounds, outputs and states (stacked, bidirectional, batch_first, unbatched, given states,
packed sequences), gradients, the errors, and a torch state_dict loading."""

from __future__ import annotations

import numpy as np
import pytest
from twins import raises_as_torch, randomize, weights

import tinygraph as tg

CONFIGS = [
    dict(input_size=3, hidden_size=5, proj_size=2),
    dict(input_size=3, hidden_size=5, proj_size=3, num_layers=2),
    dict(input_size=4, hidden_size=6, proj_size=2, num_layers=2, bidirectional=True),
    dict(input_size=3, hidden_size=4, proj_size=1, bidirectional=True, bias=False),
    dict(input_size=3, hidden_size=4, proj_size=2, batch_first=True, num_layers=3),
]


def _pair(torch, config, seed=0):
    theirs = torch.nn.LSTM(**config).double()
    randomize(torch, theirs, seed)
    ours = tg.nn.LSTM(**config).double()
    ours.load_state_dict({k: tg.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(map(str, c.values())))
def test_parameters_are_torchs(torch, config):
    ours = tg.nn.LSTM(**config)
    theirs = torch.nn.LSTM(**config)
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == [
        (k, tuple(p.shape)) for k, p in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    bound = 1 / np.sqrt(config["hidden_size"])
    for name, p in ours.named_parameters():
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound and np.abs(values).max() > bound / 2, name


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(map(str, c.values())))
@pytest.mark.parametrize("with_state", [False, True])
def test_outputs_states_and_gradients_match_torch(torch, config, with_state):
    ours, theirs = _pair(torch, config)
    rng = np.random.default_rng(1)
    batch_first = config.get("batch_first", False)
    x = rng.normal(size=(3, 5, config["input_size"]) if batch_first
                   else (5, 3, config["input_size"]))
    layers = config.get("num_layers", 1) * (2 if config.get("bidirectional") else 1)
    h0 = rng.normal(size=(layers, 3, config["proj_size"]))
    c0 = rng.normal(size=(layers, 3, config["hidden_size"]))
    results = []
    for lib, model in ((torch, theirs), (tg, ours)):
        xt = lib.tensor(x, requires_grad=True)
        state = (lib.tensor(h0), lib.tensor(c0)) if with_state else None
        out, (h, c) = model(xt, state)
        (out.sum() + (h * h).sum() + c.sum()).backward()
        results.append([out.detach().numpy(), h.detach().numpy(), c.detach().numpy(),
                        xt.grad.numpy()] + [p.grad.numpy() for p in model.parameters()])
    for got, want in zip(results[1], results[0]):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_unbatched_input(torch):
    config = dict(input_size=3, hidden_size=5, proj_size=2, num_layers=2, bidirectional=True)
    ours, theirs = _pair(torch, config)
    x = np.random.default_rng(2).normal(size=(4, 3))
    h0 = np.random.default_rng(3).normal(size=(4, 2))
    c0 = np.random.default_rng(4).normal(size=(4, 5))
    want = theirs(torch.tensor(x), (torch.tensor(h0), torch.tensor(c0)))
    got = ours(tg.tensor(x), (tg.tensor(h0), tg.tensor(c0)))
    for a, b in ((got[0], want[0]), (got[1][0], want[1][0]), (got[1][1], want[1][1])):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences(torch, enforce_sorted):
    config = dict(input_size=3, hidden_size=5, proj_size=2, num_layers=2, bidirectional=True)
    ours, theirs = _pair(torch, config)
    x = np.random.default_rng(5).normal(size=(6, 3, 3))
    lengths = [6, 4, 2] if enforce_sorted else [4, 6, 2]
    results = []
    for lib, model in ((torch, theirs), (tg, ours)):
        xt = lib.tensor(x, requires_grad=True)
        packed = lib.nn.utils.rnn.pack_padded_sequence(xt, lengths,
                                                       enforce_sorted=enforce_sorted)
        out, (h, c) = model(packed)
        padded, _ = lib.nn.utils.rnn.pad_packed_sequence(out)
        (padded.sum() + h.sum() + (c * c).sum()).backward()
        results.append([padded.detach().numpy(), h.detach().numpy(), c.detach().numpy(),
                        xt.grad.numpy()])
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


ERRORS = {
    "proj_size equal to hidden_size": "torch.nn.LSTM(3, 4, proj_size=4)",
    "proj_size too large": "torch.nn.LSTM(3, 4, proj_size=5)",
    "negative proj_size": "torch.nn.LSTM(3, 4, proj_size=-1)",
    "h_0 of hidden_size": "m = torch.nn.LSTM(3, 4, proj_size=2)\n"
                          "m(torch.zeros(5, 2, 3), (torch.zeros(1, 2, 4), torch.zeros(1, 2, 4)))",
    "c_0 of proj_size": "m = torch.nn.LSTM(3, 4, proj_size=2)\n"
                        "m(torch.zeros(5, 2, 3), (torch.zeros(1, 2, 2), torch.zeros(1, 2, 2)))",
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_as_torch(torch, case):
    raises_as_torch(torch, ERRORS[case])


def test_error_messages():
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        tg.nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="expected h_0 of shape \\(1, 2, 2\\)"):
        tg.nn.LSTM(3, 4, proj_size=2)(tg.zeros(5, 2, 3), (tg.zeros(1, 2, 4), tg.zeros(1, 2, 4)))


def test_state_dict_round_trip_to_torch(torch):
    config = dict(input_size=3, hidden_size=5, proj_size=2, num_layers=2, bidirectional=True)
    ours = tg.nn.LSTM(**config).double()
    theirs = torch.nn.LSTM(**config).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in weights(ours).items()})
    x = np.random.default_rng(6).normal(size=(4, 2, 3))
    np.testing.assert_allclose(ours(tg.tensor(x))[0].numpy(),
                               theirs(torch.tensor(x))[0].detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("code", ["torch.nn.GRU(3, 4, proj_size=2)",
                                  "torch.nn.RNN(3, 4, proj_size=0)"])
def test_proj_size_is_for_lstm_only(torch, code):
    raises_as_torch(torch, code)
    with pytest.raises(ValueError, match="only supported for LSTM"):
        eval(code, {"torch": tg})
