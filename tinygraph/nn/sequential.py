"""Sequential (PyTorch's container, plus the seeds' Keras-style methods) and NeuralNetwork.

    model = Sequential(Linear(2, 4), ReLU(), Linear(4, 1))          # PyTorch
    model = Sequential(); model.add(Dense(2, 4, activation="relu"))  # Keras-style
    history = model.fit(X, Y, epochs=100, learning_rate=0.1)

The container is here; ``fit``, ``train_step``, ``evaluate`` and ``predict`` are one-line
delegations to ``trainer.py``, which holds the training loop.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from . import trainer
from .containers import absolute_index, renumber
from .losses import get_loss
from .module import Module
from .training import History


class Sequential(Module):
    """Layers applied one after the other, registered as ``"0"``, ``"1"``, ... (or under the
    keys of an ``OrderedDict``), so parameter names read ``0.weight``, ``0.bias``, ...

    >>> model = Sequential(Linear(4, 8), ReLU(), Linear(8, 1))
    >>> model.append(Sigmoid()); model[0], model[1:], len(model)

    Indexing, slicing (a Sequential keeping the names), assignment, ``del``, ``append``,
    ``insert``, ``extend``, ``pop`` and iteration behave as in PyTorch. The Keras-style
    ``add``, ``fit``, ``train_step``, ``evaluate``, ``predict``, ``summary`` and
    ``binary_classify`` come from the seeds' API.
    """

    def __init__(self, *layers) -> None:
        super().__init__()
        self.__dict__["_loss"] = None  # the loss fit/evaluate use (set_loss, or the last fit)
        self.__dict__["history"] = None  # the History of the last fit
        if len(layers) == 1 and isinstance(layers[0], OrderedDict):
            for name, layer in layers[0].items():
                self.add_module(name, layer)
            return
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])  # the Keras habit of passing a list
        for layer in layers:
            self.add(layer)

    # -- the container -------------------------------------------------------------------

    @property
    def layers(self) -> list[Module]:
        """The layers, in order (a new list: use ``add``/``append`` to change the model)."""
        return list(self._modules.values())

    def add(self, layer: Module) -> Sequential:
        """Append ``layer`` (Keras' name for ``append``); returns self."""
        if not isinstance(layer, Module):
            raise TypeError(
                f"{type(self).__name__}.add: expected a Module (a layer), got "
                f"{type(layer).__name__}."
            )
        self.add_module(str(len(self._modules)), layer)
        return self

    append = add

    def extend(self, layers) -> Sequential:
        for layer in list(layers):
            self.add(layer)
        return self

    def insert(self, index: int, layer: Module) -> Sequential:
        """Insert ``layer`` before position ``index``; the layers are renumbered."""
        if not isinstance(layer, Module):
            raise TypeError(f"{type(self).__name__}.insert: expected a Module, got "
                            f"{type(layer).__name__}.")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"{type(self).__name__}.insert: index {index} is out of range "
                             f"for {n} layers.")
        layers = self.layers
        layers.insert(index, layer)
        renumber(self, layers)
        return self

    def pop(self, index: int = -1) -> Module:
        layer = self[index]
        del self[index]
        return layer

    def __len__(self) -> int:
        return len(self._modules)

    def __add__(self, other) -> Sequential:
        """A new Sequential of this one's layers, then ``other``'s (the same Modules)."""
        if not isinstance(other, Sequential):
            raise ValueError("add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.")
        return Sequential(*self, *other)

    def __mul__(self, times: int) -> Sequential:
        """A new Sequential of this one's layers ``times`` over (the same Modules)."""
        if not isinstance(times, int) or isinstance(times, bool):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(times)}")
        if times <= 0:
            raise ValueError(f"Non-positive multiplication factor {times} for {type(self)}")
        return Sequential(*(list(self) * times))

    __rmul__ = __mul__

    def __imul__(self, times: int) -> Sequential:
        repeated = self * times
        return self.extend(list(repeated)[len(self):])

    def __iadd__(self, other) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError("add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.")
        return self.extend(list(other))

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(OrderedDict(list(self._modules.items())[index]))
        return self.layers[absolute_index(self, index)]

    def __setitem__(self, index: int, layer: Module) -> None:
        name = list(self._modules)[absolute_index(self, index)]
        setattr(self, name, layer)

    def __delitem__(self, index) -> None:
        layers = self.layers
        if isinstance(index, slice):
            del layers[index]
        else:
            del layers[absolute_index(self, index)]
        renumber(self, layers)  # as PyTorch: the rest are renumbered "0", "1", ...

    def forward(self, input):  # torch's name: model(input=x) works
        x = input
        if not isinstance(x, (Tensor, np.ndarray)):
            x = np.asarray(x, dtype=self._dtype())
        for i, layer in enumerate(self._modules.values()):
            try:
                x = layer(x)
            except ShapeError as exc:
                if getattr(exc, "_layer_named", False):
                    raise
                err = ShapeError(f"{type(self).__name__} layer {i} ({type(layer).__name__}): {exc}")
                err._layer_named = True
                raise err from exc
        return x

    def _dtype(self) -> np.dtype:
        """The dtype of the first parameter (inputs are cast to it), else the default."""
        return trainer.model_dtype(self)

    # -- the Keras-style methods (trainer.py) --------------------------------------------

    def fit(self, X, Y, epochs: int = 1, optimizer=None, loss=None,
            batch_size: int | None = None, shuffle: bool = True, validation_data=None,
            print_every: int | None = None, learning_rate: float | None = None,
            progress: bool | None = None) -> History:
        return trainer.fit(self, X, Y, epochs, optimizer, loss, batch_size, shuffle,
                           validation_data, print_every, learning_rate, progress)

    fit.__doc__ = trainer.fit.__doc__

    def train_step(self, X, Y, loss_fn=None, optimizer=None) -> float:
        return trainer.train_step(self, X, Y, loss_fn, optimizer)

    train_step.__doc__ = trainer.train_step.__doc__

    def evaluate(self, X, Y, loss=None) -> float:
        return trainer.evaluate(self, X, Y, loss)

    evaluate.__doc__ = trainer.evaluate.__doc__

    def predict(self, X) -> np.ndarray:
        return trainer.predict(self, X)

    predict.__doc__ = trainer.predict.__doc__

    def binary_classify(self, predictions, threshold: float = 0.5) -> np.ndarray:
        """1 where ``predictions > threshold`` else 0, as ints shaped like the input."""
        data = predictions._data if isinstance(predictions, Tensor) else np.asarray(predictions)
        return (data > threshold).astype(int)

    def summary(self, input_shape: tuple | None = None) -> str:
        """Print and return a table of layers, output shapes and parameter counts.

        Output shapes come from a forward pass of one zero sample of ``input_shape`` (the
        shape of one sample, without the batch axis; by default the first layer's input
        width), shown with ``None`` as the batch axis.
        """
        from .summary import summary_table

        text = summary_table(self, input_shape)
        print(text)
        return text


