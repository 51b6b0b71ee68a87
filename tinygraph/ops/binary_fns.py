"""Elementwise functions of two tensors PyTorch has beyond ``elementwise.py`` and
``rounding.py``: ``fmod``, ``copysign``, ``float_power``, ``logaddexp2``, ``ldexp``, ``gcd``,
``lcm``, ``nextafter``, ``fmax``, ``fmin``, with their in-place methods.

Dtypes, refusals and gradients are PyTorch's: fmod on integers divides exactly (a zero divisor
raises); copysign, ldexp and logaddexp2 give floats; float_power computes in float64; gcd and
lcm take integers only, nextafter and logaddexp2 floats only. fmax/fmin ignore NaN, and give
the whole gradient to ``input`` on ties.
"""

from __future__ import annotations

import numpy as np

from .. import autograd
from ..autograd import Op
from ..autograd.node import new_tensor
from ..autograd.promotion import result_dtype
from ..creation import get_default_dtype
from .args import data
from .math_fns import inplace_method, not_implemented_for, require_tensor, returned
from .registry import functions as _f
from .registry import methods, public
from .rounding import _check_integer_divisor


def _arrays(*values):
    return [data(v) if isinstance(v, autograd.Tensor) else v for v in values]


def _result_kind(*values) -> np.dtype:
    dtype = result_dtype(_arrays(*values))
    return np.dtype(dtype) if dtype is not None else np.dtype(np.float64)


def _tensor_pair(op: str, allowed: str = "biuf"):
    """PyTorch's ``(Tensor input, Tensor other)`` signature, with the ``allowed`` dtype kinds
    of the promoted operands (others raise as PyTorch's dispatch does)."""

    def arguments(input, other):
        require_tensor(op, input, 1, "input")
        require_tensor(op, other, 2, "other")
        kind = _result_kind(input, other)
        if kind.kind not in allowed:
            raise not_implemented_for(op, kind)
        return (input, other), {}

    return staticmethod(arguments)


@public("fmod", ufunc="fmod")
class Fmod(Op):
    """out = a - b * trunc(a / b) (the sign of a, C's fmod; NaN for a zero float divisor, an
    error for a zero integer one);  da = g, db = -g * trunc(a / b)."""

    __slots__ = ()
    label = "fmod"
    promotes = True

    @staticmethod
    def arguments(input, other):
        require_tensor("fmod", input, 1, "input")
        kind = _result_kind(input, other)
        if kind.kind == "b":
            raise not_implemented_for("fmod", kind)
        return (input, other), {}

    def forward(self, a, b):
        _check_integer_divisor("fmod", a, b, self.xp)
        self.save(a, b)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.xp.fmod(a, b)

    def backward(self, g):
        a, b = self.saved
        need_a, need_b = self.needs_grad
        if not need_b:
            return g, None
        with np.errstate(invalid="ignore", divide="ignore"):
            return (g if need_a else None), -g * self.xp.trunc(a / b)


@public("copysign", ufunc="copysign")
class Copysign(Op):
    """out = |a| with the sign (bit) of b, a float;  da = g * out / a (0 where a = 0),
    db = 0 (PyTorch's choices)."""

    __slots__ = ()
    label = "copysign"
    promotes = "float"

    @staticmethod
    def arguments(input, other):
        require_tensor("copysign", input, 1, "input")
        return (input, other), {}

    def forward(self, a, b):
        y = self.xp.copysign(a, b)
        self.save(a, y)
        return y

    def backward(self, g):
        a, y = self.saved
        need_a, need_b = self.needs_grad
        ga = None
        if need_a:
            a, y = data(a), data(y)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.where(a == 0, 0, y / np.where(a == 0, 1, a)).astype(a.dtype)
            ga = g * ratio
        return ga, (g * 0 if need_b else None)


@public("float_power", ufunc="float_power")
def float_power(input, exponent, *, out=None):
    """``input ** exponent`` computed in float64 (the result is float64 whatever the inputs'
    dtypes, as PyTorch's); gradients are ``pow``'s."""
    tensors = [v for v in (input, exponent) if isinstance(v, autograd.Tensor)]
    if not tensors:
        raise TypeError(f"float_power(): at least one of input and exponent must be a Tensor "
                        f"(got {type(input).__name__} and {type(exponent).__name__}).")

    def double(v):
        if isinstance(v, autograd.Tensor):
            return v if data(v).dtype == np.float64 else _f["astype"](v, np.float64)
        return float(v)

    return returned("float_power", _f["pow"](double(input), double(exponent)), out)


def _float_power_(self, exponent):
    """``self ** exponent`` in float64, in place; self must be float64 (as PyTorch)."""
    if self.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype} but the "
                           "operation's result requires dtype float64; use x.double() first.")
    return self._elementwise_("float_power_", "float_power", exponent)


methods["float_power_"] = _float_power_


