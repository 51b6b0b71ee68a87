"""Layers with parameters or state: Linear, Dense, Dropout, BatchNorm1d, Flatten."""

from __future__ import annotations

import math

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..ops import functions as ops
from ..tensor import get_default_dtype
from . import functional as F
from . import init
from .activations import LeakyReLU, ReLU, get_activation
from .casting import check_device
from .module import Module, Parameter


def size_argument(value, name: str, owner: str, minimum: int = 0) -> int:
    """A layer's size argument as an int: whole numbers only (an int or a NumPy integer), at
    least ``minimum``; anything else raises naming the layer and the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        hint = f" (int({value!r}) if you meant {int(value)})" if isinstance(
            value, (float, np.floating)) and np.isfinite(value) and value == int(value) else ""
        raise TypeError(f"{owner}: {name} must be an integer, got {value!r} of type "
                        f"{type(value).__name__}{hint}.")
    if value < minimum:  # a ValueError, and the RuntimeError PyTorch raises for a negative size
        raise ArgumentError(f"{owner}: {name} must be at least {minimum}, got {value}.")
    return int(value)


class Linear(Module):
    """y = x @ weight.T + bias, with ``weight`` of shape (out_features, in_features) as in
    PyTorch and ``bias`` of shape (out_features,).

    Init as PyTorch's: ``kaiming_uniform_(a=sqrt(5))``, i.e. U(-1/sqrt(in_features),
    1/sqrt(in_features)), for the weight and the same bound for the bias (``Dense`` keeps the
    seeds' He/Glorot init).

    >>> layer = nn.Linear(3, 2)
    >>> layer(tg.ones(5, 3)).shape
    (5, 2)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        check_device(type(self).__name__, device)
        self._build(in_features, out_features, bias, dtype=dtype)
        self.reset_parameters()

    def _build(self, in_features: int, out_features: int, bias: bool,
               names: tuple = ("in_features", "out_features"), dtype=None) -> None:
        owner = type(self).__name__
        minimum = 1 if owner == "Dense" else 0  # torch's Linear allows a zero size
        self.in_features = size_argument(in_features, names[0], owner, minimum)
        self.out_features = size_argument(out_features, names[1], owner, minimum)
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype))
        self.bias = Parameter(np.zeros(self.out_features, dtype)) if bias else None

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        try:
            return F.linear(input, self.weight, self.bias)
        except ShapeError:  # the op checks the widths; say it in the layer's terms
            if ops._shape(input)[-1:] != (self.in_features,):
                raise ShapeError(
                    f"{self!r}: expected input with {self.in_features} features on its last "
                    f"axis, got shape {ops._shape(input)}."
                ) from None
            raise

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Dense(Linear):
    """Linear layer + activation + elastic-net penalty on the weight (never the bias).

    ``activation`` is a name (``"relu"``, ``"sigmoid"``, ``"tanh"``, ``"softmax"``,
    ``"linear"``), an activation Module, or None. The weight starts He-initialised for ReLU
    layers (bias 0.01) and Glorot otherwise (bias 0). ``penalty()`` is
    ``l1_lambda * sum(|W|) + l2_lambda * sum(W ** 2)``, summed by
    ``Module.regularization_loss()`` and added to the loss by ``fit``/``train_step``.

    >>> Dense(2, 4, activation="relu", l2_lambda=1e-3)
    """

    def __init__(self, input_size: int, output_size: int, activation=None,
                 l1_lambda: float = 0.0, l2_lambda: float = 0.0, bias: bool = True) -> None:
        if l1_lambda < 0 or l2_lambda < 0:
            raise ValueError(
                f"Dense: l1_lambda and l2_lambda must be >= 0, got {l1_lambda}, {l2_lambda}."
            )
        Module.__init__(self)  # not Linear.__init__: the init depends on the activation
        self.activation = get_activation(activation)
        self.l1_lambda = float(l1_lambda)
        self.l2_lambda = float(l2_lambda)
        self._build(input_size, output_size, bias, names=("input_size", "output_size"))
        self.reset_parameters()

    @property
    def input_size(self) -> int:
        return self.in_features

    @property
    def output_size(self) -> int:
        return self.out_features

    def reset_parameters(self) -> None:
        if isinstance(self.activation, (ReLU, LeakyReLU)):
            init.he_uniform(self.weight)
            if self.bias is not None:
                # A small positive bias keeps ReLU units alive at the start: with zero bias a
                # narrow layer (the 2-unit XOR example) often starts, and stays, dead.
                init.constant_(self.bias, 0.01)
        else:
            init.glorot_uniform(self.weight)

    def forward(self, x):
        return self.activation(super().forward(x))

    def penalty(self):
        if not (self.l1_lambda or self.l2_lambda):
            return None
        return F.elastic_net_penalty(self.weight, self.l1_lambda, self.l2_lambda)

    def extra_repr(self) -> str:
        text = f"{self.in_features}, {self.out_features}, activation={self.activation!r}"
        if self.l1_lambda:
            text += f", l1_lambda={self.l1_lambda}"
        if self.l2_lambda:
            text += f", l2_lambda={self.l2_lambda}"
        return text

    def __repr__(self) -> str:
        return f"Dense({self.extra_repr()})"


