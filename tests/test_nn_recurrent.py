"""RNN, LSTM, GRU and their cells against PyTorch: a torch state_dict loads under the same
names and gives the same outputs, final states and gradients (float64), for stacked,
bidirectional, batch-first, bias-free and unbatched use, with and without initial states;
second derivatives through a cell; torch's repr and errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

CASES = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"bias": False, "batch_first": True}),
    ("GRU", {"batch_first": True, "bidirectional": True}),
    ("GRU", {"num_layers": 3}),
    ("GRU", {"bias": False}),
    ("RNN", {"bias": False, "bidirectional": True}),
]


def _pair(torch, cls, kwargs):
    theirs = getattr(torch.nn, cls)(3, 4, **kwargs).double()
    ours = getattr(tg.nn, cls)(3, 4, **kwargs).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _close(ours, theirs):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-9,
                               atol=1e-12)


def _loss(output, state, lstm):
    states = state if lstm else (state,)
    return output.sum() + sum((s * s).sum() for s in states)


@pytest.mark.parametrize("cls, kwargs", CASES, ids=[f"{c}-{k}" for c, k in CASES])
@pytest.mark.parametrize("shape", [(5, 2, 3), (5, 3)], ids=["batched", "unbatched"])
@pytest.mark.parametrize("initial", [False, True], ids=["zero-state", "given-state"])
def test_outputs_states_and_gradients_match_torch(torch, cls, kwargs, shape, initial):
    ours, theirs = _pair(torch, cls, kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    if kwargs.get("batch_first") and len(shape) == 3:
        x = x.transpose(1, 0, 2).copy()
    lstm = cls == "LSTM"
    xs = (tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True))
    states = [None, None]
    if initial:
        layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
        size = (layers,) + ((2,) if len(shape) == 3 else ()) + (4,)
        values = [rng.standard_normal(size) for _ in range(2 if lstm else 1)]
        states = [tuple(m.tensor(v, requires_grad=True) for v in values) for m in (tg, torch)]
        states = [s if lstm else s[0] for s in states]
    results = [model(x_, s) for model, x_, s in zip((ours, theirs), xs, states)]
    (out, state), (out_t, state_t) = results
    _close(out, out_t)
    for a, b in zip(state if lstm else (state,), state_t if lstm else (state_t,)):
        _close(a, b)
    _loss(out, state, lstm).backward()
    _loss(out_t, state_t, lstm).backward()
    _close(xs[0].grad, xs[1].grad)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    if initial:
        for a, b in zip(states[0] if lstm else (states[0],),
                        states[1] if lstm else (states[1],)):
            _close(a.grad, b.grad)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch_to_second_derivatives(torch, cls):
    theirs = getattr(torch.nn, cls)(3, 4).double()
    ours = getattr(tg.nn, cls)(3, 4).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(1).standard_normal((2, 3))
    grads = []
    for m, model in ((tg, ours), (torch, theirs)):
        xt = m.tensor(x, requires_grad=True)
        out = model(xt)
        h = out[0] if cls == "LSTMCell" else out
        (g,) = m.autograd.grad((h ** 3).sum(), xt, create_graph=True)
        (gg,) = m.autograd.grad((g * g).sum(), xt)
        grads.append((h, g, gg))
    for a, b in zip(*grads):
        _close(a, b)
    unbatched = ours(tg.tensor(x[0]))
    assert (unbatched[0] if cls == "LSTMCell" else unbatched).shape == (4,)


def test_dropout_between_layers_only_in_training():
    lstm = tg.nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = tg.randn(6, 2, 3)
    lstm.eval()
    first, second = lstm(x)[0], lstm(x)[0]
    np.testing.assert_array_equal(first.detach().numpy(), second.detach().numpy())
    lstm.train()
    assert not np.array_equal(lstm(x)[0].detach().numpy(), first.detach().numpy())


@pytest.mark.parametrize("call", [
    lambda m: m.nn.LSTM(3, 4)(m.zeros(5, 2, 3), (m.zeros(1, 3, 4), m.zeros(1, 2, 4))),
    lambda m: m.nn.LSTM(3, 4)(m.zeros(5, 2, 2)),
    lambda m: m.nn.GRU(3, 4)(m.zeros(5, 2, 3), m.zeros(2, 2, 4)),
    lambda m: m.nn.RNN(3, 4, nonlinearity="sigmoid"),
    lambda m: m.nn.GRU(3, 4, dropout=1.5),
])
def test_bad_input_raises_what_torch_raises(torch, call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(theirs.type):
        call(tg)


def test_init_is_uniform_within_one_over_sqrt_hidden():
    lstm = tg.nn.LSTM(10, 25)
    for p in lstm.parameters():
        assert np.abs(p.numpy()).max() <= 0.2 and np.abs(p.numpy()).max() > 0.15


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_an_exported_recurrent_model_runs_at_other_batch_sizes(onnxruntime, tmp_path, cls):
    model = getattr(tg.nn, cls)(3, 4, num_layers=2, batch_first=True, bidirectional=True)
    path = str(tmp_path / "model.onnx")
    tg.onnx.export(lambda x: model(x)[0], (tg.randn(2, 5, 3),), path, input_names=["x"],
                   dynamic_axes={"x": {0: "batch"}})
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(2).standard_normal((3, 5, 3)).astype(np.float32)
    (got,) = session.run(None, {"x": x})
    np.testing.assert_allclose(got, model(tg.tensor(x))[0].detach().numpy(), rtol=1e-5,
                               atol=1e-6)
