"""Op-table entries: products and contractions (einsum, mm, bmm, dot, outer)."""

from __future__ import annotations

import numpy as np

import tinygraph as tg

from .spec import OpSpec, _torch

# (equation, operand shapes): each is one case of the einsum entry with that many operands
EINSUM_CASES = [
    ("ij,jk->ik", ((2, 3), (3, 4))),
    ("ij,jk", ((2, 3), (3, 4))),
    ("Ba,aB", ((2, 3), (3, 2))),                   # implicit output in ASCII order
    ("ba,aC", ((2, 3), (3, 5))),
    ("bij,bjk->bik", ((2, 2, 3), (2, 3, 4))),
    ("...ij,...jk", ((5, 2, 3), (3, 4))),          # ellipsis, broadcast over the batch
    ("i,j", ((3,), (4,))),
    ("ij,ij->ij", ((1, 3), (2, 3))),               # a length-1 dim broadcasts
    ("ij,ij->", ((2, 3), (2, 3))),
    ("ii,i->i", ((3, 3), (3,))),                   # a diagonal
    ("ij,k->ijk", ((2, 3), (2,))),
    ("ii", ((3, 3),)),
    ("ii->i", ((3, 3),)),
    ("ij->", ((2, 3),)),
    ("ij->ji", ((2, 3),)),
    ("iij->j", ((2, 2, 3),)),
    ("ij->i", ((2, 3),)),
    ("...->...", ((2, 3),)),
    ("->", ((),)),
    ("ij,jk,kl->il", ((2, 3), (3, 4), (4, 2))),
    ("i,i,i->", ((3,), (3,), (3,))),
    ("bn,anm,bm->ba", ((2, 3), (4, 3, 2), (2, 2))),  # a bilinear form
]


def _einsum_spec(nargs: int) -> OpSpec:
    cases = [(eq, shapes) for eq, shapes in EINSUM_CASES if len(shapes) == nargs]
    by_shapes: dict = {}
    for eq, shapes in cases:
        by_shapes.setdefault(shapes, []).append({"equation": eq})
    return OpSpec(
        "einsum" if nargs == 2 else f"einsum_{nargs}",
        lambda *xs, equation: tg.einsum(equation, *xs),
        lambda *xs, equation: np.asarray(np.einsum(equation, *xs)),
        lambda *xs, equation: _torch().einsum(equation, *xs),
        nargs, list(by_shapes), kwargs=lambda shapes: by_shapes[shapes])


OPS = [
    _einsum_spec(2),
    _einsum_spec(1),
    _einsum_spec(3),
    OpSpec("einsum_list", lambda a, b: tg.einsum("ij,jk->ik", [a, b]),
           lambda a, b: a @ b, lambda a, b: _torch().einsum("ij,jk->ik", [a, b]), 2,
           [((2, 3), (3, 4))]),
    OpSpec("mm", tg.mm, np.matmul, lambda a, b: a.mm(b), 2, [((2, 3), (3, 4)), ((0, 3), (3, 2))]),
    OpSpec("bmm", tg.bmm, np.matmul, lambda a, b: a.bmm(b), 2, [((2, 2, 3), (2, 3, 4))]),
    OpSpec("dot", tg.dot, np.dot, lambda a, b: a.dot(b), 2, [((3,), (3,)), ((0,), (0,))]),
    OpSpec("outer", lambda a, b: a.outer(b), np.outer, lambda a, b: a.outer(b), 2,
           [((3,), (4,)), ((0,), (2,))]),
]