@public("logaddexp2", ufunc="logaddexp2")
class Logaddexp2(Op):
    """out = log2(2**a + 2**b) without overflow (+-inf where both are that inf);
    da = g / (1 + 2**(b - a)), db = g / (1 + 2**(a - b))."""

    __slots__ = ()
    label = "logaddexp2"
    promotes = True
    arguments = _tensor_pair("logaddexp2", "f")

    def forward(self, a, b):
        self.save(a, b)
        with np.errstate(invalid="ignore"):  # -inf and inf: NaN, as PyTorch's
            return self.xp.logaddexp2(a, b)

    def backward(self, g):
        a, b = self.saved
        need_a, need_b = self.needs_grad
        xp = self.xp
        with np.errstate(invalid="ignore", over="ignore"):
            ga = g / (1 + xp.exp2(b - a)) if need_a else None
            gb = g / (1 + xp.exp2(a - b)) if need_b else None
        return ga, gb


@public("nextafter", ufunc="nextafter")
class Nextafter(Op):
    """out = the next float after a toward b (b where a == b);  da = g where a != b, else 0;
    db = 0 (PyTorch's gradients)."""

    __slots__ = ()
    label = "nextafter"
    promotes = True
    arguments = _tensor_pair("nextafter", "f")

    def forward(self, a, b):
        self.save(a, b)
        return self.xp.nextafter(a, b)

    def backward(self, g):
        a, b = (np.asarray(data(v)) for v in self.saved)
        need_a, need_b = self.needs_grad
        same = a == b
        ga = (self.xp.where(same, 0, g) if same.any() else g) if need_a else None
        return ga, (g * 0 if need_b else None)


class _NanIgnoring(Op):
    """fmax/fmin: the larger/smaller of a and b, the other one where one is NaN (NaN only
    where both are; a on ties, so fmax(0.0, -0.0) is 0.0 and fmax(-0.0, 0.0) is -0.0, as
    PyTorch's); the gradient goes to the chosen operand."""

    __slots__ = ("to_a",)
    promotes = True

    def forward(self, a, b):
        with np.errstate(invalid="ignore"):
            to_a = ((a >= b) if self.label == "fmax" else (a <= b))
            if a.dtype.kind == "f" or np.asarray(b).dtype.kind == "f":
                to_a = to_a | self.xp.isnan(b)
        self.to_a = to_a
        return self.xp.where(to_a, a, b)

    def backward(self, g):
        need_a, need_b = self.needs_grad
        to_a = self.to_a
        return (self.xp.where(to_a, g, 0) if need_a else None,
                self.xp.where(to_a, 0, g) if need_b else None)


@public("fmax", ufunc="fmax")
class Fmax(_NanIgnoring):
    """out = max(a, b) ignoring NaN;  da = g where a >= b or b is NaN, db = g elsewhere."""

    __slots__ = ()
    label = "fmax"
    arguments = _tensor_pair("fmax")


@public("fmin", ufunc="fmin")
class Fmin(_NanIgnoring):
    """out = min(a, b) ignoring NaN;  da = g where a <= b or b is NaN, db = g elsewhere."""

    __slots__ = ()
    label = "fmin"
    arguments = _tensor_pair("fmin")


@public("ldexp", ufunc="ldexp")
def ldexp(input, other, *, out=None):
    """``input * 2**other``, as PyTorch's ``input * pow(2, other)`` (a float; an integer
    ``other`` is first converted to the result's float dtype, so ``2**-1074`` is exact in
    float64): gradients are that product's."""
    require_tensor("ldexp", input, 1, "input")
    require_tensor("ldexp", other, 2, "other")
    if data(other).dtype.kind in "biu":
        target = _result_kind(input, other)
        if target.kind != "f":
            target = np.dtype(get_default_dtype())
        other = _f["astype"](other, target)
    with np.errstate(over="ignore"):
        return returned("ldexp", input * _f["pow"](2.0, other), out)


def _integer_only(op: str, input, other):
    require_tensor(op, input, 1, "input")
    require_tensor(op, other, 2, "other")
    kind = _result_kind(input, other)
    if kind.kind not in "iu":
        raise not_implemented_for(op, kind)
    a, b = (np.asarray(data(v)).astype(kind, copy=False) for v in (input, other))
    return a, b


@public("gcd", ufunc="gcd")
def gcd(input, other, *, out=None):
    """The greatest common divisor of integer tensors, elementwise (>= 0; gcd(0, 0) = 0)."""
    a, b = _integer_only("gcd", input, other)
    return returned("gcd", new_tensor(np.asarray(np.gcd(a, b)), None), out)


@public("lcm", ufunc="lcm")
def lcm(input, other, *, out=None):
    """The least common multiple of integer tensors, elementwise (>= 0; 0 if either is 0)."""
    a, b = _integer_only("lcm", input, other)
    return returned("lcm", new_tensor(np.asarray(np.lcm(a, b)), None), out)


for _name in ("fmod", "copysign", "ldexp", "gcd", "lcm", "nextafter"):
    inplace_method(_name + "_", _name)
