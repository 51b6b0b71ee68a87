"""The attention's masked softmax as one node: y = softmax(x + mask) along the last axis.

Adding a -inf mask as its own node would give that node a non-finite output (which
``tg.check_graph`` rightly reports); inside one op the -inf only ever meets ``exp``, and the
output is finite wherever a row has a position left to attend to (a row with none is nan, as
in PyTorch).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Op
from .rowwise import row_max, row_sum


class MaskedSoftmax(Op):
    """y = softmax(x + mask) over the last axis;  dx = y (g - sum(g y)),  dmask = dx (summed
    to the mask's shape by the engine: a float mask may require grad)."""

    __slots__ = ()
    label = "masked_softmax"

    def forward(self, x, mask):
        s = x + mask
        with np.errstate(invalid="ignore"):  # a fully masked row: -inf - -inf = nan
            s -= row_max(s)
        np.exp(s, out=s)
        s /= row_sum(s)
        self.save(s)
        return s

    def backward(self, g):
        (y,) = self.saved
        if type(g) is np.ndarray and type(y) is np.ndarray:  # in place, the row sums by BLAS
            gx = g * y
            dot = row_sum(gx)
            np.subtract(g, dot, out=gx)
            gx *= y
        else:
            gx = y * (g - self.xp.sum(g * y, axis=-1, keepdims=True))
        need_x, need_mask = self.needs_grad
        return (gx if need_x else None), (gx if need_mask else None)


def masked_softmax(x, mask):
    """softmax(x + mask) along the last axis, in one node (``mask``: an additive float mask,
    0 where attention is allowed and -inf where not, broadcastable to x)."""
    return MaskedSoftmax.apply(x, mask)
