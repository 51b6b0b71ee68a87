"""The Keras-style trainer behind ``Sequential.fit``, ``train_step``, ``evaluate``, ``predict``.

It works on any Module whose forward takes one input (``Sequential`` delegates to it), and
keeps the model's chosen loss in ``model._loss`` and the last History in ``model.history``.

One training step is ``zero_grad``, forward, ``loss + penalties``, ``backward``, ``step``:
exactly the loop one writes by hand with the graph API. The pieces around the loop (History,
minibatches, the progress bar) are in ``training.py``.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from .. import optim
from ..autograd import no_grad
from ..tensor import Tensor, get_default_dtype
from .losses import BCELoss, BCEWithLogitsLoss, L1Loss, MSELoss, get_loss
from .module import Module, module_penalty
from .training import DivergenceError, History, batches, check_lengths, progress_bar

_FLOAT_TARGET_LOSSES = (MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss)
_OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop",
               "adagrad": "Adagrad"}


# -- resolving names and data ------------------------------------------------------------


def model_dtype(model: Module) -> np.dtype:
    """The dtype of the model's first parameter (inputs are cast to it), else the default."""
    for p in model.parameters():
        return p._data.dtype
    return get_default_dtype()


def _numbers(data, what: str, role: str) -> np.ndarray:
    array = data._data if isinstance(data, Tensor) else np.asarray(data)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{what}: {role} has dtype {array.dtype} (shape {array.shape}), but the model "
            f"computes on numbers. Convert it first, e.g. np.asarray({role}, dtype=np.float32)"
            " (for class names, map each to an integer label)."
        )
    return array


def as_input(model: Module, X, dtype=None, what: str = "fit") -> np.ndarray:
    """X as an array of the model's dtype (numbers only)."""
    data = _numbers(X, what, "X")
    dtype = model_dtype(model) if dtype is None else dtype
    return data.astype(dtype) if data.dtype != dtype else data


def as_target(model: Module, Y, loss_fn, dtype=None, what: str = "fit") -> np.ndarray:
    """Y as an array; float targets (and every target of a regression loss) in the model's
    dtype, integer class labels as they are."""
    data = _numbers(Y, what, "Y")
    dtype = model_dtype(model) if dtype is None else dtype
    if (data.dtype.kind == "f" or isinstance(loss_fn, _FLOAT_TARGET_LOSSES)) and (
            data.dtype != dtype):
        data = data.astype(dtype)
    return data


def resolve_loss(model: Module, loss):
    """The loss to use: ``loss`` (a name or a callable, remembered), else the model's, else
    MSE."""
    if loss is None:
        if model.__dict__.get("_loss") is None:
            model.__dict__["_loss"] = MSELoss()
        return model._loss
    if loss is model.__dict__.get("_loss"):  # the loss of the previous step, as it was
        return loss
    loss_fn = get_loss(loss)
    model.__dict__["_loss"] = loss_fn
    return loss_fn


def resolve_optimizer(model: Module, optimizer, learning_rate):
    """An Optimizer over the model's parameters from ``optimizer`` (an Optimizer, a name, or
    None for SGD) and ``learning_rate`` (0.01 by default)."""
    if optimizer is None:
        return optim.SGD(model.parameters(), lr=0.01 if learning_rate is None else learning_rate)
    if isinstance(optimizer, str):
        name = _OPTIMIZERS.get(optimizer.lower())
        if name is None:
            raise ValueError(f"unknown optimizer {optimizer!r}: valid names are "
                             + ", ".join(repr(k) for k in _OPTIMIZERS) + ".")
        kwargs = {} if learning_rate is None else {"lr": learning_rate}
        return getattr(optim, name)(model.parameters(), **kwargs)
    if not optimizer.param_groups:
        optimizer.register_layers(model)  # created without parameters: give it the model's
    if learning_rate is not None:
        optimizer.learning_rate = learning_rate
    return optimizer


def penalized(model: Module) -> list[Module]:
    """The modules that define a penalty, each once (looked up once per fit)."""
    inherited = Module.penalty
    return [m for m in model.modules() if type(m).penalty is not inherited]


# -- training ----------------------------------------------------------------------------


