"""PyTorch's fused and convenience maths, each a composition of public ops (so gradients,
second derivatives and ONNX export come from those): ``addmm``, ``addcmul``, ``addcdiv``,
``mv``, ``tensordot``, ``cross``, ``diag``, ``diag_embed``, ``trace``, ``logaddexp``,
``xlogy``, ``hypot``, ``logit``, ``deg2rad``, ``rad2deg``, ``nansum``, ``nanmean``,
``nan_to_num``, ``masked_select``."""

from __future__ import annotations

import math
import operator
from contextlib import nullcontext

import numpy as np

from .. import autograd
from ..autograd.node import new_tensor
from ..creation import get_default_dtype
from ..errors import ShapeError
from .args import axis as _axis
from .args import data, ndim, shape
from .registry import functions as _f
from .registry import public


def _is_tensor(x) -> bool:
    return isinstance(x, autograd.Tensor)


def _scaled(x, factor):
    return x if factor == 1 else x * factor


# -- fused products ----------------------------------------------------------------------

@public("addmm")
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)`` for 2-D ``mat1``, ``mat2`` (``input``
    broadcast to the product's shape; with ``beta=0`` its values, NaN included, are
    ignored)."""
    product = _scaled(_f["mm"](mat1, mat2), alpha)
    try:
        np.broadcast_shapes(shape(input), shape(product))
        fits = np.broadcast_shapes(shape(input), shape(product)) == shape(product)
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"addmm: the input (shape {shape(input)}) cannot be broadcast to "
                           f"the product's shape {shape(product)}.")
    if beta == 0:
        return product
    return _scaled(input, beta) + product


@public("addcmul")
def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2`` elementwise (broadcast)."""
    return input + _scaled(tensor1 * tensor2, value)


@public("addcdiv")
def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2`` elementwise (broadcast); integer tensors are
    refused, as in PyTorch."""
    if all(np.asarray(data(t)).dtype.kind in "biu" for t in (tensor1, tensor2)):
        raise RuntimeError("addcdiv: Integer division with addcdiv is no longer supported; "
                           "write (input + value * tensor1 / tensor2) for a true division.")
    return input + _scaled(tensor1 / tensor2, value)


@public("mv")
def mv(input, vec):
    """Matrix-vector product: a 2-D ``input`` (n, m) and a 1-D ``vec`` (m,) give (n,)."""
    if ndim(input) != 2 or ndim(vec) != 1:
        raise RuntimeError(f"mv: vector + matrix @ vector expected, got a matrix of shape "
                           f"{shape(input)} and a vector of shape {shape(vec)}.")
    if shape(input)[1] != shape(vec)[0]:
        raise RuntimeError(f"mv: size mismatch, got input ({shape(input)[0]}x"
                           f"{shape(input)[1]}), vec ({shape(vec)[0]}).")
    return _f["matmul"](input, vec)


@public("tensordot", method=False)
def tensordot(a, b, dims=2, out=None):
    """The sum of products of ``a``'s and ``b``'s elements over the dims paired by ``dims``:
    an int ``d`` pairs a's last d dims with b's first d, a pair of lists pairs them one by
    one. The result has a's free dims, then b's."""
    na, nb = ndim(a), ndim(b)
    d = data(dims)
    if isinstance(d, np.ndarray) and d.ndim == 0:
        d = int(d)
    if isinstance(d, (int, np.integer)):
        if d < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={d}.")
        if d > min(na, nb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={d}.")
        dims_a, dims_b = list(range(na - d, na)), list(range(d))
    else:
        pair = [np.atleast_1d(np.asarray(data(p))).tolist() for p in d]
        if len(pair) != 2:
            raise RuntimeError("tensordot expects dims to be an int or a pair of lists.")
        dims_a = [_axis(x, na, "tensordot") for x in pair[0]]
        dims_b = [_axis(x, nb, "tensordot") for x in pair[1]]
        if len(dims_a) != len(dims_b):
            raise RuntimeError(f"both dimension lists should have same length, got "
                               f"{pair[0]} and {pair[1]}.")
    sa, sb = shape(a), shape(b)
    for i, j in zip(dims_a, dims_b):
        if sa[i] != sb[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{sa[i]} in dim {i} and second has size {sb[j]} in dim {j}.")
    free_a = [i for i in range(na) if i not in dims_a]
    free_b = [j for j in range(nb) if j not in dims_b]
    k = int(np.prod([sa[i] for i in dims_a], dtype=np.int64))
    rows = int(np.prod([sa[i] for i in free_a], dtype=np.int64))
    columns = int(np.prod([sb[j] for j in free_b], dtype=np.int64))
    left = _f["reshape"](_f["permute"](a, free_a + dims_a) if na else a, (rows, k))
    right = _f["reshape"](_f["permute"](b, dims_b + free_b) if nb else b, (k, columns))
    result = _f["reshape"](_f["matmul"](left, right),
                           tuple(sa[i] for i in free_a) + tuple(sb[j] for j in free_b))
    if out is not None:
        return out.copy_(result)
    return result


@public("cross")
def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim`` (by default the first dim of size 3,
    as PyTorch's deprecated default; ``tg.linalg.cross`` uses -1), broadcasting the rest."""
    try:
        full = np.broadcast_shapes(shape(input), shape(other))
    except ValueError:
        raise RuntimeError(f"cross: the shapes {shape(input)} and {shape(other)} cannot be "
                           "broadcast together.") from None
    if ndim(input) != ndim(other):
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, "
                           f"got {ndim(input)} and {ndim(other)}.")
    if dim is None:
        threes = [i for i, n in enumerate(full) if n == 3]
        if not threes:
            raise RuntimeError(f"no dimension of size 3 in input (shape {full}).")
        axis = threes[0]
    else:
        axis = _axis(dim, len(full), "cross")
    if shape(input)[axis] != 3 or shape(other)[axis] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {axis} must have length 3. Got "
                           f"{shape(input)[axis]} and {shape(other)[axis]}.")
    a = [_f["narrow"](input, axis, i, 1) for i in range(3)]
    b = [_f["narrow"](other, axis, i, 1) for i in range(3)]
    return _f["cat"]([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                      a[0] * b[1] - a[1] * b[0]], axis)


