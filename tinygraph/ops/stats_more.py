"""Order statistics and distances, as compositions of public ops (so gradients, second
derivatives and ONNX export come from those): ``median``, ``kthvalue`` and ``mode`` (named tuples
``(values, indices)`` along a dim, as ``torch.return_types``), ``std_mean``, ``var_mean``,
``quantile``, ``cdist``, ``pdist`` and ``dist``; the running ``cummax``/``cummin`` and the
``cov``/``corrcoef`` of a set of variables.

``kthvalue`` is ``topk(k, largest=False)``'s last value; ``median`` the lower median, the
``(n + 1) // 2``-th smallest. NaN counts as the largest value (PyTorch's order), except that
a median along a dim with a NaN is that NaN, as in PyTorch.
"""

from __future__ import annotations

import operator

import numpy as np

from .. import return_types
from ..autograd.node import new_tensor
from ..creation import get_default_dtype
from .args import axis as _axis
from .args import data, ndim, shape
from .registry import functions as _f
from .registry import public


def _kth(which: str, input, k: int, axis: int, keepdim: bool):
    """The k-th smallest (1-based) along ``axis`` and its index, NaN largest."""
    if ndim(input) == 0:
        return getattr(return_types, which)(_f["clone"](input),
                                            new_tensor(np.zeros((), np.int64), None))
    values, indices = _f["topk"](input, k, axis, largest=False)
    values = _f["narrow"](values, axis, k - 1, 1)
    indices = _f["narrow"](indices, axis, k - 1, 1)
    if not keepdim:
        values, indices = _f["squeeze"](values, axis), _f["squeeze"](indices, axis)
    return getattr(return_types, which)(values, _f["clone"](indices))


@public("kthvalue")
def kthvalue(input, k, dim=-1, keepdim=False):
    """``(values, indices)``: the ``k``-th smallest element along ``dim`` (k counts from 1)
    and where it is (``torch.return_types.kthvalue``)."""
    n = ndim(input)
    axis = _axis(dim, n, "kthvalue")
    size = shape(input)[axis] if n else 1
    k = operator.index(k)
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis} "
                           f"(k = {k}, size {size}).")
    return _kth("kthvalue", input, k, axis, keepdim)


