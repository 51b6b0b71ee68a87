"""The Tensor: an array plus the record of how it was computed.

A Tensor holds its values in ``._data`` (a NumPy array) and, when it was produced by ops on
inputs that require grad, the node of the op that made it (``.grad_fn``). Every operator and
method here is a one-line delegation to a function of ``tinygraph.ops``.
"""

from __future__ import annotations

import weakref

import numpy as np

from . import autograd
from .autograd.mode import per_thread
from .autograd.versions import note_mutation
from .backend import namespace_of
from .errors import ShapeError
from .ops import functions as F

_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype) -> None:
    """Set the dtype Python scalars, lists and factories produce (float32 unless changed)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dtype}.")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The dtype Python scalars, lists and factories produce."""
    return _default_dtype


def _to_array(data, dtype):
    """The array a new Tensor holds: a copy; NumPy data keeps its dtype, Python data is float."""
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, (np.ndarray, np.generic)):
        return np.array(data, dtype=dtype, copy=True)
    array = np.array(data, dtype=dtype)
    if dtype is None and array.dtype.kind in "iuf":
        array = array.astype(_default_dtype)
    elif dtype is None and array.dtype.kind not in "bc":
        raise TypeError(
            f"tensor: cannot make a tensor from {type(data).__name__} data (NumPy gave dtype "
            f"{array.dtype}); pass numbers, nested lists of numbers, or a NumPy array."
        )
    return array


def _check_float(dtype, what: str) -> None:
    if np.dtype(dtype).kind not in "fc":
        raise TypeError(
            f"{what}: only floating-point tensors can require gradients, but the dtype is "
            f"{np.dtype(dtype)}. Convert first, e.g. tg.tensor(x, dtype=np.float32, "
            "requires_grad=True)."
        )


_SLOT_DEFAULTS = {"_grad": None, "name": None, "_version": 0, "_accumulator": None, "_hooks": None}


