"""The Tensor namespace: what op backwards see as ``self.xp`` under ``create_graph=True``.

It offers the names op backwards use from the array namespace (``xp.exp``, ``xp.where``,
``xp.scatter_add``, ...), implemented as recorded ops on Tensors, so one gradient formula serves
both the fast array backward and the recorded backward that higher derivatives need.
"""

from __future__ import annotations

import types

import numpy

from .. import autograd
from ..autograd import Op
from ..backend import namespace_of
from . import functions as F


def _constant(fn_name: str):
    """A function with zero derivative (sign, isfinite, ...): computed on the raw arrays."""

    def constant(x, *args, **kwargs):
        data = F._data(x)
        return autograd._new_tensor(getattr(namespace_of(data), fn_name)(data, *args, **kwargs),
                                    None)

    constant.__name__ = fn_name
    return constant


class Attach(Op):
    """y = x, recorded as depending on ``sources`` with zero derivative: dx = g, dsources = 0.

    The backwards of relu and abs are built from a mask or sign of their input, so under
    create_graph their result would not depend on it and a second derivative would find the
    input unused. PyTorch's relu and abs backwards are connected and give zeros (its clamp,
    amax and maximum backwards are not); ``xp.attach`` makes ours match op for op.
    """

    __slots__ = ("like",)
    label = "attach"

    def forward(self, x, *sources):
        self.like = [(s.shape, s.dtype) for s in sources]
        return x

    def backward(self, g):
        xp = self.xp
        return (g,) + tuple(xp.zeros(shape, dtype=dtype) for shape, dtype in self.like)


def attach(result, *sources):
    """``result``, made to depend with zero derivative on the Tensors among ``sources``."""
    tensors = [s for s in sources if isinstance(s, autograd.Tensor) and s.requires_grad]
    if not tensors:
        return result
    return Attach.apply(result, *tensors)


def _zeros(shape, dtype=None):
    data = namespace_of(numpy.empty(0)).zeros(shape, dtype=dtype)
    return autograd.new_tensor(data, None)


def keep_where(cond, x):
    """``x`` where ``cond`` holds, 0 elsewhere (the recorded twin of backend.keep_where)."""
    return F.where(cond, x, 0)


def unbroadcast(grad, shape: tuple):
    """Sum a Tensor gradient down to ``shape`` (the recorded twin of backend.unbroadcast)."""
    if tuple(grad.shape) == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = F.sum(grad, axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = F.sum(grad, axis=axes, keepdims=True)
    return grad


tensor_namespace = types.SimpleNamespace(
    __name__="tinygraph.tensor_namespace",
    exp=F.exp,
    log=F.log,
    sqrt=F.sqrt,
    abs=F.abs,
    tanh=F.tanh,
    clip=F.clip,
    maximum=F.maximum,
    minimum=F.minimum,
    matmul=F.matmul,
    where=F.where,
    keep_where=keep_where,
    sum=F.sum,
    max=F.max,
    min=F.min,
    mean=F.mean,
    reshape=F.reshape,
    transpose=F.transpose,
    swapaxes=F.swapaxes,
    broadcast_to=F.broadcast_to,
    expand_dims=F.unsqueeze,
    concatenate=F.concatenate,
    stack=F.stack,
    scatter_add=F.scatter_add,
    setitem=F.setitem,
    unbroadcast=unbroadcast,
    attach=attach,
    zeros=_zeros,
    sign=_constant("sign"),
    isfinite=_constant("isfinite"),
    zeros_like=_constant("zeros_like"),
    ones_like=_constant("ones_like"),
    logical_and=_constant("logical_and"),
    logical_or=_constant("logical_or"),
    logical_not=_constant("logical_not"),
)

autograd.register_tensor_namespace(tensor_namespace)
