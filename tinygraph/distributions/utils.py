"""Helpers shared by the distributions, as ``torch.distributions.utils``: broadcasting the
parameters, converting probabilities and logits, and the lazily computed parameter."""

from __future__ import annotations

from numbers import Number

from .. import random_factories
from ..autograd import enable_grad
from ..creation import get_default_dtype
from ..ops.arrange import broadcast_tensors
from ..runtime import finfo
from ..size import Size
from ..tensor import Tensor, tensor

__all__ = ["batch_shape_of", "broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs",
           "probs_to_logits"]


def broadcast_all(*values):
    """The values as Tensors of one broadcast shape (``expand``, so gradients flow back):
    numbers become Tensors of the first Tensor's dtype, or of the default dtype."""
    if not all(isinstance(v, (Tensor, Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    first = next((v for v in values if isinstance(v, Tensor)), None)
    dtype = get_default_dtype() if first is None else first.dtype
    values = [v if isinstance(v, Tensor) else tensor(v, dtype=dtype) for v in values]
    return broadcast_tensors(*values)


def standard_normal(shape, dtype) -> Tensor:
    """Standard normal draws from tinygraph's generator (``tg.manual_seed``)."""
    return random_factories.randn(tuple(shape), dtype=dtype)


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """``value`` summed over its ``dim`` rightmost dims."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """``probs`` clamped into ``[eps, 1 - eps]`` of their dtype (so their logs are finite)."""
    eps = finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Log-probabilities, or for ``is_binary`` the log-odds, of ``probs``."""
    clamped = clamp_probs(probs)
    if is_binary:
        return clamped.log() - (-clamped).log1p()
    return clamped.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from logits: a sigmoid for ``is_binary``, else a softmax over the last
    dim."""
    if is_binary:
        return logits.sigmoid()
    return logits.softmax(dim=-1)


class lazy_property:
    """A parameter computed from another on first access (``Categorical(logits=...).probs``),
    then stored on the instance; always recorded for autograd, as torch's."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def batch_shape_of(params, tensor: Tensor) -> Size:
    """A distribution's batch shape: () when every parameter was given as a number, else the
    broadcast parameters' shape."""
    if all(isinstance(p, Number) for p in params):
        return Size()
    return Size(tensor.shape)


def one_of(probs, logits) -> None:
    """Refuse both or neither of ``probs`` and ``logits``."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


def set_probs_or_logits(dist, probs, logits) -> Size:
    """Store whichever of ``probs``/``logits`` was given (exactly one, broadcast to a tensor) on
    ``dist`` (also as ``dist._param``); returns the batch shape it gives (``()`` for a number).
    The other one is a lazy property of the distribution's class."""
    one_of(probs, logits)
    given = probs if probs is not None else logits
    (param,) = broadcast_all(given)
    setattr(dist, "probs" if probs is not None else "logits", param)
    dist._param = param
    return Size() if isinstance(given, Number) else param.size()


def enumerate_values(values: Tensor, batch_shape, expand: bool) -> Tensor:
    """``values`` along dim 0, with a singleton (or, expanded, full) batch after it."""
    values = values.view((-1,) + (1,) * len(batch_shape))
    return values.expand((-1,) + tuple(batch_shape)) if expand else values
