"""More in-place Tensor methods, as PyTorch: the elementwise ``abs_``, ``sqrt_``, ``sign_``,
``neg_``, ``floor_``, ``ceil_``, ``round_``, ``trunc_``, ``log_``, ``sigmoid_``, ``tanh_``,
``relu_``, ``pow_``, ``lerp_``; the fused products ``addmm_``, ``baddbmm_``, ``addbmm_``,
``addr_``; the view changes ``t_``, ``transpose_``, ``squeeze_``, ``unsqueeze_``;
``fill_diagonal_``; and the draws ``random_``, ``exponential_``, ``bernoulli_``.

They go through the machinery of ``inplace.py``: a leaf that requires grad refuses them
while recording, the version counter is bumped, and through a non-leaf the tensor takes the
recorded out-of-place result's place in the graph, so gradients are PyTorch's.
"""

from __future__ import annotations

import numpy as np

from . import random
from .autograd.mode import per_thread
from .autograd.node import new_tensor
from .ops import registry
from .ops.args import data, expands_to
from .ops.values import draw_bernoulli

_fn = registry.functions


class InPlaceMath:
    """In-place elementwise ops, view changes and draws (a mixin of Tensor: no state)."""

    __slots__ = ()

    def _elementwise_(self, what: str, name: str, *args, input_last=False, **kwargs):
        """self = tg.<name>(self, *args, **kwargs) (``input_last``: tg.<name>(*args, self)),
        in place, in the tensor's dtype."""
        def compute(t):
            if input_last:
                return _fn[name](*args, t, **kwargs)
            return _fn[name](t, *args, **kwargs)

        def in_place(array):
            result = compute(new_tensor(array, None))._data
            if result.dtype != array.dtype and not np.can_cast(result.dtype, array.dtype,
                                                               "same_kind"):
                raise RuntimeError(f"{what}: result type {result.dtype} can't be cast to the "
                                   f"desired output type {array.dtype}; convert the tensor "
                                   "first (x = x.float()).")
            array[...] = result

        return self._update(what, compute, in_place, *args)

    def abs_(self):
        """|x| of every element, in place; returns self."""
        return self._elementwise_("abs_", "abs")

    absolute_ = abs_

    def lerp_(self, end, weight):
        """self + weight (end - self), in place, rounded as ``tg.lerp``; returns self. (EMA
        weights: ``ema_p.lerp_(p, 1 - decay)``.)"""
        return self._elementwise_("lerp_", "lerp", end, weight)

    def sqrt_(self):
        """sqrt of every element, in place; returns self."""
        return self._elementwise_("sqrt_", "sqrt")

    def sign_(self):
        """The sign (-1, 0, 1) of every element, in place; returns self."""
        return self._elementwise_("sign_", "sign")

    def neg_(self):
        """-x of every element, in place; returns self."""
        return self._elementwise_("neg_", "neg")

    negative_ = neg_

    def floor_(self):
        """Every element rounded down, in place; returns self."""
        return self._elementwise_("floor_", "floor")

    def ceil_(self):
        """Every element rounded up, in place; returns self."""
        return self._elementwise_("ceil_", "ceil")

    def round_(self, *, decimals: int = 0):
        """Every element rounded (halves to even) to ``decimals`` places, in place."""
        return self._elementwise_("round_", "round", decimals=decimals)

    def trunc_(self):
        """Every element rounded toward zero, in place; returns self."""
        return self._elementwise_("trunc_", "trunc")

    fix_ = trunc_

    def log_(self):
        """The natural log of every element, in place; returns self."""
        return self._elementwise_("log_", "log")

    def lgamma_(self):
        """log |Gamma(x)| of every element, in place; returns self."""
        return self._elementwise_("lgamma_", "lgamma")

    def digamma_(self):
        """digamma (psi) of every element, in place; returns self."""
        return self._elementwise_("digamma_", "digamma")

    def igamma_(self, other):
        """The regularised lower incomplete gamma function P(self, other), in place."""
        return self._elementwise_("igamma_", "igamma", other)

    def igammac_(self, other):
        """The regularised upper incomplete gamma function Q(self, other), in place."""
        return self._elementwise_("igammac_", "igammac", other)

    def polygamma_(self, n):
        """polygamma(n, x) of every element, in place; returns self."""
        return self._elementwise_("polygamma_", "polygamma", n, input_last=True)

    def mvlgamma_(self, p):
        """The multivariate log-gamma function of dimension ``p``, in place; returns self."""
        return self._elementwise_("mvlgamma_", "mvlgamma", p)

    def erfinv_(self):
        """The inverse error function of every element, in place; returns self."""
        return self._elementwise_("erfinv_", "erfinv")

    def sigmoid_(self):
        """1 / (1 + exp(-x)) of every element, in place; returns self."""
        return self._elementwise_("sigmoid_", "sigmoid")

    def tanh_(self):
        """tanh of every element, in place; returns self."""
        return self._elementwise_("tanh_", "tanh")

    def relu_(self):
        """max(x, 0) of every element, in place; returns self."""
        return self._elementwise_("relu_", "relu")

    def pow_(self, exponent):
        """x ** exponent (a number or a broadcastable tensor), in place; returns self."""
        return self._elementwise_("pow_", "pow", exponent)

    # -- fused products: self = beta * self + alpha * (product), in place -------------------

    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        """self = beta * self + alpha * (mat1 @ mat2), in place; returns self."""
        return self._elementwise_("addmm_", "addmm", mat1, mat2, beta=beta, alpha=alpha)

    def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        """self = beta * self + alpha * (batch1 @ batch2) (3-D), in place; returns self."""
        return self._elementwise_("baddbmm_", "baddbmm", batch1, batch2, beta=beta,
                                  alpha=alpha)

    def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        """self = beta * self + alpha * sum_i(batch1[i] @ batch2[i]), in place."""
        return self._elementwise_("addbmm_", "addbmm", batch1, batch2, beta=beta, alpha=alpha)

    def addr_(self, vec1, vec2, *, beta=1, alpha=1):
        """self = beta * self + alpha * outer(vec1, vec2), in place; returns self."""
        return self._elementwise_("addr_", "addr", vec1, vec2, beta=beta, alpha=alpha)

    # -- view changes: the tensor becomes a view of its own memory -----------------------

    def _restride(self, what: str, name: str, *args):
        self._check_inplace(what)
        recording = per_thread.flags.grad_enabled and self.requires_grad
        result = _fn[name](self, *args)
        self._data = result._data
        if recording:
            self.grad_fn = result.grad_fn
        self._version += 1
        return self

    def t_(self):
        """Transpose a tensor of at most 2 dims in place (``x.t()``); returns self."""
        return self._restride("t_", "t")

    def transpose_(self, dim0: int, dim1: int):
        """Swap dims ``dim0`` and ``dim1`` in place; returns self."""
        return self._restride("transpose_", "transpose", dim0, dim1)

    def squeeze_(self, dim=None):
        """Remove the length-1 dims (or ``dim``, if it has length 1) in place; returns self."""
        return self._restride("squeeze_", "squeeze", *(() if dim is None else (dim,)))

    def unsqueeze_(self, dim: int):
        """Insert a length-1 dim at ``dim`` in place; returns self."""
        return self._restride("unsqueeze_", "unsqueeze", dim)

    # -- setting elements ---------------------------------------------------------------

    def fill_diagonal_(self, fill_value, wrap: bool = False):
        """Set the main diagonal (all indices equal) to ``fill_value``; a tall 2-D matrix
        restarts the diagonal every ``cols + 1`` rows with ``wrap=True``, as NumPy."""
        if self.ndim < 2:
            raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1, got a tensor "
                               f"of shape {tuple(self.shape)}.")
        if self.ndim > 2 and len(set(self.shape)) != 1:
            raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal "
                               f"length, got shape {tuple(self.shape)}.")
        if np.ndim(data(fill_value)):
            raise TypeError(f"fill_diagonal_(): argument 'fill_value' must be a number, got a "
                            f"tensor of shape {tuple(np.shape(data(fill_value)))}.")
        mask = np.zeros(self.shape, dtype=bool)
        np.fill_diagonal(mask, True, wrap=bool(wrap))

        def in_place(array):
            np.copyto(array, data(fill_value), where=mask)

        return self._update("fill_diagonal_", lambda t: _fn["where"](mask, fill_value, t),
                            in_place, fill_value)

    # -- draws --------------------------------------------------------------------------

    def random_(self, *bounds, generator=None, **named):
        """Fill with integers drawn uniformly from [from, to): ``random_(to)`` from [0, to),
        ``random_()`` from [0, 2**mantissa] for floats (every integer the dtype holds
        exactly), [0, max] for integers."""
        low, high = 0, None
        if len(bounds) == 1:
            high = bounds[0]
        elif len(bounds) == 2:
            low, high = bounds
        elif bounds:
            raise TypeError(f"random_() takes at most 2 bounds (from, to), got {len(bounds)}.")
        low, high = named.pop("from", low), named.pop("to", high)
        if named:
            raise TypeError(f"random_() got unexpected keyword arguments {sorted(named)}.")
        for bound in (low, high):
            if bound is not None and (isinstance(bound, (bool, np.bool_))
                                      or not isinstance(bound, (int, np.integer))):
                raise TypeError(f"random_(): from and to must be ints, got {bound!r}.")
        dtype = self.dtype
        if high is None:
            if dtype == np.bool_:
                high = 2
            elif dtype.kind == "f":
                high = 2 ** (np.finfo(dtype).nmant + 1) + 1
            else:
                high = int(np.iinfo(dtype).max) + (0 if dtype == np.int64 else 1)
        if low >= high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={low} >= to={high}.")
        values = random.generator(generator).integers(low, high, self.shape).astype(dtype)
        return self._assign("random_", values)

    def exponential_(self, lambd: float = 1.0, *, generator=None):
        """Fill with draws from the exponential distribution of rate ``lambd``."""
        if not lambd > 0:
            raise RuntimeError(f"exponential_ expects lambd > 0.0, but found lambd={lambd}.")
        if self.dtype.kind != "f":
            raise RuntimeError(f"exponential_: the tensor must be floating point, got dtype "
                               f"{self.dtype}.")
        draws = random.generator(generator).exponential(1.0 / lambd, self.shape).astype(self.dtype)
        return self._assign("exponential_", draws)

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill with 0/1 draws: 1 with probability ``p`` (a number or a broadcastable tensor
        of probabilities)."""
        shape = np.shape(data(p))
        if not expands_to(shape, self.shape):
            raise RuntimeError(f"bernoulli_: the probabilities' shape {tuple(shape)} cannot be "
                               f"expanded to the tensor's shape {tuple(self.shape)}.")
        draws = draw_bernoulli(data(p), self.shape, "bernoulli_", generator).astype(self.dtype)
        return self._assign("bernoulli_", draws)


# -- more in-place forms: self = tg.<name>(self, *args), as torch's x.<name>_(...) ----------
# (hand-written optimizers use addcmul_/addcdiv_, attention masks triu_/tril_, and so on)
_SAME_AS = """
    cos sin tan sinh cosh asin acos atan arcsin arccos arctan atan2 arctan2 exp2 expm1
    log1p log10 log2 erf erfc reciprocal rsqrt square deg2rad rad2deg logit hypot heaviside
    xlogy nan_to_num tril triu cumsum cumprod clamp_min clamp_max addcmul addcdiv remainder
    floor_divide divide multiply subtract true_divide logical_not logical_and logical_or
    logical_xor bitwise_not bitwise_and bitwise_or bitwise_xor eq ne lt le gt ge greater
    greater_equal less less_equal not_equal
""".split()


def _in_place_form(name: str):
    def method(self, *args, **kwargs):
        return self._elementwise_(f"{name}_", name, *args, **kwargs)

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = (f"``tg.{name}(self, ...)`` written into this tensor (in its dtype); "
                      "returns self.")
    return method


for _name in _SAME_AS:
    setattr(InPlaceMath, f"{_name}_", _in_place_form(_name))


def _swap_(self, dim0: int, dim1: int):
    """Swap dims ``dim0`` and ``dim1`` in place (``transpose_``); returns self."""
    return self.transpose_(dim0, dim1)


InPlaceMath.swapaxes_ = InPlaceMath.swapdims_ = _swap_
