"""The one op table that drives the op tests (test_ops_*.py).

Every differentiable op is one :class:`OpSpec`: the tinygraph callable, a NumPy reference, a
PyTorch reference, how many array arguments it takes, where their values may be drawn from,
the shapes and keyword arguments to try, and whether second derivatives are checked. From
each entry the tests derive, for every (shapes, kwargs) case:

- forward against the NumPy reference (test_ops_forward.py),
- gradient against central finite differences, second derivative (test_ops_gradcheck.py),
- forward, gradient and second derivative against PyTorch in float64 (test_ops_torch.py),
- for ``broadcasting=True`` entries, hypothesis-drawn mutually broadcastable shapes
  (test_ops_hypothesis.py).

Adding an op is one entry appended to ``OPS`` (or ``OPS.append(...)`` next to the op's tests)::

    OpSpec(
        "softplus",
        fn=lambda x: F.softplus(x),                 # tinygraph Tensors in, Tensor out
        ref=lambda x: np.logaddexp(0, x),           # NumPy arrays in, array out
        torch=lambda x: x.exp().log1p(),            # torch float64 tensors in (use _torch()
        nargs=1,                                    #   for torch.* functions)
        shapes=UNARY_SHAPES,                        # tuples: one shape per array argument
        domains={0: (-3.0, 3.0)},                   # per-argument value range (default ±2)
    )

Keyword arguments (``kwargs``) are constants of the op (axis, keepdims, an index, a class-label
array): a list of dicts, or a function of the case's shapes returning that list (for axes that
depend on ndim). Each dict is passed to all three callables, so write the torch callable with
the same keyword names. Every kwargs dict is tried with every shape case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

import tinygraph as tg
from tinygraph.nn import functional as tg_nn_functional
from tinygraph.ops import functions as F
from tinygraph.ops import nn as tg_nn_ops

Shapes = tuple  # one shape (a tuple of ints) per array argument
KwargsCases = Sequence[dict] | Callable[[Shapes], Sequence[dict]]

DEFAULT_DOMAIN = (-2.0, 2.0)


@dataclass
class OpSpec:
    """One op under test.

    name: test id.
    fn: the tinygraph function, ``fn(*tensors, **kwargs) -> Tensor``.
    ref: NumPy reference, ``ref(*arrays, **kwargs) -> ndarray``.
    torch: PyTorch reference on float64 torch tensors, ``torch(*tensors, **kwargs)``; None
        when there is no PyTorch counterpart.
    nargs: number of array (differentiable) arguments.
    shapes: the shape cases, each a tuple of ``nargs`` shapes (``()`` is a 0-d tensor).
    kwargs: keyword cases (list of dicts, or ``shapes -> list of dicts``); default ``[{}]``.
    domains: ``{arg index: (low, high)}``: values are drawn uniformly from there (default
        ``DEFAULT_DOMAIN``), away from poles, kinks and outside the op's domain.
    second_order: also check second derivatives (gradgradcheck, torch double backward).
    broadcasting: the op broadcasts its array arguments (hypothesis draws shapes for it).
    """

    name: str
    fn: Callable
    ref: Callable
    torch: Callable | None
    nargs: int
    shapes: Sequence[Shapes]
    kwargs: KwargsCases = field(default_factory=lambda: [{}])
    domains: dict = field(default_factory=dict)
    second_order: bool = True
    broadcasting: bool = False

    def domain(self, i: int) -> tuple:
        return self.domains.get(i, DEFAULT_DOMAIN)

    def kwargs_for(self, shapes: Shapes) -> Sequence[dict]:
        return self.kwargs(shapes) if callable(self.kwargs) else self.kwargs

    def __repr__(self) -> str:  # pytest ids and failure messages
        return f"OpSpec({self.name})"


def _torch():
    """The torch module, imported lazily (torch is optional outside CI)."""
    import torch

    return torch


def make_inputs(spec: OpSpec, shapes: Shapes, rng: np.random.Generator) -> list:
    """float64 arrays for ``spec``'s arguments, drawn from their domains."""
    arrays = []
    for i, shape in enumerate(shapes):
        low, high = spec.domain(i)
        arrays.append(rng.uniform(low, high, size=shape).astype(np.float64))
    return arrays


