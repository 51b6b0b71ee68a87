"""Norms and logical reductions: ``norm`` (p = 2, 'fro', 1, inf, -inf, 0 or any number),
``all`` and ``any`` (boolean results, no gradient)."""

from __future__ import annotations

import math

import numpy as np

from ..autograd.node import new_tensor
from ..backend import namespace_of
from ..dtypes import as_dtype
from .args import data, dims
from .linalg_functions import singular_value_norm
from .reduce import _Reduction
from .registry import functions, public


class Norm(_Reduction):
    """y = sqrt(sum(x**2, axis));  dx = g * x / y (0 where y == 0, as PyTorch)."""

    __slots__ = ()
    label = "norm"

    def forward(self, x):
        xp = self.xp
        self.in_shape = x.shape
        y = xp.sqrt(xp.sum(x * x, axis=self.axis, keepdims=self.keepdims))
        self.save(x, y)
        return y

    def backward(self, g):
        x, y = self.saved
        xp = self.xp
        y = self._expand(y)
        # where y == 0 the whole slice is 0, so x / 1 gives PyTorch's zero gradient
        return (self._expand(g) * x / xp.where(data(y) == 0, 1, y),)


class PNorm(_Reduction):
    """y = sum(|x|**p)**(1/p);  dx = g * sign(x) |x|**(p-1) / y**(p-1), 0 where y == 0 and,
    for p < 1, where x == 0 (PyTorch's norm backward)."""

    __slots__ = ("p",)
    label = "norm"

    def forward(self, x):
        xp = self.xp
        self.in_shape = x.shape
        with np.errstate(divide="ignore"):  # a negative p at a zero: inf, as PyTorch
            powered = xp.abs(x) ** self.p
        y = xp.sum(powered, axis=self.axis, keepdims=self.keepdims) ** (1 / self.p)
        self.save(x, y)
        return y

    def backward(self, g):
        x, y = self.saved
        xp, p = self.xp, self.p
        g, y = self._expand(g), self._expand(y)
        if p < 1:  # |x|**(p-1) is infinite at 0, where PyTorch takes 0
            at_zero = data(x) == 0
            scaled = xp.where(at_zero, 0, xp.abs(xp.where(at_zero, 1, x)) ** (p - 1))
            return (xp.sign(x) * scaled * g * y ** (1 - p),)
        flat = data(y) == 0  # an all-zero slice: no direction, zero gradient
        scale = xp.where(flat, 0, g / xp.where(flat, 1, y) ** (p - 1))
        return (xp.sign(x) * xp.abs(x) ** (p - 1) * scale,)


@public("norm")
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector norm of ``input`` over ``dim`` (every dim when None), as ``torch.norm``:
    ``p=2`` or ``'fro'`` (the default) sqrt(sum(x**2)), ``1`` sum(|x|), ``inf`` max(|x|),
    ``-inf`` min(|x|), ``0`` the count of nonzeros, any other number
    sum(|x|**p)**(1/p)."""
    array = data(input)
    if array.dtype.kind != "f":
        raise RuntimeError(f"norm: needs a floating-point tensor, got {array.dtype} (as "
                           "PyTorch); convert first, e.g. x.float().norm().")
    if dtype is not None:
        input = functions["astype"](input, as_dtype(dtype, "norm"))
    if p in ("fro", 2):
        return Norm.apply(input, axis=dims(dim, array.ndim, "norm"), keepdims=keepdim)
    if p == "nuc":  # a matrix norm: of the last two dims, or of the two in ``dim``
        axes = (-2, -1) if dim is None else tuple(dim)
        if array.ndim < 2 or len(axes) != 2:
            raise RuntimeError(f"norm: p='nuc' is a matrix norm: it needs two dims, got "
                               f"dim={dim} for a tensor of shape {tuple(array.shape)}.")
        d0, d1 = (a % array.ndim for a in axes)
        return singular_value_norm(input, "nuc", d0, d1, keepdim)
    if isinstance(p, str):
        raise ValueError(f"norm: p={p!r} is not supported; use p=2 ('fro'), 'nuc', 1, inf, "
                         "-inf, 0 or another number.")
    magnitude = functions["abs"](input)
    if p == math.inf:
        return functions["amax"](magnitude, dim, keepdim)
    if p == -math.inf:
        return functions["amin"](magnitude, dim, keepdim)
    if p == 0:  # the count of nonzeros; differentiable, with a zero gradient, as PyTorch
        count = (data(magnitude) != 0).astype(array.dtype)
        nothing = np.zeros(array.shape, bool)
        return functions["sum"](functions["where"](nothing, magnitude, count), dim, keepdim)
    if p == 1:
        return functions["sum"](magnitude, dim, keepdim)
    return PNorm.apply(input, axis=dims(dim, array.ndim, "norm"), keepdims=keepdim, p=float(p))


def _logical(which: str, input, dim, keepdim):
    array = data(input)
    axes = dims(dim, array.ndim, which, empty_is_all=False)
    xp = namespace_of(array)
    result = xp.asarray(getattr(xp, which)(array, axis=axes, keepdims=bool(keepdim)))
    # PyTorch answers uint8 for uint8 input, bool for every other dtype
    return new_tensor(result.astype(xp.uint8) if array.dtype == xp.uint8 else result, None)


@public("all")
def all(input, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    """Whether every element (along ``dim``) is nonzero: a bool tensor, no gradient."""
    return _logical("all", input, dim, keepdim)


@public("any")
def any(input, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    """Whether some element (along ``dim``) is nonzero: a bool tensor, no gradient."""
    return _logical("any", input, dim, keepdim)
