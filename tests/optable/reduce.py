"""Op-table entries: reductions and the softmax family."""

from __future__ import annotations

import numpy as np

import tinygraph as tg

from .spec import (
    REDUCE_SHAPES,
    OpSpec,
    axes_for,
    one_axis_for,
)


def _dims(x, axis):
    """torch's ``dim`` for a tinygraph ``axis`` (None: every axis)."""
    return tuple(range(x.ndim)) if axis is None else axis


def _torch_reduce(method: str):
    def reduce(x, axis=None, keepdims=False):
        if x.ndim == 0:
            return getattr(x, method)()
        return getattr(x, method)(dim=_dims(x, axis), keepdim=keepdims)

    return reduce


def _torch_var(x, axis=None, keepdims=False):
    return x.var(dim=_dims(x, axis) if x.ndim else None, keepdim=keepdims, correction=1)


def _np_logsumexp(x, axis=None, keepdims=False):
    peak = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return out if keepdims else np.squeeze(out, axis=axis)


def _np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_log_softmax(x, axis=-1):
    return np.log(_np_softmax(x, axis))


# Index cases for getitem on a (4, 5) tensor: basic, advanced with repeats, masks.

OPS = [
    OpSpec("sum", tg.sum, np.sum, _torch_reduce("sum"), 1, REDUCE_SHAPES + [((0, 3),)],
           kwargs=axes_for),
    OpSpec("mean", tg.mean, np.mean, _torch_reduce("mean"), 1, REDUCE_SHAPES,
           kwargs=axes_for),
    OpSpec("var", tg.var, lambda x, axis=None, keepdims=False: np.var(
        x, axis=axis, keepdims=keepdims, ddof=1), _torch_var, 1, [((5,),), ((3, 4),),
                                                                  ((2, 3, 4),)],
           kwargs=axes_for),
    OpSpec("amax", tg.amax, np.max, _torch_reduce("amax"), 1, REDUCE_SHAPES, kwargs=axes_for),
    OpSpec("amin", tg.amin, np.min, _torch_reduce("amin"), 1, REDUCE_SHAPES, kwargs=axes_for),
    OpSpec("logsumexp", tg.logsumexp, _np_logsumexp,
           lambda x, axis=None, keepdims=False: x.logsumexp(dim=_dims(x, axis),
                                                            keepdim=keepdims),
           1, REDUCE_SHAPES[1:], kwargs=axes_for, domains={0: (-4.0, 4.0)}),
    OpSpec("softmax", tg.softmax, _np_softmax, lambda x, axis=-1: x.softmax(dim=axis), 1,
           [((5,),), ((2, 3),), ((2, 3, 4),)], kwargs=one_axis_for, domains={0: (-4.0, 4.0)}),
    OpSpec("log_softmax", tg.log_softmax, _np_log_softmax,
           lambda x, axis=-1: x.log_softmax(dim=axis), 1, [((5,),), ((2, 3),), ((2, 3, 4),)],
           kwargs=one_axis_for, domains={0: (-4.0, 4.0)}),
]
