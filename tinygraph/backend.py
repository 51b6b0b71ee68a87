"""The array-namespace seam: every op kernel gets its array module from its inputs here.

Op forwards and backwards never write ``numpy.exp``; they write ``self.xp.exp``, where
``xp`` is the namespace of the arrays they were given. Today the only backend is NumPy, but a
GPU array library with a NumPy-compatible API (CuPy, for example) can be added by registering
one more namespace for its array type, without touching any op.

A namespace is NumPy's public functions plus a few kernels NumPy spells awkwardly or slowly
(``scatter_add``, ``setitem``, ``unbroadcast``, ``keep_where``), so op code reads the same on
every backend. Under ``create_graph=True`` the engine hands backwards the *Tensor* namespace
instead (see ``tinygraph.ops.namespace``), which offers the same names as recorded ops.
"""

from __future__ import annotations

import functools
import types
import warnings

import numpy

# PyTorch computes IEEE infinities and NaNs silently (log(0) = -inf, sqrt(-1) = nan, 1/0 = inf,
# exp(1000) = inf); NumPy warns. Its floating-point warnings raised inside tinygraph's own ops
# are ignored, so tinygraph is as quiet as torch. The filter names tinygraph's modules: the
# user's own NumPy code keeps its warnings, and np.errstate(all="raise") still raises.
# (tg.autograd.detect_anomaly finds the op where a NaN began.)
warnings.filterwarnings(
    "ignore", message=r"(divide by zero|invalid value|overflow|underflow) encountered",
    category=RuntimeWarning, module=r"tinygraph(\.|$)")


def _scatter_add(grad, index, shape):
    """Return zeros(shape) with ``grad`` added at ``index``; repeated indices accumulate."""
    out = numpy.zeros(shape, dtype=grad.dtype)
    if _is_basic_index(index):
        out[index] = grad  # basic indexing cannot repeat an element: plain assignment is exact
    else:
        numpy.add.at(out, index, grad)
    return out


def _is_basic_index(index) -> bool:
    """True when ``index`` selects each element at most once (ints, slices, None, ..., masks)."""
    parts = index if type(index) is tuple else (index,)
    for part in parts:
        if isinstance(part, numpy.ndarray):
            if part.dtype != numpy.bool_:
                return False
        elif isinstance(part, (list, tuple)):
            return False
    return True


