"""The functional forms of the convolutional layers and their companions, as in
``torch.nn.functional``: convolutions, pooling and ``pad`` are single ops
(tinygraph/ops/conv.py, pool.py); ``group_norm`` and ``normalize`` are compositions of graph
ops; ``one_hot`` makes an integer tensor (nothing to differentiate)."""

from __future__ import annotations

import numpy as np

from ..autograd import new_tensor
from ..errors import DtypeError, ShapeError
from ..ops import functions as ops
from ..ops.conv_functions import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from ..ops.indexing import IndexOutOfBounds
from ..ops.pool_functions import (
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    pad,
)

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d",
           "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool2d", "pad",
           "group_norm", "normalize", "one_hot"]


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Normalise each sample's channels in ``num_groups`` groups (mean and biased variance over
    each group's channels and positions), then the per-channel ``weight`` and ``bias``."""
    s = ops._shape(input)
    if len(s) < 2:
        raise ShapeError(f"group_norm: expected an (N, C, ...) input, got shape {s}.")
    channels = s[1]
    if num_groups < 1 or channels % num_groups:
        raise ValueError(f"group_norm: num_groups={num_groups} must divide the {channels} "
                         f"channels of the input of shape {s}.")
    grouped = ops.reshape(input, (s[0], num_groups, int(np.prod(s[1:])) // num_groups))
    mean = ops.mean(grouped, axis=-1, keepdims=True)
    var = ops.var(grouped, axis=-1, keepdims=True, correction=0)
    y = ops.reshape(ops.div(ops.sub(grouped, mean), ops.sqrt(ops.add(var, eps))), s)
    param_shape = (channels,) + (1,) * (len(s) - 2)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(ops._shape(t)) != (channels,):
            raise ShapeError(f"group_norm: {name} has shape {tuple(ops._shape(t))} but the "
                             f"input of shape {s} has {channels} channels.")
    if weight is not None:
        y = ops.mul(y, ops.reshape(weight, param_shape))
    if bias is not None:
        y = ops.add(y, ops.reshape(bias, param_shape))
    return y


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12):
    """input / clamp_min(||input||_p along ``dim``, eps): unit vectors along ``dim``, as
    torch's (a zero vector stays zero, and its gradient is finite: the norm's own gradient
    at zero is zero, and the clamp passes none below eps)."""
    norm = ops.norm(input, p, dim, True)
    return ops.div(input, ops.clamp(norm, min=eps))


def one_hot(tensor, num_classes: int = -1):
    """int64 (..., num_classes) with a 1 at each value's index (``num_classes=-1``: the
    largest value + 1)."""
    labels = np.asarray(ops._data(tensor))
    if labels.dtype.kind not in "iu":
        raise DtypeError(f"one_hot: the class indices must be integers (long), got "
                         f"{labels.dtype}; convert them with .long().")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise IndexOutOfBounds(f"one_hot: class values must be in [0, {num_classes - 1}] for "
                               f"num_classes={num_classes}, got values from {labels.min()} "
                               f"to {labels.max()}.")
    out = np.zeros(labels.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, labels[..., None].astype(np.intp), 1, axis=-1)
    return new_tensor(out, None)


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1^T A_k x2 + b_k: ``input1`` (..., in1), ``input2`` (..., in2), ``weight``
    (out, in1, in2), ``bias`` (out,) -> (..., out), as ``torch.nn.functional.bilinear``."""
    s1, s2, (o, i, j) = ops._shape(input1), ops._shape(input2), ops._shape(weight)
    if s1[-1:] != (i,) or s2[-1:] != (j,) or s1[:-1] != s2[:-1]:
        raise ShapeError(f"bilinear: a weight of shape {(o, i, j)} needs inputs (..., {i}) and "
                         f"(..., {j}) with the same leading axes, got {s1} and {s2}.")
    # (..., in1) @ (in1, out * in2) -> (..., out, in2), times x2, summed over in2
    w = ops.reshape(ops.transpose(weight, (1, 0, 2)), (i, o * j))
    t = ops.reshape(ops.matmul(input1, w), s1[:-1] + (o, j))
    y = ops.sum(ops.mul(t, ops.unsqueeze(input2, -2)), -1)
    return y if bias is None else ops.add(y, bias)