def cases(specs: Sequence[OpSpec], second_order_only: bool = False) -> list:
    """``pytest.param``-ready triples (spec, shapes, kwargs) with readable ids."""
    import pytest

    params = []
    for spec in specs:
        if second_order_only and not spec.second_order:
            continue
        for shapes in spec.shapes:
            for k, kwargs in enumerate(spec.kwargs_for(shapes)):
                shape_id = "-".join("x".join(map(str, s)) or "0d" for s in shapes)
                params.append(pytest.param(spec, shapes, kwargs,
                                           id=f"{spec.name}[{shape_id}]#{k}"))
    return params


def iter_cases(spec: OpSpec) -> Iterator[tuple]:
    for shapes in spec.shapes:
        for kwargs in spec.kwargs_for(shapes):
            yield shapes, kwargs


# -- shape cases ---------------------------------------------------------------------------

UNARY_SHAPES = [((),), ((4,),), ((2, 3),), ((2, 1, 3),), ((0, 3),)]
BINARY_SHAPES = [
    ((), ()),
    ((3,), ()),               # tensor with 0-d
    ((), (3,)),               # 0-d with tensor
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),           # broadcast the second
    ((3,), (2, 3)),           # broadcast the first
    ((2, 1), (1, 3)),         # both ways
    ((4, 1, 3), (2, 1)),
    ((0, 3), (3,)),           # empty
]
REDUCE_SHAPES = [((),), ((5,),), ((2, 3),), ((2, 3, 4),)]


def axes_for(shapes: Shapes) -> list:
    """Reduction keywords: all axes, each axis (also negative), a tuple, with/without keepdims."""
    ndim = len(shapes[0])
    out = [{}, {"axis": None, "keepdims": True}]
    for axis in range(-ndim, ndim):
        out.append({"axis": axis, "keepdims": axis % 2 == 0})
    if ndim >= 2:
        out.append({"axis": (0, -1)})
        out.append({"axis": (0, ndim - 1), "keepdims": True})
    return out


def one_axis_for(shapes: Shapes) -> list:
    """softmax-style keywords: one axis, positive and negative."""
    ndim = len(shapes[0])
    return [{"axis": a} for a in range(-ndim, ndim)] or [{"axis": -1}]


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


def _torch_index(index):
    """A NumPy index with its arrays turned into torch tensors."""
    torch = _torch()
    parts = index if isinstance(index, tuple) else (index,)
    converted = tuple(torch.as_tensor(p) if isinstance(p, np.ndarray) else p for p in parts)
    return converted if isinstance(index, tuple) else converted[0]


def _torch_getitem(x, index):
    """x[index] in torch, which has no negative slice steps: flip those axes instead."""
    parts = index if isinstance(index, tuple) else (index,)
    flipped = tuple(i for i, p in enumerate(parts) if isinstance(p, slice) and p == slice(
        None, None, -1))
    if flipped:
        x = x.flip(flipped)
        parts = tuple(slice(None) if i in flipped else p for i, p in enumerate(parts))
        index = parts
    return x[_torch_index(index)]


def _np_setitem(x, v, index):
    out = x.copy()
    out[index] = v
    return out


def _torch_setitem(x, v, index):
    out = x.clone()
    out[_torch_index(index)] = v
    return out


def _where_kwargs(shapes: Shapes) -> list:
    shape = np.broadcast_shapes(*shapes)
    pattern = (np.arange(int(np.prod(shape))) % 3 == 0).reshape(shape)
    return [{"cond": pattern}, {"cond": np.array(True)}]


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
GETITEM_INDICES = [
    {"index": 1},
    {"index": -1},
    {"index": (1, 2)},
    {"index": slice(1, 3)},
    {"index": (slice(None), slice(None, None, 2))},
    {"index": (slice(None, None, -1), 0)},
    {"index": (None, 1)},
    {"index": (Ellipsis, 2)},
    {"index": (Ellipsis, None)},
    {"index": np.array([0, 2, 2, 3, 0])},                  # repeated rows accumulate
    {"index": (np.array([1, 1, 3]), np.array([0, 0, 4]))},  # repeated elements accumulate
    {"index": (slice(None), np.array([4, 4, 1]))},
    {"index": np.array([True, False, True, True])},
    {"index": np.arange(20).reshape(4, 5) % 3 == 0},
]

