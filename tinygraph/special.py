"""``tg.special``, as ``torch.special``: the special functions tinygraph has, under torch's
names (``expit`` is ``sigmoid``, ``gammaln`` is ``lgamma``, ``psi`` is ``digamma``; each is the
public op of that name, so gradients and second derivatives are that op's; ``gammainc`` and
``gammaincc`` are ``igamma`` and ``igammac``). The rest of ``torch.special`` (Bessel
functions, zeta, ...) raises naming itself."""

from __future__ import annotations

import math

from .names import missing_name
from .ops.registry import functions as _f

__all__ = ["digamma", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammainc",
           "gammaincc", "gammaln", "log1p",
           "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "polygamma", "psi",
           "round", "softmax", "xlogy"]

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


def ndtr(input, *, out=None):
    """The standard normal CDF: ``(1 + erf(x / sqrt(2))) / 2``."""
    result = (1 + erf(input * (1 / math.sqrt(2)))) * 0.5
    return result if out is None else out.copy_(result)


def multigammaln(input, p, *, out=None):
    """The multivariate log-gamma function of dimension ``p``: ``tg.mvlgamma``."""
    result = _f["mvlgamma"](input, p)
    return result if out is None else out.copy_(result)


__getattr__ = missing_name(__name__, globals())
