"""Top-level functions of ``torch`` that are not ops of the registry: the dtype rules
(``result_type``, ``promote_types``, ``can_cast``), the deprecated ``range`` (end included),
``empty_strided``, and the functional dropouts under their ``torch.*`` names
(``torch.dropout(input, p, train)``: positional, no defaults).

    >>> tg.promote_types(tg.int32, tg.float32)
    dtype('float32')
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .autograd import Tensor
from .autograd.promotion import _CATEGORY, _promote, result_dtype
from .creation import get_default_dtype
from .device import as_device
from .dtypes import as_dtype
from .ops.strided import strided_view

_WIDE_UNSIGNED = {np.dtype(np.uint16), np.dtype(np.uint32), np.dtype(np.uint64)}


def _dtype(value, what: str) -> np.dtype:
    if isinstance(value, Tensor):
        raise TypeError(f"{what}: expected a dtype (tg.float32, ...), got a Tensor; pass "
                        "x.dtype.")
    return as_dtype(value, what)


def promote_types(type1, type2) -> np.dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to without leaving the higher
    category (bool < integer < floating): ``promote_types(int64, float16)`` is float16, as
    PyTorch (NumPy would widen to float64)."""
    a, b = _dtype(type1, "promote_types"), _dtype(type2, "promote_types")
    if a != b and (a in _WIDE_UNSIGNED or b in _WIDE_UNSIGNED) and \
            _CATEGORY[a.kind] == _CATEGORY[b.kind] == 1:
        raise RuntimeError(f"promote_types: Promotion for uint16, uint32, uint64 types is not "
                           f"supported, attempted to promote {a} and {b}.")
    return _promote(a, b)


def can_cast(from_, to) -> bool:
    """Whether PyTorch's casting rule allows ``from_`` -> ``to``: not to a lower category
    (floating -> integer, integer -> bool are refused); within a category every cast is
    allowed (int64 -> uint8, float64 -> float16)."""
    a, b = _dtype(from_, "can_cast"), _dtype(to, "can_cast")
    return _CATEGORY[a.kind] <= _CATEGORY[b.kind]


def result_type(tensor, other) -> np.dtype:
    """The dtype PyTorch's arithmetic gives ``tensor`` and ``other`` (Tensors or Python
    numbers): dimensioned tensors outrank 0-d ones, which outrank numbers, unless a lower
    rank brings a higher category (``int tensor + 1.5`` is the default float)."""
    values = []
    for value in (tensor, other):
        if isinstance(value, Tensor):
            values.append(value._data)
        elif isinstance(value, (bool, int, float)):
            values.append(value)
        elif isinstance(value, numbers.Number) and not isinstance(value, complex):
            values.append(value.item() if hasattr(value, "item") else float(value))
        else:
            raise TypeError(f"result_type(): arguments must be Tensors or numbers, got "
                            f"{type(value).__name__}.")
    return result_dtype(values)


def range(start=None, end=None, step=1, *, out=None, dtype=None, layout=None,  # noqa: A001
          device=None, requires_grad: bool = False):
    """Deprecated in PyTorch (a ``UserWarning`` says so, as there): ``start, start + step,
    ..., end`` with ``end`` included, in the default float dtype unless ``dtype``. Prefer
    ``tg.arange``, whose end is excluded."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    if start is None or end is None:
        missing = [n for n, v in (("start", start), ("end", end)) if v is None]
        raise TypeError(f"range() missing {len(missing)} required positional argument: "
                        f"{', '.join(repr(m) for m in missing)}")
    as_device(device, "range")
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = values
    if step == 0:
        raise RuntimeError("range: step must be nonzero.")
    if (end - start) * step < 0:
        raise RuntimeError(f"range: upper bound and lower bound inconsistent with step sign "
                           f"(start {start}, end {end}, step {step}).")
    count = math.floor((end - start) / step) + 1
    target = get_default_dtype() if dtype is None else as_dtype(dtype, "range")
    array = (start + np.arange(count, dtype=np.float64) * step).astype(target)
    from .tensor import leaf

    result = leaf(array, requires_grad, None, "range")
    if out is not None:
        from .ops.outarg import write_out

        return write_out("range", out, result)
    return result


def empty_strided(size, stride, *, dtype=None, layout=None, device=None,
                  requires_grad: bool = False, pin_memory: bool = False):
    """A new tensor of ``size`` whose elements are ``stride`` elements apart in a fresh
    storage (zeros here; PyTorch leaves them uninitialised)."""
    as_device(device, "empty_strided")
    sizes = tuple(int(n) for n in size)
    strides = tuple(int(s) for s in stride)
    if len(sizes) != len(strides):
        raise RuntimeError(f"empty_strided: mismatch in length of strides and shape "
                           f"({len(sizes)} sizes, {len(strides)} strides).")
    if any(s < 0 for s in strides):
        raise RuntimeError(f"empty_strided: Storage size calculation overflowed with sizes="
                           f"{list(sizes)} and strides={list(strides)}.")
    target = get_default_dtype() if dtype is None else as_dtype(dtype, "empty_strided")
    need = 1 + sum((n - 1) * s for n, s in zip(sizes, strides)) if all(sizes) else 0
    array = strided_view(np.zeros(need, target), sizes, strides, 0, "empty_strided")
    from .tensor import leaf

    return leaf(array, requires_grad, None, "empty_strided")


def index_put_(input, indices, values, accumulate: bool = False):
    """``input.index_put_(indices, values, accumulate)``: returns ``input``, changed."""
    return input.index_put_(indices, values, accumulate)


def resize_as_(input, the_template, *, memory_format=None):
    """``input.resize_as_(the_template)``: returns ``input`` with the template's shape."""
    return input.resize_as_(the_template)


def real(input):
    """The real part: ``input`` itself (tinygraph's dtypes are all real)."""
    return input.real


def imag(input):
    """The imaginary part: refused for real tensors, as PyTorch (tinygraph has no complex
    dtypes)."""
    return input.imag


def _probability(p, op: str) -> None:
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"{op}: dropout probability has to be between 0 and 1, but got {p}.")


def dropout(input, p, train):
    """``F.dropout(input, p, training=train)`` under PyTorch's top-level name and
    signature (all three positional, no defaults)."""
    from .nn import functional as F  # nn comes after the tensor layer: imported when used

    _probability(p, "dropout")
    return F.dropout(input, p, train)


def alpha_dropout(input, p, train):
    """``F.alpha_dropout(input, p, training=train)`` (PyTorch's ``torch.alpha_dropout``)."""
    from .nn import functional as F

    _probability(p, "alpha_dropout")
    return F.alpha_dropout(input, p, train)


def feature_alpha_dropout(input, p, train):
    """``F.feature_alpha_dropout(input, p, training=train)``."""
    from .nn import functional as F

    _probability(p, "feature_alpha_dropout")
    return F.feature_alpha_dropout(input, p, train)
