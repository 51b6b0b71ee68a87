"""Elementwise maths PyTorch has beyond ``trig.py`` and ``explog.py``: the inverse hyperbolic
functions ``asinh``, ``acosh``, ``atanh`` (and NumPy's ``arcsinh``...), ``sinc``, ``sgn``,
``frac``, ``positive`` and ``frexp``; and the helper that declares their in-place methods
(``x.asinh_()``), which go through ``Tensor._elementwise_`` (inplace_math.py).

Integer and bool inputs of the float functions are computed in the default float dtype, as
PyTorch does. Gradients are PyTorch's, also where the function is not differentiable:
asinh'(inf) = 0, acosh'(1) = inf, atanh'(+-1) = inf, sinc'(0) = 0, sgn' = frac' - 1 = 0.
"""

from __future__ import annotations

import math

import numpy as np

from .. import autograd
from ..autograd.node import new_tensor
from ..return_types import frexp as _frexp_type
from .args import data
from .explog import FloatUnary
from .outarg import write_out
from .registry import functions as _f
from .registry import methods, public


def inplace_method(what: str, name: str, doc: str | None = None, *, input_last=False):
    """Declare the Tensor method ``what`` (``asinh_``): self = tg.<name>(self, ...) in place."""

    def method(self, *args, **kwargs):
        return self._elementwise_(what, name, *args, input_last=input_last, **kwargs)

    method.__name__ = method.__qualname__ = what
    method.__doc__ = doc or f"``tg.{name}`` of self (and the arguments), in place; returns self."
    methods[what] = method
    return method


def returned(name: str, result, out):
    """``result``, or written into ``out=`` (the composed functions' ``out``)."""
    return result if out is None else write_out(name, out, result)


def require_tensor(op: str, value, position: int, argument: str) -> None:
    """PyTorch's TypeError for a number where its signature takes only a Tensor."""
    if not isinstance(value, (autograd.Tensor, np.ndarray)):
        raise TypeError(f"{op}(): argument '{argument}' (position {position}) must be Tensor, "
                        f"not {type(value).__name__}; wrap it with tg.tensor(...).")


def not_implemented_for(op: str, dtype) -> NotImplementedError:
    names = {"b": "Bool", "f": "Float", "i": "Long", "u": "Byte"}
    return NotImplementedError(f'"{op}_cpu" not implemented for '
                               f"'{names.get(np.dtype(dtype).kind, str(dtype))}' (got dtype "
                               f"{np.dtype(dtype)}); convert the tensor first.")


# -- inverse hyperbolic functions --------------------------------------------------------

@public("asinh", "arcsinh", ufunc="arcsinh")
class Asinh(FloatUnary):
    """y = asinh(x);  dx = g / sqrt(x**2 + 1) (0 at +-inf)."""

    __slots__ = ()
    label = "asinh"

    def forward(self, x):
        self.save(x)
        return self.xp.arcsinh(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / self.xp.sqrt(x * x + 1),)


@public("acosh", "arccosh", ufunc="arccosh")
class Acosh(FloatUnary):
    """y = acosh(x) (NaN below 1);  dx = g / sqrt(x**2 - 1) (inf at 1, NaN below)."""

    __slots__ = ()
    label = "acosh"

    def forward(self, x):
        self.save(x)
        with np.errstate(invalid="ignore"):
            return self.xp.arccosh(x)

    def backward(self, g):
        (x,) = self.saved
        with np.errstate(divide="ignore", invalid="ignore"):
            return (g / self.xp.sqrt(x * x - 1),)


