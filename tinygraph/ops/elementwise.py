"""Elementwise ops: arithmetic, powers, exp/log, activations.

Each backward returns gradients in the broadcast output shape; the engine sums them down to
each input's shape. Gradients at points where the function is not differentiable follow
PyTorch: ``abs'(0) = 0``, ``relu'(0) = 0``, clip passes the gradient at its bounds, and
``maximum``/``minimum`` split it evenly between tied inputs.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Op
from .registry import public
from .rounding import DivRounded, alpha_times, integer_power, negative_integers

_INT8, _BOOL = np.dtype(np.int8), np.dtype(bool)
_NUMBERS = (int, float, bool)


@public("add", ufunc="add")
class Add(Op):
    """out = a + b;  da = g, db = g."""

    __slots__ = ()
    label = "add"
    promotes = True

    @staticmethod
    def arguments(input, other, *, alpha=1):
        """PyTorch's ``add(input, other, alpha=1)``: input + alpha * other."""
        return (input, other if alpha == 1 else alpha_times(input, other, alpha, "add")), {}

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


@public("sub", "subtract", ufunc="subtract")
class Sub(Op):
    """out = a - b;  da = g, db = -g."""

    __slots__ = ()
    label = "sub"
    promotes = True

    @staticmethod
    def arguments(input, other, *, alpha=1):
        """PyTorch's ``sub(input, other, alpha=1)``: input - alpha * other."""
        return (input, other if alpha == 1 else alpha_times(input, other, alpha, "sub")), {}

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, (-g if self.needs_grad[1] else None)


@public("neg", "negative", ufunc="negative")
class Neg(Op):
    """out = -x;  dx = -g."""

    __slots__ = ()
    label = "neg"

    def forward(self, x):
        return -x

    def backward(self, g):
        return (-g,)


@public("mul", "multiply", ufunc="multiply")
class Mul(Op):
    """out = a * b;  da = g * b, db = g * a."""

    __slots__ = ()
    label = "mul"
    promotes = True

    def forward(self, a, b):
        # the partner of a Python number is never needed (a number gets no gradient); not
        # saving it lets it change in place before backward (y[1:] = y[1:] * 3), as in PyTorch
        self.save(None if type(b) in _NUMBERS else a, None if type(a) in _NUMBERS else b)
        return a * b

    def backward(self, g):
        a, b = self.saved
        need_a, need_b = self.needs_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Op):
    """out = a / b;  da = g / b, db = -g * a / b**2."""

    __slots__ = ()
    label = "div"
    promotes = "float"

    def forward(self, a, b):
        self.save(None if type(b) in _NUMBERS else a, b)  # x / 2 needs only the 2 (see Mul)
        return a / b

    def backward(self, g):
        a, b = self.saved
        need_a, need_b = self.needs_grad
        return (g / b if need_a else None), (-g * a / (b * b) if need_b else None)


