"""Weight initializers with ``torch.nn.init``'s names, signatures, fans and gains.

Each fills a Tensor in place (under no-grad, so parameters can be initialised) and returns it.
Draws come from the library's seeded generator (``tg.manual_seed``) or from ``generator=`` (a
``numpy.random.Generator``); being NumPy's, they are not PyTorch's numbers, but they follow the
same distributions and bounds.

For a weight of shape (out_features, in_features, *kernel): ``fan_in = in_features * prod(kernel)``
and ``fan_out = out_features * prod(kernel)``.

- Xavier (Glorot): ``std = gain * sqrt(2 / (fan_in + fan_out))``; uniform on
  ``[-sqrt(3) std, sqrt(3) std]`` or normal.
- Kaiming (He): ``std = gain / sqrt(fan)``, ``fan`` chosen by ``mode``; the default
  (``a=0``, ``nonlinearity="leaky_relu"``) has gain sqrt(2): variance ``2 / fan_in``.

The seeds' ``he_uniform``, ``he_normal``, ``glorot_uniform`` and ``glorot_normal`` (used by
``Dense``) also accept a shape and then return a new array of the default dtype.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import random
from ..autograd import no_grad
from ..names import missing_name
from ..tensor import Tensor, get_default_dtype
from .parameter import overwrite

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "zeros_", "ones_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
    "eye_", "dirac_", "sparse_",
    "he_uniform", "he_normal", "glorot_uniform", "glorot_normal", "fans",
]

_LINEAR_GAIN = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for ``nonlinearity``: 1 for linear/conv/sigmoid, 5/3 for tanh,
    sqrt(2) for relu, sqrt(2 / (1 + slope**2)) for leaky_relu (slope ``param``, default
    0.01), 3/4 for selu."""
    if nonlinearity in _LINEAR_GAIN:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number.")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; valid ones are "
                     f"{', '.join(_LINEAR_GAIN)}, tanh, relu, leaky_relu, selu.")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(f"Fan in and fan out can not be computed for a tensor with fewer than 2 "
                         f"dimensions (shape {shape}).")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode!r} not supported, please use one of fan_in, fan_out.")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, values, what: str) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init.{what}: expected a Tensor to fill in place, got "
                        f"{type(tensor).__name__}.")
    with no_grad():
        return overwrite(tensor, values)


def _draw(generator):
    return random.generator() if generator is None else generator


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with draws from U(a, b)."""
    return _fill(tensor, _draw(generator).uniform(a, b, tensor.shape), "uniform_")


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with draws from N(mean, std**2)."""
    return _fill(tensor, _draw(generator).normal(mean, std, tensor.shape), "normal_")


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator=None) -> Tensor:
    """Fill with draws from N(mean, std**2) truncated to [a, b] (absolute bounds, as torch's:
    not in units of ``std``), redrawing the values that fall outside."""
    draw = _draw(generator)
    values = draw.normal(mean, std, tensor.shape)
    for _ in range(100):  # far in a tail, the few left after 100 rounds are clipped
        outside = (values < a) | (values > b)
        if not outside.any():
            break
        values[outside] = draw.normal(mean, std, int(outside.sum()))
    return _fill(tensor, np.clip(values, a, b), "trunc_normal_")


def constant_(tensor: Tensor, val: float) -> Tensor:
    return _fill(tensor, val, "constant_")


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 0, "zeros_")


def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 1, "ones_")