@public("atanh", "arctanh", ufunc="arctanh")
class Atanh(FloatUnary):
    """y = atanh(x) (+-inf at +-1, NaN outside [-1, 1]);  dx = g / (1 - x**2)."""

    __slots__ = ()
    label = "atanh"

    def forward(self, x):
        self.save(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.xp.arctanh(x)

    def backward(self, g):
        (x,) = self.saved
        with np.errstate(divide="ignore"):
            return (g / (1 - x * x),)


for _name in ("asinh", "acosh", "atanh"):
    for _alias in (_name, "arc" + _name[1:]):
        inplace_method(_alias + "_", _name)


@public("sinc")
class Sinc(FloatUnary):
    """y = sin(pi x) / (pi x), 1 at 0;  dx = g (pi x cos(pi x) - sin(pi x)) / (pi x**2),
    0 at x = 0 (PyTorch's choice)."""

    __slots__ = ()
    label = "sinc"

    def forward(self, x):
        self.save(x)
        with np.errstate(invalid="ignore"):
            return self.xp.sinc(x)

    def backward(self, g):
        (x,) = self.saved
        xp = self.xp
        zero = data(x) == 0
        safe = xp.where(zero, 1.0, x) if zero.any() else x
        px = safe * math.pi
        d = (px * xp.cos(px) - xp.sin(px)) / (px * safe)
        return (g * (xp.where(zero, 0.0, d) if zero.any() else d),)


inplace_method("sinc_", "sinc")


# -- sign-like --------------------------------------------------------------------------

@public("sgn")
def sgn(input, *, out=None):
    """The sign of each element, as ``tg.sign`` for real tensors (-1, 0 or 1; NaN stays NaN;
    bools stay bools); its gradient is zero."""
    return returned("sgn", _f["sign"](input), out)


inplace_method("sgn_", "sgn")


@public("frac")
def frac(input, *, out=None):
    """The fractional part ``x - trunc(x)`` (the sign of x; NaN at +-inf) of a floating tensor;
    its gradient is 1. Integer tensors are refused, as PyTorch."""
    kind = data(input).dtype
    if kind.kind != "f":
        raise not_implemented_for("frac", kind)
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as PyTorch's
        return returned("frac", input - _f["trunc"](input), out)


inplace_method("frac_", "frac")


@public("positive", ufunc="positive")
def positive(input):
    """``input`` itself (``+x``); bool tensors are refused, as PyTorch."""
    if data(input).dtype == np.bool_:
        raise RuntimeError("positive: The `+` operator, on a bool tensor is not supported; "
                           "convert it first (x.int()).")
    return input


class FrexpMantissa(FloatUnary):
    """m = x / 2**e with 0.5 <= |m| < 1 (x = 0, inf, NaN: itself, e = 0);  dx = g / 2**e."""

    __slots__ = ("exponent",)
    label = "frexp"

    def forward(self, x):
        mantissa, self.exponent = np.frexp(x)
        return mantissa

    def backward(self, g):
        with np.errstate(over="ignore"):  # subnormal x: inf, as PyTorch's g / 2**e
            return (g / np.exp2(self.exponent.astype(np.float64)).astype(data(g).dtype),)


@public("frexp")
def frexp(input, *, out=None):
    """``(mantissa, exponent)`` (``tinygraph.return_types.frexp``) with ``input = mantissa *
    2**exponent``, 0.5 <= |mantissa| < 1 and an int32 exponent (0 for 0, inf and NaN).
    The mantissa's gradient is ``g / 2**exponent``, as PyTorch's."""
    kind = data(input).dtype
    if kind.kind != "f":
        raise RuntimeError(f"torch.frexp() only supports floating-point dtypes (got {kind}); "
                           "convert the tensor first (x.float()).")
    node = FrexpMantissa.apply(input)
    exponent = _exponent_of(data(input))
    if out is None:
        return _frexp_type(node, new_tensor(exponent, None))
    mantissa_out, exponent_out = out
    write_out("frexp", mantissa_out, node)
    write_out("frexp", exponent_out, new_tensor(exponent, None))
    return _frexp_type(mantissa_out, exponent_out)


def _exponent_of(array: np.ndarray) -> np.ndarray:
    exponent = np.frexp(array)[1]
    return np.asarray(exponent, dtype=np.int32)
