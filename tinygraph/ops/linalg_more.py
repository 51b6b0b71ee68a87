"""Square-matrix ops: ``inverse``, ``det``, ``cholesky`` and the LU solve (batched over
leading dims), and ``matrix_exp`` composed of matmuls: the ops behind ``tg.linalg.inv``,
``det``, ``solve`` (and the triangular and Cholesky solves), ``cholesky`` and ``matrix_exp``
(tinygraph/linalg.py).

The inverse and det backwards go through the inverse, so they need invertible matrices
(PyTorch's det backward also handles singular ones through an SVD)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import return_types
from ..autograd import Op
from .args import data, shape
from .registry import functions, public


def _square(input, op: str) -> None:
    s = shape(input)
    if len(s) < 2:
        raise RuntimeError(f"linalg.{op}: The input tensor A must have at least 2 dimensions, "
                           f"got shape {s}.")
    if s[-1] != s[-2]:
        raise RuntimeError(f"linalg.{op}: A must be batches of square matrices, but they are "
                           f"{s[-2]} by {s[-1]} matrices (shape {s}).")
    if data(input).dtype.kind != "f":
        raise RuntimeError(f"linalg.{op}: Expected a floating point or complex tensor as "
                           f"input. Got {data(input).dtype}; convert with .double() or "
                           ".float().")


def _inv(a):
    """The inverse of arrays (NumPy) or of Tensors (the recorded op, under create_graph)."""
    return np.linalg.inv(a) if isinstance(a, np.ndarray) else functions["inverse"](a)


def _mT(xp, a):
    return xp.swapaxes(a, -1, -2)


class LinAlgError(RuntimeError):
    """A linear-algebra op met a matrix it cannot handle (a singular one), as
    ``torch.linalg.LinAlgError``: a RuntimeError."""


def _singular(op: str, err) -> LinAlgError:
    return LinAlgError(f"linalg.{op}: The diagonal element of the LU factorization is zero: "
                        f"the input matrix is singular ({err}); it has no inverse.")


@public("inverse")
class Inverse(Op):
    """Y = A^-1 (each matrix of the batch);  dA = -Y^T g Y^T."""

    __slots__ = ()
    label = "inverse"

    @staticmethod
    def arguments(input):
        _square(input, "inv")
        return (input,), {}

    def forward(self, a):
        try:
            y = np.linalg.inv(a)
        except np.linalg.LinAlgError as err:
            raise _singular("inv", err) from None
        y = y.astype(a.dtype, copy=False)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        xp = self.xp
        yt = _mT(xp, y)
        return (-xp.matmul(xp.matmul(yt, g), yt),)


def solve_matrices(a, b):
    """X with ``A @ X = B`` for arrays (LAPACK's LU, by NumPy) or Tensors (the recorded op)."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        try:
            return np.linalg.solve(a, b)
        except np.linalg.LinAlgError as err:
            raise _singular("solve", err) from None
    return Solve.apply(a, b)


class Solve(Op):
    """X = A^-1 B, by an LU factorization rather than the inverse (each matrix of the batch;
    B of shape (*, n, k));  dB = A^-T g,  dA = -dB X^T."""

    __slots__ = ()
    label = "linalg_solve"

    def forward(self, a, b):
        x = solve_matrices(a, b).astype(np.result_type(a, b), copy=False)
        self.save(a, x)
        return x

    def backward(self, g):
        a, x = self.saved
        xp = self.xp
        gb = solve_matrices(_mT(xp, a), g)
        ga = -xp.matmul(gb, _mT(xp, x)) if self.needs_grad[0] else None
        return (ga, gb)


@public("det")
class Det(Op):
    """y = det(A) (each matrix of the batch);  dA = g * y * A^-T."""

    __slots__ = ()
    label = "det"

    @staticmethod
    def arguments(input):
        _square(input, "det")
        return (input,), {}

    def forward(self, a):
        y = np.asarray(np.linalg.det(a)).astype(a.dtype, copy=False)
        self.save(a, y)
        return y

    def backward(self, g):
        a, y = self.saved
        xp = self.xp
        scale = (g * y)[..., None, None]
        return (scale * _mT(xp, _inv(a)),)


def _not_positive_definite(op: str, a) -> LinAlgError:
    """torch's message: the first batch element and leading minor that fail."""
    matrices = a.reshape((-1,) + a.shape[-2:])
    for b, m in enumerate(matrices):
        for k in range(1, m.shape[-1] + 1):
            try:
                np.linalg.cholesky(m[:k, :k])
            except np.linalg.LinAlgError:
                batch = f"(Batch element {b}): " if a.ndim > 2 else ""
                return LinAlgError(
                    f"{op}: {batch}The factorization could not be completed because the input "
                    f"is not positive-definite (the leading minor of order {k} is not "
                    "positive-definite).")
    return LinAlgError(f"{op}: the input is not positive-definite.")


@public("cholesky")
class Cholesky(Op):
    """L = cholesky(A), lower, with A = L L^T, read from A's lower triangle (``upper=True``:
    U = L^T, read from A's upper triangle);  dA = L^-T P L^-1 with P = Φ(L^T gL), Φ(M) the
    lower triangle of M with its diagonal halved, mirrored to be symmetric (Murray 2016;
    torch's cholesky_backward): the gradient for symmetric changes of A."""

    __slots__ = ("upper", "op")
    label = "cholesky"

    @staticmethod
    def arguments(input, upper=False):  # tg.cholesky and x.cholesky(); tg.linalg's skips this
        _square(input, "cholesky")
        warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will "
                      "be removed in a future PyTorch release: L = torch.linalg.cholesky(A), "
                      "U = torch.linalg.cholesky(A).mH.", UserWarning, stacklevel=3)
        return (input,), {"upper": bool(upper), "op": "cholesky"}

    def forward(self, a):
        try:  # NumPy reads the lower triangle; A^T's lower one is A's upper one
            lower = np.linalg.cholesky(_mT(np, a) if self.upper else a)
        except np.linalg.LinAlgError:
            raise _not_positive_definite(self.op, a) from None
        lower = lower.astype(a.dtype, copy=False)
        y = _mT(np, lower) if self.upper else lower
        self.save(y)  # the output itself, so create_graph finds it
        return y

    def backward(self, g):
        (lower,) = self.saved
        xp = self.xp
        if self.upper:
            lower, g = _mT(xp, lower), _mT(xp, g)
        phi = xp.tril(xp.matmul(_mT(xp, lower), g))
        phi = 0.5 * (phi + _mT(xp, xp.tril(phi, -1)))
        inv = _inv(lower)
        return (xp.matmul(xp.matmul(_mT(xp, inv), phi), inv),)

    def elementwise_gradient(self, grads):
        """For tg.check_graph, whose finite differences move one element of A at a time: the
        forward reads one triangle, so that triangle's derivative is the symmetric gradient
        with its off-diagonal part doubled (and the other triangle's is zero)."""
        (g,) = grads
        triangle = np.triu if self.upper else np.tril
        return [triangle(g + _mT(np, g)) - g * np.eye(g.shape[-1])]


