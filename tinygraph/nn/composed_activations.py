"""The rest of PyTorch's activations, each a composition of graph ops (so each gradient, of
any order, is the ops' own): ``relu6``, ``hardsigmoid``, ``hardswish``, ``selu``, ``celu``,
``mish``, ``logsigmoid``, ``softsign``, ``tanhshrink``, ``softshrink``, ``hardshrink``,
``threshold``, ``glu``, ``prelu``, ``softmin``, and their Modules.

At a kink the gradient is the one of the ops written here, which is PyTorch's except for
hardswish at exactly x = -3 and x = 3 (PyTorch: -0.5 and 1.5; here 0 and 1).
"""

from __future__ import annotations

import numpy as np

from ..ops import functions as ops
from ..tensor import get_default_dtype
from . import functional as F
from .activations import Hardtanh, _InPlace
from .module import Module, Parameter

# SELU's constants (Klambauer et al. 2017), to PyTorch's digits
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def relu6(input, inplace: bool = False):
    """min(max(x, 0), 6)."""
    return F.hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input, inplace: bool = False):
    """0 below -3, 1 above 3, x / 6 + 1/2 between."""
    return F._into(lambda x: ops.hardtanh(x / 6.0 + 0.5, 0.0, 1.0), input, inplace)


def hardswish(input, inplace: bool = False):
    """x hardsigmoid(x)."""
    return F._into(lambda x: x * hardsigmoid(x), input, inplace)


def selu(input, inplace: bool = False):
    """scale (x for x > 0, else alpha (exp(x) - 1)), PyTorch's alpha and scale."""
    return F._into(lambda x: ops.elu(x, SELU_ALPHA) * SELU_SCALE, input, inplace)


def celu(input, alpha: float = 1.0, inplace: bool = False):
    """x for x > 0, else alpha (exp(x / alpha) - 1)."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides x).")
    return F._into(lambda x: ops.elu(x / alpha, 1.0) * alpha, input, inplace)


def mish(input, inplace: bool = False):
    """x tanh(softplus(x))."""
    return F._into(lambda x: x * ops.tanh(ops.softplus(x)), input, inplace)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x)."""
    return -ops.softplus(-input)


def softsign(input):
    """x / (1 + |x|)."""
    return input / (ops.abs(input) + 1.0)


def tanhshrink(input):
    """x - tanh(x)."""
    return input - ops.tanh(input)


def softshrink(input, lambd: float = 0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, got {lambd}.")
    x = ops._data(input)
    return ops.where(x > lambd, input - lambd, ops.where(x < -lambd, input + lambd, 0.0))


def hardshrink(input, lambd: float = 0.5):
    """x where |x| > lambd, 0 elsewhere."""
    x = ops._data(input)
    return ops.where((x > lambd) | (x < -lambd), input, 0.0)


def threshold(input, threshold: float, value: float, inplace: bool = False):
    """x where x > threshold, ``value`` elsewhere."""
    return F._into(lambda x: ops.where(ops._data(x) > threshold, x, value), input, inplace)


def glu(input, dim: int = -1):
    """a sigmoid(b), with a and b the two halves of ``input`` along ``dim``."""
    size = input.shape[dim] if input.ndim else 0
    if size % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension {dim} is size "
                           f"{size} (input of shape {tuple(input.shape)}).")
    a, b = ops.chunk(input, 2, dim)
    return a * ops.sigmoid(b)