# -- diagonals ---------------------------------------------------------------------------

@public("diag_embed")
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose diagonals (on dims ``dim1``, ``dim2`` of the result, at ``offset``)
    are the last dim of ``input``, zeros elsewhere."""
    n_out = ndim(input) + 1
    d1, d2 = _axis(dim1, n_out, "diag_embed"), _axis(dim2, n_out, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, "
                           f"{dim2}.")
    if ndim(input) == 0:
        input = _f["reshape"](input, (1,))
        n_out = 2
    offset = operator.index(offset)
    n = shape(input)[-1]
    eye = np.eye(n, dtype=bool)
    column = _f["unsqueeze"](input, -1)
    square = _f["where"](eye, column, np.zeros((), data(input).dtype))  # (..., n, n)
    k = abs(offset)
    if k:
        lead = ndim(square) - 2
        # row r of the n x n block goes to row r (offset > 0) or r + k (offset < 0)
        rows = (0, k) if offset > 0 else (k, 0)
        cols = (k, 0) if offset > 0 else (0, k)
        widths = [(0, 0)] * lead + [rows, cols]
        pad = [p for pair in reversed(widths) for p in pair]
        square = _f["pad"](square, pad)
    if (d1, d2) == (n_out - 2, n_out - 1):
        return square
    return _f["movedim"](square, (-2, -1), (d1, d2))


@public("diag")
def diag(input, diagonal=0):
    """A 1-D ``input`` as the ``diagonal``-th diagonal of a square matrix (zeros
    elsewhere); a 2-D ``input``'s ``diagonal``-th diagonal as a 1-D tensor (a copy)."""
    n = ndim(input)
    if n == 1:
        return diag_embed(input, diagonal)
    if n == 2:
        return _f["clone"](_f["diagonal"](input, diagonal))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {n}D (shape {shape(input)}).")


@public("trace")
def trace(input):
    """The sum of the main diagonal of a 2-D tensor (integers sum as int64)."""
    if ndim(input) != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {ndim(input)} "
                           f"(shape {shape(input)}).")
    return _f["sum"](_f["diagonal"](input))


# -- elementwise -------------------------------------------------------------------------

def _floating(op: str, *xs) -> None:
    for x in xs:
        kind = np.asarray(data(x)).dtype.kind
        if _is_tensor(x) and kind not in "fc":
            raise NotImplementedError(f'"{op}" not implemented for integer or bool tensors '
                                      f"(got {data(x).dtype}); convert with .float() first.")


@public("logaddexp")
def logaddexp(input, other):
    """``log(exp(input) + exp(other))`` without overflow: ``max + log1p(exp(-|a - b|))``;
    equal infinities give themselves."""
    _floating("logaddexp", input, other)
    high = _f["maximum"](input, other)
    out = high + _f["log1p"](_f["exp"](-_f["abs"](input - other)))
    same_inf = np.isinf(data(input)) & (np.asarray(data(input)) == np.asarray(data(other)))
    if same_inf.any():
        out = _f["where"](same_inf, high, out)
    return out


