"""The Tensor namespace: what op backwards see as ``self.xp`` under ``create_graph=True``.

It offers the names op backwards use from the array namespace (``xp.exp``, ``xp.where``,
``xp.sum(g, axis=0)``, ...), implemented as recorded ops on Tensors, so one gradient formula
serves both the fast array backward and the recorded backward that higher derivatives need.
Every public op (``registry.functions``) is in it under its own name; the few kernels the
array namespace adds to NumPy (``unbroadcast``, ``keep_where``, ``scatter_add``, ...) have
recorded twins here.
"""

from __future__ import annotations

import numpy

from .. import autograd
from ..autograd import Op
from ..backend import namespace_of
from . import registry, shape
from .args import data


def _constant(fn_name: str):
    """A function with zero derivative (sign, isfinite, ...): computed on the raw arrays."""

    def constant(x, *args, **kwargs):
        array = data(x)
        return autograd.new_tensor(getattr(namespace_of(array), fn_name)(array, *args, **kwargs),
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
    return registry.functions["where"](cond, x, 0)


def unbroadcast(grad, shape: tuple):
    """Sum a Tensor gradient down to ``shape`` (the recorded twin of backend.unbroadcast)."""
    if tuple(grad.shape) == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = registry.functions["sum"](grad, tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = registry.functions["sum"](grad, axes, True)
    return grad


class TensorNamespace:
    """``xp`` for a recorded backward: the public ops by name, and recorded twins of the array
    namespace's own kernels."""

    __name__ = "tinygraph.tensor_namespace"
    keep_where = staticmethod(keep_where)
    unbroadcast = staticmethod(unbroadcast)
    attach = staticmethod(attach)
    zeros = staticmethod(_zeros)
    scatter_add = staticmethod(shape.scatter_into)
    setitem = staticmethod(shape.setitem)
    zeros_like = staticmethod(_constant("zeros_like"))
    ones_like = staticmethod(_constant("ones_like"))

    def __getattr__(self, name: str):
        try:
            return registry.functions[name]
        except KeyError:
            raise AttributeError(
                f"the Tensor namespace has no {name!r}: a backward that runs under "
                "create_graph=True may only use public ops (tinygraph.ops.registry) and the "
                "kernels listed in TensorNamespace"
            ) from None


tensor_namespace = TensorNamespace()

autograd.register_tensor_namespace(tensor_namespace)
