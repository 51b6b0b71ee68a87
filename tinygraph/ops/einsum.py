"""``tg.einsum(equation, *operands)``: Einstein summation, PyTorch's signature and rules.

The equation is first written out in full (``canonical``): ``...`` becomes letters of its
own and an implicit output (no ``->``) becomes the ellipsis dims followed by the labels seen
exactly once, in ASCII order (PyTorch's rule: ``"ba,aC"`` gives ``"Cb"``). NumPy then
contracts with ``optimize=True``, which picks a pairwise contraction path and hands the pairs
to BLAS.

The gradient of one operand is another einsum: the output's gradient contracted with the
other operands, to the operand's labels. Two things need care. A label repeated within the
operand (a diagonal, ``"ii->i"``) is given a fresh letter, tied to the first by an identity
matrix. A label found nowhere else (summed away, ``"ij->i"``) is brought back by a vector of
ones. Both are constants of the backward einsum, which is itself recorded under
``create_graph``, so higher derivatives are einsums again.
"""

from __future__ import annotations

import string
from collections import Counter

import numpy as np

from ..autograd import Op
from ..errors import ShapeError  # a ValueError (NumPy's einsum) and a RuntimeError (PyTorch's)
from .args import data
from .registry import public

LETTERS = string.ascii_letters


def canonical(equation: str, shapes: list) -> tuple[list, str]:
    """The operands' subscripts and the output's, explicit and without ``...``."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        more = "fewer" if len(shapes) < len(terms) else "more"
        raise ShapeError(f"einsum: {more} operands were provided ({len(shapes)}) than the "
                         f"equation {equation!r} specifies ({len(terms)}).")
    for term in terms + ([rhs] if arrow else []):
        rest = term.replace("...", "", 1)
        bad = [c for c in rest if c not in LETTERS]
        if bad:
            raise ShapeError(f"einsum: invalid subscript {bad[0]!r} in {equation!r}; "
                             "subscripts must be in [a-zA-Z], with at most one '...' per term.")
    used = set(eq) & set(LETTERS)
    spare = [c for c in LETTERS if c not in used]
    ellipsis_dims = [len(s) - (len(t) - 3) for t, s in zip(terms, shapes) if "..." in t]
    n_ellipsis = max(ellipsis_dims, default=0)
    ellipsis = "".join(spare[:n_ellipsis])
    written = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        if "..." in term:
            k = len(shape) - (len(term) - 3)
            if k < 0:
                raise ShapeError(f"einsum: operand {i} has {len(shape)} dims (shape {shape}), "
                                 f"fewer than the {len(term) - 3} subscripts of {term!r}.")
            term = term.replace("...", ellipsis[n_ellipsis - k:])
        elif len(term) != len(shape):
            raise ShapeError(f"einsum: the number of subscripts in {term!r} ({len(term)}) does "
                             f"not match the number of dims of operand {i} (shape {shape}) and "
                             "no ellipsis was given.")
        written.append(term)
    counts = Counter("".join(written))
    if arrow:
        output = rhs.replace("...", ellipsis)
        for c in output:
            if c not in counts:
                raise ShapeError(f"einsum: output subscript {c!r} of {equation!r} appears in "
                                 "no input operand.")
            if output.count(c) > 1:
                raise ShapeError(f"einsum: output subscript {c!r} appears more than once in "
                                 f"the output of {equation!r}.")
    else:
        output = ellipsis + "".join(sorted(c for c, n in counts.items()
                                           if n == 1 and c not in ellipsis))
    _check_sizes(written, shapes, equation)
    return written, output


def _check_sizes(terms: list, shapes: list, equation: str) -> None:
    """Each label has one size across the operands (1 broadcasts, as in PyTorch)."""
    sizes: dict = {}
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        for c, n in zip(term, shape):
            seen = sizes.get(c)
            if seen is not None and n != seen[0] and 1 not in (n, seen[0]):
                raise ShapeError(f"einsum: subscript {c!r} has size {seen[0]} in operand "
                                 f"{seen[1]} but {n} in operand {i} ({equation!r}).")
            if seen is None or seen[0] == 1:
                sizes[c] = (n, i)


def _contract(xp, equation: str, operands):
    """``xp.einsum``: NumPy's with its path search, or (under create_graph) this op."""
    if getattr(xp, "array_type", None) is not None:
        return xp.einsum(equation, *operands, optimize=True)
    return xp.einsum(equation, *operands)


