"""Sequential / NeuralNetwork API: layers, add, indexing, predict, evaluate, summary,
binary_classify, input checks."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn
from tinygraph.nn import Dense, NeuralNetwork, Sequential, trainer


def test_layers_add_len_and_indexing():
    a, b = Dense(2, 3, "relu"), Dense(3, 1)
    model = Sequential(a)
    assert model.add(b) is model
    assert model.layers == [a, b] and len(model) == 2 and list(model) == [a, b]
    assert model[0] is a and model[-1] is b
    assert isinstance(model[:1], Sequential) and model[:1].layers == [a]
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.weight",
                                                          "1.bias"]
    assert Sequential([a, b]).layers == [a, b]
    with pytest.raises(TypeError, match="Module"):
        model.add("dense")


def test_neural_network_is_a_sequential():
    net = NeuralNetwork()
    net.add(Dense(2, 2))
    assert isinstance(net, Sequential) and len(net.layers) == 1


def test_forward_accepts_lists_arrays_and_tensors():
    model = Sequential(Dense(2, 1))
    expected = model(tg.tensor([[1.0, 2.0]])).numpy()
    np.testing.assert_allclose(model([[1.0, 2.0]]).numpy(), expected)
    np.testing.assert_allclose(model(np.array([[1.0, 2.0]], np.float32)).numpy(), expected)


def test_predict_returns_an_array_in_eval_mode_without_a_graph():
    model = Sequential(Dense(3, 8, "relu"), nn.Dropout(0.5), Dense(8, 2))
    X = np.random.default_rng(0).standard_normal((5, 3))
    out = model.predict(X)
    assert isinstance(out, np.ndarray) and out.shape == (5, 2) and out.dtype == np.float32
    np.testing.assert_array_equal(model.predict(X), out)  # dropout off: deterministic
    assert model.training and model[1].training  # the mode is restored
    model.eval()
    model.predict(X)
    assert not model.training
    assert all(p.grad is None for p in model.parameters())


def test_evaluate_is_the_data_loss_without_penalty():
    tg.set_default_dtype(np.float64)
    model = Sequential(Dense(2, 1, l2_lambda=10.0))
    X, Y = np.ones((3, 2)), np.zeros((3, 1))
    expected = float(((model.predict(X) - Y) ** 2).mean())
    assert model.evaluate(X, Y) == pytest.approx(expected, rel=1e-12)
    assert model.evaluate(X, Y, loss="l1") == pytest.approx(np.abs(model.predict(X)).mean())
    assert model.evaluate(X, Y, loss=nn.L1Loss()) == model.evaluate(X, Y, loss="mae")


def test_evaluate_uses_the_loss_set_or_last_fitted():
    net = NeuralNetwork(Dense(2, 1, "sigmoid"))
    X, Y = np.ones((3, 2)), np.ones((3, 1))
    net.set_loss(nn.BCELoss())
    assert net.evaluate(X, Y) == pytest.approx(net.evaluate(X, Y, loss="bce"))
    net.fit(X, Y, loss="l1")
    assert net.evaluate(X, Y) == net.evaluate(X, Y, loss="l1")


def test_binary_classify_thresholds_with_greater_than_and_returns_ints():
    model = Sequential()
    preds = np.array([[0.2], [0.5], [0.51], [0.9]])
    labels = model.binary_classify(preds)
    assert labels.shape == (4, 1) and labels.dtype.kind == "i"
    np.testing.assert_array_equal(labels.ravel(), [0, 0, 1, 1])
    np.testing.assert_array_equal(model.binary_classify(tg.tensor([0.1, 0.3]), threshold=0.2),
                                  [0, 1])


def test_summary_prints_and_returns_the_table(capsys):
    model = Sequential(Dense(4, 8, "relu"), nn.Dropout(0.2), nn.BatchNorm1d(8),
                       Dense(8, 3, "softmax"))
    text = model.summary()
    assert capsys.readouterr().out.strip() == text.strip()
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("Layer"))
    assert "Output Shape" in header and "Param #" in header
    rows = [line.split() for line in lines if line[:1].isdigit()]
    assert rows == [["0", "(Dense)", "(None,", "8)", "40"],
                    ["1", "(Dropout)", "(None,", "8)", "0"],
                    ["2", "(BatchNorm1d)", "(None,", "8)", "16"],
                    ["3", "(Dense)", "(None,", "3)", "27"]]
    assert "Total params: 83" in text and "Trainable params: 83" in text
    assert model.training  # tracing the shapes did not leave eval mode on


def test_summary_with_an_explicit_input_shape_and_unknown_shapes():
    model = Sequential(nn.Flatten(), Dense(6, 2))
    assert "(None, 6)" in model.summary(input_shape=(2, 3))
    assert "?" in Sequential(nn.Flatten(), Dense(6, 2)).summary()


def test_mismatched_sample_counts_are_reported():
    model = Sequential(Dense(2, 1))
    with pytest.raises(ValueError, match=r"X has 4 samples.*Y has 3"):
        model.fit(np.zeros((4, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="validation_data"):
        model.fit(np.zeros((4, 2)), np.zeros((4, 1)),
                  validation_data=(np.zeros((2, 2)), np.zeros((1, 1))))


def test_bad_fit_arguments_are_rejected():
    model = Sequential(Dense(2, 1))
    X, Y = np.zeros((4, 2)), np.zeros((4, 1))
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(X, Y, batch_size=0)
    with pytest.raises(ValueError, match="epochs"):
        model.fit(X, Y, epochs=-1)
    with pytest.raises(ValueError, match="unknown loss"):
        model.fit(X, Y, loss="hinge")
    with pytest.raises(ValueError, match="unknown optimizer"):
        model.fit(X, Y, optimizer="lbfgs")
    with pytest.raises(ValueError, match="optimizer"):
        model.train_step(X, Y, "mse", None)


def test_fit_zero_epochs_returns_an_empty_history():
    history = Sequential(Dense(2, 1)).fit(np.zeros((2, 2)), np.zeros((2, 1)), epochs=0)
    assert list(history) == [] and history.val_loss == []


def test_fit_casts_inputs_to_the_parameter_dtype():
    model = Sequential(Dense(2, 1))
    history = model.fit(np.ones((3, 2), dtype=np.float64), np.ones((3, 1), dtype=int))
    assert model[0].weight.dtype == np.float32 and isinstance(history[0], float)


def test_train_step_adds_each_penalty_once_in_flat_nested_and_repeated_stacks():
    # train_step looks the penalized layers up once: it must find what regularization_loss
    # finds, a repeated layer once, nested ones too
    shared = Dense(2, 2, l2_lambda=0.5)
    flat = Sequential(Dense(2, 2, l1_lambda=0.1), nn.ReLU(), shared, shared)
    nested = Sequential(Sequential(Dense(2, 2, l2_lambda=0.3)), shared)
    plain = Sequential(nn.Linear(2, 2), nn.ReLU())
    X = np.array([[1.0, -2.0], [0.5, 3.0]], dtype=np.float32)
    Y = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    for model, count in ((flat, 2), (nested, 2), (plain, 0)):
        walked = [m for m in model.modules() if type(m).penalty is not nn.Module.penalty]
        assert trainer.penalized(model) == walked and len(walked) == count
        expected = model.evaluate(X, Y) + model.regularization_loss().item()
        optimizer = tg.optim.SGD(model.parameters(), lr=0.0)
        assert model.train_step(X, Y, "mse", optimizer) == pytest.approx(expected, rel=1e-6)


def test_summary_is_shown_once_at_a_prompt_and_in_a_notebook(capsys):
    """summary() prints the table and returns it; echoing the returned value must not show
    the table a second time (Python's >>> prompt echoes repr(value); Jupyter and IPython
    call _ipython_display_ instead when an object has one)."""
    import code

    model = Sequential(Dense(4, 8, "relu"), Dense(8, 1))
    console = code.InteractiveConsole({"model": model})
    console.push("model.summary()")  # as typed at >>>: print, then the echo of the result
    shown = capsys.readouterr().out
    assert shown.count("Total params: 49") == 1
    assert shown.rstrip().endswith(
        "<summary of Sequential: 2 layers, 49 parameters; print() or str() for the table>")
    text = model.summary()
    capsys.readouterr()
    assert text._ipython_display_() is None and capsys.readouterr().out == ""
    assert isinstance(text, str) and text == str(text) and "Total params: 49" in text
    assert text.splitlines()[0] == 'Model: "Sequential"' and type(text + "") is str