def data_loss(out, y, loss_fn):
    """The loss of the predictions ``out``; a (N,) target meets (N, 1) predictions."""
    if (y.ndim == 1 and out.ndim == 2 and out.shape[1] == 1
            and isinstance(loss_fn, _FLOAT_TARGET_LOSSES)):
        y = y.reshape(-1, 1)
    return loss_fn(out, y)


def step(model, x, y, loss_fn, optimizer, modules_with_penalty) -> float:
    """One update on prepared arrays; returns the loss (data + penalties) as a float.
    Raises ``DivergenceError`` (before any update) when the loss is NaN or Inf."""
    optimizer.zero_grad()
    loss = data_loss(model(x), y, loss_fn)
    for module in modules_with_penalty:
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


def train_step(model: Module, X, Y, loss_fn=None, optimizer=None) -> float:
    """One update on the batch (X, Y): zero_grad, forward, loss + regularization_loss(),
    backward, step. Returns the loss (data + penalty) as a float.

    Raises ``DivergenceError`` (before any update) when the loss is NaN or Inf.
    """
    loss_fn = resolve_loss(model, loss_fn)
    if optimizer is None:
        raise ValueError(
            "train_step: pass an optimizer, e.g. optim.SGD(model.parameters(), lr=0.01)."
        )
    if not optimizer.param_groups:
        optimizer.register_layers(model)
    dtype = model_dtype(model)
    x = as_input(model, X, dtype, "train_step")
    y = as_target(model, Y, loss_fn, dtype, "train_step")
    return step(model, x, y, loss_fn, optimizer, penalized(model))


def fit(model: Module, X, Y, epochs: int = 1, optimizer=None, loss=None,
        batch_size: int | None = None, shuffle: bool = True, validation_data=None,
        print_every: int | None = None, learning_rate: float | None = None,
        progress: bool | None = None) -> History:
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
    if isinstance(epochs, bool) or int(epochs) != epochs or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}.")
    loss_fn = resolve_loss(model, loss)
    optimizer = resolve_optimizer(model, optimizer, learning_rate)
    x_all, y_all = as_input(model, X), as_target(model, Y, loss_fn)
    n = check_lengths(x_all, y_all, "fit")
    if n == 0:
        raise ValueError(f"fit: X has no samples (shape {x_all.shape}); give it at least one "
                         "sample (one row per sample).")
    if batch_size is None or batch_size >= n:
        batch_size = n
    elif isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"fit: batch_size must be a positive integer, got {batch_size!r}.")
    if validation_data is not None:
        x_val, y_val = validation_data
        check_lengths(x_val, y_val, "fit (validation_data)")
    history = History()
    model.__dict__["history"] = history
    bar = progress_bar(int(epochs), progress)
    write = bar.write if bar is not None else print
    modules_with_penalty = penalized(model)
    Module.train(model, True)
    try:
        for epoch in range(1, int(epochs) + 1):
            total = 0.0
            for xb, yb in batches(x_all, y_all, int(batch_size), shuffle):
                try:
                    value = step(model, xb, yb, loss_fn, optimizer, modules_with_penalty)
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
                history.val_loss.append(evaluate(model, x_val, y_val, loss=loss_fn))
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


# -- inference ---------------------------------------------------------------------------


@contextlib.contextmanager
def inference(model: Module):
    """no_grad and eval mode, restoring every module's previous mode afterwards."""
    modes = [(m, m.training) for m in model.modules()]
    Module.train(model, False)
    try:
        with no_grad():
            yield
    finally:
        for module, mode in modes:
            module.__dict__["training"] = mode


def evaluate(model: Module, X, Y, loss=None) -> float:
    """The data loss on (X, Y) in eval mode, without recording a graph (no penalty)."""
    if loss is not None:
        loss_fn = get_loss(loss)
    else:
        loss_fn = model.__dict__.get("_loss")
        loss_fn = MSELoss() if loss_fn is None else loss_fn
    x = as_input(model, X, what="evaluate")
    y = as_target(model, Y, loss_fn, what="evaluate")
    check_lengths(x, y, "evaluate")
    with inference(model):
        return float(data_loss(model(x), y, loss_fn).item())


def predict(model: Module, X) -> np.ndarray:
    """The model's output for X as an ndarray (eval mode, no graph recorded)."""
    with inference(model):
        out = model(as_input(model, X, what="predict"))
    return out._data if isinstance(out, Tensor) else np.asarray(out)
