"""Square-matrix ops: ``inverse`` and ``det`` (batched over leading dims), the ops behind
``tg.linalg.inv``, ``tg.linalg.det`` and ``tg.linalg.solve`` (tinygraph/linalg.py).

Both backwards go through the inverse, so they need invertible matrices (PyTorch's det
backward also handles singular ones through an SVD)."""

from __future__ import annotations

import numpy as np

from ..autograd import Op
from .args import data, shape
from .registry import functions, public


def _square(input, op: str) -> None:
    s = shape(input)
    if len(s) < 2:
        raise RuntimeError(f"linalg.{op}: The input tensor A must have at least 2 dimensions, "
                           f"got shape {s}.")
    if s[-1] != s[-2]:
        raise RuntimeError(f"linalg.{op}: A must be batches of square matrices, but they are "
                           f"{s[-2]} by {s[-1]} matrices (shape {s}).")
    if data(input).dtype.kind != "f":
        raise RuntimeError(f"linalg.{op}: Expected a floating point or complex tensor as "
                           f"input. Got {data(input).dtype}; convert with .double() or "
                           ".float().")


def _inv(a):
    """The inverse of arrays (NumPy) or of Tensors (the recorded op, under create_graph)."""
    return np.linalg.inv(a) if isinstance(a, np.ndarray) else functions["inverse"](a)


def _mT(xp, a):
    return xp.swapaxes(a, -1, -2)


class LinAlgError(RuntimeError):
    """A linear-algebra op met a matrix it cannot handle (a singular one), as
    ``torch.linalg.LinAlgError``: a RuntimeError."""


def _singular(op: str, err) -> LinAlgError:
    return LinAlgError(f"linalg.{op}: The diagonal element of the LU factorization is zero: "
                        f"the input matrix is singular ({err}); it has no inverse.")


@public("inverse")
class Inverse(Op):
    """Y = A^-1 (each matrix of the batch);  dA = -Y^T g Y^T."""

    __slots__ = ()
    label = "inverse"

    @staticmethod
    def arguments(input):
        _square(input, "inv")
        return (input,), {}

    def forward(self, a):
        try:
            y = np.linalg.inv(a)
        except np.linalg.LinAlgError as err:
            raise _singular("inv", err) from None
        y = y.astype(a.dtype, copy=False)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        xp = self.xp
        yt = _mT(xp, y)
        return (-xp.matmul(xp.matmul(yt, g), yt),)


@public("det")
class Det(Op):
    """y = det(A) (each matrix of the batch);  dA = g * y * A^-T."""

    __slots__ = ()
    label = "det"

    @staticmethod
    def arguments(input):
        _square(input, "det")
        return (input,), {}

    def forward(self, a):
        y = np.asarray(np.linalg.det(a)).astype(a.dtype, copy=False)
        self.save(a, y)
        return y

    def backward(self, g):
        a, y = self.saved
        xp = self.xp
        scale = (g * y)[..., None, None]
        return (scale * _mT(xp, _inv(a)),)
