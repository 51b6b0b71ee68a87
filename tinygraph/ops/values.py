"""Value tests and draws without gradient, as PyTorch: ``signbit``, ``isposinf``,
``isneginf``, ``heaviside`` (a step), ``is_nonzero`` (one Python bool) and ``bernoulli``
(0/1 draws from the library's one generator: ``tg.manual_seed`` repeats them).

    >>> tg.signbit(tg.tensor([-0.0, 1.0]))
    tensor([ True, False])
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import random
from ..autograd.node import new_tensor
from .args import data
from .registry import public
from .selection import _array


@public("signbit")
def signbit(input, *, out=None):
    """Whether each element's sign bit is set (bool): True for negatives and -0.0."""
    array = _array(input, "signbit")
    result = np.signbit(array) if array.dtype != np.bool_ else np.zeros(array.shape, bool)
    return _maybe_out("signbit", out, new_tensor(np.asarray(result), None))


@public("isposinf")
def isposinf(input, *, out=None):
    """Whether each element is +inf (bool)."""
    array = _array(input, "isposinf")
    return _maybe_out("isposinf", out, new_tensor(np.asarray(np.isposinf(array)), None))


@public("isneginf")
def isneginf(input, *, out=None):
    """Whether each element is -inf (bool)."""
    array = _array(input, "isneginf")
    return _maybe_out("isneginf", out, new_tensor(np.asarray(np.isneginf(array)), None))


@public("heaviside")
def heaviside(input, values, *, out=None):
    """The step function: 0 where ``input < 0`` (and NaN), 1 where ``input > 0``, ``values``
    (broadcast) where ``input == 0``; both tensors of one dtype, which the result keeps."""
    array = _array(input, "heaviside")
    if not hasattr(data(values), "dtype"):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}.")
    other = np.asarray(data(values))
    if other.dtype != array.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different "
                           f"dtypes ({array.dtype} and {other.dtype}); convert one first.")
    result = np.where(array == 0, other, (array > 0).astype(array.dtype)).astype(array.dtype)
    return _maybe_out("heaviside", out, new_tensor(result, None))


@public("is_nonzero")
def is_nonzero(input) -> bool:
    """Whether the one element of ``input`` is not zero (a Python bool)."""
    array = _array(input, "is_nonzero")
    if array.size == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if array.size > 1:
        raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous "
                           f"(shape {tuple(array.shape)}); use .any() or .all().")
    return bool(array.reshape(()))


def draw_bernoulli(probabilities, shape: tuple, op: str, generator=None) -> np.ndarray:
    """0/1 draws (bool array) with the given probabilities (broadcast to ``shape``)."""
    p = np.asarray(probabilities, dtype=np.float64)
    if np.any(~((p >= 0) & (p <= 1))):
        raise RuntimeError(f"{op} expects p to be in [0, 1], but got p outside it (or NaN).")
    return random.generator(generator).random(shape) < p


@public("bernoulli")
def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 draws of ``input``'s shape and dtype: 1 with probability ``input`` elementwise
    (values in [0, 1]), or with probability ``p`` when given."""
    array = _array(input, "bernoulli")
    if p is None:
        if array.dtype.kind != "f":
            raise NotImplementedError(f"bernoulli: the probabilities must be floating point, "
                                      f"got dtype {array.dtype}; pass input.float().")
        probabilities = array
    else:
        if not isinstance(p, numbers.Real) and np.ndim(data(p)) != 0:
            raise TypeError(f"bernoulli(): argument 'p' must be a float, got "
                            f"{type(p).__name__} of shape {tuple(np.shape(data(p)))}.")
        probabilities = float(data(p))
    result = draw_bernoulli(probabilities, array.shape, "bernoulli", generator).astype(array.dtype)
    return _maybe_out("bernoulli", out, new_tensor(result, None))


def _maybe_out(name: str, out, result):
    if out is None:
        return result
    from .outarg import write_out

    return write_out(name, out, result)
