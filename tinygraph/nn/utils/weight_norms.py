"""Reparametrized weights, as ``torch.nn.utils``' ``weight_norm`` and ``spectral_norm``: the
layer's weight is recomputed before each forward (a forward pre-hook) from new parameters.

- ``weight_norm(module)``: ``weight = g * v / |v|`` (norms over every dim but ``dim``), with
  parameters ``weight_g`` and ``weight_v`` (Salimans & Kingma 2016).
- ``spectral_norm(module)``: ``weight = weight_orig / sigma``, sigma the largest singular value
  of the weight (as a matrix of its first dim against the rest) estimated by power iteration,
  one step per training forward, on the buffers ``weight_u`` and ``weight_v`` (Miyato et al.
  2018). In eval mode the stored vectors are used as they are.

The state_dict keys are PyTorch's, so such a layer's weights load from torch and back.
"""

from __future__ import annotations

import warnings

import numpy as np

from ... import random
from ...autograd import no_grad
from ...ops import functions as ops
from ...tensor import tensor
from ..parameter import Parameter


def _norm_except_dim(v, dim: int):
    """The 2-norm of ``v`` over every dim but ``dim`` (all of them for dim -1), keeping dims."""
    if dim == -1:
        return ops.norm(v)
    axes = tuple(d for d in range(v.ndim) if d != dim % v.ndim)
    return ops.sqrt(ops.sum(v * v, axes, True))


class _WeightNorm:
    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def compute(self, module):
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    def __call__(self, module, args):
        object.__setattr__(module, self.name, self.compute(module))


def weight_norm(module, name: str = "weight", dim: int | None = 0):
    """Split ``module``'s ``name`` into a magnitude ``name_g`` and a direction ``name_v``;
    returns the module. Deprecated, as in PyTorch: ``nn.utils.parametrizations.weight_norm``
    does the same as a parametrization (and loads this one's checkpoints)."""
    warnings.warn("`nn.utils.weight_norm` is deprecated in favor of "
                  "`nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    dim = -1 if dim is None else dim
    weight = getattr(module, name)
    hooks = module.__dict__.setdefault("_weight_hooks", {})
    if name in hooks:
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter "
                           f"{name}.")
    fn = _WeightNorm(name, dim)
    with no_grad():
        g = _norm_except_dim(weight.detach(), dim)
    delattr(module, name)
    module.register_parameter(name + "_g", Parameter(g.numpy().copy()))
    module.register_parameter(name + "_v", Parameter(weight.detach().numpy().copy()))
    object.__setattr__(module, name, fn.compute(module))
    hooks[name] = module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module, name: str = "weight"):
    """Undo ``weight_norm``: one parameter ``name`` again, holding the current weight."""
    return _remove(module, name, _WeightNorm, "weight_norm", ("_g", "_v"))


class _SpectralNorm:
    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        self.name, self.n_power_iterations, self.dim, self.eps = (
            name, n_power_iterations, dim, eps)

    def matrix(self, weight):
        if self.dim != 0:
            order = (self.dim,) + tuple(d for d in range(weight.ndim) if d != self.dim)
            weight = ops.permute(weight, order)
        return ops.reshape(weight, (weight.shape[0], -1))

    def compute(self, module, do_power_iteration: bool):
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        matrix = self.matrix(weight)
        if do_power_iteration:
            with no_grad():
                w = matrix.detach()
                for _ in range(self.n_power_iterations):
                    v.copy_(_normalize(ops.mv(ops.t(w), u), self.eps))
                    u.copy_(_normalize(ops.mv(w, v), self.eps))
        sigma = ops.dot(u.clone(), ops.mv(matrix, v.clone()))
        return weight / sigma

    def __call__(self, module, args):
        object.__setattr__(module, self.name, self.compute(module, module.training))


def _normalize(x, eps: float):
    return x / ops.clamp(ops.norm(x), min=eps)


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None):
    """Divide ``module``'s ``name`` by its spectral norm before each forward; returns the
    module."""
    if n_power_iterations <= 0:
        raise ValueError(f"Expected n_power_iterations to be positive, but got "
                         f"n_power_iterations={n_power_iterations}")
    hooks = module.__dict__.setdefault("_weight_hooks", {})
    if name in hooks:
        raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter "
                           f"{name}")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    weight = getattr(module, name)
    fn = _SpectralNorm(name, n_power_iterations, dim, eps)
    matrix = fn.matrix(weight.detach()).numpy()
    rng = random.generator()
    u = tensor(rng.normal(size=matrix.shape[0]).astype(matrix.dtype))
    v = tensor(rng.normal(size=matrix.shape[1]).astype(matrix.dtype))
    delattr(module, name)
    module.register_parameter(name + "_orig", Parameter(weight.detach().numpy().copy()))
    module.register_buffer(name + "_u", _normalize(u, eps))
    module.register_buffer(name + "_v", _normalize(v, eps))
    object.__setattr__(module, name, weight.detach().clone())
    hooks[name] = module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module, name: str = "weight"):
    """Undo ``spectral_norm``: one parameter ``name`` again, holding the normalized weight."""
    return _remove(module, name, _SpectralNorm, "spectral_norm", ("_orig", "_u", "_v"))


def _remove(module, name: str, kind: type, what: str, suffixes: tuple):
    """Drop the reparametrization's pre-hook and tensors, and make ``name`` a plain parameter
    holding the weight they make."""
    hooks = module.__dict__.get("_weight_hooks", {})
    if name not in hooks or not isinstance(hooks[name].hook[0], kind):
        raise ValueError(f"{what} of '{name}' not found in {module}")
    handle = hooks.pop(name)
    fn = handle.hook[0]
    weight = fn.compute(module) if kind is _WeightNorm else fn.compute(module, False)
    handle.remove()
    if name in module.__dict__:
        object.__delattr__(module, name)
    for suffix in suffixes:
        delattr(module, name + suffix)
    module.register_parameter(name, Parameter(np.array(weight.detach().numpy())))
    return module
