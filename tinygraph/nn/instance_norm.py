"""Instance normalization, as PyTorch's ``F.instance_norm`` and ``nn.InstanceNorm1d/2d``:
each sample's each channel normalised over its positions (mean and biased variance), then an
optional per-channel ``weight`` and ``bias``. It is group normalization with one group per
channel, and uses that op. With ``track_running_stats=True`` the layers also keep running
averages of the per-instance means and unbiased variances (updated in training, as torch's,
whose ``num_batches_tracked`` stays 0) and normalise by them in eval mode.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..ops import functions as ops
from ..tensor import get_default_dtype
from .functional_conv import group_norm
from .layers import _NormBase, size_argument
from .module import Parameter


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each (sample, channel) of an (N, C, ...) input over its positions. With
    ``running_mean``/``running_var``: ``use_input_stats`` also moves them (by ``momentum``)
    toward the batch's average per-instance mean and unbiased variance, as torch; without
    it the input is normalised by them instead (an InstanceNorm with
    ``track_running_stats=True`` in eval mode)."""
    if input.ndim < 3:
        raise ShapeError(f"instance_norm: expected an (N, C, ...) input with positions, got "
                         f"shape {tuple(input.shape)}.")
    channels = input.shape[1]
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        shape = (1, channels) + (1,) * (input.ndim - 2)
        invstd = 1.0 / np.sqrt(ops._data(running_var) + eps)
        y = (input - ops._data(running_mean).reshape(shape)) * invstd.reshape(shape)
        if weight is not None:
            y = y * ops.reshape(weight, shape)
        if bias is not None:
            y = y + ops.reshape(bias, shape)
        return y
    if running_mean is not None and running_var is not None:
        x = np.asarray(ops._data(input)).reshape(input.shape[0], channels, -1)
        mean, var = x.mean(-1), x.var(-1, ddof=1)
        for stat, value in ((running_mean, mean), (running_var, var)):
            data = ops._data(stat)
            data[...] = ((1 - momentum) * data + momentum * value).mean(0)
    return group_norm(input, channels, weight, bias, eps)


class _InstanceNorm(_NormBase):
    dims = 3  # an input's dims with the batch axis (InstanceNorm1d: (N, C, L))

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        owner = type(self).__name__
        self.num_features = size_argument(num_features, "num_features", owner)
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.weight = Parameter(np.ones(num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype)) if affine and bias else None
        stats = self.track_running_stats
        self.register_buffer("running_mean", np.zeros(num_features, dtype) if stats else None)
        self.register_buffer("running_var", np.ones(num_features, dtype) if stats else None)
        self.register_buffer("num_batches_tracked", np.zeros((), np.int64) if stats else None)

    def forward(self, input):
        owner = type(self).__name__
        if input.ndim not in (self.dims - 1, self.dims):
            raise ShapeError(f"{owner}: expected a {self.dims - 1}-D or {self.dims}-D input, "
                             f"got shape {tuple(input.shape)}.")
        unbatched = input.ndim == self.dims - 1
        x = input.unsqueeze(0) if unbatched else input
        if x.shape[1] != self.num_features and (self.affine or self.track_running_stats):
            raise ShapeError(f"{owner}: expected input with {self.num_features} channels, "
                             f"got shape {tuple(input.shape)}.")
        y = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          self.training or not self.track_running_stats,
                          0.0 if self.momentum is None else self.momentum, self.eps)
        return y.squeeze(0) if unbatched else y

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of (N, C, L) or (C, L) inputs."""

    dims = 3


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of (N, C, H, W) or (C, H, W) inputs."""

    dims = 4


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of (N, C, D, H, W) or (C, D, H, W) inputs."""

    dims = 5
