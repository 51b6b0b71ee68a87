"""The functional forms of every layer, activation, loss and penalty in ``tinygraph.nn``.

All of them are compositions of graph ops (a few of them fused ops from
``tinygraph.ops.nn``), so gradients, ``create_graph`` and graph pictures work through them.
Losses reduce with the mean by default (``reduction="sum"`` and ``"none"`` as in PyTorch) and
reject targets whose shape does not match, naming both shapes.

>>> loss = F.cross_entropy(logits, labels)        # (N, C) logits, (N,) integer labels
"""

from __future__ import annotations

import numpy as np

from .. import random
from ..autograd import no_grad
from ..autograd.graph import note_operand
from ..errors import ShapeError
from ..ops import functions as ops
from ..ops import nn as fused
from ..tensor import Tensor
from .functional_conv import (  # noqa: F401 - the convolutional layers' functions
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    group_norm,
    max_pool1d,
    max_pool2d,
    normalize,
    one_hot,
    pad,
)

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "identity",
    "dropout", "batch_norm", "flatten", "conv1d", "conv2d", "conv_transpose1d",
    "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool2d", "group_norm", "pad", "normalize", "one_hot",
    "mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "cross_entropy", "l1_penalty", "l2_penalty", "elastic_net_penalty",
    "layer_norm", "embedding", "gelu", "silu", "elu", "softplus", "hardtanh",
    "scaled_dot_product_attention", "nll_loss", "kl_div", "smooth_l1_loss", "huber_loss",
    "relu6", "hardsigmoid", "hardswish", "selu", "celu", "mish", "logsigmoid", "softsign",
    "tanhshrink", "softshrink", "hardshrink", "threshold", "glu", "prelu", "softmin",
    "interpolate", "upsample", "instance_norm", "cosine_similarity", "pairwise_distance",
]

# -- layers and activations -------------------------------------------------------------

linear = fused.linear
sigmoid = ops.sigmoid
tanh = ops.tanh
layer_norm = ops.layer_norm
embedding = ops.embedding
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


def leaky_relu(x, negative_slope: float = 0.01, inplace: bool = False):
    """x where x > 0, else negative_slope * x (gradient negative_slope at 0, as PyTorch)."""
    return _into(_leaky_relu, x, inplace, negative_slope)


def _leaky_relu(x, negative_slope):
    return ops.where(ops._data(x) > 0, x, ops.mul(x, negative_slope))


def softmax(x, axis: int = -1, dim: int | None = None):
    """exp(x) / sum(exp(x)) along ``axis`` (``dim`` is accepted as PyTorch's name)."""
    return ops.softmax(x, axis if dim is None else dim)


def log_softmax(x, axis: int = -1, dim: int | None = None):
    """x - logsumexp(x) along ``axis``."""
    return ops.log_softmax(x, axis if dim is None else dim)


def identity(x):
    return x


def dropout(x, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Inverted dropout: zero each element with probability ``p`` and scale the kept ones by
    1 / (1 - p), so the expectation is unchanged; the identity when not training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}.")
    if not training or p == 0.0:
        return x
    data = ops._data(x)
    dtype = data.dtype if data.dtype.kind == "f" else np.float64
    if p == 1.0:
        return _into(ops.mul, x, inplace, np.zeros(data.shape, dtype))
    keep = random.generator().random(data.shape) >= p
    mask = keep.astype(dtype)
    mask *= 1.0 / (1.0 - p)
    return _into(ops.mul, x, inplace, mask)


