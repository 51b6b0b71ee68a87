"""Sequential and NeuralNetwork: a stack of layers with a Keras-style training loop.

    model = Sequential(Dense(2, 4, activation="relu"), Dense(4, 1, activation="sigmoid"))
    history = model.fit(X, Y, epochs=100, learning_rate=0.1, batch_size=32)
    model.evaluate(X, Y), model.predict(X)

One training step is ``zero_grad``, forward, ``loss + regularization_loss()``, ``backward``,
``step``: exactly the loop one writes by hand with the graph API.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from .. import optim
from ..autograd import no_grad
from ..errors import ShapeError
from ..tensor import Tensor, get_default_dtype
from .losses import BCELoss, BCEWithLogitsLoss, L1Loss, MSELoss, get_loss
from .module import Module, module_penalty
from .training import DivergenceError, History, batches, check_lengths, progress_bar

_FLOAT_TARGET_LOSSES = (MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss)
_OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop"}


class Sequential(Module):
    """Layers applied one after the other; registered as ``"0"``, ``"1"``, ... so parameter
    names read ``0.weight``, ``0.bias``, ...

    >>> model = Sequential(Linear(4, 8), ReLU(), Linear(8, 1))
    >>> model.add(Sigmoid())
    """

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        self.__dict__["_loss"] = None
        self.__dict__["history"] = None
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for layer in layers:
            self.add(layer)

    # -- the stack -----------------------------------------------------------------------

    @property
    def layers(self) -> list[Module]:
        """The layers, in order (a new list: use ``add`` to append)."""
        return list(self._modules.values())

    def add(self, layer: Module) -> Sequential:
        """Append ``layer``; returns self."""
        if not isinstance(layer, Module):
            raise TypeError(
                f"{type(self).__name__}.add: expected a Module (a layer), got "
                f"{type(layer).__name__}."
            )
        self._modules[str(len(self._modules))] = layer
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        layers = self.layers
        if isinstance(index, slice):
            return Sequential(*layers[index])
        return layers[index]

    def forward(self, x):
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

    # -- data ----------------------------------------------------------------------------

    def _dtype(self) -> np.dtype:
        """The dtype of the first parameter (inputs are cast to it), else the default."""
        if not self._parameters:  # the usual case, read directly: the first layer's own
            for layer in self._modules.values():
                for p in layer._parameters.values():
                    if p is not None:
                        return p._data.dtype
                break
        for p in self.parameters():
            return p._data.dtype
        return get_default_dtype()

    def _as_input(self, X, dtype=None) -> np.ndarray:
        data = X._data if isinstance(X, Tensor) else np.asarray(X)
        dtype = self._dtype() if dtype is None else dtype
        if data.dtype != dtype and data.dtype.kind in "biuf":
            data = data.astype(dtype)
        return data

    def _as_target(self, Y, loss_fn, dtype=None) -> np.ndarray:
        data = Y._data if isinstance(Y, Tensor) else np.asarray(Y)
        dtype = self._dtype() if dtype is None else dtype
        if data.dtype.kind == "f" or isinstance(loss_fn, _FLOAT_TARGET_LOSSES):
            if data.dtype != dtype:
                data = data.astype(dtype)
        return data

    def _resolve_loss(self, loss):
        if loss is None:
            if self._loss is None:
                self.__dict__["_loss"] = MSELoss()
            return self._loss
        if loss is self.__dict__.get("_loss"):  # the loss of the previous step, as it was
            return loss
        loss_fn = get_loss(loss)
        self.__dict__["_loss"] = loss_fn
        return loss_fn

    def _resolve_optimizer(self, optimizer, learning_rate):
        if optimizer is None:
            lr = 0.01 if learning_rate is None else learning_rate
            return optim.SGD(self.parameters(), lr=lr)
        if isinstance(optimizer, str):
            name = _OPTIMIZERS.get(optimizer.lower())
            if name is None:
                raise ValueError(f"unknown optimizer {optimizer!r}: valid names are "
                                 + ", ".join(repr(k) for k in _OPTIMIZERS) + ".")
            kwargs = {} if learning_rate is None else {"lr": learning_rate}
            return getattr(optim, name)(self.parameters(), **kwargs)
        if not optimizer.param_groups:
            optimizer.register_layers(self)  # created without parameters: give it the model's
        if learning_rate is not None:
            optimizer.learning_rate = learning_rate
        return optimizer

    # -- training ------------------------------------------------------------------------

    def _loss_value(self, out, y, loss_fn):
        """Data loss of the predictions ``out``; a (N,) target meets (N, 1) predictions."""
        if (y.ndim == 1 and out.ndim == 2 and out.shape[1] == 1
                and isinstance(loss_fn, _FLOAT_TARGET_LOSSES)):
            y = y.reshape(-1, 1)
        return loss_fn(out, y)

    def _penalized(self) -> list[Module]:
        """The modules that define a penalty (looked up once per fit; train_step, every step)."""
        inherited = Module.penalty
        layers = self._modules.values()
        for layer in layers:
            if layer._modules:  # nested containers: the general walk
                return [m for m in self.modules() if type(m).penalty is not inherited]
        found = []  # the usual flat stack: no walk
        for m in (self, *layers):
            if type(m).penalty is not inherited and m not in found:  # a layer listed twice
                found.append(m)  # counts once
        return found

    def train_step(self, X, Y, loss_fn=None, optimizer=None) -> float:
        """One update on the batch (X, Y): zero_grad, forward, loss + regularization_loss(),
        backward, step. Returns the loss (data + penalty) as a float.

        Raises ``DivergenceError`` (before any update) when the loss is NaN or Inf.
        """
        loss_fn = self._resolve_loss(loss_fn)
        if optimizer is None:
            raise ValueError(
                "train_step: pass an optimizer, e.g. optim.SGD(model.parameters(), lr=0.01)."
            )
        if not optimizer.param_groups:
            optimizer.register_layers(self)
        dtype = self._dtype()
        x, y = self._as_input(X, dtype), self._as_target(Y, loss_fn, dtype)
        return self._step(x, y, loss_fn, optimizer, self._penalized())

    def _step(self, x, y, loss_fn, optimizer, penalized) -> float:
        """train_step on prepared arrays (fit's inner loop)."""
        optimizer.zero_grad()
        loss = self._loss_value(self(x), y, loss_fn)
        for module in penalized:
            term = module_penalty(module)
            if term is not None:
                loss = loss + term
        value = loss.item()
        if not math.isfinite(value):
            err = DivergenceError(
                f"train_step: the loss is {value}. The training diverged: try a smaller "
                "learning rate, scale the inputs, or check the data for NaN/Inf."
            )
            err.value = value
            raise err
        loss.backward()
        optimizer.step()
        return value

    def fit(self, X, Y, epochs: int = 1, optimizer=None, loss=None, batch_size: int | None = None,
            shuffle: bool = True, validation_data=None, print_every: int | None = None,
            learning_rate: float | None = None, progress: bool | None = None) -> History:
        """Train for ``epochs`` passes over (X, Y); returns the :class:`History`.

        ``optimizer``: an Optimizer (one created without parameters is given the model's), a
        name ("sgd", "adam", ...), or None for SGD at ``learning_rate`` (default 0.01).
        ``loss``: a name ("mse", "bce", "cross_entropy", ...) or a callable; None keeps the
        loss set before (``set_loss`` or an earlier ``fit``), MSE at first.
        ``batch_size=None`` is full batch; minibatches are reshuffled every epoch from the
        library's generator when ``shuffle``. ``validation_data=(X_val, Y_val)`` records
        ``history.val_loss`` (equal to ``evaluate``). ``print_every=n`` prints every n
        epochs. A tqdm bar is shown when stderr is a terminal, unless ``progress=False``.
        A NaN/Inf loss stops training with ``DivergenceError`` naming the epoch.
        """
        if int(epochs) != epochs or epochs < 0:
            raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}.")
        loss_fn = self._resolve_loss(loss)
        optimizer = self._resolve_optimizer(optimizer, learning_rate)
        x_all, y_all = self._as_input(X), self._as_target(Y, loss_fn)
        n = check_lengths(x_all, y_all, "fit")
        if batch_size is None or batch_size >= n:
            batch_size = n
        elif int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"fit: batch_size must be a positive integer, got {batch_size!r}.")
        if validation_data is not None:
            x_val, y_val = validation_data
            check_lengths(x_val, y_val, "fit (validation_data)")
        history = History()
        self.__dict__["history"] = history
        bar = progress_bar(int(epochs), progress)
        write = bar.write if bar is not None else print
        penalized = self._penalized()
        Module.train(self, True)
        try:
            for epoch in range(1, int(epochs) + 1):
                total = 0.0
                for xb, yb in batches(x_all, y_all, batch_size, shuffle):
                    try:
                        value = self._step(xb, yb, loss_fn, optimizer, penalized)
                    except DivergenceError as exc:
                        err = DivergenceError(
                            f"fit: the loss became {exc.value} at epoch {epoch} (of {epochs}); "
                            "training stopped. The optimizer diverged: try a smaller learning "
                            "rate (or scale the inputs, or check the data for NaN/Inf)."
                        )
                        err.history = history
                        raise err from None
                    total += value * len(xb)
                history.append(total / n)
                if validation_data is not None:
                    history.val_loss.append(self.evaluate(x_val, y_val, loss=loss_fn))
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{history[-1]:.4g}", refresh=False)
                if print_every and (epoch % print_every == 0 or epoch == epochs):
                    line = f"Epoch {epoch}/{epochs}, loss: {history[-1]:.6f}"
                    if history.val_loss:
                        line += f", val_loss: {history.val_loss[-1]:.6f}"
                    write(line)
        finally:
            if bar is not None:
                bar.close()
        return history

    # -- inference -----------------------------------------------------------------------

    @contextlib.contextmanager
    def _inference(self):
        """no_grad and eval mode, restoring every module's previous mode afterwards."""
        modes = [(m, m.training) for m in self.modules()]
        Module.train(self, False)
        try:
            with no_grad():
                yield
        finally:
            for module, mode in modes:
                module.__dict__["training"] = mode

    def evaluate(self, X, Y, loss=None) -> float:
        """The data loss on (X, Y) in eval mode, without recording a graph (no penalty)."""
        if loss is not None:
            loss_fn = get_loss(loss)
        else:
            loss_fn = self._loss if self._loss is not None else MSELoss()
        x, y = self._as_input(X), self._as_target(Y, loss_fn)
        check_lengths(x, y, "evaluate")
        with self._inference():
            return float(self._loss_value(self(x), y, loss_fn).item())

    def predict(self, X) -> np.ndarray:
        """The model's output for X as an ndarray (eval mode, no graph recorded)."""
        with self._inference():
            out = self(self._as_input(X))
        return out._data if isinstance(out, Tensor) else np.asarray(out)

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
    """A :class:`Sequential` with a stored loss: ``set_loss(loss)`` then ``train(X, Y, ...)``.

    ``train()`` / ``train(False)`` without data switch training/eval mode as on any Module.

    >>> nn = NeuralNetwork(); nn.add(Dense(4, 1, activation="sigmoid")); nn.set_loss(MSE())
    >>> nn.train(X, Y, epochs=100, optimizer=Adam(learning_rate=0.001))
    """

    def set_loss(self, loss) -> NeuralNetwork:
        """Use ``loss`` (a name, a loss Module or a callable) in ``train``/``fit``/``evaluate``."""
        self.__dict__["_loss"] = get_loss(loss)
        return self

    def train(self, X=None, Y=None, epochs: int = 1, optimizer=None, mode: bool | None = None,
              **fit_kwargs):
        """``train(X, Y, epochs, optimizer, ...)``: ``fit`` with the set loss, returns History.
        ``train()`` / ``train(False)``: switch mode, returns self."""
        if mode is not None:
            return Module.train(self, mode)
        if X is None or isinstance(X, (bool, np.bool_)):
            return Module.train(self, True if X is None else bool(X))
        if Y is None:
            raise TypeError("NeuralNetwork.train(X, Y, ...): the targets Y are missing.")
        return self.fit(X, Y, epochs=epochs, optimizer=optimizer, **fit_kwargs)
