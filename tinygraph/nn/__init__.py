"""Neural-network building blocks on the graph: Module, layers, activations, losses,
regularization, initializers, and the Sequential / NeuralNetwork training loop.

>>> from tinygraph import nn
>>> model = nn.Sequential(nn.Dense(2, 8, activation="relu"), nn.Dense(8, 1, "sigmoid"))
>>> history = model.fit(X, Y, epochs=200, learning_rate=0.1)
"""

from . import functional, init
from .activations import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh, get_activation
from .layers import BatchNorm1d, Dense, Dropout, Flatten, Linear
from .losses import (
    MSE,
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    get_loss,
)
from .module import Module, Parameter, StateDictError
from .sequential import NeuralNetwork, Sequential
from .training import DivergenceError, History

__all__ = [
    "functional", "init", "Module", "Parameter", "StateDictError",
    "Linear", "Dense", "Dropout", "BatchNorm1d", "Flatten",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Identity", "get_activation",
    "MSELoss", "MSE", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "get_loss",
    "Sequential", "NeuralNetwork", "History", "DivergenceError",
]
