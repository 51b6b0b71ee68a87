"""``MultivariateNormal``, as torch's: given ``scale_tril`` L (Σ = L Lᵀ), a covariance or a
precision matrix; everything is computed from L (``tg.linalg.cholesky`` of the covariance),
and gradients flow through it as through torch's."""

from __future__ import annotations

import math

import numpy as np

from .. import linalg
from ..factories import eye
from ..ops import registry
from ..tensor import Tensor, tensor
from . import constraints
from .distribution import Distribution
from .utils import lazy_property, standard_normal

__all__ = ["MultivariateNormal"]

broadcast_shapes = registry.functions["broadcast_shapes"]


class _LowerCholesky(constraints.Constraint):
    """Lower-triangular square matrices with a positive diagonal."""

    event_dim = 2

    def check(self, value):
        lower = (value.tril() == value).reshape(tuple(value.shape[:-2]) + (-1,)).all(-1)
        positive = (value.diagonal(dim1=-2, dim2=-1) > 0).all(-1)
        return lower & positive


lower_cholesky = _LowerCholesky()


class _PositiveDefinite(constraints.Constraint):
    """Symmetric matrices with positive eigenvalues."""

    event_dim = 2

    def check(self, value):
        array = np.asarray(value.detach().numpy())
        if array.shape[-2] != array.shape[-1]:
            return _bool(np.zeros(array.shape[:-2], dtype=bool))
        symmetric = np.isclose(array, np.swapaxes(array, -1, -2), atol=1e-6).all((-2, -1))
        if not symmetric.all():
            return _bool(symmetric)
        return _bool(np.linalg.eigvalsh(array).min(-1) > 0)


def _bool(array) -> Tensor:
    return tensor(np.asarray(array, dtype=bool))


positive_definite = _PositiveDefinite()


def _precision_to_scale_tril(precision: Tensor) -> Tensor:
    """L with L Lᵀ = precision⁻¹, from the Cholesky factor of the flipped precision."""
    flipped = linalg.cholesky(precision.flip((-2, -1)))
    inverse = flipped.flip((-2, -1)).mT
    n = precision.shape[-1]
    identity = eye(n, dtype=precision.dtype).expand(tuple(inverse.shape))
    return linalg.solve_triangular(inverse, identity, upper=False)


def _solve_lower(scale_tril: Tensor, value: Tensor) -> Tensor:
    """``L⁻¹ value`` for a batch of vectors, as torch's (``linalg.solve_triangular``: only L's
    lower triangle counts, its upper one gets no gradient)."""
    n = value.shape[-1]
    shape = tuple(broadcast_shapes(tuple(scale_tril.shape[:-2]), tuple(value.shape[:-1])))
    lower = scale_tril.expand(shape + (n, n))
    rhs = value.expand(shape + (n,)).unsqueeze(-1)
    return linalg.solve_triangular(lower, rhs, upper=False).squeeze(-1)


class MultivariateNormal(Distribution):
    """The normal distribution over vectors with mean ``loc`` and covariance ``L Lᵀ``.

    >>> m = MultivariateNormal(tg.zeros(2), scale_tril=tg.eye(2))
    >>> m.log_prob(tg.zeros(2))
    """

    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": positive_definite,
                       "precision_matrix": positive_definite, "scale_tril": lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, covariance_matrix=None, precision_matrix=None,
                 scale_tril=None, validate_args: bool | None = None) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        matrix, name = next((m, n) for m, n in ((scale_tril, "scale_tril"), (
            covariance_matrix, "covariance_matrix"), (precision_matrix, "precision_matrix"))
            if m is not None)
        if matrix.dim() < 2:
            what = "scale_tril matrix" if name == "scale_tril" else name
            raise ValueError(f"{what} must be at least two-dimensional, with optional leading "
                             "batch dimensions")
        batch_shape = tuple(broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1])))
        setattr(self, name, matrix.expand(batch_shape + (-1, -1)))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, tuple(self.loc.shape[-1:]), validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = linalg.cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = tuple(batch_shape)
        n = self.event_shape[0]
        new.loc = self.loc.expand(batch_shape + (n,))
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("scale_tril", "covariance_matrix", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape + (n, n)))
        super(MultivariateNormal, new).__init__(batch_shape, self.event_shape,
                                                validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _matrix_shape(self) -> tuple:
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @lazy_property
    def scale_tril(self) -> Tensor:
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self) -> Tensor:
        return linalg.inv(self.covariance_matrix)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        shape = tuple(self._batch_shape) + tuple(self._event_shape)
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(shape)

    def rsample(self, sample_shape=()) -> Tensor:
        eps = standard_normal(self._extended_shape(sample_shape), self.loc.dtype)
        L = self._unbroadcasted_scale_tril
        return self.loc + (L @ eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self) -> Tensor:
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = _solve_lower(self._unbroadcasted_scale_tril, value - self.loc)
        M = z.pow(2).sum(-1)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + M) - self._half_log_det()

    def entropy(self):
        n = self._event_shape[0]
        H = 0.5 * n * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        if len(self._batch_shape) == 0:
            return H
        return H.expand(tuple(self._batch_shape))
