"""Rounding, sign and the integer-division family: floor, ceil, round, trunc, sign (zero
gradient, as PyTorch), floor_divide (``//``; no gradient: PyTorch refuses its backward),
remainder (``%``, the sign of the divisor as Python's and PyTorch's), lerp, clamp with
bounds that require grad, integers to negative integer powers, and add/sub's integer alpha rule."""

from __future__ import annotations

from ..autograd import Op
from ..errors import ArgumentError, IntegerDivisionError
from .registry import public


class _Step(Op):
    """A piecewise-constant function: zero gradient wherever it has one (PyTorch's choice at
    the steps too). Integer inputs come back unchanged, in their dtype; bool inputs are
    refused, as PyTorch's kernels do (NotImplementedError)."""

    __slots__ = ()

    def forward(self, x):
        if x.dtype.kind in "iub":
            if x.dtype.kind == "b":
                raise NotImplementedError(f"{self.label}: not implemented for bool tensors (as "
                                          f"PyTorch); convert first, e.g. x.int().")
            if getattr(self, "decimals", 0):
                raise NotImplementedError("round(decimals=...): not implemented for integer "
                                          "tensors (as PyTorch); convert first, e.g. x.float().")
            return x.copy()
        return self.step(x)

    def backward(self, g):
        return (self.xp.zeros_like(g),)


@public("floor", ufunc="floor")
class Floor(_Step):
    """y = floor(x);  dx = 0."""

    __slots__ = ()
    label = "floor"

    def step(self, x):
        return self.xp.floor(x)


@public("ceil", ufunc="ceil")
class Ceil(_Step):
    """y = ceil(x);  dx = 0."""

    __slots__ = ()
    label = "ceil"

    def step(self, x):
        return self.xp.ceil(x)


@public("trunc", "fix", ufunc="trunc")
class Trunc(_Step):
    """y = x rounded toward zero;  dx = 0."""

    __slots__ = ()
    label = "trunc"

    def step(self, x):
        return self.xp.trunc(x)


@public("round")
class Round(_Step):
    """y = x rounded to ``decimals`` places, halves to even (as PyTorch and NumPy);  dx = 0."""

    __slots__ = ("decimals",)
    label = "round"

    @staticmethod
    def arguments(input, *, decimals=0):
        return (input,), {"decimals": int(decimals)}

    def step(self, x):
        xp = self.xp
        if self.decimals == 0:
            return xp.rint(x)
        if self.decimals > 0:  # PyTorch's order of operations, for the same last bits
            scale = 10.0 ** self.decimals
            return xp.rint(x * scale) / scale
        scale = 10.0 ** -self.decimals
        return xp.rint(x / scale) * scale


@public("sign", ufunc="sign")
class Sign(_Step):
    """y = -1, 0 or 1 as x is negative, zero or positive (0 for NaN, as PyTorch);  dx = 0."""

    __slots__ = ()
    label = "sign"

    def forward(self, x):
        if x.dtype.kind == "b":
            return x.copy()
        if x.dtype.kind == "f":  # (x > 0) - (x < 0): PyTorch's formula, 0 for NaN and -0.0
            return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)
        return self.xp.sign(x)


@public("floor_divide", ufunc="floor_divide")
class FloorDivide(Op):
    """out = floor(a / b) (Python's ``//``);  not differentiable: backward raises, as
    PyTorch's."""

    __slots__ = ()
    label = "floor_divide"
    promotes = True

    def forward(self, a, b):
        _check_integer_divisor("floor_divide", a, b, self.xp)
        return self.xp.floor_divide(a, b)

    def backward(self, g):
        raise RuntimeError("floor_divide (//): the derivative is not implemented, as in "
                           "PyTorch; use tg.floor(a / b) for a zero gradient, or detach the "
                           "operands.")


def is_integral(value) -> bool:
    dtype = getattr(value, "dtype", None)
    return dtype.kind in "iub" if dtype is not None else isinstance(value, int)


def _check_integer_divisor(op: str, a, b, xp) -> None:
    """Integer division by zero raises (a ZeroDivisionError and, as in PyTorch, a RuntimeError),
    never NumPy's 0."""
    if is_integral(a) and is_integral(b) and not xp.all(b != 0):
        raise IntegerDivisionError(f"{op}: integer division by zero; make the divisor nonzero "
                                   "or divide floats (x.float()).")


class DivRounded(Op):
    """out = a / b rounded toward zero (``mode="trunc"``) or down (``"floor"``, as ``//``),
    in the operands' dtype;  da = db = 0 (PyTorch's ``div`` with a ``rounding_mode``)."""

    __slots__ = ("mode",)
    label = "div"
    promotes = True

    def forward(self, a, b):
        xp = self.xp
        _check_integer_divisor("div", a, b, xp)
        if self.mode == "floor":
            return xp.floor_divide(a, b)
        if is_integral(a) and is_integral(b):  # exact integer division toward zero
            inexact = (xp.remainder(a, b) != 0) & ((a < 0) != (b < 0))
            return xp.floor_divide(a, b) + inexact
        return xp.trunc(a / b)

    def backward(self, g):
        zero = self.xp.zeros_like(g)
        return tuple(zero if need else None for need in self.needs_grad)