@public("div", "divide", "true_divide", ufunc="divide")
def div(input, other, *, rounding_mode: str | None = None):
    """``input / other`` (true division: integers give the default float dtype); with
    ``rounding_mode="trunc"`` or ``"floor"`` the quotient rounded toward zero or down, in the
    operands' dtype, with a zero gradient (PyTorch's)."""
    if rounding_mode is None:
        return Div.apply(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found {rounding_mode!r}.")
    return DivRounded.apply(input, other, mode=rounding_mode)


@public("pow", ufunc="power")
class Pow(Op):
    """out = a ** b;  da = g * b * a**(b-1) (0 where b == 0),  db = g * out * log(a)
    (0 where a == 0 and b >= 0, as in PyTorch)."""

    __slots__ = ()
    label = "pow"
    promotes = True
    input_names = ("input", "exponent")

    def forward(self, a, b):
        out = integer_power(a, b, self.xp) if negative_integers(b) else a**b
        if out.dtype == _INT8 and getattr(a, "dtype", None) == _BOOL:  # NumPy's bool ** bool
            out = out.astype(bool)  # is int8; PyTorch's stays bool
        self.save(a, b, out)
        return out

    def backward(self, g):
        a, b, out = self.saved
        xp = self.xp
        need_a, need_b = self.needs_grad
        ga = gb = None
        if need_a:
            if isinstance(b, (int, float)):
                ga = g * 0 if b == 0 else g * b * a ** (b - 1)
            else:
                # a ** (b - 1) only where b != 0: 0 ** -1 would warn in the discarded branch
                ga = xp.where(b == 0, 0, g * b * a ** xp.where(b == 0, 1, b - 1))
        if need_b:
            if isinstance(a, (int, float)) and a > 0:
                # a constant base (2.0 ** x): a Python log keeps a float32 gradient float32
                gb = g * out * math.log(a)
            else:
                at_zero = (a == 0) & (b >= 0)
                gb = xp.where(at_zero, 0, g * out * xp.log(xp.where(at_zero, 1, a)))
        return ga, gb


@public("maximum", ufunc="maximum")
class Maximum(Op):
    """out = max(a, b);  the gradient goes to the larger input, split in half on ties."""

    __slots__ = ()
    label = "maximum"
    promotes = True

    def forward(self, a, b):
        self.save(a, b)
        return self.xp.maximum(a, b)

    def backward(self, g):
        a, b = self.saved
        xp = self.xp
        half = g * 0.5
        need_a, need_b = self.needs_grad
        ga = xp.where(a > b, g, xp.where(a == b, half, 0)) if need_a else None
        gb = xp.where(b > a, g, xp.where(a == b, half, 0)) if need_b else None
        return ga, gb


@public("minimum", ufunc="minimum")
class Minimum(Op):
    """out = min(a, b);  the gradient goes to the smaller input, split in half on ties."""

    __slots__ = ()
    label = "minimum"
    promotes = True

    def forward(self, a, b):
        self.save(a, b)
        return self.xp.minimum(a, b)

    def backward(self, g):
        a, b = self.saved
        xp = self.xp
        half = g * 0.5
        need_a, need_b = self.needs_grad
        ga = xp.where(a < b, g, xp.where(a == b, half, 0)) if need_a else None
        gb = xp.where(b < a, g, xp.where(a == b, half, 0)) if need_b else None
        return ga, gb


@public("exp", ufunc="exp")
class Exp(Op):
    """y = exp(x);  dx = g * y."""

    __slots__ = ()
    label = "exp"
    promotes = "float"

    def forward(self, x):
        y = self.xp.exp(x)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return (g * y,)


@public("log", ufunc="log")
class Log(Op):
    """y = log(x);  dx = g / x."""

    __slots__ = ()
    label = "log"
    promotes = "float"

    def forward(self, x):
        self.save(x)
        return self.xp.log(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / x,)


@public("sqrt", ufunc="sqrt")
class Sqrt(Op):
    """y = sqrt(x);  dx = g / (2 y)."""

    __slots__ = ()
    label = "sqrt"
    promotes = "float"

    def forward(self, x):
        y = self.xp.sqrt(x)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return (g / (2 * y),)


@public("abs", "absolute", ufunc="absolute")
class Abs(Op):
    """y = |x|;  dx = g * sign(x) (0 at x == 0)."""

    __slots__ = ()
    label = "abs"

    def forward(self, x):
        self.save(x)
        return self.xp.abs(x)

    def backward(self, g):
        (x,) = self.saved
        xp = self.xp
        return (xp.attach(g * xp.sign(x), x),)


@public("relu")
class ReLU(Op):
    """y = max(x, 0);  dx = g where y > 0, else 0."""

    __slots__ = ()
    label = "relu"

    def forward(self, x):
        y = self.xp.maximum(x, 0)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        xp = self.xp
        return (xp.attach(xp.keep_where(y > 0, g), y),)


@public("sigmoid")
class Sigmoid(Op):
    """y = 1 / (1 + exp(-x));  dx = g * y * (1 - y).

    Computed as exp(-log(1 + exp(-x))) with a stable logaddexp: no overflow for large |x| and
    full relative precision for very negative x.
    """

    __slots__ = ()
    label = "sigmoid"
    promotes = "float"

    def forward(self, x):
        xp = self.xp
        y = xp.exp(-xp.logaddexp(0, -x))
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return (g * y * (1 - y),)


@public("tanh", ufunc="tanh")
class Tanh(Op):
    """y = tanh(x);  dx = g * (1 - y**2)."""

    __slots__ = ()
    label = "tanh"
    promotes = "float"

    def forward(self, x):
        y = self.xp.tanh(x)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return (g * (1 - y * y),)


@public("astype")
class Cast(Op):
    """y = x converted to ``dtype``;  dx = g converted back to x's dtype."""

    __slots__ = ("dtype_in", "dtype_out")
    label = "astype"

    @staticmethod
    def arguments(input, dtype):
        return (input,), {"dtype_out": dtype}

    def forward(self, x):
        self.dtype_in = x.dtype
        return x.astype(self.dtype_out)

    def backward(self, g):
        return (g.astype(self.dtype_in),)