class NeuralNetwork(Sequential):
    """A :class:`Sequential` with a stored loss: ``set_loss(loss)``, then
    ``train(X, Y, epochs, optimizer)`` (the seeds' API).

    ``train`` keeps ``Module.train``'s meaning as well: it trains on data when given data,
    and otherwise switches the mode.

    - ``train(X, Y, epochs=1, optimizer=None, **fit_options)``: ``fit`` with the set loss;
      returns the History.
    - ``train()``, ``train(True)``, ``train(False)``, ``train(mode=False)``: training or
      evaluation mode, returns self (``eval()`` is ``train(False)``), so a NeuralNetwork
      inside another Module follows that module's ``train()``/``eval()``.

    >>> net = NeuralNetwork(); net.add(Dense(4, 1, activation="sigmoid")); net.set_loss(MSE())
    >>> net.train(X, Y, epochs=100, optimizer=Adam(learning_rate=0.001))
    """

    def set_loss(self, loss) -> NeuralNetwork:
        """Use ``loss`` (a name, a loss Module or a callable) in ``train``/``fit``/``evaluate``."""
        self.__dict__["_loss"] = get_loss(loss)
        return self

    def train(self, X=True, Y=None, epochs: int = 1, optimizer=None, *, mode=None,
              **fit_options):
        """``train(X, Y, epochs, optimizer, ...)`` trains; ``train(mode)`` sets the mode."""
        if mode is not None:
            return Module.train(self, mode)
        if Y is None:
            if isinstance(X, (bool, np.bool_)):
                return Module.train(self, X)
            raise TypeError(
                "NeuralNetwork.train(X, Y, ...): the targets Y are missing. To switch the mode "
                "instead, pass a bool: train(True) or train(False) (or call eval())."
            )
        return self.fit(X, Y, epochs=epochs, optimizer=optimizer, **fit_options)
