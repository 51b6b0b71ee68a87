"""``logcumsumexp`` (a running log-sum-exp along a dim), ``renorm`` (sub-tensors rescaled to a
maximum norm) and ``poisson`` (draws with the given rates), as PyTorch's."""

from __future__ import annotations

import math

import numpy as np

from .. import random
from ..autograd import Op
from .args import axis as _axis
from .args import data
from .math_fns import inplace_method, not_implemented_for, returned
from .registry import functions as _f
from .registry import public


def _running_logsumexp(xp, x, axis: int):
    """log(cumsum(exp(x))) along ``axis``, exact (pairwise logaddexp): the kernel on an
    array, the recorded op on a Tensor."""
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return x.copy()
        with np.errstate(invalid="ignore"):
            return np.logaddexp.accumulate(x, axis=axis)
    return xp.logcumsumexp(x, axis)


@public("logcumsumexp")
class Logcumsumexp(Op):
    """y_i = log(sum_{j <= i} exp(x_j)) along ``dim``;  dx_i = sum_{j >= i} g_j exp(x_i - y_j),
    computed as PyTorch's in the log domain (no overflow: x_i <= y_j), separately for the
    positive and the negative g_j, each a reversed running log-sum-exp of log|g_j| - y_j. The
    other entries are filled with a finite value far enough below every term to add exactly
    nothing (PyTorch fills the dtype's lowest number). NaN where x is -inf and a later y is
    too, as PyTorch's."""

    __slots__ = ("axis",)
    label = "logcumsumexp"

    @staticmethod
    def arguments(input, dim):
        kind = data(input).dtype
        if kind.kind != "f":
            raise not_implemented_for("logcumsumexp_out", kind)
        return (input,), {"axis": _axis(dim, np.ndim(data(input)), "logcumsumexp")}

    def forward(self, x):
        y = _running_logsumexp(self.xp, x, self.axis)
        self.save(x, y)
        return y

    def backward(self, g):
        x, y = self.saved
        if np.ndim(data(x)) == 0:
            return (g,)
        xp, axis = self.xp, self.axis

        def reverse_running(v):
            if isinstance(v, np.ndarray):
                return np.flip(_running_logsumexp(xp, np.flip(v, axis), axis), axis)
            return xp.flip(xp.logcumsumexp(xp.flip(v, (axis,)), axis), (axis,))

        gd, xd = np.asarray(data(g)), np.asarray(data(x))
        magnitude = np.abs(gd[gd != 0])
        finite = xd[np.isfinite(xd)]
        # log|g_j| - y_j >= log(min |g|) - max(x) - log(n): the fill is 800 below that
        fill = ((np.log(magnitude.min()) if magnitude.size else 0.0)
                - (finite.max() if finite.size else 0.0) - math.log(max(xd.shape[axis], 1))
                - 800.0)
        parts = []
        with np.errstate(invalid="ignore", over="ignore"):
            for mask, sign in ((gd > 0, 1), (gd < 0, -1)):  # |g| where g has that sign
                safe = xp.where(mask, g if sign == 1 else -g, 1)
                terms = xp.where(mask, xp.log(safe) - y, fill)
                parts.append(xp.exp(reverse_running(terms) + x))
        return (parts[0] - parts[1],)


@public("renorm")
def renorm(input, p, dim, maxnorm, *, out=None):
    """Each sub-tensor of ``input`` along ``dim`` (``input.select(dim, i)``) whose ``p``-norm
    exceeds ``maxnorm`` scaled to norm ``maxnorm`` (by ``maxnorm / (norm + 1e-7)``, as
    PyTorch); the others unchanged. Gradients flow through the norms."""
    array = data(input)
    if array.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {array.ndim} "
                           f"dimensions (shape {array.shape}).")
    if array.dtype.kind != "f":
        raise RuntimeError(f"renorm: expected a floating point tensor as input, got "
                           f"{array.dtype}; convert it first (x.float()).")
    if not p > 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported (got p={p}).")
    if not maxnorm >= 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}.")
    axis = _axis(dim, array.ndim, "renorm")
    others = tuple(i for i in range(array.ndim) if i != axis)
    norm = _f["norm"](input, math.inf if p == math.inf else p, others, True)
    return returned("renorm", input * RenormFactor.apply(norm, maxnorm=float(maxnorm)), out)


class RenormFactor(Op):
    """f = maxnorm / (n + 1e-7) where n > maxnorm, else 1 (renorm's scale of a sub-tensor of
    norm n);  dn = -g maxnorm / (n + 1e-7)**2 where n > maxnorm, else 0."""

    __slots__ = ("maxnorm",)
    label = "renorm"

    def forward(self, n):
        self.save(n)
        return self.xp.where(n > self.maxnorm, self.maxnorm / (n + 1e-7), 1).astype(n.dtype)

    def backward(self, g):
        (n,) = self.saved
        big = np.asarray(data(n)) > self.maxnorm
        return (self.xp.where(big, -g * self.maxnorm / ((n + 1e-7) * (n + 1e-7)), 0),)


inplace_method("renorm_", "renorm")


class Poisson(Op):
    """out ~ Poisson(rates), drawn in NumPy;  d rates = 0 (PyTorch's gradient)."""

    __slots__ = ("generator",)
    label = "poisson"

    def forward(self, rates):
        draws = random.generator(self.generator).poisson(rates)
        return draws.astype(rates.dtype)

    def backward(self, g):
        return (g * 0,)


@public("poisson", method=False)
def poisson(input, generator=None):
    """A tensor of draws from the Poisson distributions of rates ``input`` (>= 0), in its
    dtype, from ``generator`` or the library's generator (``tg.manual_seed`` repeats them).
    The result has a zero gradient, as PyTorch's."""
    rates = data(input)
    if rates.dtype.kind != "f":
        raise not_implemented_for("poisson", rates.dtype)
    if not np.all(rates >= 0):  # NaN fails too
        raise RuntimeError("poisson: invalid Poisson rate, expected rate to be non-negative "
                           "(got a negative or NaN rate).")
    return Poisson.apply(input, generator=generator)

