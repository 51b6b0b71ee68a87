"""Gradient clipping and flat parameter vectors, as ``torch.nn.utils``.

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()

The norms are computed on the gradients' arrays (with their array namespace), and clipping
scales the gradients in place, outside the graph.
"""

from __future__ import annotations

import types
import warnings

from ...autograd import no_grad
from ...backend import namespace_of
from ...names import missing_name
from ...ops import functions as ops
from ...tensor import Tensor, tensor
from ..parameter import overwrite
from . import (  # noqa: F401 - as torch.nn.utils.<name>
    fusion,
    parametrizations,
    parametrize,
    prune,
    rnn,
    stateless,
)
from .fusion import (
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)
from .weight_norms import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
           "parameters_to_vector", "vector_to_parameters", "rnn", "parametrize",
           "parametrizations", "prune", "weight_norm",
           "remove_weight_norm", "spectral_norm", "remove_spectral_norm", "stateless", "fusion",
           "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights"]


def _tensors(parameters, what: str) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    is_generator = isinstance(parameters, types.GeneratorType)
    try:
        parameters = list(parameters)
    except TypeError:
        raise TypeError(f"{what}: expected a Tensor or an iterable of Tensors (such as "
                        f"model.parameters()), got {type(parameters).__name__}.") from None
    if is_generator and not parameters:
        warnings.warn(f"{what}: `parameters` is an empty generator, no gradient clipping will "
                      "occur.", stacklevel=3)
    for p in parameters:
        if not isinstance(p, Tensor):
            raise TypeError(f"{what}: expected Tensors, got a {type(p).__name__}.")
    return parameters


def _vector_norm(array, norm_type: float):
    xp = namespace_of(array)
    return xp.linalg.norm(array.reshape(-1), ord=norm_type)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` together (the norm of their norms), as a 0-d
    Tensor; ``inf`` is the largest absolute value."""
    tensors = _tensors(tensors, "get_total_norm")
    norm_type = float(norm_type)
    if not tensors:
        return tensor(0.0)
    arrays = [t._data for t in tensors]
    xp = namespace_of(*arrays)
    dtype = xp.result_type(*arrays)
    norms = xp.asarray([_vector_norm(a, norm_type) for a in arrays], dtype=dtype)
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not xp.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`."
        )
    return tensor(xp.asarray(total, dtype=dtype))


def clip_grads_with_norm_(parameters, max_norm: float, total_norm, foreach=None) -> None:
    """Scale every gradient by ``min(1, max_norm / (total_norm + 1e-6))``, in place."""
    grads = [p.grad for p in _tensors(parameters, "clip_grads_with_norm_") if p.grad is not None]
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else total_norm
    coef = min(float(max_norm) / (total + 1e-6), 1.0)  # 1e-6: no division by zero
    with no_grad():
        for g in grads:
            overwrite(g, g._data * coef)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Rescale the gradients of ``parameters`` so that their total norm is at most
    ``max_norm``; returns the total norm before clipping (a 0-d Tensor).

    ``norm_type``: 2 (default), any p > 0, or ``float("inf")``. With
    ``error_if_nonfinite=True`` a NaN/Inf total norm raises instead of scaling.

    >>> total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    parameters = _tensors(parameters, "clip_grad_norm_")
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total_norm)
    return total_norm


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient of ``parameters`` into ``[-clip_value, clip_value]``, in place."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _tensors(parameters, "clip_grad_value_"):
            if p.grad is not None:
                g = p.grad._data
                overwrite(p.grad, namespace_of(g).clip(g, -clip_value, clip_value))


def parameters_to_vector(parameters) -> Tensor:
    """All ``parameters`` flattened and concatenated into one 1-D Tensor (in the graph)."""
    parameters = _tensors(parameters, "parameters_to_vector")
    if not parameters:
        raise ValueError("parameters_to_vector: no parameters given.")
    return ops.cat([ops.reshape(p, (-1,)) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Make the parameters' values consecutive slices of the 1-D ``vec`` (they share its
    storage afterwards, as in PyTorch)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, but got "
                        f"{type(vec).__name__}.")
    parameters = _tensors(parameters, "vector_to_parameters")
    sizes = [p._data.size for p in parameters]
    if vec.ndim != 1 or vec.shape[0] != sum(sizes):
        raise ValueError(f"vector_to_parameters: the vector has shape {tuple(vec.shape)}, but "
                         f"the parameters hold {sum(sizes)} values (sizes {sizes}); give a 1-D "
                         f"vector of {sum(sizes)}.")
    start = 0
    for p, size in zip(parameters, sizes):
        p.data = vec._data[start:start + size].reshape(p.shape)
        start += size


__getattr__ = missing_name(__name__, globals())


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` whose parameters are meant to be filled by the caller
    (torch leaves them uninitialised; tinygraph's hold the usual initial values). As torch,
    the class must accept a ``device`` argument."""
    import inspect

    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    return module_cls(*args, **kwargs)


def convert_conv2d_weight_memory_format(module, memory_format):
    """``module`` itself: tinygraph keeps NumPy's layout, so there is nothing to convert
    (the values are the same in every memory format)."""
    return module


convert_conv3d_weight_memory_format = convert_conv2d_weight_memory_format
__all__ += ["skip_init", "convert_conv2d_weight_memory_format",
            "convert_conv3d_weight_memory_format"]