class Tensor:
    """An n-dimensional array that records the ops applied to it.

    >>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = ("_data", "_grad", "requires_grad", "grad_fn", "name", "_version",
                 "_accumulator", "_hooks", "__weakref__")
    __array_priority__ = 1000  # NumPy defers `ndarray + Tensor` to Tensor.__radd__

    def __getattr__(self, attribute):
        # Op outputs are built without storing the rarely read slots (see
        # autograd.new_tensor); an unset slot lands here and reads as its default.
        try:
            return _SLOT_DEFAULTS[attribute]
        except KeyError:
            raise AttributeError(
                f"'Tensor' object has no attribute '{attribute}'") from None

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None):
        self._data = _to_array(data, dtype)
        if requires_grad:
            _check_float(self._data.dtype, "tensor")
        self._grad = None
        self.requires_grad = bool(requires_grad)
        self.grad_fn = None
        self.name = name
        self._version = 0
        self._accumulator = None
        self._hooks = None

    # -- attributes ----------------------------------------------------------------------

    @property
    def data(self) -> Tensor:
        """The values as a new tensor outside the graph that shares them (PyTorch's ``.data``):
        ``p.data -= lr * p.grad`` and ``w.data.uniform_(-a, a)`` change ``p`` and ``w`` in
        place. The array itself is ``x.numpy()``."""
        return autograd._new_tensor(self._data, None)

    @data.setter
    def data(self, value) -> None:
        array = value._data if isinstance(value, Tensor) else np.asarray(value)
        if array is self._data:  # `p.data -= u` assigns back the tensor it changed in place
            return
        if array.shape != self._data.shape:
            raise ShapeError(
                f"x.data = value: value has shape {tuple(array.shape)} but the tensor has shape "
                f"{tuple(self._data.shape)}; assign values of the tensor's own shape."
            )
        self._data = array
        self._version += 1

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by backward() (a Tensor of this tensor's shape), or None."""
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"x.grad = value: assigned grad must be a Tensor or None, got "
                    f"{type(value).__name__}; wrap it, e.g. x.grad = tg.tensor(value)."
                )
            if value.shape != self.shape or value.dtype != self.dtype:
                raise RuntimeError(
                    f"x.grad = value: assigned grad has shape {tuple(value.shape)} and dtype "
                    f"{value.dtype}, but the tensor has shape {tuple(self.shape)} and dtype "
                    f"{self.dtype}; a gradient must match its tensor."
                )
        self._grad = value

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        return F.transpose(self)

    # -- autograd ------------------------------------------------------------------------

    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        A one-element tensor is seeded with 1; any other shape needs ``gradient`` (same shape).
        The graph's saved values are freed afterwards unless ``retain_graph=True``.
        """
        autograd.api.backward_one(self, gradient, retain_graph, create_graph)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut off from the graph."""
        return autograd._new_tensor(self._data, None)

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self._data

    def item(self):
        """The single value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(
                f"item(): only one-element tensors can be converted to a Python number; this "
                f"one has shape {self.shape}. Index or reduce it first."
            )
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad(): this tensor does not require grad.")
        node = self.grad_fn
        if node is not None:
            if node.hooks is None:
                node.hooks = []
            if not any(type(h) is autograd.RetainGrad for h in node.hooks):
                node.hooks.append(autograd.RetainGrad(weakref.ref(self)))

    def register_hook(self, hook) -> _HookHandle:
        """Call ``hook(grad)`` with this tensor's summed gradient during backward.

        A hook may return a Tensor of the same shape and dtype that replaces the gradient;
        returning None keeps it. Returns a handle whose ``remove()`` unregisters the hook.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "register_hook(): cannot register a hook on a tensor that does not require grad."
            )
        if self.grad_fn is not None:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = []
            hooks = self.grad_fn.hooks
        else:  # a leaf's hooks stay with the leaf; its sink (one per graph) reads them
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf; returns self."""
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad_(False) on a non-leaf tensor: use detach() to get a tensor "
                "without a graph."
            )
        if requires_grad:
            _check_float(self._data.dtype, "requires_grad_")
        self.requires_grad = bool(requires_grad)
        return self

    # -- in-place ------------------------------------------------------------------------

    def _check_inplace(self, what: str) -> None:
        if self.requires_grad and self.grad_fn is None and per_thread.flags.grad_enabled:
            raise RuntimeError(
                f"{what}: in-place operation on a leaf tensor that requires grad (shape "
                f"{self.shape}). Its old value is needed to compute gradients. Update "
                "parameters inside `with tg.no_grad():`, or write x = x + ... to make a new "
                "tensor."
            )

    def _rebind(self, result: Tensor) -> Tensor:
        """Make self take the place of ``result`` in the graph (a recorded in-place op)."""
        self._data = result._data
        self.grad_fn = result.grad_fn
        self.requires_grad = result.requires_grad
        self._version += 1
        return self

    def _inplace(self, fn, ufunc: str, other, symbol: str) -> Tensor:
        self._check_inplace(symbol)
        records = per_thread.flags.grad_enabled and (
            self.requires_grad or (isinstance(other, Tensor) and other.requires_grad))
        if records:
            return self._rebind(fn(self, other))
        value = other._data if isinstance(other, Tensor) else other
        getattr(namespace_of(self._data), ufunc)(self._data, value, out=self._data)
        self._version += 1
        note_mutation(self, self._data)
        return self

    def __iadd__(self, other):
        return self._inplace(F.add, "add", other, "+=")

    def __isub__(self, other):
        return self._inplace(F.sub, "subtract", other, "-=")

    def __imul__(self, other):
        return self._inplace(F.mul, "multiply", other, "*=")

    def __itruediv__(self, other):
        return self._inplace(F.div, "true_divide", other, "/=")

    def __setitem__(self, index, value) -> None:
        self._check_inplace("x[index] = value")
        records = per_thread.flags.grad_enabled and (
            self.requires_grad or (isinstance(value, Tensor) and value.requires_grad))
        if records:
            self._rebind(F.setitem(self, index, value))
            return
        self._data[F._index(index)] = value._data if isinstance(value, Tensor) else value
        self._version += 1
        note_mutation(self, self._data)

    def zero_(self) -> Tensor:
        """Fill with zeros in place (allowed on leaves under ``tg.no_grad()``)."""
        return self.fill_(0)

    def fill_(self, value) -> Tensor:
        """Fill with ``value`` in place (allowed on leaves under ``tg.no_grad()``)."""
        self._check_inplace("fill_")
        self._data[...] = value
        self._version += 1
        note_mutation(self, self._data)
        return self

    # -- operators -----------------------------------------------------------------------
    # Forward operators and methods whose signature matches are the public functions
    # themselves (one call less per op); reflected forms swap their operands.

    __add__ = F.add

    def __radd__(self, other):
        return F.add(other, self)

    __sub__ = F.sub

    def __rsub__(self, other):
        return F.sub(other, self)

    __mul__ = F.mul

    def __rmul__(self, other):
        return F.mul(other, self)

    __truediv__ = F.div

    def __rtruediv__(self, other):
        return F.div(other, self)

    __pow__ = F.pow

    def __rpow__(self, other):
        return F.pow(other, self)

    __matmul__ = F.matmul

    def __rmatmul__(self, other):
        return F.matmul(other, self)

    __neg__ = F.neg

    def __pos__(self):
        return self

    __abs__ = F.abs

    __getitem__ = F.getitem

    # Comparisons and logic: no gradient, boolean result.

    def _compare(self, other, ufunc: str) -> Tensor:
        value = other._data if isinstance(other, Tensor) else other
        return autograd._new_tensor(getattr(namespace_of(self._data), ufunc)(self._data, value),
                                    None)

    def __lt__(self, other):
        return self._compare(other, "less")

    def __le__(self, other):
        return self._compare(other, "less_equal")

    def __gt__(self, other):
        return self._compare(other, "greater")

    def __ge__(self, other):
        return self._compare(other, "greater_equal")

    def __eq__(self, other):  # type: ignore[override]
        return self._compare(other, "equal")

    def __ne__(self, other):  # type: ignore[override]
        return self._compare(other, "not_equal")

    def __and__(self, other):
        return self._compare(other, "logical_and")

    __rand__ = __and__

    def __or__(self, other):
        return self._compare(other, "logical_or")

    __ror__ = __or__

    def __xor__(self, other):
        return self._compare(other, "logical_xor")

    def __invert__(self):
        return autograd._new_tensor(namespace_of(self._data).logical_not(self._data), None)

    __hash__ = object.__hash__  # hashable by identity, like torch.Tensor

    # -- ops as methods ------------------------------------------------------------------

    sum = F.sum

    mean = F.mean

    var = F.var

    max = F.max

    min = F.min

    logsumexp = F.logsumexp

    softmax = F.softmax

    log_softmax = F.log_softmax

    reshape = F.reshape

    transpose = F.transpose

    swapaxes = F.swapaxes

    flatten = F.flatten

    squeeze = F.squeeze

    unsqueeze = F.unsqueeze

    def broadcast_to(self, *shape):
        return F.broadcast_to(self, shape[0] if len(shape) == 1 else shape)

    exp = F.exp

    log = F.log

    sqrt = F.sqrt

    abs = F.abs

    clip = F.clip

    relu = F.relu

    sigmoid = F.sigmoid

    tanh = F.tanh

    matmul = F.matmul

    pow = F.pow

    astype = F.astype

    def argmax(self, axis=None, keepdims=False) -> Tensor:
        """Index of the largest value along ``axis`` (flattened when None); no gradient."""
        xp = namespace_of(self._data)
        return autograd._new_tensor(
            xp.asarray(xp.argmax(self._data, axis=axis, keepdims=keepdims)), None)

    def argmin(self, axis=None, keepdims=False) -> Tensor:
        """Index of the smallest value along ``axis`` (flattened when None); no gradient."""
        xp = namespace_of(self._data)
        return autograd._new_tensor(
            xp.asarray(xp.argmin(self._data, axis=axis, keepdims=keepdims)), None)

    def all(self):
        return bool(self._data.all())

    def any(self):
        return bool(self._data.any())

    # -- Python protocols ----------------------------------------------------------------

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(
                f"The truth value of a tensor of shape {self.shape} is ambiguous; use .any() or "
                ".all(), or compare a single element."
            )
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extras = []
        if self._data.dtype != _default_dtype:
            extras.append(f"dtype={self._data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.op_name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body] + extras) + ")"


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    __slots__ = ("hooks", "hook")

    def __init__(self, hooks: list, hook) -> None:
        self.hooks = hooks
        self.hook = hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def tensor(data, requires_grad: bool = False, dtype=None, name: str | None = None) -> Tensor:
    """Make a Tensor (a copy of ``data``).

    NumPy arrays keep their dtype; Python numbers and lists become the default float dtype
    (float32, see ``set_default_dtype``). ``requires_grad=True`` needs a floating dtype.
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


autograd.register_tensor_type(Tensor)
