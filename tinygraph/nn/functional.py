"""The functional forms of every layer, activation, loss and penalty in ``tinygraph.nn``.

All of them are compositions of graph ops (a few of them fused ops from
``tinygraph.ops.nn``), so gradients, ``create_graph`` and graph pictures work through them.
Losses reduce with the mean by default (``reduction="sum"`` and ``"none"`` as in PyTorch) and
reject targets whose shape does not match, naming both shapes.

>>> loss = F.cross_entropy(logits, labels)        # (N, C) logits, (N,) integer labels
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import random
from ..autograd import no_grad
from ..autograd.graph import note_operand
from ..errors import ShapeError
from ..ops import functions as ops
from ..ops import nn as fused
from ..ops.reduce import cast_first
from ..tensor import Tensor
from .elementwise_losses import (  # noqa: F401 - re-exported
    _reduce,
    _target,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    l1_loss,
    mse_loss,
)
from .functional_conv import (  # noqa: F401 - the convolutional layers' functions
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    bilinear,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    group_norm,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    normalize,
    one_hot,
    pad,
)
from .parameter import overwrite

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "identity",
    "dropout", "batch_norm", "flatten", "conv1d", "conv2d", "conv_transpose1d",
    "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool2d", "group_norm", "pad", "normalize", "one_hot",
    "mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "cross_entropy", "l1_penalty", "l2_penalty", "elastic_net_penalty",
    "layer_norm", "embedding", "embedding_bag", "gelu", "silu", "elu", "softplus", "hardtanh",
    "scaled_dot_product_attention", "bilinear", "nll_loss", "kl_div", "smooth_l1_loss",
    "huber_loss",
    "relu6", "hardsigmoid", "hardswish", "selu", "celu", "mish", "logsigmoid", "softsign",
    "tanhshrink", "softshrink", "hardshrink", "threshold", "glu", "prelu", "softmin",
    "interpolate", "upsample", "instance_norm", "cosine_similarity", "pairwise_distance",
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d", "dropout1d",
    "dropout2d", "dropout3d", "pixel_shuffle", "pixel_unshuffle", "rms_norm",
    "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "multi_margin_loss", "cosine_embedding_loss",
    "triplet_margin_loss", "poisson_nll_loss", "gaussian_nll_loss", "relu_", "elu_",
    "leaky_relu_", "hardtanh_", "selu_", "celu_", "threshold_", "rrelu", "rrelu_",
    "gumbel_softmax", "lp_pool1d", "lp_pool2d", "local_response_norm", "channel_shuffle",
    "max_pool1d_with_indices", "max_pool2d_with_indices", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices", "alpha_dropout", "feature_alpha_dropout",
    "upsample_nearest", "upsample_bilinear", "triplet_margin_with_distance_loss",
    "affine_grid", "grid_sample", "max_unpool1d", "max_unpool2d", "max_unpool3d",
    "multilabel_margin_loss",
    "conv3d",
    "conv_transpose3d",
    "max_pool3d",
    "avg_pool3d",
    "adaptive_avg_pool3d", "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices",
    "unfold", "fold", "pdist", "ctc_loss",
]

# -- layers and activations -------------------------------------------------------------

linear = fused.linear
pdist = ops.pdist
sigmoid = ops.sigmoid
tanh = ops.tanh
layer_norm = ops.layer_norm
gelu = ops.gelu
softplus = ops.softplus


def _into(op, input, inplace: bool, *args):
    """``op(input, *args)``, or with ``inplace=True`` (PyTorch's option) ``input`` overwritten
    with it. The op then reads a copy of the old values, so what it saved for its gradient
    stays intact and the gradient is PyTorch's."""
    if not inplace:
        return op(input, *args)
    return input.copy_(op(input.clone(), *args))


def relu(input, inplace: bool = False):
    """max(x, 0)."""
    return _into(ops.relu, input, inplace)


def silu(input, inplace: bool = False):
    """x sigmoid(x)."""
    return _into(ops.silu, input, inplace)


def elu(input, alpha: float = 1.0, inplace: bool = False):
    """x for x > 0, else alpha (exp(x) - 1)."""
    return _into(ops.elu, input, inplace, alpha)


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """clip(x, min_val, max_val)."""
    return _into(ops.hardtanh, input, inplace, min_val, max_val)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    """x where x > 0, else negative_slope * x (gradient negative_slope at 0, as PyTorch)."""
    return _into(_leaky_relu, input, inplace, negative_slope)


def _leaky_relu(input, negative_slope):
    return ops.where(ops._data(input) > 0, input, ops.mul(input, negative_slope))


def _softmax_dim(x, dim, axis, name: str) -> int:
    """``dim`` (or NumPy's ``axis``); None is PyTorch's implicit, deprecated choice: axis 0 of
    0-, 1- and 3-D inputs, axis 1 otherwise (with torch's warning)."""
    dim = dim if axis is None else axis
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                      "call to include dim=X as an argument.", UserWarning, stacklevel=3)
        dim = 0 if len(ops._shape(x)) in (0, 1, 3) else 1
    return dim


