"""Random tensor factories, with PyTorch's signatures and dtypes, all drawing from the library's
one generator (random.py): after ``tg.manual_seed(n)`` every draw repeats.

``rand``, ``randn``, ``rand_like``, ``randn_like`` and ``normal`` give floats (the default float
dtype unless given); ``randint`` and ``randperm`` give int64 unless given.
"""

from __future__ import annotations

import numpy as np

from . import random
from .dtypes import as_dtype
from .errors import ArgumentError, DtypeError
from .factories import float_dtype, like_input, make, shape_of
from .ops.args import size_args
from .tensor import Tensor


def rand(*sizes, size=None, generator=None, dtype=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1): ``tg.rand(2, 3)``."""
    return _draw("rand", shape_of(sizes, size, "rand"), dtype, device, requires_grad, generator)


def randn(*sizes, size=None, generator=None, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples: ``tg.randn(2, 3)``."""
    return _draw("randn", shape_of(sizes, size, "randn"), dtype, device, requires_grad,
                 generator)


def rand_like(input, *, dtype=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    """Uniform samples in [0, 1) shaped like ``input`` (and of its dtype unless given)."""
    shape, dtype = like_input(input, dtype, "rand_like", memory_format)
    return _draw("rand_like", shape, dtype, device, requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """Standard normal samples shaped like ``input`` (and of its dtype unless given)."""
    shape, dtype = like_input(input, dtype, "randn_like", memory_format)
    return _draw("randn_like", shape, dtype, device, requires_grad)


def _draw(what: str, shape: tuple, dtype, device, requires_grad: bool,
          source=None) -> Tensor:
    """Uniform (``rand*``) or standard normal (``randn*``) samples, drawn in float64 from
    ``source`` (a ``tg.Generator``) or the library's generator."""
    dtype = _float(float_dtype(dtype, what), what)
    generator = random.generator(source)
    sample = generator.standard_normal(shape) if what.startswith("randn") else generator.random(
        shape)
    return make(sample.astype(dtype), requires_grad, device, what)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high): ``tg.randint(10, (3,))``,
    ``tg.randint(1, 7, (2, 2))``. int64 unless ``dtype`` says otherwise."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if size is None:
        raise TypeError("randint: missing the size, e.g. tg.randint(10, (3,)).")
    for name, bound in (("low", low), ("high", high)):
        if isinstance(bound, (bool, np.bool_)) or not isinstance(bound, (int, np.integer)):
            raise TypeError(f"randint: {name} must be an int, got {bound!r}.")
    if low >= high:
        raise ArgumentError(f"randint: low must be less than high, got low={low}, high={high}.")
    shape = size_args((size,), "randint")
    dtype = np.dtype(np.int64) if dtype is None else as_dtype(dtype, "randint")
    sample = random.generator(generator).integers(low, high, shape)
    return make(sample.astype(dtype), requires_grad, device, "randint")


def randperm(n: int, *, generator=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype``)."""
    (n,) = size_args((n,), "randperm")
    dtype = np.dtype(np.int64) if dtype is None else as_dtype(dtype, "randperm")
    return make(random.generator(generator).permutation(n).astype(dtype), requires_grad, device,
                "randperm")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Normal samples: ``tg.normal(0.0, 1.0, (2, 3))``, or one per element of tensor ``mean``
    and/or ``std`` (broadcast), in their dtype. No gradient flows to ``mean`` or ``std``."""
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if tensors:
        if size is not None:
            raise TypeError("normal: give size only when mean and std are numbers; with a "
                            "tensor mean or std the shape is theirs.")
        means, stds = (v._data if isinstance(v, Tensor) else v for v in (mean, std))
        shape = np.broadcast_shapes(*(t.shape for t in tensors))
        found = np.result_type(*(t.dtype for t in tensors))
        dtype = _float(found if dtype is None else as_dtype(dtype, "normal"), "normal")
    else:
        if size is None:
            raise TypeError("normal: with a number mean and std, give the size, e.g. "
                            "tg.normal(0.0, 1.0, (2, 3)).")
        means, stds, shape = mean, std, size_args((size,), "normal")
        dtype = _float(float_dtype(dtype, "normal"), "normal")
    if np.any(np.asarray(stds) < 0):
        raise ArgumentError("normal: std must be >= 0.")
    sample = means + stds * random.generator(generator).standard_normal(shape)
    return make(np.asarray(sample).astype(dtype), requires_grad, device, "normal")


def _float(dtype: np.dtype, what: str) -> np.dtype:
    if dtype.kind != "f":
        raise DtypeError(f"{what}: draws floats, but dtype is {dtype}; use tg.randint for "
                         "integers, or a floating dtype.")
    return dtype





def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad: bool = False, memory_format=None) -> Tensor:
    """Integers drawn uniformly from [low, high) shaped like ``input`` (and of its dtype
    unless ``dtype``): ``tg.randint_like(x, 10)``, ``tg.randint_like(x, 1, 7)``."""
    if high is None:  # randint_like(input, high)
        low, high = 0, low
    shape, dtype = like_input(input, dtype, "randint_like", memory_format)
    for name, bound in (("low", low), ("high", high)):
        if isinstance(bound, (bool, np.bool_)) or not isinstance(bound, (int, np.integer)):
            raise TypeError(f"randint_like: {name} must be an int, got {bound!r}.")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}.")
    sample = random.generator(generator).integers(low, high, shape)
    return make(sample.astype(dtype), requires_grad, device, "randint_like")
