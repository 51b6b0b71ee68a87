"""Grids and combinations of 1-D tensors, as PyTorch: ``meshgrid``, ``cartesian_prod`` and
``combinations``.

Each is a composition of differentiable ops (``reshape``/``expand`` views, ``stack``,
indexing), so gradients flow back to the inputs as in PyTorch: a grid's gradient is summed
over the copies of each element.

    >>> xs, ys = tg.meshgrid(tg.tensor([1, 2]), tg.tensor([3, 4, 5]), indexing="ij")
    >>> xs.shape, ys.shape
    (tg.Size([2, 3]), tg.Size([2, 3]))
"""

from __future__ import annotations

import itertools
import operator
import warnings

import numpy as np

from ..autograd.node import new_tensor
from .args import data
from .registry import functions, public


def _vectors(tensors, op: str, allow_0d: bool):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError(f"{op}: expects a non-empty TensorList.")
    dtypes = set()
    for t in tensors:
        array = data(t)
        if not hasattr(array, "dtype"):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__}.")
        if array.ndim > 1 or (array.ndim == 0 and not allow_0d):
            raise RuntimeError(f"{op}: expected {'0D or ' if allow_0d else ''}1D tensors, got "
                               f"a tensor of shape {list(array.shape)}.")
        dtypes.add(array.dtype)
    if len(dtypes) > 1:
        raise RuntimeError(f"{op} expects all tensors to have the same dtype, got "
                           f"{sorted(str(d) for d in dtypes)}; convert them first.")
    return tuple(tensors)


@public("meshgrid", method=False)
def meshgrid(*tensors, indexing: str | None = None):
    """Coordinate grids of the 1-D (or 0-d) ``tensors``: output i holds tensor i's values
    along dim i (``indexing="ij"``, the default) and is the same everywhere else; with
    ``indexing="xy"`` the first two dims are swapped (Cartesian, as NumPy's default). The
    outputs are expanded views, as in PyTorch."""
    tensors = _vectors(tensors, "torch.meshgrid", allow_0d=True)
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument (PyTorch's warning; indexing='ij' is the default).",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of 'xy' or 'ij', but "
                           f"received: {indexing}.")
    sizes = [data(t).size for t in tensors]
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for axis, size in zip(axes, sizes, strict=True):
        shape[axis] = size
    grids = []
    for axis, t, size in zip(axes, tensors, sizes, strict=True):
        view = [1] * len(tensors)
        view[axis] = size
        grids.append(functions["expand"](functions["reshape"](t, view), shape))
    return tuple(grids)


@public("cartesian_prod", method=False)
def cartesian_prod(*tensors):
    """Every tuple of one element from each 1-D tensor, in order (``itertools.product``):
    a ``(n, len(tensors))`` tensor, or the one tensor itself."""
    tensors = _vectors(tensors, "cartesian_prod", allow_0d=False)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    count = int(np.prod([data(t).size for t in tensors]))
    return functions["stack"]([functions["reshape"](g, (count,)) for g in grids], 1)


@public("combinations", method=False)
def combinations(input, r: int = 2, with_replacement: bool = False):
    """Every combination of ``r`` elements of the 1-D ``input`` (``itertools.combinations``,
    or ``combinations_with_replacement``) as the rows of a ``(n, r)`` tensor; ``r=0`` gives
    an empty 1-D tensor."""
    (t,) = _vectors((input,), "combinations", allow_0d=False)
    try:
        r = operator.index(r)
    except TypeError:
        raise TypeError(f"combinations: r must be an int, got {r!r}.") from None
    if r < 0:
        raise RuntimeError(f"combinations: expect a non-negative number, but got {r}.")
    if r == 0:  # PyTorch's empty result is not connected to the input
        return new_tensor(np.empty(0, dtype=data(t).dtype), None)
    choose = itertools.combinations_with_replacement if with_replacement else (
        itertools.combinations)
    rows = list(choose(range(data(t).shape[0]), r))
    index = np.asarray(rows, dtype=np.int64).reshape(len(rows), r)
    return t[index]
