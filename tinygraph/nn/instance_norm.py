"""Instance normalization, as PyTorch's ``F.instance_norm`` and ``nn.InstanceNorm1d/2d``:
each sample's each channel normalised over its positions (mean and biased variance), then an
optional per-channel ``weight`` and ``bias``. It is group normalization with one group per
channel, and uses that op.
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..tensor import get_default_dtype
from .functional_conv import group_norm
from .layers import _NormBase, size_argument
from .module import Parameter


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each (sample, channel) of an (N, C, ...) input over its positions."""
    if running_mean is not None or running_var is not None or not use_input_stats:
        raise NotImplementedError("instance_norm: running statistics are not implemented in "
                                  "tinygraph (track_running_stats=False, the default, is).")
    if input.ndim < 3:
        raise ShapeError(f"instance_norm: expected an (N, C, ...) input with positions, got "
                         f"shape {tuple(input.shape)}.")
    return group_norm(input, input.shape[1], weight, bias, eps)


class _InstanceNorm(_NormBase):
    dims = 3  # an input's dims with the batch axis (InstanceNorm1d: (N, C, L))

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        owner = type(self).__name__
        if track_running_stats:
            raise NotImplementedError(f"{owner}: track_running_stats=True is not implemented "
                                      "in tinygraph; the default (False) normalises every "
                                      "input by its own statistics in training and eval.")
        self.num_features = size_argument(num_features, "num_features", owner, minimum=1)
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = bool(affine), False
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.weight = Parameter(np.ones(num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype)) if affine and bias else None

    def forward(self, input):
        owner = type(self).__name__
        if input.ndim not in (self.dims - 1, self.dims):
            raise ShapeError(f"{owner}: expected a {self.dims - 1}-D or {self.dims}-D input, "
                             f"got shape {tuple(input.shape)}.")
        unbatched = input.ndim == self.dims - 1
        x = input.unsqueeze(0) if unbatched else input
        if x.shape[1] != self.num_features and self.affine:
            raise ShapeError(f"{owner}: expected input with {self.num_features} channels, "
                             f"got shape {tuple(input.shape)}.")
        y = instance_norm(x, weight=self.weight, bias=self.bias, eps=self.eps)
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