def _from_sublists(args):
    """(equation, operands) from einsum's sublist form: operand, its subscripts (ints in
    [0, 52) or ...), ..., and optionally the output's subscripts last."""
    def letters(sublist):
        if not isinstance(sublist, (list, tuple)):
            raise TypeError(f"einsum: in the sublist form each operand is followed by a list "
                            f"of its subscripts, got {type(sublist).__name__}.")
        out = ""
        for s in sublist:
            if s is Ellipsis:
                out += "..."
            elif isinstance(s, (int, np.integer)) and 0 <= s < 52:
                out += "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[s]
            else:
                raise ValueError(f"einsum(): subscript in subscript list is not within the "
                                 f"valid range [0, 52), got {s!r}.")
        return out

    operands, terms = args[0:len(args) - len(args) % 2:2], args[1::2]
    terms = terms[:len(operands)]
    equation = ",".join(letters(t) for t in terms)
    if len(args) % 2:
        equation += "->" + letters(args[-1])
    return equation, tuple(operands)


@public("einsum", method=False)
class Einsum(Op):
    """y = einsum(equation, *xs);  dx_i = einsum(g and the other operands -> x_i's labels),
    with identity matrices for labels repeated in x_i and ones for labels only x_i has."""

    __slots__ = ("equation", "terms", "output")
    label = "einsum"

    @staticmethod
    def arguments(equation, *operands):
        if not isinstance(equation, str):  # the sublist form einsum(x, [0, 1], y, [1, 2])
            equation, operands = _from_sublists((equation, *operands))
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])  # einsum("ij,jk", [a, b])
        arrays = [data(x) for x in operands]
        for i, a in enumerate(arrays):
            if not isinstance(a, np.ndarray):
                raise TypeError(f"einsum: operand {i} must be a Tensor, got "
                                f"{type(a).__name__}.")
        dtypes = {a.dtype for a in arrays}
        if len(dtypes) > 1:
            raise RuntimeError(f"einsum: all operands must have the same dtype, got "
                               f"{[str(a.dtype) for a in arrays]}; convert with .to(dtype).")
        terms, output = canonical(equation, [a.shape for a in arrays])
        explicit = ",".join(terms) + "->" + output
        return tuple(operands), {"equation": explicit, "terms": terms, "output": output}

    def forward(self, *xs):
        self.save(*xs)
        return _contract(self.xp, self.equation, xs)

    def backward(self, g):
        xs = self.saved
        return tuple(self._grad(g, i, xs) if need else None
                     for i, need in enumerate(self.needs_grad))

    def _grad(self, g, i: int, xs):
        """einsum(output, other operands, constants -> operand i's labels)."""
        term, shape = self.terms[i], xs[i].shape
        spare = iter(c for c in LETTERS if c not in self.equation)
        target, constants = "", []
        for c, n in zip(term, shape):
            if c in target:  # a diagonal: a fresh label tied to c by the identity
                fresh = next(spare)
                constants.append((c + fresh, np.eye(n, dtype=g.dtype)))
                c = fresh
            target += c
        others = [t for k, t in enumerate(self.terms) if k != i]
        present = set(self.output + "".join(others) + "".join(s for s, _ in constants))
        for c, n in zip(target, shape):
            if c not in present:  # summed away in the forward: broadcast back
                constants.append((c, np.ones(n, dtype=g.dtype)))
                present.add(c)
        subscripts = [self.output, *others, *(s for s, _ in constants)]
        operands = [g, *(x for k, x in enumerate(xs) if k != i), *(a for _, a in constants)]
        return _contract(self.xp, ",".join(subscripts) + "->" + target, operands)