def softmax(input, dim: int | None = None, _stacklevel: int = 3, dtype=None, *,
            axis: int | None = None):
    """exp(x) / sum(exp(x)) along ``dim`` (``axis`` is accepted as NumPy's name); ``dtype``
    casts the input first, as torch."""
    x = cast_first(input, dtype, "softmax")
    return ops.softmax(x, _softmax_dim(x, dim, axis, "softmax"))


def log_softmax(input, dim: int | None = None, _stacklevel: int = 3, dtype=None, *,
                axis: int | None = None):
    """x - logsumexp(x) along ``dim``."""
    x = cast_first(input, dtype, "log_softmax")
    return ops.log_softmax(x, _softmax_dim(x, dim, axis, "log_softmax"))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """The rows of ``weight`` at the integer ``input`` indices. With ``max_norm``, the rows
    looked up whose ``norm_type``-norm exceeds it are first scaled to that norm in ``weight``
    itself, outside the graph, as torch's ``embedding_renorm_``."""
    if max_norm is not None:
        renorm_rows(weight, input, max_norm, norm_type)
    return ops.embedding(input, weight, padding_idx, None, norm_type, scale_grad_by_freq,
                         sparse)


def renorm_rows(weight, input, max_norm, norm_type) -> None:
    """Scale the rows of ``weight`` indexed by ``input`` whose ``norm_type``-norm exceeds
    ``max_norm`` down to that norm, in place and outside the graph (torch's
    ``embedding_renorm_``, shared by ``embedding`` and ``embedding_bag``)."""
    table = ops._data(weight)
    rows = np.unique(np.asarray(ops._data(input)))
    rows = rows[(rows >= 0) & (rows < table.shape[0])] if rows.dtype.kind in "iu" else \
        rows[:0].astype(np.intp)
    norms = np.linalg.norm(table[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        renormed = table.copy()
        renormed[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None]
        if isinstance(weight, Tensor):
            with no_grad():
                overwrite(weight, renormed)
        else:
            table[...] = renormed


def identity(x):
    return x


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Inverted dropout: zero each element with probability ``p`` and scale the kept ones by
    1 / (1 - p), so the expectation is unchanged; the identity when not training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}.")
    if not training or p == 0.0:
        return input
    data = ops._data(input)
    dtype = data.dtype if data.dtype.kind == "f" else np.float64
    if p == 1.0:
        return _into(ops.mul, input, inplace, np.zeros(data.shape, dtype))
    keep = random.generator().random(data.shape) >= p
    mask = keep.astype(dtype)
    mask *= 1.0 / (1.0 - p)
    return _into(ops.mul, input, inplace, mask)


def batch_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each channel (axis 1 of (N, C), (N, C, L) or (N, C, H, W)) and apply
    ``weight``, ``bias``.

    Training: y = (x - mean) / sqrt(var + eps) with the batch mean and *biased* variance, and
    the running statistics (Tensors, updated in place) move by ``momentum`` towards the batch
    mean and the *unbiased* variance. Evaluation: y = (x - running_mean) / sqrt(running_var + eps)
    on views of the running statistics (noted for pictures, which name them).
    """
    data = ops._data(input)
    if data.ndim < 2:
        raise ShapeError(
            f"batch_norm: expected a (N, C), (N, C, L) or (N, C, H, W) input, got shape "
            f"{data.shape}."
        )
    channels = data.shape[1]
    axes = (0,) + tuple(range(2, data.ndim))
    param_shape = (channels,) + (1,) * (data.ndim - 2)
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and tuple(t.shape) != (channels,):
            raise ShapeError(
                f"batch_norm: {name} has shape {tuple(t.shape)} but the input of shape "
                f"{data.shape} has {channels} channels on axis 1."
            )
    if training:
        count = data.size // channels
        if count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"of shape {data.shape}. Use a larger batch, or call eval() for inference."
            )
        mean = ops.mean(input, axis=axes, keepdims=True)
        var = ops.var(input, axis=axes, keepdims=True, correction=0)
        x_hat = ops.div(ops.sub(input, mean), ops.sqrt(ops.add(var, eps)))
        if running_mean is not None:
            with no_grad():
                rm, rv = running_mean._data, running_var._data
                rm *= 1 - momentum
                rm += momentum * mean._data.reshape(channels)
                rv *= 1 - momentum
                rv += momentum * var._data.reshape(channels) * (count / (count - 1))
                running_mean._version += 1
                running_var._version += 1
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation mode needs running_mean and running_var.")
        # The buffers' own memory (views), noted as such so a picture names them
        rm = running_mean._data.reshape(param_shape)
        rv = running_var._data.reshape(param_shape)
        centred = ops.sub(input, rm.astype(data.dtype, copy=False))
        note_operand(centred, 1, rm)
        x_hat = ops.div(centred, np.sqrt(rv + eps).astype(data.dtype, copy=False))
        note_operand(x_hat, 1, rv, "sqrt({} + eps)")
    if weight is not None:
        x_hat = ops.mul(x_hat, weight if data.ndim == 2 else ops.reshape(weight, param_shape))
    if bias is not None:
        x_hat = ops.add(x_hat, bias if data.ndim == 2 else ops.reshape(bias, param_shape))
    return x_hat


def flatten(x, start_axis: int = 1, end_axis: int = -1):
    """Merge axes ``start_axis..end_axis`` (by default all but the batch axis); a 0-d input
    becomes 1-D, as torch's."""
    ndim = ops._ndim(x)
    wrap = max(ndim, 1)
    for name, axis in (("start_dim", start_axis), ("end_dim", end_axis)):
        if not -wrap <= axis < wrap:
            raise IndexError(
                f"flatten: {name} {axis} is out of range for an input of shape "
                f"{ops._shape(x)} (expected a dim in [{-wrap}, {wrap - 1}]); Flatten keeps the "
                "batch axis (start_dim=1), so give it (N, ...) inputs.")
    if ndim == 0:
        return ops.reshape(x, (1,))
    if start_axis % ndim > end_axis % ndim:
        raise ShapeError(f"flatten: start_dim ({start_axis}) cannot come after end_dim "
                         f"({end_axis}) for an input of shape {ops._shape(x)}.")
    return ops.flatten(x, start_axis, end_axis)


# The class-label losses, attention and the composed activations live in their own modules
# (re-exported here).
from .adaptive_pooling import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
)
from .attention import scaled_dot_product_attention  # noqa: E402
from .composed_activations import (  # noqa: E402
    celu,
    celu_,
    elu_,
    glu,
    gumbel_softmax,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh_,
    leaky_relu_,
    logsigmoid,
    mish,
    prelu,
    relu6,
    relu_,
    rrelu,
    rrelu_,
    selu,
    selu_,
    softmin,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
    threshold_,
)
from .ctc_loss import ctc_loss  # noqa: E402
from .embedding_bag import embedding_bag  # noqa: E402
from .fold import fold, unfold  # noqa: E402
from .functional_vision import (  # noqa: E402
    affine_grid,
    grid_sample,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
)
from .instance_norm import instance_norm  # noqa: E402
from .loss_functions import (  # noqa: E402
    cross_entropy,
    huber_loss,
    kl_div,
    nll_loss,
    smooth_l1_loss,
)
from .margin_losses import (  # noqa: E402
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from .penalties import elastic_net_penalty, l1_penalty, l2_penalty  # noqa: E402
from .pooling_extras import (  # noqa: E402
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d_with_indices,
    channel_shuffle,
    local_response_norm,
    lp_pool1d,
    lp_pool2d,
    max_pool1d_with_indices,
    max_pool2d_with_indices,
)
from .similarity import cosine_similarity, pairwise_distance  # noqa: E402
from .simple_layers import (  # noqa: E402
    alpha_dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
    pixel_shuffle,
    pixel_unshuffle,
    rms_norm,
)
from .upsampling import interpolate, upsample, upsample_bilinear, upsample_nearest  # noqa: E402
