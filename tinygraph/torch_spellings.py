"""torch's top-level spellings of functions tinygraph keeps elsewhere, and small top-level
helpers: ``torch.cosine_similarity``, ``torch.pairwise_distance``, ``torch.pixel_shuffle``,
``torch.selu`` ... (the ``torch.nn.functional`` functions under their top-level names, with
torch's top-level signatures), ``torch.asarray``, ``torch.unravel_index``, ``torch.inner``,
``torch.ger``, ``torch.rsub``, ``torch.scalar_tensor``, ``torch.is_same_size``,
``torch.is_signed`` and ``torch.detach`` (``get_rng_state``/``set_rng_state``
are tinygraph/random.py's).
"""

from __future__ import annotations

import numpy as np

from .creation import get_default_dtype
from .dtypes import as_dtype
from .factories import as_tensor
from .nn import functional as F
from .ops import registry
from .tensor import Tensor, tensor

# nn.functional's functions under torch's top-level names (same arguments, in torch's order)
cosine_similarity = F.cosine_similarity
pairwise_distance = F.pairwise_distance
pixel_shuffle = F.pixel_shuffle
pixel_unshuffle = F.pixel_unshuffle
channel_shuffle = F.channel_shuffle
selu = F.selu
celu = F.celu
threshold = F.threshold
prelu = F.prelu
hardshrink = F.hardshrink
rrelu = F.rrelu
bilinear = F.bilinear
adaptive_avg_pool1d = F.adaptive_avg_pool1d
rms_norm = F.rms_norm


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5,
               cudnn_enabled: bool = True):
    """``F.group_norm`` with torch's top-level signature (``cudnn_enabled`` is ignored)."""
    return F.group_norm(input, num_groups, weight, bias, eps)


def adaptive_max_pool1d(input, output_size):
    """``(values, indices)``: torch's top-level form always returns the indices."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def asarray(obj, *, dtype=None, device=None, copy: bool | None = None,
            requires_grad: bool | None = None):
    """A Tensor from ``obj``, sharing its memory where it can unless ``copy=True`` (a Tensor
    is then cloned, staying in its graph); ``copy=False`` refuses to copy, as torch.
    ``requires_grad`` defaults to ``obj``'s (torch 2.13's default); False detaches."""
    if copy and isinstance(obj, Tensor):
        result = obj.clone() if dtype is None else obj.to(dtype, copy=True)
    elif copy:
        result = tensor(obj, dtype=dtype, device=device)
    else:
        result = as_tensor(obj, dtype=dtype, device=device)
        if copy is False and isinstance(obj, (Tensor, np.ndarray)):
            source = obj._data if isinstance(obj, Tensor) else obj
            if not np.shares_memory(result._data, source):
                raise ValueError("asarray: copy=False, but the dtype asked for needs a copy.")
    if requires_grad is False and result.requires_grad:
        return result.detach()
    return result.requires_grad_(True) if requires_grad and not result.requires_grad else result


def unravel_index(indices, shape) -> tuple:
    """The coordinates (one int64 tensor per dim of ``shape``) of flat ``indices``; as torch,
    each coordinate is taken modulo its dim, so -1 is the last element."""
    flat = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if flat.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected 'indices' to be an integer tensor, got "
                        f"{flat.dtype}.")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    rest, coords = flat.astype(np.int64), []
    for n in reversed(shape):
        coords.append(np.mod(rest, n))
        rest = np.floor_divide(rest, n)
    return tuple(tensor(c) for c in reversed(coords))


def inner(input, other):
    """The sum over the last dim of ``input`` times that of ``other`` (a dot product for
    vectors; every pair of rows otherwise)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return registry.functions["tensordot"](input, other, dims=([-1], [-1]))


def ger(input, vec2):
    """The outer product (``torch.outer``'s older name)."""
    return registry.functions["outer"](input, vec2)


def rsub(input, other, alpha=1):
    """``other - alpha * input`` (subtraction with the operands reversed)."""
    return other - alpha * input if alpha != 1 else other - input


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False):
    """A 0-d tensor holding ``s``, in the default float dtype unless ``dtype``."""
    dtype = get_default_dtype() if dtype is None else as_dtype(dtype, "scalar_tensor")
    return tensor(s, dtype=dtype, device=device, requires_grad=requires_grad)


def is_same_size(input, other) -> bool:
    """Whether the two tensors have the same shape."""
    return tuple(input.shape) == tuple(other.shape)


def is_signed(input) -> bool:
    """Whether ``input``'s dtype holds negative numbers (floats and signed integers)."""
    return input.dtype.kind in "fi"


def detach(input):
    """``input.detach()``."""
    return input.detach()


__all__ = ["cosine_similarity", "pairwise_distance", "pixel_shuffle", "pixel_unshuffle",
           "channel_shuffle", "selu", "celu", "threshold", "prelu", "hardshrink", "rrelu",
           "bilinear", "adaptive_avg_pool1d", "adaptive_max_pool1d", "rms_norm", "group_norm",
           "asarray", "unravel_index", "inner", "ger", "rsub", "scalar_tensor", "is_same_size",
           "is_signed", "detach"]