class _DropoutNd(Module):
    """The base of torch's dropout layers (Dropout, Dropout1d/2d/3d, AlphaDropout,
    FeatureAlphaDropout), for ``isinstance(m, nn.modules.dropout._DropoutNd)``."""


class _NormBase(Module):
    """The base of torch's BatchNorm and InstanceNorm layers, for ``isinstance(m,
    nn.modules.batchnorm._NormBase)`` (LayerNorm and GroupNorm are not among them)."""


class Dropout(_DropoutNd):
    """Inverted dropout: in training, zero each element with probability ``p`` and scale the
    rest by 1 / (1 - p); the identity in eval mode. Masks come from ``tg.manual_seed``'s
    generator."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}.")
        self.p = p  # as given, as torch (its repr shows p=1 for an int)
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class _BatchNorm(_NormBase):
    """What BatchNorm1d/2d/3d share (siblings, as in torch: ``isinstance(m, nn.BatchNorm1d)``
    is False for a BatchNorm2d). Batch normalisation over axis 1, as ``torch.nn``.

    Training: normalise with the batch mean and biased variance, then update
    ``running_mean``/``running_var`` with ``momentum`` (the variance unbiased; ``momentum=None``
    is the cumulative average over ``num_batches_tracked`` batches). Eval: normalise with the
    running statistics. ``weight`` starts at ones, ``bias`` at zeros; eps 1e-5.
    """

    _input_ranks = (2, 3)
    _layout = "(N, {c}) or (N, {c}, L)"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        owner = type(self).__name__
        self.num_features = size_argument(num_features, "num_features", owner)
        self.eps = float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine = affine
        self.track_running_stats = track_running_stats
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.register_parameter(
            "weight", Parameter(np.ones(self.num_features, dtype)) if affine else None)
        self.register_parameter(
            "bias", Parameter(np.zeros(self.num_features, dtype)) if affine and bias else None)
        stats = track_running_stats
        self.register_buffer("running_mean", np.zeros(self.num_features, dtype) if stats else None)
        self.register_buffer("running_var", np.ones(self.num_features, dtype) if stats else None)
        self.register_buffer("num_batches_tracked", np.zeros((), np.int64) if stats else None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input(self, shape: tuple) -> None:
        if len(shape) not in self._input_ranks or shape[1] != self.num_features:
            raise ShapeError(f"{self!r}: expected input of shape "
                             f"{self._layout.format(c=self.num_features)}, got shape {shape} "
                             f"({len(shape)}D).")

    def forward(self, input):
        self._check_input(ops._shape(input))
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data += 1
            if self.momentum is None:  # cumulative moving average, as torch
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or self.running_mean is None
        keep = not self.training or self.track_running_stats
        stats = (self.running_mean, self.running_var) if keep else (None, None)
        return F.batch_norm(input, *stats, weight=self.weight, bias=self.bias, training=use_batch,
                            momentum=factor, eps=self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of each channel of (N, C) or (N, C, L) input over the batch (and
    the positions); ``weight``/``bias`` (C,), running statistics as ``_BatchNorm``."""

    _input_ranks = (2, 3)
    _layout = "(N, {c}) or (N, {c}, L)"


class Flatten(Module):
    """Merge axes ``start_dim..end_dim``; by default every axis after the batch axis:
    (N, d1, d2, ...) -> (N, d1 * d2 * ...)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
