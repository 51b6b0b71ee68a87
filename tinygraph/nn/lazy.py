"""Lazy modules: layers whose input size is read from their first input (``torch.nn``'s
LazyLinear, LazyConv1d/2d/3d, LazyBatchNorm1d/2d/3d).

Until the first call their weights are ``UninitializedParameter`` placeholders (buffers
``UninitializedBuffer``): they have a dtype but no shape, ``state_dict`` holds them
themselves, and reading their values raises. The first call infers the size (``in_features``,
``in_channels``, ``num_features``), gives the placeholders their shapes, initialises them as
the eager layer would (``reset_parameters``), and turns the module into that layer
(``cls_to_become``: a LazyLinear becomes a Linear). Create optimizers after that first
(dry) run, as in PyTorch.

>>> model = nn.Sequential(nn.LazyLinear(16), nn.ReLU(), nn.LazyLinear(2))
>>> model(tg.zeros(1, 7))               # now Linear(7, 16) and Linear(16, 2)
>>> opt = tg.optim.SGD(model.parameters(), lr=0.1)
"""

from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from ..errors import ShapeError
from ..ops import functions as ops
from ..tensor import get_default_dtype
from .conv import BatchNorm2d, BatchNorm3d, Conv1d, Conv2d, Conv3d
from .layers import BatchNorm1d, Linear, _BatchNorm
from .parameter import UninitializedBuffer, UninitializedParameter, UninitializedTensorMixin


class LazyModuleMixin:
    """Infers the module's parameters from its first input, then becomes ``cls_to_become``.
    Subclasses define ``initialize_parameters(*inputs)``."""

    cls_to_become: type | None = None

    def has_uninitialized_params(self) -> bool:
        """Whether any parameter or buffer of this module is still a placeholder."""
        tensors = [*self._parameters.values(), *self._buffers.values()]
        return any(isinstance(t, UninitializedTensorMixin) for t in tensors)

    def __call__(self, *args, **kwargs):
        with no_grad():
            self.initialize_parameters(*args, **kwargs)
        if self.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        if self.cls_to_become is None:
            return super().__call__(*args, **kwargs)
        self.__class__ = self.cls_to_become
        return self(*args, **kwargs)  # the eager layer's call, hooks and all

    def reset_parameters(self) -> None:
        if self.__dict__.get("_lazy_ready") and not self.has_uninitialized_params():
            super().reset_parameters()  # not while the eager __init__ runs: no draws then

    def _get_name(self) -> str:
        return type(self).__name__

    def _materialize(self, shapes: dict) -> None:
        """Give each placeholder named in ``shapes`` its shape, then reset the layer."""
        for name, shape in shapes.items():
            tensor = getattr(self, name, None)
            if isinstance(tensor, UninitializedTensorMixin):
                tensor.materialize(shape)
        self.reset_parameters()


def _placeholder(dtype, buffer: bool = False):
    dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
    return UninitializedBuffer(dtype=dtype) if buffer else UninitializedParameter(dtype=dtype)


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear layer whose ``in_features`` is the last axis of its first input."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        Linear.__init__(self, 1, out_features, bias, device, dtype)
        self.in_features = 0
        self.weight = _placeholder(dtype)
        self.bias = _placeholder(dtype) if bias else None
        self._lazy_ready = True


    def initialize_parameters(self, input, *args, **kwargs) -> None:
        if self.has_uninitialized_params():
            self.in_features = ops._shape(input)[-1]
            self._materialize({"weight": (self.out_features, self.in_features),
                               "bias": (self.out_features,)})
        elif self.in_features == 0:  # loaded from a state_dict
            self.in_features = self.weight.shape[1]


def _lazy_conv(base, nd):
    class LazyConv(LazyModuleMixin, base):
        cls_to_become = base
        __doc__ = (f"A {base.__name__} whose ``in_channels`` is the channel axis of its first "
                   "input.")

        def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                     groups=1, bias=True, padding_mode="zeros", device=None,
                     dtype=None) -> None:
            base.__init__(self, groups, out_channels, kernel_size, stride, padding, dilation,
                          groups, bias, padding_mode, device=device, dtype=dtype)
            self.in_channels = 0
            self.weight = _placeholder(dtype)
            self.bias = _placeholder(dtype) if bias else None
            self._lazy_ready = True


        def initialize_parameters(self, input, *args, **kwargs) -> None:
            if not self.has_uninitialized_params():
                if self.in_channels == 0:
                    self.in_channels = self.weight.shape[1] * self.groups
                return
            shape = ops._shape(input)
            if len(shape) not in (nd + 1, nd + 2):
                raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) "
                                   f"input to {type(self).__name__}, but got input of size: "
                                   f"{list(shape)}")
            channels = shape[1] if len(shape) == nd + 2 else shape[0]
            if channels % self.groups:
                raise ValueError(f"{type(self).__name__}: in_channels must be divisible by "
                                 f"groups, got {channels} channels and groups={self.groups}.")
            self.in_channels = channels
            self._materialize({"weight": (self.out_channels, channels // self.groups)
                               + self.kernel_size, "bias": (self.out_channels,)})

    LazyConv.__name__ = LazyConv.__qualname__ = f"LazyConv{nd}d"
    return LazyConv


LazyConv1d = _lazy_conv(Conv1d, 1)
LazyConv2d = _lazy_conv(Conv2d, 2)
LazyConv3d = _lazy_conv(Conv3d, 3)


def _lazy_batch_norm(base, ranks, name):
    class LazyBatchNorm(LazyModuleMixin, _BatchNorm):  # not a `base` until its first call,
        cls_to_become = base                            # as torch's
        _input_ranks, _layout = base._input_ranks, base._layout
        __doc__ = (f"A {base.__name__} whose ``num_features`` is axis 1 of its first input.")

        def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                     device=None, dtype=None) -> None:
            _BatchNorm.__init__(self, 1, eps, momentum, affine, track_running_stats, device,
                                dtype)
            self.num_features = 0
            if affine:
                self.weight = _placeholder(dtype)
                self.bias = _placeholder(dtype)
            if track_running_stats:
                self.running_mean = _placeholder(dtype, buffer=True)
                self.running_var = _placeholder(dtype, buffer=True)
            self._lazy_ready = True


        def initialize_parameters(self, input, *args, **kwargs) -> None:
            if not self.has_uninitialized_params():
                return
            shape = ops._shape(input)
            if len(shape) not in ranks:
                raise ShapeError(f"{type(self).__name__}: expected a "
                                 f"{' or '.join(f'{r}D' for r in ranks)} input, got shape "
                                 f"{shape}.")
            self.num_features = shape[1]
            self._materialize({key: (self.num_features,) for key in
                               ("weight", "bias", "running_mean", "running_var")})

    LazyBatchNorm.__name__ = LazyBatchNorm.__qualname__ = name
    return LazyBatchNorm


LazyBatchNorm1d = _lazy_batch_norm(BatchNorm1d, (2, 3), "LazyBatchNorm1d")
LazyBatchNorm2d = _lazy_batch_norm(BatchNorm2d, (4,), "LazyBatchNorm2d")
LazyBatchNorm3d = _lazy_batch_norm(BatchNorm3d, (5,), "LazyBatchNorm3d")
