"""``tg.special``, as ``torch.special``: the special functions tinygraph has, under torch's
names (``expit`` is ``sigmoid``, ``gammaln`` is ``lgamma``, ``psi`` is ``digamma``; each is the
public op of that name, so gradients and second derivatives are that op's; ``gammainc`` and
``gammaincc`` are ``igamma`` and ``igammac``), and the special functions of
``ops/special_ops.py``: the modified Bessel functions ``i0``, ``i0e``, ``i1``, ``i1e``,
``erfcx``, ``ndtri``, ``log_ndtr``, ``entr``, ``xlog1py``. The rest of ``torch.special``
(other Bessel functions, zeta, ...) raises naming itself."""

from __future__ import annotations

import math

from .autograd import Tensor as _Tensor
from .names import missing_name
from .ops import special_ops as _ops
from .ops.outarg import write_out as _write_out
from .ops.registry import functions as _f

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
           "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr",
           "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma",
           "psi", "round", "sinc", "softmax", "xlog1py", "xlogy"]

digamma = psi = _f["digamma"]
erfinv = _f["erfinv"]
gammaln = _f["lgamma"]
gammainc = _f["igamma"]
gammaincc = _f["igammac"]
polygamma = _f["polygamma"]

erf = _f["erf"]
erfc = _f["erfc"]
exp2 = _f["exp2"]
expit = _f["sigmoid"]
expm1 = _f["expm1"]
log1p = _f["log1p"]
log_softmax = _f["log_softmax"]
logit = _f["logit"]
logsumexp = _f["logsumexp"]
round = _f["round"]  # noqa: A001 - torch.special.round
softmax = _f["softmax"]
xlogy = _f["xlogy"]
i0 = _f["i0"]
sinc = _f["sinc"]


def _unary(op, name: str, doc: str):
    def function(input, *, out=None):
        result = op.apply(input)
        return result if out is None else _write_out(f"special.{name}", out, result)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


i0e = _unary(_ops.I0e, "i0e", "The exponentially scaled modified Bessel function of order 0: "
             "``exp(-|x|) * i0(x)``.")
i1 = _unary(_ops.I1, "i1", "The modified Bessel function of the first kind of order 1.")
i1e = _unary(_ops.I1e, "i1e", "The exponentially scaled modified Bessel function of order 1: "
             "``exp(-|x|) * i1(x)``.")
erfcx = _unary(_ops.Erfcx, "erfcx", "The scaled complementary error function "
               "``exp(x**2) * erfc(x)``, without overflow for large x.")
ndtri = _unary(_ops.Ndtri, "ndtri", "The inverse of the standard normal CDF (the quantile "
               "function): -inf at 0, inf at 1, NaN outside [0, 1].")
log_ndtr = _unary(_ops.LogNdtr, "log_ndtr", "The log of the standard normal CDF, accurate far "
                  "into the lower tail (log_ndtr(-40) is -804.6).")
entr = _unary(_ops.Entr, "entr", "The elementwise entropy ``-x * log(x)``: 0 at 0, -inf for "
              "x < 0.")


def xlog1py(input, other, *, out=None):
    """``input * log1p(other)``, 0 where ``input`` is 0 (NaN where ``other`` is NaN); either
    may be a number, not both."""
    if not isinstance(input, _Tensor) and not isinstance(other, _Tensor):
        raise TypeError("special.xlog1py(): at least one of input and other must be a Tensor.")
    result = _ops.Xlog1py.apply(input, other)
    return result if out is None else _write_out("special.xlog1py", out, result)


def ndtr(input, *, out=None):
    """The standard normal CDF: ``(1 + erf(x / sqrt(2))) / 2``."""
    result = (1 + erf(input * (1 / math.sqrt(2)))) * 0.5
    return result if out is None else out.copy_(result)


def multigammaln(input, p, *, out=None):
    """The multivariate log-gamma function of dimension ``p``: ``tg.mvlgamma``."""
    result = _f["mvlgamma"](input, p)
    return result if out is None else out.copy_(result)


__getattr__ = missing_name(__name__, globals())
