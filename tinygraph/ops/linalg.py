"""Matrix product with NumPy's ``matmul`` rules (1-D operands, batched broadcasting), and
PyTorch's shape-strict ``mm``, ``bmm``, ``dot`` and ``outer``."""

from __future__ import annotations

from ..autograd import Op
from ..errors import ShapeError
from .args import data, ndim, shape
from .registry import functions, public
from .shape import getitem


@public("matmul", ufunc="matmul")
class MatMul(Op):
    """y = a @ b;  da = g @ b^T,  db = a^T @ g (batch axes are summed away by the engine).

    A 1-D ``a`` acts as a row vector and a 1-D ``b`` as a column vector, and the added axis is
    removed again from the result, as in NumPy; the backward re-inserts it.
    """

    __slots__ = ()
    label = "matmul"

    def forward(self, a, b):
        if a.dtype is not b.dtype:
            same_dtype("matmul", a, b)  # NumPy would promote; PyTorch refuses
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


# -- PyTorch's shape-strict products: matmul after the checks PyTorch makes ----------------


def same_dtype(op: str, a, b) -> None:
    """PyTorch's products take operands of one dtype (no promotion)."""
    if a.dtype != b.dtype:
        raise RuntimeError(f"{op}: expected both operands to have the same dtype, but got "
                           f"{a.dtype} and {b.dtype}; convert one with .to(other.dtype).")


def _dims(op: str, want: int, a, b) -> None:
    for name, x in (("input", a), ("mat2" if want > 1 else "tensor", b)):
        if x.ndim != want:
            raise ShapeError(f"{op}: expects {want}-D tensors, but {name} has shape "
                             f"{tuple(x.shape)} ({x.ndim}-D); use tg.matmul for other shapes.")


@public("mm")
def mm(input, mat2):
    """Matrix product of two 2-D tensors: (n, m) @ (m, p) -> (n, p), nothing broadcast."""
    a, b = data(input), data(mat2)
    _dims("mm", 2, a, b)
    if a.shape[1] != b.shape[0]:
        raise ShapeError(f"mm: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                         f"multiplied ({a.shape[1]} != {b.shape[0]}).")
    same_dtype("mm", a, b)
    return MatMul.apply(input, mat2)


@public("bmm")
def bmm(input, mat2):
    """Batched matrix product of 3-D tensors: (b, n, m) @ (b, m, p) -> (b, n, p)."""
    a, b = data(input), data(mat2)
    _dims("bmm", 3, a, b)
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise ShapeError(f"bmm: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                         f"multiplied: expected mat2 of shape ({a.shape[0]}, {a.shape[2]}, p).")
    same_dtype("bmm", a, b)
    return MatMul.apply(input, mat2)


@public("dot")
def dot(input, tensor):
    """Inner product of two 1-D tensors of equal length (a 0-d result)."""
    a, b = data(input), data(tensor)
    _dims("dot", 1, a, b)
    if a.shape != b.shape:
        raise ShapeError(f"dot: expects vectors of the same length, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}.")
    same_dtype("dot", a, b)
    return MatMul.apply(input, tensor)


@public("outer")
def outer(input, vec2):
    """Outer product of two 1-D tensors: (n,) and (m,) -> (n, m), ``out[i, j] = a[i] b[j]``."""
    for name, x in (("input", input), ("vec2", vec2)):
        if ndim(x) != 1:
            raise ShapeError(f"outer: expects 1-D arguments, but {name} has shape "
                             f"{shape(x)} ({ndim(x)}-D).")
    return functions["mul"](getitem(input, (slice(None), None)), vec2)
