"""The gamma-family ops and erfinv: ``lgamma``, ``digamma``, ``polygamma``, ``erfinv``, and
``mvlgamma`` composed from lgamma.

Their values come from the vectorised float64 kernels of ``gamma_kernels.py`` (PyTorch's
algorithms, so PyTorch's values at poles and edges). Each gradient is the next function of
the family (lgamma' = digamma, digamma' = polygamma(1, .), polygamma(n, .)' =
polygamma(n + 1, .)), computed by the kernel on arrays and by the recorded op under
``create_graph``, so derivatives of every order are available.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from . import gamma_kernels, igamma_kernels
from .args import data
from .explog import FloatUnary
from .registry import functions, methods, public

_HALF_SQRT_PI = math.sqrt(math.pi) / 2


def _polygamma_of(xp, n: int, x):
    """polygamma(n, x): the kernel on an array, the recorded op on a Tensor (create_graph)."""
    if isinstance(x, np.ndarray):
        return gamma_kernels.polygamma(n, x).astype(x.dtype, copy=False)
    return xp.polygamma(n, x)


@public("lgamma")
class Lgamma(FloatUnary):
    """y = log |Gamma(x)| (inf at 0 and the negative integers);  dx = g * digamma(x)."""

    __slots__ = ()
    label = "lgamma"

    def forward(self, x):
        self.save(x)
        return gamma_kernels.lgamma(x).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved
        return (g * _polygamma_of(self.xp, 0, x),)


@public("digamma")
class Digamma(FloatUnary):
    """y = psi(x) = d/dx lgamma(x) (digamma(0) = -inf, NaN at the negative integers, as
    PyTorch);  dx = g * polygamma(1, x)."""

    __slots__ = ()
    label = "digamma"

    def forward(self, x):
        self.save(x)
        return gamma_kernels.digamma(x).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved
        return (g * _polygamma_of(self.xp, 1, x),)


@public("polygamma", method=False)
class Polygamma(FloatUnary):
    """y = psi^(n)(x), the n-th derivative of digamma (n >= 0; polygamma(0, x) = digamma(x));
    dx = g * polygamma(n + 1, x)."""

    __slots__ = ("n",)
    label = "polygamma"

    @staticmethod
    def arguments(n, input):
        try:
            n = operator.index(n)
        except TypeError:
            raise TypeError(f"polygamma(n, input): n must be an int, not "
                            f"{type(n).__name__}.") from None
        if n < 0:
            raise RuntimeError(f"polygamma(n, x) does not support negative n (got n={n}).")
        return (input,), {"n": n}

    def forward(self, x):
        self.save(x)
        return gamma_kernels.polygamma(self.n, x).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved
        return (g * _polygamma_of(self.xp, self.n + 1, x),)


def _polygamma_method(self, n):
    """``x.polygamma(n)``: ``torch.polygamma(n, x)``."""
    return functions["polygamma"](n, self)


methods["polygamma"] = _polygamma_method


@public("mvlgamma")
def mvlgamma(input, p):
    """The multivariate log-gamma function of dimension ``p`` (``torch.special.
    multigammaln``): ``log(pi) p (p - 1) / 4 + sum_{i=1..p} lgamma(input - (i - 1) / 2)``."""
    try:
        p = operator.index(p)
    except TypeError:
        raise TypeError(f"mvlgamma(): argument 'p' must be int, not {type(p).__name__}.") from None
    if p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1 (got p={p}).")
    result = functions["lgamma"](input)
    for i in range(1, p):
        result = result + functions["lgamma"](input - i / 2)
    return result + math.log(math.pi) * p * (p - 1) / 4


@public("erfinv")
class Erfinv(FloatUnary):
    """y = erfinv(x), erf(y) = x (+-inf at +-1, NaN outside [-1, 1]);
    dx = g * sqrt(pi)/2 * exp(y^2)."""

    __slots__ = ()
    label = "erfinv"

    def forward(self, x):
        y = gamma_kernels.erfinv(x).astype(x.dtype, copy=False)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return (g * self.xp.exp(y * y) * _HALF_SQRT_PI,)


def _lgamma_of(xp, a):
    """lgamma(a): the kernel on an array, the recorded op on a Tensor (create_graph)."""
    if isinstance(a, np.ndarray):
        return gamma_kernels.lgamma(a).astype(a.dtype, copy=False)
    return xp.lgamma(a)


def _igamma_arguments(name):
    def arguments(input, other):
        from ..autograd import Tensor

        for position, (arg, value) in enumerate((("input", input), ("other", other)), 1):
            if not isinstance(value, Tensor):
                raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be "
                                f"Tensor, not {type(value).__name__}.")
        kinds = (data(input).dtype, data(other).dtype)
        if kinds[0].kind == "f" or kinds[1].kind == "f":
            return (input, other), {}
        raise NotImplementedError(f'"{name}" not implemented for {kinds[0]} and {kinds[1]} '
                                  "tensors; convert one with .double() first.")
    return staticmethod(arguments)


class _Igamma(FloatUnary):
    """The regularised incomplete gamma functions of (a, x): their gradient in x;
    PyTorch does not implement the one in a, and neither does tinygraph. (PyTorch refuses
    only when a's gradient is asked for; tinygraph's backward refuses whenever a requires
    grad, even under ``autograd.grad(y, x)``: detach a.)"""

    __slots__ = ()
    sign = 1.0

    def forward(self, a, x):
        self.save(a, x)
        kernel = igamma_kernels.igammac if self.sign < 0 else igamma_kernels.igamma
        return kernel(a, x).astype(np.result_type(a, x), copy=False)

    def backward(self, g):
        a, x = self.saved
        if self.needs_grad[0]:
            raise NotImplementedError(f"the derivative for '{self.label}: input' is not "
                                      "implemented (in PyTorch either); detach the first "
                                      "argument (a) or differentiate in x only.")
        xp = self.xp
        with np.errstate(all="ignore"):
            density = xp.exp((a - 1) * xp.log(x) - x - _lgamma_of(xp, a))
        return None, (g * density if self.sign > 0 else -(g * density))


@public("igamma")
class Igamma(_Igamma):
    """y = P(a, x) = gamma(a, x) / Gamma(a), the regularised lower incomplete gamma function
    (``torch.igamma(input=a, other=x)``);  dx = g * x^(a-1) e^-x / Gamma(a), da: not
    implemented (NotImplementedError at backward, as PyTorch)."""

    __slots__ = ()
    label = "igamma"
    arguments = _igamma_arguments("igamma")


@public("igammac")
class Igammac(_Igamma):
    """y = Q(a, x) = 1 - P(a, x), the regularised upper incomplete gamma function;
    dx = -g * x^(a-1) e^-x / Gamma(a), da: not implemented (as PyTorch)."""

    __slots__ = ()
    label = "igammac"
    sign = -1.0
    arguments = _igamma_arguments("igammac")