def prelu(input, weight):
    """x where x > 0, else weight x, with one weight per channel (dim 1) or one for all."""
    n = int(np.prod(weight.shape))
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1  # fewer dims: no channel dim
        if n != channels:
            raise RuntimeError(f"prelu: mismatch of parameter numbers and input channel size: "
                               f"the weight has {n} values, the input of shape "
                               f"{tuple(input.shape)} has {channels} channels.")
        if input.ndim >= 2:
            weight = weight.reshape((n,) + (1,) * (input.ndim - 2))
    return ops.where(ops._data(input) > 0, input, weight * input)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim`` (None: torch's implicit dim, as ``softmax``)."""
    x = input if dtype is None else input.to(dtype)
    return ops.softmax(-x, F._softmax_dim(x, dim, None, "softmin"))


class ReLU6(Hardtanh):
    """y = min(max(x, 0), 6): a Hardtanh from 0 to 6, as in torch."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def forward(self, input):
        return relu6(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(_InPlace):
    """y = 0 below -3, 1 above 3, x / 6 + 1/2 between."""

    def forward(self, input):
        return hardsigmoid(input, self.inplace)


class Hardswish(_InPlace):
    """y = x hardsigmoid(x)."""

    def forward(self, input):
        return hardswish(input, self.inplace)


class SELU(_InPlace):
    """y = scale (x for x > 0, else alpha (exp(x) - 1))."""

    def forward(self, input):
        return selu(input, self.inplace)


class CELU(_InPlace):
    """y = x for x > 0, else alpha (exp(x / alpha) - 1)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = alpha

    def forward(self, input):
        return celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" * self.inplace)


class Mish(_InPlace):
    """y = x tanh(softplus(x))."""

    def forward(self, input):
        return mish(input, self.inplace)


class LogSigmoid(Module):
    """y = log(sigmoid(x))."""

    def forward(self, input):
        return logsigmoid(input)


class Softsign(Module):
    """y = x / (1 + |x|)."""

    def forward(self, input):
        return softsign(input)


class Tanhshrink(Module):
    """y = x - tanh(x)."""

    def forward(self, input):
        return tanhshrink(input)


class _Shrink(Module):
    """The ``lambd`` Softshrink and Hardshrink share (siblings, as in torch)."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def extra_repr(self) -> str:
        return str(self.lambd)


class Softshrink(_Shrink):
    """y = x - lambd above lambd, x + lambd below -lambd, 0 between."""

    def forward(self, input):
        return softshrink(input, self.lambd)


class Hardshrink(_Shrink):
    """y = x where |x| > lambd, 0 elsewhere."""

    def forward(self, input):
        return hardshrink(input, self.lambd)


class Threshold(_InPlace):
    """y = x where x > threshold, ``value`` elsewhere."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.threshold, self.value = threshold, value

    def forward(self, input):
        return threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True"
                                                                    * self.inplace)


class GLU(Module):
    """y = a sigmoid(b), with a and b the two halves of the input along ``dim``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """y = x where x > 0, else a x, with a learned ``weight`` (one value, or one per
    channel), starting at ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.weight = Parameter(np.full(num_parameters, init, dtype=dtype))

    def forward(self, input):
        return prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softmin(Module):
    """y = softmax(-x) along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """y = softmax over the channels (dim -3) of an image batch (N, C, H, W) or (C, H, W)."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected an input of 3 or 4 dims (C, H, W) or "
                             f"(N, C, H, W), got shape {tuple(input.shape)}.")
        return ops.softmax(input, -3)



# -- in-place spellings and randomized activations -------------------------------------------


def relu_(input):
    """``relu(input, inplace=True)``."""
    return F.relu(input, inplace=True)


def elu_(input, alpha: float = 1.0):
    """``elu(input, alpha, inplace=True)``."""
    return F.elu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope: float = 0.01):
    """``leaky_relu(input, negative_slope, inplace=True)``."""
    return F.leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val: float = -1.0, max_val: float = 1.0):
    """``hardtanh(input, min_val, max_val, inplace=True)``."""
    return F.hardtanh(input, min_val, max_val, inplace=True)


def selu_(input):
    """``selu(input, inplace=True)``."""
    return selu(input, inplace=True)


def celu_(input, alpha: float = 1.0):
    """``celu(input, alpha, inplace=True)``."""
    return celu(input, alpha, inplace=True)


def threshold_(input, threshold_value: float, value: float):
    """``threshold(input, threshold, value, inplace=True)``."""
    return threshold(input, threshold_value, value, inplace=True)


def rrelu(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False):
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) per element in training
    and is (lower + upper) / 2 otherwise."""
    if not training:
        return F.leaky_relu(input, (lower + upper) / 2, inplace)
    from .. import random

    slopes = random.generator().uniform(lower, upper, tuple(input.shape))
    negative = ops._data(input) < 0
    scale = np.where(negative, slopes, 1.0).astype(ops._data(input).dtype)
    return F._into(lambda x: x * scale, input, inplace)


def rrelu_(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False):
    """``rrelu(..., inplace=True)``."""
    return rrelu(input, lower, upper, training, inplace=True)


def gumbel_softmax(logits, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1):
    """softmax((logits + g) / tau) with g Gumbel noise; ``hard``: the one-hot of its largest
    entry, with the soft sample's gradient (straight through)."""
    from .. import random

    gumbels = -np.log(random.generator().standard_exponential(tuple(logits.shape)))
    soft = ops.softmax((logits + gumbels.astype(ops._data(logits).dtype)) / tau, dim)
    if not hard:
        return soft
    data = ops._data(soft)
    one_hot = np.zeros_like(data)
    np.put_along_axis(one_hot, np.expand_dims(data.argmax(axis=dim), dim), 1.0, axis=dim)
    return soft - soft.detach() + one_hot


class RReLU(_InPlace):
    """``F.rrelu`` as a layer (random slopes in training, their mean in eval)."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__(inplace)
        self.lower, self.upper = lower, upper

    def forward(self, input):
        return rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" * self.inplace)
