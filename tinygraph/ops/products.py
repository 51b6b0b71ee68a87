"""PyTorch's structured and fused matrix products, each a composition of public ops (so
gradients, second derivatives and ONNX export come from those): ``kron``, ``block_diag``,
``baddbmm``, ``addbmm`` and ``addr``."""

from __future__ import annotations

import numpy as np

from ..autograd.node import new_tensor
from ..autograd.promotion import result_dtype
from ..creation import get_default_dtype
from .args import data, ndim, shape
from .namespace import attach
from .registry import functions, public


@public("kron")
def kron(input, other, *, out=None):
    """The Kronecker product: for ``input`` of shape (a0, a1, ...) and ``other`` of shape
    (b0, b1, ...) (the shorter padded with leading 1s), shape (a0*b0, a1*b1, ...) with
    ``out[i0*b0 + j0, ...] = input[i0, ...] * other[j0, ...]``."""
    a_shape, b_shape = shape(input), shape(other)
    nd = max(len(a_shape), len(b_shape))
    a_shape = (1,) * (nd - len(a_shape)) + a_shape
    b_shape = (1,) * (nd - len(b_shape)) + b_shape
    reshape = functions["reshape"]
    a = reshape(input, tuple(x for d in a_shape for x in (d, 1)))
    b = reshape(other, tuple(x for d in b_shape for x in (1, d)))
    result = reshape(a * b, tuple(p * q for p, q in zip(a_shape, b_shape)))
    return result if out is None else out.copy_(result)


@public("block_diag", method=False)
def block_diag(*tensors):
    """The block-diagonal matrix of ``tensors`` (0-d: 1 x 1, 1-d of length n: 1 x n, 2-d as
    they are), zeros elsewhere, in their promoted dtype."""
    blocks = []
    for i, t in enumerate(tensors):
        d = ndim(t)
        if d > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {d} dimensions")
        blocks.append(t if d == 2 else functions["reshape"](t, (1, -1) if d else (1, 1)))
    if not blocks:
        return new_tensor(np.zeros((1, 0), dtype=get_default_dtype()), None)
    dtype = result_dtype([data(t) for t in tensors])
    cols = sum(shape(b)[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        r, c = shape(b)
        if data(b).dtype != dtype:
            b = functions["astype"](b, dtype)
        pieces = [np.zeros((r, left), dtype), b, np.zeros((r, cols - left - c), dtype)]
        pieces = [p for p in pieces if p is b or p.shape[1]]
        rows.append(functions["cat"](pieces, 1) if len(pieces) > 1 else b)
        left += c
    return rows[0] if len(rows) == 1 else functions["cat"](rows, 0)


def _sum_scaled(op: str, input, product, beta, alpha):
    """``beta * input + alpha * product`` with PyTorch's checks: ``input`` broadcasts to the
    product's shape, float scalars need a floating input, and ``beta=0`` ignores input's
    values (NaN included; its gradient is then zero)."""
    try:
        fits = np.broadcast_shapes(shape(input), shape(product)) == shape(product)
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{op}: the input (shape {shape(input)}) cannot be broadcast to "
                           f"the product's shape {shape(product)}.")
    if np.asarray(data(input)).dtype.kind in "biu":
        for name, value in (("beta", beta), ("alpha", alpha)):
            if isinstance(value, float):
                raise RuntimeError(f"For integral input tensors, argument {name} must not be "
                                   "a floating point number.")
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # input's gradient is zero, but (as in PyTorch) it gets one
        return attach(product, input)
    return (input if beta == 1 else input * beta) + product


def _same_dtypes(op: str, **tensors) -> None:
    dtypes = {name: np.asarray(data(t)).dtype for name, t in tensors.items()}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{name} {dtype}" for name, dtype in dtypes.items())
        raise RuntimeError(f"{op}: Input dtypes must be the same, got: {listed}; convert "
                           "them with .to(dtype).")


def _batches(op: str, batch1, batch2) -> None:
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if ndim(t) != 3:
            raise RuntimeError(f"{op}: {name} must be a 3D tensor, got shape {shape(t)}.")
    (b, _, m), (b2, m2, _) = shape(batch1), shape(batch2)
    if (b2, m2) != (b, m):
        raise RuntimeError(f"{op}: Expected size for first two dimensions of batch2 tensor to "
                           f"be: [{b}, {m}] but got: [{b2}, {m2}].")


@public("baddbmm")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (batch1 @ batch2)`` for 3-D ``batch1`` (b, n, m) and
    ``batch2`` (b, m, p); ``input`` broadcasts to (b, n, p)."""
    _batches("baddbmm", batch1, batch2)
    _same_dtypes("baddbmm", input=input, batch1=batch1, batch2=batch2)
    result = _sum_scaled("baddbmm", input, functions["matmul"](batch1, batch2), beta, alpha)
    return result if out is None else out.copy_(result)


@public("addbmm")
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])`` for 3-D ``batch1`` (b, n, m)
    and ``batch2`` (b, m, p); ``input`` broadcasts to (n, p)."""
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if ndim(t) != 3:
            raise RuntimeError(f"addbmm: {name} must be a 3D tensor, got shape {shape(t)}.")
    (b, n, m), (b2, m2, p) = shape(batch1), shape(batch2)
    if b != b2 or m != m2:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({n}x{m} and {m2}x{p})")
    _same_dtypes("addbmm", input=input, batch1=batch1, batch2=batch2)
    product = functions["sum"](functions["matmul"](batch1, batch2), 0)
    result = _sum_scaled("addbmm", input, product, beta, alpha)
    return result if out is None else out.copy_(result)


@public("addr")
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)`` for 1-D ``vec1`` (n,) and ``vec2``
    (m,); ``input`` broadcasts to (n, m)."""
    for name, t in (("vec1", vec1), ("vec2", vec2)):
        if ndim(t) != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {ndim(t)}-D")
    product = functions["mul"](functions["unsqueeze"](vec1, 1), vec2)
    result = _sum_scaled("addr", input, product, beta, alpha)
    return result if out is None else out.copy_(result)
