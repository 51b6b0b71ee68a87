"""``tg.special``, as ``torch.special``: the special functions tinygraph has, under torch's
names (``expit`` is ``sigmoid``; each is the public op of that name, so gradients and second
derivatives are that op's). The rest of ``torch.special`` (gamma and Bessel functions, ...)
raises naming itself."""

from __future__ import annotations

import math

from .names import missing_name
from .ops.registry import functions as _f

__all__ = ["erf", "erfc", "exp2", "expit", "expm1", "log1p", "log_softmax", "logit",
           "logsumexp", "ndtr", "round", "softmax", "xlogy"]

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


__getattr__ = missing_name(__name__, globals())