def _unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: the adjoint of NumPy broadcasting.

    Broadcasting copies an input along new leading axes and along axes of length 1, so its
    gradient sums over exactly those axes.
    """
    have = grad.shape
    if have == shape:
        return grad
    leading, stretched = _broadcast_axes(have, shape)
    if leading is not None:
        grad = numpy.add.reduce(grad, axis=leading)
    if stretched:
        grad = numpy.add.reduce(grad, axis=stretched, keepdims=True)
    return grad


@functools.lru_cache(maxsize=512)
def _broadcast_axes(have: tuple, shape: tuple) -> tuple:
    """Which axes of a ``have``-shaped gradient broadcasting made from an input of ``shape``:
    the leading axes it added (an int, a tuple, or None), then the axes it stretched from
    length 1 (a tuple). Remembered: a model meets the same few pairs of shapes every step."""
    extra = len(have) - len(shape)
    if extra < 0:  # not a broadcast of shape: nothing to sum (the engine reports the mismatch)
        return None, ()
    leading = None if extra == 0 else 0 if extra == 1 else tuple(range(extra))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and have[extra + i] != 1)
    return leading, stretched


# The unsigned integer type with the bits of a float type of each size.
_BITS_OF_SIZE = {2: numpy.uint16, 4: numpy.uint32, 8: numpy.uint64}


def _keep_where(cond, x):
    """``where(cond, x, 0)``, bit for bit: ``x`` where the boolean ``cond`` holds, +0 elsewhere.

    Gradient masks (ReLU's, clip's) are this. NumPy's ``where`` branches on every element,
    and a ReLU's mask is as good as random, so half the branches mispredict: at 256x256 it
    takes ten times as long as a multiply. Here ``x``'s bits are ANDed with all ones where
    ``cond`` holds and all zeros elsewhere, without a branch, so kept values (NaN and inf
    included) pass unchanged and the rest become +0, exactly as ``where`` gives them.
    """
    # below about 1,000 elements where's one call is cheaper than the three calls here
    bits_type = None
    if (type(x) is numpy.ndarray and type(cond) is numpy.ndarray and x.size >= 1024
            and x.dtype.kind == "f" and cond.dtype == numpy.bool_ and cond.shape == x.shape):
        bits_type = _BITS_OF_SIZE.get(x.dtype.itemsize)
    if bits_type is None:
        return numpy.where(cond, x, 0)
    mask = cond.astype(bits_type)  # 0 or 1
    numpy.negative(mask, out=mask)  # 0 or all ones (unsigned wrap-around)
    return numpy.bitwise_and(x.view(bits_type), mask, out=mask).view(x.dtype)


def _setitem(array, index, value):
    """A copy of ``array`` with ``array[index] = value`` (functional assignment)."""
    out = array.copy()
    out[index] = value
    return out


def _broadcast_to(array, shape):
    """``array`` broadcast to ``shape`` as a new writable array.

    NumPy's own ``broadcast_to`` returns a read-only view but costs microseconds of Python per
    call; reduction backwards call this on every step, and their results become gradients that
    are later summed or stored, so a materialized array is both faster and safer here.
    """
    if array.shape == shape:
        return array
    out = numpy.empty(shape, dtype=array.dtype)
    out[...] = array
    return out


def _sum(x, axis=None, keepdims=False, dtype=None):
    """``x.sum(axis, keepdims=...)`` through the ufunc directly (ndarray.sum adds a Python
    layer)."""
    return numpy.add.reduce(x, axis=axis, keepdims=keepdims, dtype=dtype)


def _max(x, axis=None, keepdims=False):
    return numpy.maximum.reduce(x, axis=axis, keepdims=keepdims)


def _min(x, axis=None, keepdims=False):
    return numpy.minimum.reduce(x, axis=axis, keepdims=keepdims)


def _attach(result, *sources):
    """``result`` itself. (Under create_graph the Tensor namespace records it as depending on
    ``sources`` with zero derivative, as PyTorch's mask-based backwards do.)"""
    return result


def _make_namespace(module, name: str, **extras) -> types.SimpleNamespace:
    names = {k: getattr(module, k) for k in dir(module) if not k.startswith("_")}
    names.update(extras)
    return types.SimpleNamespace(__name__=name, **names)


numpy_namespace = _make_namespace(
    numpy,
    "tinygraph.backend.numpy",
    array_type=numpy.ndarray,
    attach=_attach,
    broadcast_to=_broadcast_to,
    keep_where=_keep_where,
    sum=_sum,
    max=_max,
    min=_min,
    scatter_add=_scatter_add,
    setitem=_setitem,
    unbroadcast=_unbroadcast,
)

_NAMESPACE_BY_TYPE: dict[type, types.SimpleNamespace] = {numpy.ndarray: numpy_namespace}

# NumPy's scalar types (np.float64(2.0), np.int64(3), ...): ops treat them as the Python numbers
# they stand for, so like a Python scalar they never promote a float32 tensor (PyTorch's rule).
SCALAR_TYPES = frozenset(numpy.sctypeDict.values())


def register_namespace(array_type: type, namespace) -> None:
    """Make ops running on ``array_type`` arrays use ``namespace`` (a NumPy-like API)."""
    _NAMESPACE_BY_TYPE[array_type] = namespace


def namespace_of(*arrays):
    """The array namespace for these arrays (the first registered array type wins)."""
    for array in arrays:
        xp = _NAMESPACE_BY_TYPE.get(type(array))
        if xp is not None:
            return xp
    return numpy_namespace
