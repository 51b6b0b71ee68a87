"""Op-table entries: the fused nn ops (tinygraph/ops/nn.py, used by tinygraph.nn)."""

from __future__ import annotations

import numpy as np

from tinygraph.nn import functional as tg_nn_functional
from tinygraph.ops import nn as tg_nn_ops

from .reduce import _np_logsumexp
from .spec import (
    OpSpec,
    Shapes,
    _torch,
)


def _torch_f():
    return _torch().nn.functional


def _np_log_softmax_rows(x):
    return x - _np_logsumexp(x, axis=-1, keepdims=True)


def _np_bce(p, t):
    return -(t * np.maximum(np.log(p), -100) + (1 - t) * np.maximum(np.log(1 - p), -100))


def _labels_for(shapes: Shapes) -> list:
    """Class labels for (N, C) logits (every class and repeats, as N allows), each reduction."""
    n, classes = shapes[0]
    labels = (np.arange(n) * 5 + 1) % classes  # mixed classes, with repeats when n > classes
    return [{"labels": labels, "reduction": r} for r in ("mean", "sum", "none")]


def _cross_entropy_labels(x, labels, reduction):
    return tg_nn_ops.softmax_cross_entropy_labels(x, labels, reduction)


def _torch_cross_entropy_labels(x, labels, reduction):
    return _torch_f().cross_entropy(x, _torch().as_tensor(labels), reduction=reduction)


def _np_cross_entropy_labels(x, labels, reduction):
    losses = -_np_log_softmax_rows(x)[np.arange(len(labels)), labels]
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.mean() if len(losses) else np.float64(np.nan)  # PyTorch: nan, no warning


OPS = [
    OpSpec("linear", lambda x, w, b: tg_nn_ops.linear(x, w, b),
           lambda x, w, b: x @ w.T + b, lambda x, w, b: _torch_f().linear(x, w, b), 3,
           [((4, 3), (2, 3), (2,)), ((3,), (2, 3), (2,)), ((2, 4, 3), (5, 3), (5,)),
            ((0, 3), (2, 3), (2,))]),
    OpSpec("linear_no_bias", lambda x, w: tg_nn_ops.linear(x, w), lambda x, w: x @ w.T,
           lambda x, w: _torch_f().linear(x, w), 2, [((4, 3), (2, 3)), ((3,), (1, 3))]),
    OpSpec("softmax_cross_entropy", tg_nn_ops.softmax_cross_entropy,
           lambda x, t: -(t * _np_log_softmax_rows(x)).sum(-1),
           lambda x, t: -(t * x.log_softmax(-1)).sum(-1), 2, [((4, 3), (4, 3)), ((1, 5), (1, 5))],
           domains={0: (-4.0, 4.0), 1: (0.0, 1.0)}),
    OpSpec("cross_entropy_labels",
           lambda x, labels: tg_nn_functional.cross_entropy(x, labels, reduction="none"),
           lambda x, labels: -_np_log_softmax_rows(x)[np.arange(len(labels)), labels],
           lambda x, labels: _torch_f().cross_entropy(x, _torch().as_tensor(labels),
                                                      reduction="none"),
           1, [((4, 3),)], kwargs=[{"labels": np.array([0, 2, 1, 2])}],
           domains={0: (-4.0, 4.0)}),
    OpSpec("softmax_cross_entropy_labels", _cross_entropy_labels, _np_cross_entropy_labels,
           _torch_cross_entropy_labels, 1, [((4, 3),), ((1, 5),), ((6, 2),)],
           kwargs=_labels_for, domains={0: (-4.0, 4.0)}),
    # No samples: an empty gradient. (The mean, nan as in PyTorch, is tested in
    # test_nn_losses.py: a nan loss fails check_graph here.)
    OpSpec("softmax_cross_entropy_labels_no_samples", _cross_entropy_labels,
           _np_cross_entropy_labels, _torch_cross_entropy_labels, 1, [((0, 3),)],
           kwargs=lambda shapes: _labels_for(shapes)[1:]),
    OpSpec("binary_cross_entropy", tg_nn_ops.binary_cross_entropy, _np_bce,
           lambda p, t: _torch_f().binary_cross_entropy(p, t, reduction="none"), 2,
           [((4,), (4,)), ((2, 3), (2, 3))], domains={0: (0.2, 0.8), 1: (0.0, 1.0)}),
    OpSpec("binary_cross_entropy_with_logits", tg_nn_ops.binary_cross_entropy_with_logits,
           lambda x, t: np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x))),
           lambda x, t: _torch_f().binary_cross_entropy_with_logits(x, t, reduction="none"), 2,
           [((4,), (4,)), ((2, 3), (2, 3))], domains={0: (-4.0, 4.0), 1: (0.0, 1.0)}),
    OpSpec("l1_penalty", lambda w, lam: tg_nn_ops.l1_penalty(w, lam),
           lambda w, lam: lam * np.abs(w).sum(), lambda w, lam: lam * w.abs().sum(), 1,
           [((3, 2),), ((4,),)], kwargs=[{"lam": 0.01}, {"lam": 1.5}]),
    OpSpec("l2_penalty", lambda w, lam: tg_nn_ops.l2_penalty(w, lam),
           lambda w, lam: lam * (w * w).sum(), lambda w, lam: lam * (w * w).sum(), 1,
           [((3, 2),), ((4,),)], kwargs=[{"lam": 0.01}, {"lam": 1.5}]),
]

