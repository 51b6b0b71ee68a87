"""Drawing category indices from weights: ``tg.multinomial(probs, num_samples)`` and
``probs.multinomial(...)``, from the library's one generator (``tg.manual_seed`` repeats it)."""

from __future__ import annotations

import operator

import numpy as np

from .. import random
from ..autograd.node import new_tensor
from .args import data
from .registry import public


@public("multinomial")
def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None):
    """int64 category indices drawn with the probabilities proportional to each row of
    ``input`` (1-D: one distribution; 2-D: one per row), ``num_samples`` per row; without
    ``replacement`` a category is drawn at most once per row (``tg.multinomial(probs, 1)``)."""
    weights = np.asarray(data(input))
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got a tensor of shape "
                           f"{tuple(weights.shape)}.")
    if weights.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got "
                           f"{weights.dtype}; pass probs.float().")
    try:
        num_samples = operator.index(num_samples)
    except TypeError:
        raise TypeError(f"multinomial: num_samples must be an int, got {num_samples!r}.") from None
    rows = weights.reshape(-1, weights.shape[-1]).astype(np.float64)
    n = rows.shape[1]
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (got {num_samples}).")
    if not replacement and num_samples > n:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                           f"without replacement ({num_samples} > {n}); pass replacement=True.")
    if not np.all(np.isfinite(rows)) or np.any(rows < 0):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0.")
    if np.any(rows.sum(axis=1) <= 0):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities "
                           "<= 0): a row of the input is all zeros.")
    rng = random.generator(generator)
    if replacement:  # inverse CDF, all rows at once: row r's CDF shifted to [r, r + 1]
        cdf = np.cumsum(rows, axis=1)
        cdf /= cdf[:, -1:]
        cdf[:, -1] = 1.0
        offsets = np.arange(len(rows))[:, None]
        found = np.searchsorted((cdf + offsets).ravel(),
                                (rng.random((len(rows), num_samples)) + offsets).ravel(),
                                side="right").reshape(len(rows), num_samples)
        picks = np.minimum(found - offsets * n, n - 1)
    else:  # exponential races: the first num_samples to finish, weight w running at rate w
        # (zero weights never finish: they come last, in index order, as in PyTorch)
        with np.errstate(divide="ignore"):
            finish = rng.standard_exponential(rows.shape) / rows
        picks = np.argsort(finish, axis=1, kind="stable")[:, :num_samples]
    return new_tensor(picks.reshape(weights.shape[:-1] + (num_samples,)).astype(np.int64), None)