def batch_norm(x, running_mean=None, running_var=None, weight=None, bias=None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each channel (axis 1 of (N, C), (N, C, L) or (N, C, H, W)) and apply
    ``weight``, ``bias``.

    Training: y = (x - mean) / sqrt(var + eps) with the batch mean and *biased* variance, and
    the running statistics (Tensors, updated in place) move by ``momentum`` towards the batch
    mean and the *unbiased* variance. Evaluation: y = (x - running_mean) / sqrt(running_var + eps)
    on views of the running statistics (noted for pictures, which name them).
    """
    data = ops._data(x)
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
        mean = ops.mean(x, axis=axes, keepdims=True)
        var = ops.var(x, axis=axes, keepdims=True, correction=0)
        x_hat = ops.div(ops.sub(x, mean), ops.sqrt(ops.add(var, eps)))
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
        centred = ops.sub(x, rm.astype(data.dtype, copy=False))
        note_operand(centred, 1, rm)
        x_hat = ops.div(centred, np.sqrt(rv + eps).astype(data.dtype, copy=False))
        note_operand(x_hat, 1, rv, "sqrt({} + eps)")
    if weight is not None:
        x_hat = ops.mul(x_hat, weight if data.ndim == 2 else ops.reshape(weight, param_shape))
    if bias is not None:
        x_hat = ops.add(x_hat, bias if data.ndim == 2 else ops.reshape(bias, param_shape))
    return x_hat


def flatten(x, start_axis: int = 1, end_axis: int = -1):
    """Merge axes ``start_axis..end_axis`` (by default all but the batch axis)."""
    ndim = ops._ndim(x)
    if ndim == 0 or not -ndim <= start_axis < ndim:
        raise ShapeError(
            f"flatten: start_axis {start_axis} is out of range for an input of shape "
            f"{ops._shape(x)}; Flatten keeps the batch axis, so give it (N, ...) inputs."
        )
    return ops.flatten(x, start_axis, end_axis)


# -- losses -----------------------------------------------------------------------------


_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss, reduction: str, op: str):
    if reduction == "mean":
        return ops.mean(loss)
    if reduction == "sum":
        return ops.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}.")


def _target(input, target, op: str, same_shape: bool = True):
    """The target as a constant array of the input's float dtype (or a Tensor needing grad)."""
    in_data = ops._data(input)
    if isinstance(target, Tensor) and target.requires_grad:
        value = target
        shape = target.shape
    else:
        value = np.asarray(ops._data(target))
        if value.dtype != in_data.dtype and in_data.dtype.kind == "f":
            value = value.astype(in_data.dtype)
        shape = value.shape
    if same_shape and tuple(shape) != tuple(in_data.shape):
        hint = ""
        if in_data.size == int(np.prod(shape)):
            dims = ", ".join(str(n) for n in in_data.shape)
            hint = f" Reshape the target to the input's shape: target.reshape({dims})."
        raise ShapeError(
            f"{op}: the input has shape {tuple(in_data.shape)} but the target has shape "
            f"{tuple(shape)}; they must be the same (no broadcasting, which would silently "
            f"compare every prediction with every target).{hint}"
        )
    return value


def mse_loss(input, target, reduction: str = "mean"):
    """mean((input - target) ** 2)."""
    diff = ops.sub(input, _target(input, target, "mse_loss"))
    return _reduce(ops.mul(diff, diff), reduction, "mse_loss")


def l1_loss(input, target, reduction: str = "mean"):
    """mean(|input - target|)."""
    diff = ops.sub(input, _target(input, target, "l1_loss"))
    return _reduce(ops.abs(diff), reduction, "l1_loss")


def _check_probabilities(values, what: str, op: str) -> None:
    """Refuse values outside [0, 1] (NaN included), as PyTorch does."""
    values = np.asarray(ops._data(values))
    if not np.all((values >= 0) & (values <= 1)):
        bad = values[~((values >= 0) & (values <= 1))].reshape(-1)[0]
        raise ValueError(
            f"{op}: all elements of {what} should be between 0 and 1 (in [0, 1]), found "
            f"{bad}. "
            + ("Targets are probabilities or 0/1 labels." if what == "target" else
               "The input is probabilities: apply a sigmoid first, or use "
               "binary_cross_entropy_with_logits on the raw scores.")
        )


def binary_cross_entropy(input, target, reduction: str = "mean"):
    """mean(-(t log p + (1 - t) log(1 - p))) of probabilities ``input``; logs clamped at -100.

    ``input`` and ``target`` must lie in [0, 1] (anything else raises, as in PyTorch)."""
    op = "binary_cross_entropy"
    t = _target(input, target, op)
    _check_probabilities(input, "input", op)
    _check_probabilities(t, "target", op)
    loss = fused.binary_cross_entropy(input, t)
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, reduction: str = "mean"):
    """binary_cross_entropy(sigmoid(input), target), computed stably from the logits."""
    t = _target(input, target, "binary_cross_entropy_with_logits")
    return _reduce(fused.binary_cross_entropy_with_logits(input, t), reduction,
                   "binary_cross_entropy_with_logits")


# -- penalties --------------------------------------------------------------------------


def _weights(weight) -> list:
    """The tensors a penalty applies to: one tensor, a list of them, or a Module's weights
    (parameters named ``weight``, never biases)."""
    if isinstance(weight, (list, tuple)):
        return list(weight)
    if hasattr(weight, "named_parameters"):
        return [p for name, p in weight.named_parameters() if name.split(".")[-1] == "weight"]
    return [weight]


def _sum_terms(weight, make):
    terms = [make(w) for w in _weights(weight)]
    if not terms:
        raise ValueError("penalty: no weights to regularize.")
    total = terms[0]
    for term in terms[1:]:
        total = ops.add(total, term)
    return total


def l1_penalty(weight, l1_lambda: float = 1.0):
    """l1_lambda * sum(|weight|), one graph node labelled ``l1_penalty`` (per weight, when
    given a list or a Module)."""
    return _sum_terms(weight, lambda w: fused.l1_penalty(w, l1_lambda))


def l2_penalty(weight, l2_lambda: float = 1.0):
    """l2_lambda * sum(weight ** 2), one graph node labelled ``l2_penalty`` (Keras convention:
    no factor 1/2)."""
    return _sum_terms(weight, lambda w: fused.l2_penalty(w, l2_lambda))


def elastic_net_penalty(weight, l1_lambda: float = 0.0, l2_lambda: float = 0.0):
    """l1_lambda * sum(|W|) + l2_lambda * sum(W ** 2); zero terms are left out of the graph."""
    terms = []
    if l1_lambda:
        terms.append(l1_penalty(weight, l1_lambda))
    if l2_lambda:
        terms.append(l2_penalty(weight, l2_lambda))
    if not terms:
        return l1_penalty(weight, 0.0)  # a zero that still names the weight
    return terms[0] if len(terms) == 1 else ops.add(terms[0], terms[1])


# The class-label losses, attention and the composed activations live in their own modules
# (re-exported here).
from .attention import scaled_dot_product_attention  # noqa: E402
from .composed_activations import (  # noqa: E402
    celu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    logsigmoid,
    mish,
    prelu,
    relu6,
    selu,
    softmin,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
)
from .instance_norm import instance_norm  # noqa: E402
from .loss_functions import (  # noqa: E402
    cross_entropy,
    huber_loss,
    kl_div,
    nll_loss,
    smooth_l1_loss,
)
from .similarity import cosine_similarity, pairwise_distance  # noqa: E402
from .upsampling import interpolate, upsample  # noqa: E402