@public("matrix_exp")
def matrix_exp(input):
    """The matrix exponential of a square matrix (or of each of a batch), by scaling and
    squaring: ``exp(A) = exp(A / 2**s) ** (2**s)`` with ``|A / 2**s|_1 <= 1/2``, whose
    exponential an 18-term Taylor sum gives to float64 rounding. Built of matmuls, so its
    gradient (and higher ones) follow. ``tg.linalg.matrix_exp`` is this one."""
    a = data(input)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.matrix_exp: A must be batches of square matrices, got "
                           f"shape {a.shape}.")
    if a.dtype.kind != "f":
        raise RuntimeError(f"linalg.matrix_exp: Expected a floating point or complex tensor as "
                           f"input. Got {a.dtype}.")
    norm = float(np.abs(a).sum(-2).max()) if a.size else 0.0
    squarings = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    X = input / 2.0 ** squarings if squarings else input
    term = X
    result = X + np.eye(a.shape[-1], dtype=a.dtype)
    for k in range(2, 19):
        term = functions["matmul"](term, X) / k
        result = result + term
    for _ in range(squarings):
        result = functions["matmul"](result, result)
    return result


def triangle(A, upper: bool, unitriangular: bool):
    """A's upper (or lower) triangle, with ones on the diagonal where ``unitriangular``: what
    a triangular solve reads of A, so only those entries get a gradient."""
    if unitriangular:
        part = functions["triu" if upper else "tril"](A, 1 if upper else -1)
        return part + np.eye(shape(A)[-1], dtype=data(A).dtype)
    return functions["triu" if upper else "tril"](A)


@public("triangular_solve")
def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False):
    """torch's deprecated form of ``tg.linalg.solve_triangular(A, input, upper=upper)``:
    ``(solution, cloned_coefficient)``, the X with ``A @ X = input`` (``A.mT @ X = input``
    with ``transpose``) for a triangular A, and a copy of A."""
    if len(shape(input)) < 2 or len(shape(A)) < 2:
        raise RuntimeError(f"triangular_solve: expected both tensors to have at least 2 "
                           f"dimensions, got shapes {shape(input)} and {shape(A)}.")
    _square(A, "triangular_solve")
    warnings.warn("torch.triangular_solve is deprecated in favor of "
                  "torch.linalg.solve_triangular and will be removed in a future PyTorch "
                  "release: X = torch.linalg.solve_triangular(A, B).", UserWarning, stacklevel=3)
    T = triangle(A, upper, unitriangular)
    if transpose:
        T = functions["transpose"](T, -2, -1)
    solution = Solve.apply(T, input)
    return return_types.triangular_solve(solution, functions["clone"](A))


@public("cholesky_solve")
def cholesky_solve(input, input2, upper=False):
    """X with ``A @ X = input`` given A's Cholesky factor ``input2`` (L with ``A = L @ L.mT``,
    or U with ``A = U.mT @ U`` when ``upper``): ``L^-T L^-1 input``. As in torch, the factor's
    gradient is that of the full matrix: ``-(G X^T + X G^T) L`` with ``G = A^-1 g``."""
    if len(shape(input)) < 2:
        raise RuntimeError(f"cholesky_solve: b should have at least 2 dimensions, but has "
                           f"{len(shape(input))} dimensions instead")
    _square(input2, "cholesky_solve")
    n = shape(input2)[-1]
    if shape(input)[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {n} "
                           f"by {n} but each b matrix is {shape(input)[-2]} by "
                           f"{shape(input)[-1]}")
    factor_t = functions["transpose"](input2, -2, -1)
    first, second = (factor_t, input2) if upper else (input2, factor_t)
    return Solve.apply(second, Solve.apply(first, input))


@public("cholesky_inverse")
def cholesky_inverse(input, upper=False):
    """The inverse of A from its Cholesky factor ``input`` (L with ``A = L @ L.mT``, or U with
    ``A = U.mT @ U`` when ``upper``): ``cholesky_solve`` of the identity, whose gradient rule
    it shares."""
    _square(input, "cholesky_inverse")
    s, dtype = shape(input), data(input).dtype
    eye = np.ascontiguousarray(np.broadcast_to(np.eye(s[-1], dtype=dtype), s))
    return cholesky_solve(eye, input, upper)
