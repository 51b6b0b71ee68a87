"""The Huber loss as one elementwise node (``huber_loss`` and ``smooth_l1_loss`` reduce it in
``tinygraph.nn.functional``)."""

from __future__ import annotations

import numpy as np

from ..autograd import Op


class Huber(Op):
    """d = x - t;  y = d^2 / 2 where |d| < delta, else delta (|d| - delta / 2);
    dx = g clip(d, -delta, delta),  dt = -dx."""

    __slots__ = ("delta",)
    label = "huber_loss"

    def forward(self, x, t):
        self.save(x, t)
        d = x - t
        a = np.abs(d)
        return np.where(a < self.delta, 0.5 * d * d, self.delta * (a - 0.5 * self.delta))

    def backward(self, g):
        x, t = self.saved
        xp = self.xp
        gd = g * xp.clip(x - t, -self.delta, self.delta)
        need_x, need_t = self.needs_grad
        return (gd if need_x else None), (-gd if need_t else None)


def huber(input, target, delta: float = 1.0):
    """The elementwise Huber loss of ``input`` and ``target`` (no reduction)."""
    return Huber.apply(input, target, delta=float(delta))