@public("median")
def median(input, dim=None, keepdim=False):
    """Without ``dim``: the lower median of all elements (0-d; NaN if there is one). With
    ``dim``: ``(values, indices)`` of the lower median along it
    (``torch.return_types.median``)."""
    array = data(input)
    if dim is None:
        flat = _f["reshape"](input, (-1,))
        if array.size == 0:
            return new_tensor(np.asarray(np.nan, dtype=array.dtype)
                              if array.dtype.kind == "f" else np.zeros((), array.dtype), None)
        return median(flat, 0).values
    n = array.ndim
    axis = _axis(dim, n, "median")
    if n == 0:
        return _kth("median", input, 1, 0, keepdim)
    size = array.shape[axis]
    if size == 0:
        raise IndexError(f"median(): Expected reduction dim {axis} to have non-zero size.")
    nan = np.isnan(array) if array.dtype.kind == "f" else None
    if nan is None or not nan.any():
        return _kth("median", input, (size + 1) // 2, axis, keepdim)
    # a slice with a NaN answers its first NaN, the others their lower median
    order = np.argsort(array, axis=axis, kind="stable")
    lower = np.take(order, [(size - 1) // 2], axis=axis)
    first_nan = np.argmax(nan, axis=axis, keepdims=True)
    index = np.where(nan.any(axis=axis, keepdims=True), first_nan, lower).astype(np.int64)
    values = _f["gather"](input, axis, new_tensor(index, None))
    if not keepdim:
        index = index.squeeze(axis)
        values = _f["squeeze"](values, axis)
    return return_types.median(values, new_tensor(index, None))


@public("mode")
def mode(input, dim=-1, keepdim=False):
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest of equally
    frequent ones) and the index of its last occurrence, as PyTorch; the gradient goes to
    that element (``torch.return_types.mode``)."""
    array = data(input)
    n = array.ndim
    axis = _axis(dim, n, "mode")
    if n == 0:
        return return_types.mode(_f["clone"](input), new_tensor(np.zeros((), np.int64), None))
    size = array.shape[axis]
    if size == 0:
        raise IndexError(f"mode(): Expected reduction dim {axis} to have non-zero size.")
    rows = np.moveaxis(array, axis, -1)
    s = np.sort(rows, axis=-1)
    positions = np.arange(size)
    first = np.ones(s.shape, bool)  # where a run of equal values starts / ends
    first[..., 1:] = s[..., 1:] != s[..., :-1]
    last = np.ones(s.shape, bool)
    last[..., :-1] = first[..., 1:]
    start = np.maximum.accumulate(np.where(first, positions, 0), axis=-1)
    end = np.minimum.accumulate(np.where(last, positions, size - 1)[..., ::-1], axis=-1)
    runs = end[..., ::-1] - start + 1
    value = np.take_along_axis(s, np.argmax(runs, axis=-1)[..., None], axis=-1)
    index = size - 1 - np.argmax((rows == value)[..., ::-1], axis=-1)
    index = np.expand_dims(index.astype(np.int64), axis)
    values = _f["gather"](input, axis, new_tensor(index, None))
    if not keepdim:
        index = index.squeeze(axis)
        values = _f["squeeze"](values, axis)
    return return_types.mode(values, new_tensor(index, None))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


@public("quantile")
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-th quantiles (a number, or a 1-D tensor of them, in [0, 1]) along ``dim``
    (of all elements when None), as PyTorch: position q (n - 1) of the sorted values, between
    neighbours by ``interpolation``; a 1-D ``q`` is the result's first dim. A slice with a NaN
    gives NaN. Differentiable through the sort (the gradient goes to the neighbours)."""
    array = data(input)
    if array.dtype.kind != "f":
        raise RuntimeError("quantile() input tensor must be either float or double dtype, "
                           f"got {array.dtype}.")
    if array.size == 0:
        raise RuntimeError(f"quantile() input tensor must be non-empty, got shape {array.shape}.")
    qs = np.asarray(data(q))
    if qs.ndim > 1:
        raise RuntimeError(f"quantile() q must be a scalar or 1D tensor, got shape {qs.shape}.")
    if hasattr(q, "dtype") and not isinstance(q, np.ndarray) and qs.dtype != array.dtype:
        raise RuntimeError(f"quantile() q tensor must be same dtype as the input tensor "
                           f"({qs.dtype} and {array.dtype}).")
    if ((qs < 0) | (qs > 1)).any():
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {qs.tolist()}.")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}.")
    x = _f["reshape"](input, (-1,)) if dim is None or array.ndim == 0 else input
    axis = 0 if dim is None or array.ndim == 0 else _axis(dim, array.ndim, "quantile")
    n = shape(x)[axis]
    ordered = _f["sort"](x, axis).values  # NaN last
    rank = qs.reshape(-1).astype(np.float64) * (n - 1)
    low, high = np.floor(rank).astype(np.int64), np.ceil(rank).astype(np.int64)
    if interpolation == "nearest":
        low = high = np.round(rank).astype(np.int64)  # half to even, as PyTorch
    elif interpolation in ("lower", "higher"):
        low = high = low if interpolation == "lower" else high
    below = _f["index_select"](ordered, axis, low)
    weight = np.full(rank.shape, 0.5) if interpolation == "midpoint" else rank - low
    weight = weight.reshape((-1,) + (1,) * (ndim(x) - axis - 1)).astype(array.dtype)
    result = below if low is high else _f["lerp"](
        below, _f["index_select"](ordered, axis, high), weight)
    nan = np.isnan(np.take(data(ordered), [n - 1], axis=axis))
    if nan.any():
        result = _f["where"](nan, np.asarray(np.nan, array.dtype), result)
    if keepdim:
        lead = shape(result)[:axis + 1]
        rest = (1,) * array.ndim if dim is None else (1,) + shape(result)[axis + 1:]
        result = _f["reshape"](result, lead + rest)
    result = _f["movedim"](result, axis, 0)
    return _f["squeeze"](result, 0) if qs.ndim == 0 else result


def _spread_mean(which: str, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # std_mean(x, True): the (input, unbiased) overload
        dim, unbiased = None, dim
    kwargs = {} if correction is None else {"correction": correction}
    spread = _f[which](input, dim, unbiased, keepdim, **kwargs)
    return spread, _f["mean"](input, dim, keepdim)


@public("std_mean", method=False)
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim`` (all dims when None), with ``std``'s ``correction``
    (default 1) or ``unbiased``."""
    return _spread_mean("std", input, dim, unbiased, keepdim, correction)


@public("var_mean", method=False)
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim`` (all dims when None), with ``var``'s ``correction``
    (default 1) or ``unbiased``."""
    return _spread_mean("var", input, dim, unbiased, keepdim, correction)


@public("cdist", method=False)
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distances between each row of ``x1`` (..., P, M) and each row of ``x2``
    (..., R, M): shape (..., P, R), batch dims broadcast. The gradient of a zero distance is
    0, as in PyTorch."""
    for name, x in (("x1", x1), ("x2", x2)):
        if ndim(x) < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{ndim(x)}D (shape {shape(x)}).")
        if data(x).dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{data(x).dtype}.")
    if shape(x1)[-1] != shape(x2)[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{shape(x1)[-1]} X2: {shape(x2)[-1]}.")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}.")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode.")
    difference = _f["unsqueeze"](x1, -2) - _f["unsqueeze"](x2, -3)  # (..., P, R, M)
    return _distance(difference, p)


def _distance(difference, p):
    """The p-norm of the last axis, for cdist and pdist: as ``norm``, except that with
    p=inf every coordinate tied for the largest |x| gets the whole gradient sign(x), where
    norm shares it out, as PyTorch's distance backward."""
    if p != float("inf") or shape(difference)[-1] == 0:
        return _f["norm"](difference, p, -1)
    top = np.abs(data(difference)).max(axis=-1, keepdims=True)
    tied = np.abs(data(difference)) == top
    if not (tied.sum(-1) > 1)[top[..., 0] > 0].any():  # no ties: norm's gradient is the same
        return _f["norm"](difference, p, -1)
    magnitude = _f["abs"](difference)
    gap = _f["where"](tied, magnitude - top, np.zeros((), top.dtype))
    return _f["sum"](gap, -1) + top[..., 0]


@public("pdist", method=False)
def pdist(input, p=2.0):
    """The p-norm distances between every pair of rows i < j of an (N, M) ``input``, in the
    order (0, 1), (0, 2), ..., (N - 2, N - 1): the upper triangle of ``cdist(x, x)`` as a
    vector of N (N - 1) / 2."""
    if ndim(input) != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {ndim(input)}D (shape "
                           f"{shape(input)}).")
    if data(input).dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {data(input).dtype}.")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got {p}.")
    rows, cols = np.triu_indices(shape(input)[0], 1)
    difference = _f["index_select"](input, 0, rows) - _f["index_select"](input, 0, cols)
    return _distance(difference, p)


@public("dist")
def dist(input, other, p=2):
    """The p-norm of ``input - other`` (broadcast) as a 0-d tensor."""
    return _f["norm"](input - other, p)


@public("cummax")
def cummax(input, dim):
    """``(values, indices)``: the running maximum along ``dim`` and where it was found (the
    latest of equal maxima; a NaN, once met, is the maximum), as ``torch.cummax``. The values
    are ``gather(input, dim, indices)``, so the gradient flows to those positions."""
    return _running("cummax", np.maximum, input, dim)


@public("cummin")
def cummin(input, dim):
    """``(values, indices)``: the running minimum along ``dim`` (see ``cummax``)."""
    return _running("cummin", np.minimum, input, dim)


def _running(which: str, ufunc, input, dim):
    array = data(input)
    if array.ndim == 0:
        _axis(dim, 0, which)
        return getattr(return_types, which)(_f["clone"](input),
                                            new_tensor(np.zeros((), np.int64), None))
    axis = _axis(dim, array.ndim, which)
    running = ufunc.accumulate(array, axis=axis)
    # where the element is the running extreme (a new one or a tie) or a NaN, its position;
    # carried forward by a running maximum of those positions
    reached = (array == running) | (array != array)
    positions = np.arange(array.shape[axis]).reshape((-1,) + (1,) * (array.ndim - 1 - axis))
    indices = np.maximum.accumulate(np.where(reached, positions, 0), axis=axis)
    indices = new_tensor(indices.astype(np.int64), None)
    return getattr(return_types, which)(_f["gather"](input, axis, indices), indices)


@public("cov")
def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of ``input`` (observations in the
    columns; a 1-D input is one variable, giving a 0-d result), as ``torch.cov``: with
    ``fweights`` (integer repeat counts) and ``aweights`` (observation weights) per column,
    divided by ``sum(w) - correction`` (with ``aweights``, ``correction`` times the weighted
    mean of ``aweights``)."""
    if ndim(input) > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {ndim(input)} dimensions")
    x = _f["reshape"](input, (1, -1)) if ndim(input) < 2 else input
    if data(x).dtype.kind != "f":
        x = _f["astype"](x, get_default_dtype())
    observations = shape(x)[1]
    weights = None
    for name, given in (("fweights", fweights), ("aweights", aweights)):
        if given is not None:
            if ndim(given) != 1 or shape(given)[0] != observations:
                raise RuntimeError(f"cov(): expected {name} to be a 1-D tensor with "
                                   f"{observations} elements (one per observation), got shape "
                                   f"{shape(given)}.")
            weights = given if weights is None else weights * given
    if weights is None:
        mean = _f["mean"](x, 1, True)
        total = observations
        divisor = observations - correction
    else:
        total = _f["sum"](weights)
        mean = _f["sum"](x * weights, 1, True) / total
        divisor = total if correction == 0 else (
            total - correction if aweights is None
            else total - correction * _f["sum"](weights * aweights) / total)
    centered = x - mean
    weighted = centered if weights is None else centered * weights
    result = _f["matmul"](weighted, _f["transpose"](centered, 0, 1)) / divisor
    return _f["squeeze"](result) if shape(result) == (1, 1) or ndim(input) < 2 else result


@public("corrcoef")
def corrcoef(input):
    """Pearson's correlation coefficients of the variables in the rows of ``input``: the
    covariance matrix scaled by the standard deviations, the entries off the diagonal
    clipped to [-1, 1] against rounding, as ``torch.corrcoef`` (whose diagonal, 1 up to
    rounding, is clipped too: here it may read one unit in the last place above 1)."""
    c = cov(input)
    if ndim(c) == 0:
        return c / c
    spread = _f["sqrt"](_f["diagonal"](c))
    c = c / _f["unsqueeze"](spread, 1) / _f["unsqueeze"](spread, 0)
    # the clip only undoes rounding past +-1; the diagonal, 1 by construction, stays out of it
    # (a clip bound met exactly is a kink: its gradient there would be a convention)
    diagonal = np.eye(shape(c)[0], dtype=bool)
    return _f["where"](diagonal, c, _f["clamp"](_f["where"](diagonal, 0.0, c), -1, 1))
