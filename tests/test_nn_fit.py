"""The training loop: both original examples from SPEC, fit against a hand-written loop,
minibatches and shuffling, validation, regularization, NaN/Inf stops, printing and the bar."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn, optim
from tinygraph.nn import MSE, Dense, NeuralNetwork, Sequential
from tinygraph.optim import SGD, Adam

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=float)


def test_first_original_example_runs_unchanged_and_learns_xor(capsys):
    tg.manual_seed(1)
    X, Y = XOR_X, XOR_Y
    model = Sequential(); model.add(Dense(2, 4, activation="relu")); model.add(Dense(4, 2, activation="relu"))  # noqa: E501, E702
    model.add(Dense(2, 1, activation="sigmoid"))
    optimizer = SGD(learning_rate=0.1); optimizer.register_layers(model.layers)  # noqa: E702
    history = model.fit(X, Y, epochs=10000, optimizer=optimizer, print_every=100)
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 100 and printed[-1].startswith("Epoch 10000/10000")
    assert len(history) == 10000 and history[-1] < 0.01 < history[0]
    np.testing.assert_array_equal(model.binary_classify(model.predict(X)), Y.astype(int))


def test_second_original_example_runs_unchanged():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 4))
    Y = (X[:, :1] + X[:, 1:2] > 0).astype(float)
    nn = NeuralNetwork(); nn.add(Dense(4, 8, activation='relu', l1_lambda=0.01, l2_lambda=0.01))  # noqa: E501, E702
    nn.add(Dense(8, 1, activation='sigmoid')); nn.set_loss(MSE())  # noqa: E702
    optimizer = Adam(learning_rate=0.001); history = nn.train(X, Y, epochs=100, optimizer=optimizer)  # noqa: E501, E702
    assert len(history) == 100 and history[-1] < history[0]
    assert optimizer.param_groups and len(optimizer.param_groups[0]["params"]) == 4


def _twin_models():
    tg.set_default_dtype(np.float64)
    a = Sequential(Dense(3, 5, "tanh", l1_lambda=0.01, l2_lambda=0.02), Dense(5, 2))
    b = Sequential(Dense(3, 5, "tanh"), Dense(5, 2))
    b.load_state_dict(a.state_dict())
    return a, b


def test_fit_without_optimizer_is_sgd_on_mse_plus_penalty_like_a_hand_written_loop(rng):
    model, twin = _twin_models()
    X, Y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    history = model.fit(X, Y, epochs=4, learning_rate=0.05)
    losses = []
    params = dict(twin.named_parameters())
    for _ in range(4):
        out = twin(tg.tensor(X))
        w0 = params["0.weight"]
        loss = ((out - Y) ** 2).mean() + 0.01 * w0.abs().sum() + 0.02 * (w0 * w0).sum()
        losses.append(loss.item())
        twin.zero_grad()
        loss.backward()
        with tg.no_grad():
            for p in twin.parameters():
                p -= 0.05 * p.grad
    np.testing.assert_allclose(list(history), losses, rtol=1e-12)
    for (name, p), q in zip(model.named_parameters(), twin.parameters()):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-12, err_msg=name)


def test_default_learning_rate_is_0_01(rng):
    model, twin = _twin_models()
    X, Y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    model.fit(X, Y)
    twin.fit(X, Y, optimizer=optim.SGD(twin.parameters(), lr=0.01))
    np.testing.assert_allclose(model[1].weight.numpy(), twin[1].weight.numpy(), rtol=1e-12)


def test_train_step_returns_the_loss_and_updates(rng):
    model, _ = _twin_models()
    X, Y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    opt = optim.SGD(lr=0.1)  # no parameters yet: train_step gives it the model's
    before = model.evaluate(X, Y) + model.regularization_loss().item()
    value = model.train_step(X, Y, nn.MSELoss(), opt)
    assert value == pytest.approx(before, rel=1e-12)
    assert model.evaluate(X, Y) < before


def test_minibatches_are_shuffled_reproducibly(rng):
    X, Y = rng.standard_normal((10, 3)), rng.standard_normal((10, 2))
    runs = []
    for shuffle in (True, True, False):
        tg.manual_seed(4)
        model, _ = _twin_models()
        runs.append(list(model.fit(X, Y, epochs=3, batch_size=3, shuffle=shuffle,
                                   learning_rate=0.1)))
    assert runs[0] == runs[1] != runs[2]


def test_epoch_loss_is_the_sample_weighted_mean_of_batch_losses(rng):
    model, twin = _twin_models()
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    history = model.fit(X, Y, batch_size=2, shuffle=False, learning_rate=0.1)
    opt = optim.SGD(twin.parameters(), lr=0.1)
    penalized = model[0]
    values = []
    for start in range(0, 5, 2):
        twin[0].l1_lambda, twin[0].l2_lambda = penalized.l1_lambda, penalized.l2_lambda
        values.append(twin.train_step(X[start:start + 2], Y[start:start + 2], "mse", opt)
                      * len(X[start:start + 2]))
    assert history[0] == pytest.approx(sum(values) / 5, rel=1e-12)


def test_validation_loss_after_training_equals_evaluate(rng):
    model, _ = _twin_models()
    X, Y = rng.standard_normal((12, 3)), rng.standard_normal((12, 2))
    Xv, Yv = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    history = model.fit(X, Y, epochs=3, batch_size=4, validation_data=(Xv, Yv),
                        learning_rate=0.1)
    assert len(history.val_loss) == 3
    assert history.val_loss[-1] == model.evaluate(Xv, Yv)
    assert history.history["val_loss"] == history.val_loss
    assert model.training


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow while diverging
def test_diverging_loss_stops_fit_naming_the_epoch():
    tg.set_default_dtype(np.float64)
    model = Sequential(Dense(1, 1))
    X = np.linspace(-100, 100, 20).reshape(-1, 1)
    with pytest.raises(FloatingPointError, match=r"epoch (\d+).*smaller learning rate") as info:
        model.fit(X, 3 * X, epochs=1000, learning_rate=10.0)
    epoch = int(re.search(r"epoch (\d+)", str(info.value)).group(1))
    assert 1 < epoch < 1000
    assert len(info.value.history) == epoch - 1
    assert isinstance(info.value, RuntimeError)


def test_nan_in_the_data_stops_at_epoch_1():
    X = np.array([[1.0], [np.nan]])
    with pytest.raises(nn.DivergenceError, match="epoch 1 "):
        Sequential(Dense(1, 1)).fit(X, np.ones((2, 1)), epochs=3)


def test_optimizer_created_without_params_is_given_the_model_params(rng):
    model, _ = _twin_models()
    opt = Adam(learning_rate=0.01)
    model.fit(rng.standard_normal((4, 3)), rng.standard_normal((4, 2)), optimizer=opt)
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(p) for p in model.parameters()]


def test_fit_accepts_one_dimensional_targets_and_loss_names(rng):
    model = Sequential(Dense(2, 3, "relu"), Dense(3, 1, "sigmoid"))
    X = rng.standard_normal((6, 2))
    y = (X[:, 0] > 0).astype(int)
    history = model.fit(X, y, epochs=3, loss="bce", learning_rate=0.5)
    assert len(history) == 3
    assert model.evaluate(X, y) == pytest.approx(
        nn.BCELoss()(tg.tensor(model.predict(X)), y.reshape(-1, 1).astype(np.float32)).item())


def test_cross_entropy_training_with_integer_labels(rng):
    centers = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    labels = rng.integers(0, 3, 90)
    X = centers[labels] + 0.3 * rng.standard_normal((90, 2))
    model = Sequential(Dense(2, 16, "relu"), Dense(16, 3))
    history = model.fit(X, labels, epochs=30, loss="cross_entropy", batch_size=16,
                        optimizer="adam", learning_rate=0.05)
    assert history[-1] < 0.2 * history[0]
    assert (model.predict(X).argmax(axis=1) == labels).mean() > 0.95


def test_print_every_and_no_bar_without_a_terminal(capsys, rng):
    model = Sequential(Dense(2, 1))
    model.fit(rng.standard_normal((4, 2)), rng.standard_normal((4, 1)), epochs=6,
              print_every=2, validation_data=(np.zeros((2, 2)), np.zeros((2, 1))))
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert [line.split(",")[0] for line in lines] == ["Epoch 2/6", "Epoch 4/6", "Epoch 6/6"]
    assert "val_loss" in lines[0]
    assert captured.err == ""


def test_progress_bar_only_on_a_terminal_and_never_with_progress_false(capsys, monkeypatch,
                                                                        rng):
    from tinygraph.nn import training

    monkeypatch.setattr(training, "stderr_is_tty", lambda: True)
    model = Sequential(Dense(2, 1))
    X, Y = rng.standard_normal((4, 2)), rng.standard_normal((4, 1))
    model.fit(X, Y, epochs=5)
    assert "epoch" in capsys.readouterr().err
    model.fit(X, Y, epochs=5, progress=False)
    assert capsys.readouterr().err == ""


def test_neural_network_train_switches_modes_without_data(rng):
    net = NeuralNetwork(Dense(2, 2), nn.Dropout(0.5))
    assert net.train(False) is net and not net[1].training
    assert net.train() is net and net[1].training
    net.eval()
    assert not net.training
    net.set_loss("l1")
    X, Y = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    history = net.train(X, Y, epochs=2, optimizer=SGD(learning_rate=0.01))
    assert len(history) == 2 and net.training
    net.eval()
    assert net.evaluate(X, Y) == pytest.approx(nn.L1Loss()(tg.tensor(net.predict(X)),
                                                           Y.astype(np.float32)).item())