def _empty(tensor: Tensor) -> bool:
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """U(-b, b) with b = gain * sqrt(3 / fan) (He et al., 2015); ``a`` is the leaky_relu slope."""
    if _empty(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """N(0, std**2) with std = gain / sqrt(fan)."""
    if _empty(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain`` (Saxe et al., 2013): the Q of the QR
    decomposition of a normal draw, its signs fixed by R's diagonal so the draw is uniform.
    Tensors of more than 2 dimensions are flattened to (shape[0], rest)."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, "
                         f"got shape {tuple(tensor.shape)}.")
    if tensor._data.size == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor._data.size // rows
    flat = _draw(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape), "orthogonal_")


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (ones on the main diagonal) of a 2-D tensor, keeping its dtype;
    a Linear weight so initialised passes its input through."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape "
                         f"{tuple(tensor.shape)}.")
    return _fill(tensor, np.eye(*tensor.shape), "eye_")


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """The Dirac delta of a 3-, 4- or 5-d convolution weight: within each of ``groups`` blocks
    of output channels, channel d keeps input channel d by a one at the kernel's centre
    (index size // 2 along each kernel dim); everything else zero."""
    shape = tuple(tensor.shape)
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, got "
                         f"shape {shape}.")
    if shape[0] % groups != 0:
        raise ValueError(f"dirac_: dim 0 must be divisible by groups, got {shape[0]} output "
                         f"channels and groups={groups}.")
    per_group = shape[0] // groups
    keep = np.arange(min(per_group, shape[1]))
    rows = (np.arange(groups)[:, None] * per_group + keep).ravel()
    values = np.zeros(shape)
    values[(rows, np.tile(keep, groups)) + tuple(k // 2 for k in shape[2:])] = 1
    return _fill(tensor, values, "dirac_")


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """A 2-D tensor drawn from N(0, std**2) with ceil(sparsity * rows) entries of every column,
    at random rows, set to zero (Martens, 2010)."""
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: only tensors with 2 dimensions are supported, got shape "
                         f"{tuple(tensor.shape)}.")
    rows, cols = tensor.shape
    draw = _draw(generator)
    values = draw.normal(0.0, std, (rows, cols))
    zeros = math.ceil(sparsity * rows)
    order = np.argsort(draw.random((rows, cols)), axis=0)[:zeros]  # random rows per column
    values[order, np.arange(cols)] = 0
    return _fill(tensor, values, "sparse_")


def _deprecated(new):
    """torch's old spellings without the trailing underscore: they warn and call the new."""
    old = new.__name__[:-1]

    def alias(*args, **kwargs):
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new.__name__}`.",
                      FutureWarning, stacklevel=2)
        return new(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old
    alias.__doc__ = f"Deprecated spelling of ``{new.__name__}``."
    return alias


for _new in (uniform_, normal_, constant_, eye_, dirac_, xavier_uniform_, xavier_normal_,
             kaiming_uniform_, kaiming_normal_, orthogonal_, sparse_):
    globals()[_new.__name__[:-1]] = _deprecated(_new)
del _new


# -- the seeds' initializers (Dense) -----------------------------------------------------


def fans(shape: tuple) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight: (out, in, *kernel) as in PyTorch; 1-D: both = n."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _sample(target, low_or_mean: float, scale: float, uniform: bool):
    """Fill the Tensor ``target``, or return a new array when ``target`` is a shape."""
    shape = _shape_of(target)
    draw = random.generator()
    values = (draw.uniform(-scale, scale, shape) if uniform
              else draw.normal(low_or_mean, scale, shape))
    if not isinstance(target, Tensor):
        return np.asarray(values, dtype=get_default_dtype())
    return _fill(target, values, "init")


def he_uniform(tensor):
    """He uniform: U(-a, a), a = sqrt(6 / fan_in), so the variance is 2 / fan_in."""
    fan_in, _ = fans(_shape_of(tensor))
    return _sample(tensor, 0.0, math.sqrt(6.0 / fan_in), uniform=True)


def he_normal(tensor):
    """He normal: N(0, 2 / fan_in)."""
    fan_in, _ = fans(_shape_of(tensor))
    return _sample(tensor, 0.0, math.sqrt(2.0 / fan_in), uniform=False)


def glorot_uniform(tensor):
    """Glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)); variance 2 / (in + out)."""
    fan_in, fan_out = fans(_shape_of(tensor))
    return _sample(tensor, 0.0, math.sqrt(6.0 / (fan_in + fan_out)), uniform=True)


def glorot_normal(tensor):
    """Glorot normal: N(0, 2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(_shape_of(tensor))
    return _sample(tensor, 0.0, math.sqrt(2.0 / (fan_in + fan_out)), uniform=False)


def _shape_of(target) -> tuple:
    if isinstance(target, Tensor):
        return tuple(target.shape)
    return (target,) if isinstance(target, int) else tuple(target)


__getattr__ = missing_name(__name__, globals())
