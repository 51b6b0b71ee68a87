"""Ready-made parametrizations, as ``torch.nn.utils.parametrizations``, each registered with
:func:`~tinygraph.nn.utils.parametrize.register_parametrization` (so the keys are torch's):

- ``weight_norm(module)``: ``weight = g * v / |v|`` (norms over every dim but ``dim``),
  the originals ``parametrizations.weight.original0`` (g) and ``original1`` (v).
- ``spectral_norm(module)``: ``weight / sigma``, sigma the largest singular value estimated by
  power iteration on the buffers ``parametrizations.weight.0._u`` and ``_v`` (one step per
  read in training mode; none in eval mode).
- ``orthogonal(module)``: an orthogonal (or semi-orthogonal) weight, by the matrix exponential
  (square real matrices, the default), the Cayley map or Householder reflectors.
"""

from __future__ import annotations

from enum import Enum, auto

import numpy as np

from ... import linalg, random
from ...autograd import no_grad
from ...ops import functions as ops
from ...tensor import Tensor, tensor
from ..functional_conv import normalize
from ..module import Module
from . import parametrize
from .weight_norms import _norm_except_dim

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight):
        with no_grad():
            return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int = 0) -> Module:
    """Split ``module``'s ``name`` into a magnitude (``original0``) and a direction
    (``original1``), ``weight = g * v / |v|``; ``dim=None`` normalizes the whole tensor.
    Returns the module.

    >>> conv = nn.utils.parametrizations.weight_norm(nn.Conv2d(3, 8, 3))
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys,
                                 unexpected_keys, error_msgs) -> None:
        """Checkpoints of the older nn.utils.weight_norm (``weight_g``, ``weight_v``)."""
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight.detach())
            h, w = weight_mat.shape
            rng = random.generator()
            dtype = weight_mat.dtype
            u = tensor(rng.normal(size=h).astype(dtype))
            v = tensor(rng.normal(size=w).astype(dtype))
            self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = ops.permute(weight, (self.dim, *(d for d in range(weight.ndim)
                                                      if d != self.dim)))
        return ops.flatten(weight, 1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        with no_grad():  # the buffers change in place, as torch's `out=`
            weight_mat = weight_mat.detach()
            for _ in range(n_power_iterations):
                self._u.copy_(normalize(ops.mv(weight_mat, self._v), dim=0, eps=self.eps))
                self._v.copy_(normalize(ops.mv(ops.t(weight_mat), self._u), dim=0,
                                        eps=self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = ops.dot(u, ops.mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divide ``module``'s ``name`` by its spectral norm (power iteration, on the buffers
    ``parametrizations.<name>.0._u`` and ``_v``); ``dim`` defaults to 1 for transposed
    convolutions, 0 otherwise. Returns the module."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if parametrize.type_before_parametrizations(module).__name__.startswith(
            "ConvTranspose") else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _eye_like(x: Tensor, n: int) -> np.ndarray:
    return np.eye(n, dtype=x.dtype)


def _is_orthogonal(Q: Tensor) -> bool:
    n, k = Q.shape[-2:]
    eps = 10.0 * n * np.finfo(Q.dtype).eps
    gram = Q.mT.numpy() @ Q.numpy()
    return bool(np.allclose(gram, np.eye(k), atol=eps))


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of A's QR decomposition with the signs that make R's diagonal positive (for a
    full-rank A the closest orthogonal matrix in that sense, as torch's geqrf + orgqr)."""
    a = A.numpy()
    q, r = np.linalg.qr(a)
    signs = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    return tensor(q * signs[..., None, :])


def _geqrf(A: np.ndarray):
    """LAPACK's geqrf of each matrix: the reflectors below the diagonal, R on and above it,
    and the scalars tau."""
    out, taus = np.empty_like(A), np.empty(A.shape[:-2] + (min(A.shape[-2:]),), A.dtype)
    for index in np.ndindex(*A.shape[:-2]):
        h, tau = np.linalg.qr(A[index], mode="raw")
        out[index], taus[index] = h.T, tau
    return out, taus


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map: _OrthMaps, *,
                 use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2:]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = ops.tril(X)
            if n != k:
                zeros = np.zeros(X.shape[:-2] + (n, n - k), dtype=X.dtype)
                X = ops.cat([X, tensor(zeros)], dim=-1)
            A = X - X.mT
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = linalg.matrix_exp(A)
            else:
                eye = _eye_like(A, n)
                Q = linalg.solve(A * -0.5 + eye, A * 0.5 + eye)
            if n != k:
                Q = Q[..., :k]
        else:
            A = ops.tril(X, -1)
            tau = 2.0 / (1.0 + ops.sum(A * A, -2))
            Q = linalg.householder_product(A, tau)
            Q = Q * ops.unsqueeze(ops.diagonal(X, 0, -2, -1).int(), -2)
        if hasattr(self, "base"):
            Q = ops.matmul(self.base, Q)
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        with no_grad():
            if Q.shape != self.shape:
                raise ValueError(f"Expected a matrix or batch of matrices of shape "
                                 f"{parametrize._size(self.shape)}. Got a tensor of shape "
                                 f"{parametrize._size(Q.shape)}.")
            Q_init = Q
            n, k = Q.shape[-2:]
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if not hasattr(self, "base"):
                if self.orthogonal_map != _OrthMaps.householder:
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential or the Cayley "
                        "parametrizations when use_trivialization=False.")
                A, tau = _geqrf(Q.numpy())
                diagonal = np.diagonal(A, axis1=-2, axis2=-1)
                signs = np.sign(diagonal) * np.where(tau == 0.0, -1.0, 1.0)
                A[..., np.arange(k), np.arange(k)] = signs
                A = tensor(A)
                return A.mT if transpose else A
            if n == k:
                Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
            else:
                extra = random.generator().standard_normal(Q.shape[:-2] + (n, n - k))
                Q = _make_orthogonal(ops.cat([Q, tensor(extra.astype(Q.dtype))], dim=-1))
            self.base = Q
            neg_eye = np.zeros(Q_init.shape, dtype=Q_init.dtype)
            diagonal = np.arange(min(Q_init.shape[-2:]))
            neg_eye[..., diagonal, diagonal] = -1.0
            return tensor(neg_eye)


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Make ``module``'s matrix ``name`` orthogonal (semi-orthogonal if not square):
    ``orthogonal_map`` ``"matrix_exp"`` (the default for square matrices), ``"cayley"`` or
    ``"householder"`` (the default otherwise). With ``use_trivialization`` (the default) the
    map is applied around a stored orthogonal ``base``. Returns the module."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of "
                         f"{weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
