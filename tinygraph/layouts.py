"""PyTorch's memory formats and layouts, for the code that names them.

NumPy arrays, and so tinygraph's tensors, are strided and laid out C-contiguously; a
``channels_last`` request is checked as PyTorch checks it (a 4-d tensor, 5-d for
``channels_last_3d``) and keeps the values and the layout: the results are the same numbers,
only ``x.stride()`` differs from PyTorch's.
"""

from __future__ import annotations

import numpy as np

# torch.dtype: tinygraph's dtypes are NumPy's, so isinstance(x.dtype, tg.dtype) holds.
dtype = np.dtype


class memory_format:  # noqa: N801 - PyTorch's class name
    """``torch.memory_format``: a named constant (``tg.channels_last``, ...)."""

    __slots__ = ("_name", "_rank")

    def __init__(self, name: str, rank: int | None) -> None:
        self._name = name
        self._rank = rank

    def __repr__(self) -> str:
        return f"tg.{self._name}"

    def __reduce__(self):
        return self._name  # the module-level constant of that name


class layout:  # noqa: N801 - PyTorch's class name
    """``torch.layout``; tinygraph has one, ``tg.strided``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "tg.strided"

    def __reduce__(self):
        return "strided"


contiguous_format = memory_format("contiguous_format", None)
preserve_format = memory_format("preserve_format", None)
channels_last = memory_format("channels_last", 4)
channels_last_3d = memory_format("channels_last_3d", 5)
strided = layout()


def check_memory_format(fmt, ndim: int, owner: str) -> None:
    """Refuse what PyTorch refuses: not a memory format, or channels_last of the wrong rank."""
    if fmt is None:
        return
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{owner}: memory_format must be a tg.memory_format "
                        f"(tg.contiguous_format, tg.channels_last, ...), got {fmt!r}.")
    if fmt._rank is not None and ndim != fmt._rank:
        raise RuntimeError(f"{owner}: required rank {fmt._rank} tensor to use {fmt._name} "
                           f"format; this one has {ndim} dimensions.")