@public("remainder", ufunc="remainder")
class Remainder(Op):
    """out = a - b * floor(a / b) (the sign of b, Python's ``%``);  da = g,
    db = -g * floor(a / b)."""

    __slots__ = ()
    label = "remainder"
    promotes = True

    def forward(self, a, b):
        _check_integer_divisor("remainder", a, b, self.xp)
        self.save(a, b)
        return self.xp.remainder(a, b)

    def backward(self, g):
        a, b = self.saved
        need_a, need_b = self.needs_grad
        gb = -g * self.xp.floor(a / b) if need_b else None  # floor: no second derivative
        return (g if need_a else None), gb


@public("lerp")
class Lerp(Op):
    """out = a + w (b - a), computed as b - (b - a)(1 - w) where w >= 0.5 (PyTorch's form,
    exact at w = 1);  da = g (1 - w), db = g w, dw = g (b - a)."""

    __slots__ = ()
    label = "lerp"
    promotes = True

    @staticmethod
    def arguments(input, end, weight):
        dtype = getattr(input, "dtype", None)
        for name, other in (("end", end), ("weight", weight)):
            if name == "weight" and len(getattr(other, "shape", ())) == 0:
                continue  # a 0-d weight of another float dtype is taken, as torch's
            if hasattr(other, "dtype") and dtype is not None and other.dtype != dtype:
                raise RuntimeError(f"lerp: expected dtype {dtype} for `{name}` but got dtype "
                                   f"{other.dtype} (as PyTorch, no promotion here); convert "
                                   f"{name} with {name}.to(input.dtype).")
        return (input, end, weight), {}

    def forward(self, a, b, w):
        self.save(a, b, w)
        xp = self.xp
        return xp.where(xp.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))

    def backward(self, g):
        a, b, w = self.saved
        need_a, need_b, need_w = self.needs_grad
        return ((g * (1 - w) if need_a else None), (g * w if need_b else None),
                (g * (b - a) if need_w else None))


class ClampBounds(Op):
    """y = min(max(x, lo), hi) (``has_min``/``has_max``: which bounds are inputs);
    dx = g where lo <= x <= hi, dlo = g where x < lo < hi, dhi = g where x > hi or hi < lo
    (PyTorch's clamp gradients; ``clamp`` with bounds that require grad)."""

    __slots__ = ("has_min", "has_max")
    label = "clamp"
    promotes = True

    def forward(self, x, *bounds):
        self.save(x, *bounds)
        lo = bounds[0] if self.has_min else None
        hi = bounds[-1] if self.has_max else None
        return self.xp.clip(x, lo, hi)

    def backward(self, g):
        x, *bounds = self.saved
        xp = self.xp
        lo = bounds[0] if self.has_min else None
        hi = bounds[-1] if self.has_max else None
        keep = True
        grads = []
        if lo is not None:
            keep = x >= lo
            below = x < lo if hi is None else (x < lo) & (lo < hi)
            grads.append(xp.where(below, g, 0))
        if hi is not None:
            keep = keep & (x <= hi)
            grads.append(xp.where((x > hi) if lo is None else (x > hi) | (hi < lo), g, 0))
        return (xp.where(keep, g, 0), *grads)


def negative_integers(b) -> bool:
    """Whether an integer exponent has negative entries (NumPy refuses those)."""
    kind = getattr(getattr(b, "dtype", None), "kind", "i" if type(b) is int else "f")
    return kind in "iu" and bool((b < 0).any() if hasattr(b, "any") else b < 0)


def integer_power(a, b, xp):
    """Integers to integer powers with negative ones, as PyTorch: 1 ** -n = 1,
    (-1) ** -n = +-1, any other base 0; a negative Python int exponent raises."""
    dtype = getattr(a, "dtype", None)
    if dtype is None and type(a) is int:  # 2 ** int_tensor: the tensor's dtype
        dtype = b.dtype
    elif dtype is None or dtype.kind not in "iub":
        return a**b  # a float base
    if not hasattr(b, "dtype"):
        raise ArgumentError(f"pow: integers to negative integer powers are not allowed (exponent "
                           f"{b}, as PyTorch); use a float base, e.g. x.float() ** {b}.")
    low = xp.where(a == 1, 1, xp.where(a == -1, 1 - 2 * (b % 2), 0))
    return xp.where(b < 0, low, a ** xp.maximum(b, 0)).astype(xp.result_type(dtype, b))


def alpha_times(input, other, alpha, op: str):
    """``alpha * other``; a float alpha with integer operands raises, as PyTorch."""
    if isinstance(alpha, float) and all(is_integral(v) for v in (input, other)):
        raise RuntimeError(f"{op}: for integral input tensors, alpha must not be a floating "
                           f"point number (got {alpha}); convert the tensors to float first.")
    return other * alpha
