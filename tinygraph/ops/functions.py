"""The public op functions (``tg.exp``, ``tg.sum``, ...): argument handling, then ``Op.apply``.

Every function accepts Tensors, NumPy arrays and Python scalars; only Tensors carry gradient.
Tensor methods and operators are one-line delegations to these functions.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import autograd
from ..errors import ShapeError
from . import elementwise as ew
from . import linalg
from . import reduce as red
from . import shape as sh


def _data(x):
    return x._data if isinstance(x, autograd.Tensor) else x


def _ndim(x) -> int:
    return getattr(x._data if isinstance(x, autograd.Tensor) else x, "ndim", 0)


def _shape(x) -> tuple:
    return tuple(getattr(_data(x), "shape", ()))


def _shape_arg(shape, op: str) -> tuple:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = shape[0]
    try:
        return tuple(int(n) for n in shape)
    except TypeError:
        raise TypeError(f"{op}: shape must be ints or a tuple of ints, got {shape!r}") from None


# -- arithmetic --------------------------------------------------------------------------


def add(a, b):
    """a + b (broadcasting)."""
    return ew.Add.apply(a, b)


def sub(a, b):
    """a - b (broadcasting)."""
    return ew.Sub.apply(a, b)


def mul(a, b):
    """a * b (broadcasting)."""
    return ew.Mul.apply(a, b)


def div(a, b):
    """a / b (true division, broadcasting)."""
    return ew.Div.apply(a, b)


def pow(a, b):  # noqa: A001 - the NumPy/PyTorch name
    """a ** b (broadcasting)."""
    return ew.Pow.apply(a, b)


def neg(x):
    """-x."""
    return ew.Neg.apply(x)


def maximum(a, b):
    """Elementwise maximum; ties split the gradient evenly."""
    return ew.Maximum.apply(a, b)


def minimum(a, b):
    """Elementwise minimum; ties split the gradient evenly."""
    return ew.Minimum.apply(a, b)


def matmul(a, b):
    """Matrix product with NumPy's rules: 1-D operands and batched broadcasting."""
    return linalg.MatMul.apply(a, b)


# -- unary -------------------------------------------------------------------------------


def exp(x):
    """e ** x."""
    return ew.Exp.apply(x)


def log(x):
    """Natural logarithm."""
    return ew.Log.apply(x)


def sqrt(x):
    """Square root."""
    return ew.Sqrt.apply(x)


def abs(x):  # noqa: A001
    """|x| (gradient 0 at 0)."""
    return ew.Abs.apply(x)