SETITEM_CASES = [
    (((4, 5), ()), {"index": (1, 2)}),
    (((4, 5), (5,)), {"index": 2}),
    (((4, 5), (4, 2)), {"index": (slice(None), slice(1, 3))}),
    (((4, 5), (3, 5)), {"index": np.array([0, 2, 3])}),
    (((4, 5), (1,)), {"index": np.arange(20).reshape(4, 5) % 3 == 0}),
]


OPS: list[OpSpec] = [
    # -- arithmetic (broadcasting) -------------------------------------------------------
    OpSpec("add", tg.add, np.add, lambda a, b: a + b, 2, BINARY_SHAPES, broadcasting=True),
    OpSpec("sub", tg.sub, np.subtract, lambda a, b: a - b, 2, BINARY_SHAPES,
           broadcasting=True),
    OpSpec("mul", tg.mul, np.multiply, lambda a, b: a * b, 2, BINARY_SHAPES,
           broadcasting=True),
    OpSpec("div", tg.div, np.divide, lambda a, b: a / b, 2, BINARY_SHAPES,
           domains={1: (0.5, 2.0)}, broadcasting=True),
    OpSpec("pow", tg.pow, np.power, lambda a, b: a**b, 2, BINARY_SHAPES,
           domains={0: (0.5, 2.0)}, broadcasting=True),
    OpSpec("pow_scalar", lambda x, p: tg.pow(x, p), lambda x, p: np.power(x, p),
           lambda x, p: x**p, 1, UNARY_SHAPES,
           kwargs=[{"p": 2}, {"p": 3}, {"p": 0.5}, {"p": -1.5}, {"p": 0}, {"p": 1}],
           domains={0: (0.5, 2.0)}),
    OpSpec("pow_int_negative_base", lambda x, p: x**p, lambda x, p: np.power(x, p),
           lambda x, p: x**p, 1, UNARY_SHAPES, kwargs=[{"p": 2}, {"p": 3}],
           domains={0: (-2.0, -0.5)}),
    OpSpec("rpow", lambda x, base: base**x, lambda x, base: np.power(base, x),
           lambda x, base: base**x, 1, UNARY_SHAPES, kwargs=[{"base": 2.0}, {"base": 0.5}]),
    OpSpec("neg", tg.neg, np.negative, lambda x: -x, 1, UNARY_SHAPES),
    OpSpec("maximum", tg.maximum, np.maximum, lambda a, b: _torch().maximum(a, b), 2,
           BINARY_SHAPES, broadcasting=True),
    OpSpec("minimum", tg.minimum, np.minimum, lambda a, b: _torch().minimum(a, b), 2,
           BINARY_SHAPES, broadcasting=True),
    OpSpec("matmul", tg.matmul, np.matmul, lambda a, b: a @ b, 2, [
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3, 4)),
        ((2, 2, 3), (3, 4)),
        ((3,), (2, 3, 4)),
        ((2, 3, 4), (4,)),
        ((2, 1, 2, 3), (4, 3, 2)),   # batch axes broadcast both ways: (2, 4)
        ((0, 3), (3, 2)),
    ]),
    # -- unary ---------------------------------------------------------------------------
    OpSpec("exp", tg.exp, np.exp, lambda x: x.exp(), 1, UNARY_SHAPES),
    OpSpec("log", tg.log, np.log, lambda x: x.log(), 1, UNARY_SHAPES,
           domains={0: (0.1, 5.0)}),
    OpSpec("sqrt", tg.sqrt, np.sqrt, lambda x: x.sqrt(), 1, UNARY_SHAPES,
           domains={0: (0.1, 5.0)}),
    OpSpec("abs", tg.abs, np.abs, lambda x: x.abs(), 1, UNARY_SHAPES),
    OpSpec("clip", tg.clip, lambda x, min=None, max=None: np.clip(x, min, max),
           lambda x, min=None, max=None: x.clamp(min, max), 1, UNARY_SHAPES,
           kwargs=[{"min": -0.5, "max": 0.7}, {"min": -1.0}, {"max": 0.25}]),
    OpSpec("relu", tg.relu, lambda x: np.maximum(x, 0), lambda x: x.relu(), 1, UNARY_SHAPES),
    OpSpec("sigmoid", tg.sigmoid, lambda x: 1 / (1 + np.exp(-x)), lambda x: x.sigmoid(), 1,
           UNARY_SHAPES, domains={0: (-6.0, 6.0)}),
    OpSpec("tanh", tg.tanh, np.tanh, lambda x: x.tanh(), 1, UNARY_SHAPES),
    OpSpec("astype", tg.astype, lambda x, dtype: x.astype(dtype),
           lambda x, dtype: x.to(_torch().float64), 1, UNARY_SHAPES,
           kwargs=[{"dtype": np.float64}]),
    # -- reductions ----------------------------------------------------------------------
    OpSpec("sum", tg.sum, np.sum, _torch_reduce("sum"), 1, REDUCE_SHAPES + [((0, 3),)],
           kwargs=axes_for),
    OpSpec("mean", tg.mean, np.mean, _torch_reduce("mean"), 1, REDUCE_SHAPES,
           kwargs=axes_for),
    OpSpec("var", tg.var, lambda x, axis=None, keepdims=False: np.var(
        x, axis=axis, keepdims=keepdims, ddof=1), _torch_var, 1, [((5,),), ((3, 4),),
                                                                  ((2, 3, 4),)],
           kwargs=axes_for),
    OpSpec("max", tg.max, np.max, _torch_reduce("amax"), 1, REDUCE_SHAPES, kwargs=axes_for),
    OpSpec("min", tg.min, np.min, _torch_reduce("amin"), 1, REDUCE_SHAPES, kwargs=axes_for),
    OpSpec("logsumexp", tg.logsumexp, _np_logsumexp,
           lambda x, axis=None, keepdims=False: x.logsumexp(dim=_dims(x, axis),
                                                            keepdim=keepdims),
           1, REDUCE_SHAPES[1:], kwargs=axes_for, domains={0: (-4.0, 4.0)}),
    OpSpec("softmax", tg.softmax, _np_softmax, lambda x, axis=-1: x.softmax(dim=axis), 1,
           [((5,),), ((2, 3),), ((2, 3, 4),)], kwargs=one_axis_for, domains={0: (-4.0, 4.0)}),
    OpSpec("log_softmax", tg.log_softmax, _np_log_softmax,
           lambda x, axis=-1: x.log_softmax(dim=axis), 1, [((5,),), ((2, 3),), ((2, 3, 4),)],
           kwargs=one_axis_for, domains={0: (-4.0, 4.0)}),
    # -- shape ---------------------------------------------------------------------------
    OpSpec("reshape", lambda x, shape: x.reshape(shape), lambda x, shape: x.reshape(shape),
           lambda x, shape: x.reshape(shape), 1, [((2, 3),)],
           kwargs=[{"shape": (3, 2)}, {"shape": (6,)}, {"shape": (-1, 2)}, {"shape": (1, 6, 1)}]),
    OpSpec("reshape_0d", lambda x, shape: x.reshape(shape), lambda x, shape: x.reshape(shape),
           lambda x, shape: x.reshape(shape), 1, [((),), ((1, 1),)],
           kwargs=[{"shape": (1,)}, {"shape": ()}]),
    OpSpec("transpose", lambda x, axes: tg.transpose(x, *axes),
           lambda x, axes: np.transpose(x, axes or None),
           lambda x, axes: x.permute(*axes) if axes else x.permute(*reversed(range(x.ndim))),
           1, [((2, 3, 4),)],
           kwargs=[{"axes": ()}, {"axes": (2, 0, 1)}, {"axes": (0, 2, 1)}, {"axes": (-1, 0, 1)}]),
    OpSpec("T", lambda x: x.T, lambda x: x.T, lambda x: x.permute(*reversed(range(x.ndim))), 1,
           [((2, 3),), ((4,),), ((2, 3, 4),)]),
    OpSpec("swapaxes", lambda x, dims: tg.swapaxes(x, *dims),
           lambda x, dims: np.swapaxes(x, *dims), lambda x, dims: x.swapaxes(*dims), 1,
           [((2, 3, 4),)], kwargs=[{"dims": (0, 2)}, {"dims": (-1, 1)}, {"dims": (1, 1)}]),
    OpSpec("flatten", tg.flatten,
           lambda x, start_dim=0, end_dim=-1: x.reshape(
               x.shape[:start_dim % max(x.ndim, 1)] + (-1,)
               + x.shape[end_dim % max(x.ndim, 1) + 1:]) if x.ndim else x.reshape(1),
           lambda x, start_dim=0, end_dim=-1: x.flatten(start_dim, end_dim), 1,
           [((2, 3, 4),)],
           kwargs=[{}, {"start_dim": 1}, {"end_dim": 1}, {"start_dim": -2, "end_dim": -1}]),
    OpSpec("flatten_0d", tg.flatten, lambda x: x.reshape(1), lambda x: x.flatten(), 1, [((),)]),
    OpSpec("squeeze", tg.squeeze, lambda x, axis=None: np.squeeze(x, axis),
           lambda x, axis=None: x.squeeze() if axis is None else x.squeeze(axis), 1,
           [((1, 3, 1, 2),)], kwargs=[{}, {"axis": 0}, {"axis": -2}, {"axis": (0, 2)}]),
    OpSpec("unsqueeze", tg.unsqueeze, np.expand_dims, lambda x, axis: x.unsqueeze(axis), 1,
           [((),), ((2, 3),)], kwargs=[{"axis": 0}, {"axis": -1}]),
    OpSpec("broadcast_to", lambda x, shape: tg.broadcast_to(x, shape), np.broadcast_to,
           lambda x, shape: x.broadcast_to(shape), 1, [((3,),), ((2, 1),), ((),)],
           kwargs=lambda s: [{"shape": (4,) + tuple(n if n != 1 else 3 for n in s[0])},
                             {"shape": (2, 2) + tuple(n if n != 1 else 3 for n in s[0])}]),
    OpSpec("getitem", lambda x, index: x[index], lambda x, index: x[index],
           _torch_getitem, 1, [((4, 5),)], kwargs=GETITEM_INDICES),
    OpSpec("getitem_positive", lambda x: x[x > 0], lambda x: x[x > 0], lambda x: x[x > 0], 1,
           [((4, 5),), ((6,),)]),
    OpSpec("setitem", lambda x, v, index: F.setitem(x, index, v), _np_setitem, _torch_setitem,
           2, [], kwargs=[]),  # cases below: the value's shape depends on the index
    OpSpec("concatenate", lambda a, b, c, axis=0: tg.concatenate([a, b, c], axis=axis),
           lambda a, b, c, axis=0: np.concatenate([a, b, c], axis=axis),
           lambda a, b, c, axis=0: _torch().cat([a, b, c], dim=axis), 3,
           [((2, 3), (1, 3), (4, 3)), ((2,), (0,), (3,))], kwargs=[{"axis": 0}]),
    OpSpec("concatenate_last", lambda a, b, axis: tg.cat([a, b], axis=axis),
           lambda a, b, axis: np.concatenate([a, b], axis=axis),
           lambda a, b, axis: _torch().cat([a, b], dim=axis), 2, [((2, 3), (2, 1))],
           kwargs=[{"axis": 1}, {"axis": -1}]),
    OpSpec("stack", lambda a, b, axis=0: tg.stack([a, b], axis=axis),
           lambda a, b, axis=0: np.stack([a, b], axis=axis),
           lambda a, b, axis=0: _torch().stack([a, b], dim=axis), 2,
           [((2, 3), (2, 3)), ((), ())],
           kwargs=lambda s: [{"axis": a} for a in range(-len(s[0]) - 1, len(s[0]) + 1)]),
    OpSpec("where", lambda a, b, cond: tg.where(cond, a, b),
           lambda a, b, cond: np.where(cond, a, b),
           lambda a, b, cond: _torch().where(_torch().as_tensor(cond), a, b), 2,
           [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), ()), ((2, 1), (1, 3))],
           kwargs=_where_kwargs),
]


# -- fused nn ops (tinygraph/ops/nn.py, used by tinygraph.nn) ------------------------------


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


NN_OPS = [
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
OPS += NN_OPS

def _setitem_spec() -> OpSpec:
    spec = next(s for s in OPS if s.name == "setitem")
    spec.shapes = [shapes for shapes, _ in SETITEM_CASES]
    by_shapes: dict = {}
    for shapes, kwargs in SETITEM_CASES:
        by_shapes.setdefault(shapes, []).append(kwargs)
    spec.kwargs = lambda shapes: by_shapes[shapes]
    return spec


_setitem_spec()

BY_NAME = {spec.name: spec for spec in OPS}
