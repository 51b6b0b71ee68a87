"""PyTorch's ``out=`` on the public functions (``tg.mul(a, b, out=c)``): the result written
into an existing tensor, which is returned. As in PyTorch it records nothing (an input or
``out`` that requires grad is refused while grad mode is on), converts only within a kind
of dtype (a float result into an int tensor is refused), and resizes an ``out`` of another
shape (with PyTorch's warning unless it was empty)."""

from __future__ import annotations

import warnings

import numpy as np

from .. import autograd
from ..autograd.mode import is_grad_enabled, no_grad


def write_out(name: str, out, result):
    if not isinstance(out, autograd.Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}.")
    if not isinstance(result, autograd.Tensor):
        raise TypeError(f"{name}(): out= takes one Tensor, and {name} returns "
                        f"{type(result).__name__}; assign the result instead.")
    if is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad. Assign "
                           f"the result instead (y = tg.{name}(...)), or use tg.no_grad().")
    values = result._data
    if not np.can_cast(values.dtype, out.dtype, "same_kind"):
        raise RuntimeError(f"{name}(): result type {values.dtype} can't be cast to the desired "
                           f"output type {out.dtype} of out=; pass an out tensor of dtype "
                           f"{values.dtype}.")
    if values.shape != out.shape:
        if out._base is not None or out._views:
            raise RuntimeError(f"{name}(): out= has shape {tuple(out.shape)} and shares memory "
                               f"with other tensors, so it cannot be resized to the result's "
                               f"{tuple(values.shape)}; pass an out tensor of that shape.")
        if out._data.size:
            warnings.warn(f"{name}(): an output with one or more elements was resized since it "
                          f"had shape {list(out.shape)}, which does not match the required "
                          f"output shape {list(values.shape)} (as PyTorch, which deprecates "
                          "this).", UserWarning, stacklevel=3)
        out._data = np.empty(values.shape, out.dtype)
    with no_grad():
        out.copy_(result)
    return out