@public("xlogy")
def xlogy(input, other):
    """``input * log(other)``, 0 where ``input`` is 0 (NaN where ``other`` is NaN).
    Gradients as PyTorch's: ``log(other)`` for input (0 where input is 0 and other <= 0),
    ``input / other`` for other."""
    if not _is_tensor(input) and not _is_tensor(other):
        raise TypeError("xlogy(): at least one of input and other must be a Tensor.")
    if not _is_tensor(other):  # a number: a tensor of input's floating dtype
        kind = data(input).dtype
        dtype = kind if kind.kind == "f" else np.dtype(get_default_dtype())
        other = new_tensor(np.asarray(other, dtype=dtype), None)
    y = np.asarray(data(other))
    skip = (np.asarray(data(input)) == 0) & ((y <= 0) | (y == np.inf))
    with np.errstate(divide="ignore", invalid="ignore") if skip.any() else nullcontext():
        log = _f["log"](other)  # 0 * log(0) is 0: no warning for the logs replaced below
    if skip.any():
        log = _f["where"](skip, np.zeros((), data(log).dtype), log)
    return input * log


@public("hypot")
def hypot(input, other):
    """``sqrt(input**2 + other**2)`` elementwise (broadcast)."""
    return _f["sqrt"](input * input + other * other)


@public("logit")
def logit(input, eps=None):
    """``log(p / (1 - p))``, with ``p`` clamped to [eps, 1 - eps] when ``eps`` is given
    (the gradient is then 0 outside that range)."""
    if eps is not None:
        input = _f["clamp"](input, eps, 1 - eps)
    return _f["log"](input / (1 - input))


@public("deg2rad")
def deg2rad(input):
    """Degrees to radians (integers become the default float dtype)."""
    return input * (math.pi / 180)


@public("rad2deg")
def rad2deg(input):
    """Radians to degrees (integers become the default float dtype)."""
    return input * (180 / math.pi)


# -- NaN-aware ---------------------------------------------------------------------------

def _nan_mask(input):
    array = data(input)
    return np.isnan(array) if array.dtype.kind in "fc" else np.zeros(array.shape, bool)


@public("nansum")
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum over ``dim`` (all dims when None) treating NaN as zero."""
    mask = _nan_mask(input)
    if mask.any():
        input = _f["masked_fill"](input, mask, 0)
    return _f["sum"](input, dim, keepdim, dtype=dtype)


@public("nanmean")
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean over ``dim`` (all dims when None) of the elements that are not NaN."""
    if data(input).dtype.kind not in "fc":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex "
                           f"dtype but got {data(input).dtype}.")
    if dtype is not None:
        input = input.to(dtype)
    mask = _nan_mask(input)
    count = np.sum(~mask, axis=None if dim is None else _axes(dim, ndim(input)),
                   keepdims=keepdim).astype(data(input).dtype)
    return nansum(input, dim, keepdim) / new_tensor(np.asarray(count), None)


def _axes(dim, n: int):
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    return tuple(_axis(d, n, "nanmean") for d in dims) if n else None


@public("nan_to_num")
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """``input`` with NaN replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf``
    (by default the dtype's largest and lowest finite values); gradient 1 where finite."""
    array = data(input)
    if array.dtype.kind not in "fc":
        return _f["clone"](input)
    info = np.finfo(array.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = input
    for mask, value in ((np.isnan(array), nan), (array == np.inf, posinf),
                        (array == -np.inf, neginf)):
        if mask.any():
            out = _f["masked_fill"](out, mask, value)
    return _f["clone"](out) if out is input else out


@public("masked_select")
def masked_select(input, mask):
    """The elements of ``input`` where the boolean ``mask`` holds (both broadcast), as a
    1-D tensor."""
    m = data(mask)
    if not isinstance(m, np.ndarray) or m.dtype != np.bool_:
        kind = getattr(m, "dtype", type(m).__name__)
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {kind}.")
    try:
        full = np.broadcast_shapes(shape(input), m.shape)
    except ValueError:
        raise ShapeError(f"masked_select: the mask (shape {m.shape}) cannot be broadcast with "
                         f"the input (shape {shape(input)}).") from None
    if shape(input) != full:
        input = _f["expand"](input, full)
    return input[np.broadcast_to(m, full)] if full else _f["reshape"](input, (1,))[
        m.reshape(1)]
