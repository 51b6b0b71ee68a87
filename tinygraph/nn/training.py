"""Pieces of the ``fit`` loop: the History it returns, the error that stops a diverging run,
minibatch slicing and the progress bar."""

from __future__ import annotations

import sys

import numpy as np

from .. import random
from ..errors import ShapeError


class DivergenceError(FloatingPointError, RuntimeError, ValueError):
    """The training loss became NaN or Inf (raised by ``fit``/``train_step``)."""


class History(list):
    """The mean training loss of each epoch (data loss plus regularization), with
    ``.val_loss``: the validation loss after each epoch (empty without validation data)."""

    def __init__(self) -> None:
        super().__init__()
        self.val_loss: list[float] = []

    @property
    def loss(self) -> list[float]:
        return list(self)

    @property
    def history(self) -> dict:
        """Keras' view: ``{"loss": [...], "val_loss": [...]}``."""
        return {"loss": list(self), "val_loss": list(self.val_loss)}

    def __repr__(self) -> str:
        return f"History(loss={list(self)!r}, val_loss={self.val_loss!r})"


def check_lengths(x, y, what: str) -> int:
    nx = len(x) if np.ndim(x) else 1
    ny = len(y) if np.ndim(y) else 1
    if nx != ny:
        raise ShapeError(
            f"{what}: X has {nx} samples (shape {np.shape(x)}) but Y has {ny} (shape "
            f"{np.shape(y)}); they must have the same first axis."
        )
    return nx


def batches(x, y, batch_size: int, shuffle: bool):
    n = len(x)
    if batch_size >= n:
        yield x, y
        return
    order = random.generator().permutation(n) if shuffle else None
    for start in range(0, n, batch_size):
        if order is None:
            yield x[start:start + batch_size], y[start:start + batch_size]
        else:
            index = order[start:start + batch_size]
            yield x[index], y[index]


def progress_bar(epochs: int, progress):
    """A tqdm bar over epochs when stderr is a terminal and progress is not False."""
    if progress is False or epochs <= 1 or not stderr_is_tty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is a dependency, but a bar is never worth a crash
        return None
    return tqdm(total=epochs, unit="epoch", file=sys.stderr, leave=False, dynamic_ncols=True)


def stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
