"""The ``Sequential.summary()`` table: layer, output shape, parameter count, totals.

``summary()`` prints the table and also returns it as a string (Keras prints it and returns
None; the seeds' API returns it). A plain string returned from the last line of a notebook
cell, or typed at a Python prompt, is then displayed a second time, quoted and with ``\n``
escapes. The table therefore comes back as a :class:`SummaryText`: a ``str`` in every way
(compare it, slice it, write it to a file, ``print`` it) except how an interactive prompt
echoes it: Jupyter and IPython show nothing more, the plain ``>>>`` prompt one short line.
"""

from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from .activations import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .layers import Dropout
from .module import Module

_SHAPE_KEEPING = (Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh, Dropout)


def _input_shape(model) -> tuple | None:
    """One sample's shape, from the first layer that states its input width (only through
    layers that keep the shape: activations, Dropout)."""
    for layer in model.layers:
        for attr in ("in_features", "num_features"):
            width = getattr(layer, attr, None)
            if isinstance(width, int):
                return (width,)
        if not isinstance(layer, _SHAPE_KEEPING):
            return None
    return None


def _output_shapes(model, input_shape) -> list:
    """Each layer's output shape for a batch of one zero sample ("?" where unknown)."""
    unknown = ["?"] * len(model.layers)
    if input_shape is None:
        return unknown
    modes = [(m, m.training) for m in model.modules()]
    Module.train(model, False)  # BatchNorm cannot train on one sample; Dropout is off
    shapes = []
    try:
        with no_grad():
            x = np.zeros((1,) + tuple(input_shape), dtype=model._dtype())
            for layer in model.layers:
                x = layer(x)
                shapes.append("(None, " + ", ".join(str(n) for n in x.shape[1:]) + ")"
                              if x.ndim > 1 else "(None,)")
    except Exception:  # a summary never fails because a shape could not be traced
        shapes += unknown[len(shapes):]
    finally:
        for module, mode in modes:
            module.__dict__["training"] = mode
    return shapes


class SummaryText(str):
    """A summary table that an interactive prompt does not display a second time."""

    def __new__(cls, text: str, model_name: str = "", layers: int = 0, params: int = 0):
        self = super().__new__(cls, text)
        self.model_name, self.layers, self.params = model_name, layers, params
        return self

    def __repr__(self) -> str:
        # what the >>> prompt echoes after summary() printed the table: a reminder, not a copy
        return (f"<summary of {self.model_name}: {self.layers} layers, {self.params:,} "
                "parameters; print() or str() for the table>")

    def _ipython_display_(self) -> None:
        """Jupyter/IPython call this instead of showing the value: the table is already
        printed above it, so there is nothing more to show."""


def summary_table(model, input_shape=None) -> SummaryText:
    layers = model.layers
    shapes = _output_shapes(model, input_shape if input_shape is not None
                            else _input_shape(model))
    rows = []
    for i, (layer, shape) in enumerate(zip(layers, shapes)):
        count = sum(p.numel() for p in layer.parameters())
        rows.append((f"{i} ({type(layer).__name__})", shape, f"{count:,}"))
    header = ("Layer (type)", "Output Shape", "Param #")
    widths = [max(len(r[k]) for r in rows + [header]) + 4 for k in range(3)]
    width = sum(widths)

    def line(cells) -> str:
        return "".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    out = [f'Model: "{type(model).__name__}"', "_" * width, line(header), "=" * width]
    out += [line(r) for r in rows] or ["(no layers)"]
    out += ["=" * width, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
            f"Non-trainable params: {total - trainable:,}", "_" * width]
    return SummaryText("\n".join(out), type(model).__name__, len(layers), total)