def clip(x, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    """Limit values to [min, max]; either bound may be None. Bounds are constants."""
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max.")
    return ew.Clip.apply(x, min=_data(min), max=_data(max))


def relu(x):
    """max(x, 0)."""
    return ew.ReLU.apply(x)


def sigmoid(x):
    """1 / (1 + exp(-x)), computed stably."""
    return ew.Sigmoid.apply(x)


def tanh(x):
    """Hyperbolic tangent."""
    return ew.Tanh.apply(x)


def astype(x, dtype):
    """x converted to ``dtype`` (differentiable between floating dtypes)."""
    return ew.Cast.apply(x, dtype_out=dtype)


# -- reductions --------------------------------------------------------------------------


def sum(x, axis=None, keepdims: bool = False):  # noqa: A001
    """Sum over ``axis`` (None: all axes; int or tuple)."""
    return red.Sum.apply(x, axis=red.normalize_axes(axis, _ndim(x), "sum"), keepdims=keepdims)


def mean(x, axis=None, keepdims: bool = False):
    """Mean over ``axis`` (None: all axes; int or tuple)."""
    return red.Mean.apply(x, axis=red.normalize_axes(axis, _ndim(x), "mean"), keepdims=keepdims)


def var(x, axis=None, keepdims: bool = False, correction: int = 1):
    """Variance over ``axis``; unbiased (``correction=1``) by default, as ``torch.var``."""
    axes = red.normalize_axes(axis, _ndim(x), "var")
    return red.Var.apply(x, axis=axes, keepdims=keepdims, correction=correction)


def max(x, axis=None, keepdims: bool = False):  # noqa: A001
    """Largest value over ``axis`` (values only, like ``torch.amax``)."""
    return red.Max.apply(x, axis=red.normalize_axes(axis, _ndim(x), "max"), keepdims=keepdims)


def min(x, axis=None, keepdims: bool = False):  # noqa: A001
    """Smallest value over ``axis`` (values only, like ``torch.amin``)."""
    return red.Min.apply(x, axis=red.normalize_axes(axis, _ndim(x), "min"), keepdims=keepdims)


def logsumexp(x, axis=None, keepdims: bool = False):
    """log(sum(exp(x), axis)), computed without overflow."""
    axes = red.normalize_axes(axis, _ndim(x), "logsumexp")
    return red.LogSumExp.apply(x, axis=axes, keepdims=keepdims)


def softmax(x, axis: int = -1):
    """exp(x) / sum(exp(x)) along ``axis``."""
    (axis,) = red.normalize_axes(axis, _ndim(x), "softmax")
    return red.Softmax.apply(x, axis=axis)


def log_softmax(x, axis: int = -1):
    """x - logsumexp(x) along ``axis``: the stable log of softmax."""
    (axis,) = red.normalize_axes(axis, _ndim(x), "log_softmax")
    return red.LogSoftmax.apply(x, axis=axis)


# -- shape -------------------------------------------------------------------------------


def reshape(x, *shape):
    """Same elements, new shape; ``reshape(x, 4, 6)`` and ``reshape(x, (4, 6))`` both work."""
    return sh.Reshape.apply(x, shape_out=_shape_arg(shape, "reshape"))


def transpose(x, *axes):
    """Permute axes: no arguments reverses them, otherwise give a full permutation."""
    ndim = _ndim(x)
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = tuple(axes[0])
    if not axes:
        axes = tuple(reversed(range(ndim)))
    if sorted(a % ndim if ndim else a for a in axes) != list(range(ndim)):
        raise ShapeError(
            f"transpose: {axes} is not a permutation of the {ndim} axes of a tensor of shape "
            f"{_shape(x)}; give every axis once (or use swapaxes(a, b) to swap two)."
        )
    return sh.Transpose.apply(x, axes=tuple(a % ndim for a in axes))


def swapaxes(x, axis1: int, axis2: int):
    """Exchange two axes."""
    axes = list(range(_ndim(x)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return sh.Transpose.apply(x, axes=tuple(axes))


def flatten(x, start_axis: int = 0, end_axis: int = -1):
    """Merge axes ``start_axis..end_axis`` (all by default) into one."""
    shape = _shape(x)
    if not shape:
        return sh.Flatten.apply(x, shape_out=(1,))
    start, end = start_axis % len(shape), end_axis % len(shape)
    merged = 1
    for n in shape[start:end + 1]:
        merged *= n
    return sh.Flatten.apply(x, shape_out=shape[:start] + (merged,) + shape[end + 1:])


def squeeze(x, axis=None):
    """Remove length-1 axes (all of them, or those in ``axis``; others are left alone)."""
    shape = _shape(x)
    axes = red.normalize_axes(axis, len(shape), "squeeze")
    kept = tuple(n for i, n in enumerate(shape) if n != 1 or (axes is not None and i not in axes))
    return sh.Squeeze.apply(x, shape_out=kept)


def unsqueeze(x, axis: int):
    """Insert a length-1 axis at ``axis`` (negative counts from the end of the result)."""
    shape = _shape(x)
    ndim = len(shape) + 1
    if not -ndim <= axis < ndim:
        raise ShapeError(
            f"unsqueeze: axis {axis} is out of range for a result with {ndim} dimensions."
        )
    axis %= ndim
    return sh.Unsqueeze.apply(x, shape_out=shape[:axis] + (1,) + shape[axis:])


def expand_dims(x, axis: int):
    """NumPy's name for :func:`unsqueeze`."""
    return unsqueeze(x, axis)


def broadcast_to(x, shape):
    """View ``x`` with ``shape`` by NumPy broadcasting."""
    shape = _shape_arg((shape,), "broadcast_to")
    try:
        return sh.BroadcastTo.apply(x, shape_out=shape)
    except ShapeError:  # the generic message only knows x's shape: name the target too
        raise ShapeError(
            f"broadcast_to: a tensor of shape {_shape(x)} cannot be broadcast to {shape}. "
            "Broadcasting aligns shapes from the right; each axis of the tensor must equal the "
            "target's or be 1."
        ) from None


def getitem(x, index):
    """x[index] with ints, slices, None, ..., integer arrays and boolean masks."""
    return sh.GetItem.apply(x, index=_index(index))


def scatter_add(x, index, shape):
    """zeros(shape) with ``x`` added at ``index`` (repeated indices accumulate)."""
    return sh.ScatterAdd.apply(x, index=_index(index), shape_out=tuple(shape))


def setitem(x, index, value):
    """A copy of x with ``x[index] = value``, differentiable in both x and value."""
    return sh.SetItem.apply(x, value, index=_index(index))


def _index(index):
    """Replace Tensors and lists inside an index by arrays (NumPy's own index types)."""
    if isinstance(index, tuple):
        return tuple(_index_part(part) for part in index)
    return _index_part(index)


def _index_part(part):
    if isinstance(part, autograd.Tensor):
        return part._data
    if isinstance(part, list):
        import numpy

        return numpy.asarray(part)
    return part


def concatenate(tensors: Sequence, axis: int = 0):
    """Join tensors along an existing axis."""
    if len(tensors) == 0:
        raise ValueError("concatenate: needs at least one tensor.")
    return sh.Concatenate.apply(*tensors, axis=axis)


cat = concatenate


def stack(tensors: Sequence, axis: int = 0):
    """Join same-shaped tensors along a new axis."""
    if len(tensors) == 0:
        raise ValueError("stack: needs at least one tensor.")
    return sh.Stack.apply(*tensors, axis=axis)


def where(cond, a, b):
    """Elementwise ``a if cond else b``; ``cond`` is a boolean Tensor or array (no gradient)."""
    cond = _data(cond)
    try:
        return sh.Where.apply(a, b, cond=cond)
    except ShapeError:  # the generic message omits cond, which is an attribute, not an input
        raise ShapeError(
            f"where: the condition (shape {_shape(cond)}) and the values (shapes {_shape(a)} "
            f"and {_shape(b)}) cannot be broadcast together; each pair of axes, aligned from "
            "the right, must be equal or 1."
        ) from None
