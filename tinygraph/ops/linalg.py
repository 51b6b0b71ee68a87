"""Matrix product with NumPy's ``matmul`` rules (1-D operands, batched broadcasting)."""

from __future__ import annotations

from ..autograd import Op
from ..errors import ShapeError
from .registry import public


@public("matmul", ufunc="matmul")
class MatMul(Op):
    """y = a @ b;  da = g @ b^T,  db = a^T @ g (batch axes are summed away by the engine).

    A 1-D ``a`` acts as a row vector and a 1-D ``b`` as a column vector, and the added axis is
    removed again from the result, as in NumPy; the backward re-inserts it.
    """

    __slots__ = ()
    label = "matmul"

    def forward(self, a, b):
        self.save(a, b)
        try:
            return a @ b
        except ValueError:
            _check_matmul_shapes(a, b)  # shapes that do not fit: say which and how to fix it
            raise

    def backward(self, g):
        a, b = self.saved
        xp = self.xp
        need_a, need_b = self.needs_grad
        ga = gb = None
        if a.ndim == 1 and b.ndim == 1:  # dot product: g is a scalar
            ga = g * b if need_a else None
            gb = g * a if need_b else None
        elif a.ndim == 1:  # (n,) @ (..., n, m) -> (..., m)
            if need_a:
                ga = xp.matmul(g[..., None, :], xp.swapaxes(b, -1, -2))[..., 0, :]
            if need_b:
                gb = a[:, None] * g[..., None, :]
        elif b.ndim == 1:  # (..., n, m) @ (m,) -> (..., n)
            if need_a:
                ga = g[..., :, None] * b
            if need_b:
                gb = xp.matmul(xp.swapaxes(a, -1, -2), g[..., :, None])[..., 0]
        elif a.ndim == 2 and b.ndim == 2:  # the common case: .T is cheaper than swapaxes
            if need_a:
                ga = g @ b.T
            if need_b:
                gb = a.T @ g
        else:
            if need_a:
                ga = xp.matmul(g, xp.swapaxes(b, -1, -2))
            if need_b:
                gb = xp.matmul(xp.swapaxes(a, -1, -2), g)
        return ga, gb


def _check_matmul_shapes(a, b) -> None:
    a_shape = getattr(a, "shape", ())
    b_shape = getattr(b, "shape", ())
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise ShapeError(
            f"matmul: both operands need at least one dimension, got shapes {tuple(a_shape)} "
            f"and {tuple(b_shape)}; use * to multiply by a scalar."
        )
    inner_a = a_shape[-1]
    inner_b = b_shape[-2] if len(b_shape) > 1 else b_shape[0]
    if inner_a != inner_b:
        raise ShapeError(
            f"matmul: shapes {tuple(a_shape)} and {tuple(b_shape)} are not aligned: the last "
            f"axis of the first ({inner_a}) must equal the "
            f"{'second-to-last' if len(b_shape) > 1 else 'only'} axis of the second ({inner_b}). "
            "Check the layer sizes, or transpose an operand (x.T)."
        )
