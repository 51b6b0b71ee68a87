"""The op table's entry type, input drawing and the shared shape cases (see __init__.py).

The one op table that drives the op tests (test_ops_*.py).

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
