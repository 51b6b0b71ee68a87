"""Issue 15 in nn: bad input refused where it enters, with messages that name the fix."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn, optim
from tinygraph.nn import Dense, NeuralNetwork, Sequential


@pytest.mark.parametrize("make, error, match", [
    (lambda: nn.Linear(2.5, 3), TypeError, r"Linear: in_features must be an integer, got 2.5"),
    (lambda: nn.Linear(2.0, 3), TypeError, r"int\(2.0\) if you meant 2"),
    (lambda: nn.Linear(3, -1), ValueError, "out_features must be at least 0, got -1"),
    (lambda: nn.Linear(True, 3), TypeError, "in_features must be an integer"),
    (lambda: nn.Linear("3", 3), TypeError, "in_features must be an integer"),
    (lambda: Dense(4, 1.5), TypeError, "Dense: output_size must be an integer"),
    (lambda: nn.BatchNorm1d(3.0), TypeError, "BatchNorm1d: num_features"),
    (lambda: nn.BatchNorm1d(-2), ValueError, "num_features must be at least 0"),
    (lambda: Dense(0, 2), ValueError, "Dense: input_size must be at least 1"),
])
def test_layer_sizes_must_be_whole_non_negative_numbers(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_layer_sizes_accept_numpy_integers():
    assert nn.Linear(np.int64(3), np.int32(2)).weight.shape == (2, 3)


@pytest.mark.parametrize("target", [[0.0, 2.0], [0.5, -0.1], [0.5, float("nan")]])
def test_bce_refuses_targets_outside_zero_one_as_torch(torch, target):
    pred = np.array([0.5, 0.5])
    with pytest.raises(ValueError, match=r"target should be between 0 and 1"):
        nn.BCELoss()(tg.tensor(pred), tg.tensor(target))
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        torch.nn.BCELoss()(torch.tensor(pred), torch.tensor(np.array(target)))


def test_bce_refuses_nan_predictions():
    with pytest.raises(ValueError, match="input should be between 0 and 1"):
        nn.functional.binary_cross_entropy(tg.tensor([float("nan")]), tg.tensor([1.0]))


@pytest.mark.parametrize("input_shape, target_shape, fix", [
    ((4,), (4, 1), r"target.reshape\(4\)"),
    ((4, 1), (4,), r"target.reshape\(4, 1\)"),
    ((2, 3), (3, 2), r"target.reshape\(2, 3\)"),
])
def test_mse_shape_mismatch_suggests_the_inputs_own_shape(input_shape, target_shape, fix):
    with pytest.raises(ValueError, match=fix):
        nn.MSELoss()(tg.zeros(*input_shape), tg.zeros(*target_shape))


def test_fit_on_no_samples_says_so():
    model = Sequential(Dense(2, 1))
    with pytest.raises(ValueError, match=r"fit: X has no samples \(shape \(0, 2\)\)"):
        model.fit(np.zeros((0, 2)), np.zeros((0, 1)), epochs=3)


@pytest.mark.parametrize("X, Y, role", [
    (np.array([["a", "b"], ["c", "d"]]), np.zeros((2, 1)), "X"),
    (np.zeros((2, 2)), np.array([["yes"], ["no"]]), "Y"),
    (np.array([[object(), 1]] * 2), np.zeros((2, 1)), "X"),
])
def test_fit_on_strings_or_objects_names_the_array_and_the_fix(X, Y, role):
    model = Sequential(Dense(2, 1))
    with pytest.raises(TypeError, match=rf"fit: {role} has dtype .* np.asarray"):
        model.fit(X, Y)
    with pytest.raises(TypeError, match="predict: X has dtype"):
        model.predict(np.array([["a", "b"]]))


def test_neural_network_train_is_unambiguous():
    net = NeuralNetwork(Dense(2, 1), nn.Dropout(0.5)).set_loss("mse")
    assert net.train(False) is net and not net[1].training
    assert net.train(mode=True) is net and net[1].training
    assert net.train(np.bool_(False)) is net and not net.training
    with pytest.raises(TypeError, match=r"targets Y are missing.*train\(True\)"):
        net.train(np.zeros((3, 2)))
    history = net.train(np.zeros((3, 2)), np.zeros((3, 1)), 2, optim.SGD(lr=0.1))
    assert len(history) == 2 and net.training
    parent = Sequential(net)  # a NeuralNetwork inside a model follows its mode
    parent.eval()
    assert not net.training and not net[1].training
