"""The Tensor: an array plus the record of how it was computed.

A Tensor holds its values in ``._data`` (a NumPy array) and, when it was produced by ops on
inputs that require grad, the node of the op that made it (``.grad_fn``). Every operator and
method here is a one-line delegation to a function of ``tinygraph.ops``.
"""

from __future__ import annotations

import weakref

import numpy as np

from . import autograd
from .autograd.node import new_tensor
from .backend import namespace_of
from .creation import check_float, get_default_dtype, to_array
from .errors import ShapeError
from .inplace import InPlace
from .ops import registry
from .ops.shape import getitem

_SLOT_DEFAULTS = {"_grad": None, "name": None, "_version": 0, "_accumulator": None, "_hooks": None}


class Tensor(InPlace):
    """An n-dimensional array that records the ops applied to it.

    >>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = ("_data", "_grad", "requires_grad", "grad_fn", "name", "_version",
                 "_accumulator", "_hooks", "__weakref__")

    def __getattr__(self, attribute):
        # Op outputs are built without storing the rarely read slots (see
        # autograd.new_tensor); an unset slot lands here and reads as its default.
        try:
            return _SLOT_DEFAULTS[attribute]
        except KeyError:
            raise AttributeError(
                f"'Tensor' object has no attribute '{attribute}'") from None

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None):
        self._data = to_array(data._data if isinstance(data, Tensor) else data, dtype)
        if requires_grad:
            check_float(self._data.dtype, "tensor")
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
        return new_tensor(self._data, None)

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
        return registry.functions["transpose"](self)

    # -- autograd ------------------------------------------------------------------------

    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        A one-element tensor is seeded with 1; any other shape needs ``gradient`` (same shape).
        The graph's saved values are freed afterwards unless ``retain_graph=True``.
        ``inputs=[w, ...]``: accumulate into those tensors' ``.grad`` only.
        """
        autograd.api.backward_one(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut off from the graph."""
        return new_tensor(self._data, None)

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
            check_float(self._data.dtype, "requires_grad_")
        self.requires_grad = bool(requires_grad)
        return self

    # -- operators -----------------------------------------------------------------------
    # The public functions themselves (ops/registry.py); reflected forms swap the operands.

    __add__ = registry.functions["add"]
    __sub__ = registry.functions["sub"]
    __mul__ = registry.functions["mul"]
    __truediv__ = registry.functions["div"]
    __pow__ = registry.functions["pow"]
    __matmul__ = registry.functions["matmul"]
    __neg__ = registry.functions["neg"]
    __abs__ = registry.functions["abs"]
    __getitem__ = getitem

    def __radd__(self, other):
        return registry.functions["add"](other, self)

    def __rsub__(self, other):
        return registry.functions["sub"](other, self)

    def __rmul__(self, other):
        return registry.functions["mul"](other, self)

    def __rtruediv__(self, other):
        return registry.functions["div"](other, self)

    def __rpow__(self, other):
        return registry.functions["pow"](other, self)

    def __rmatmul__(self, other):
        return registry.functions["matmul"](other, self)

    def __pos__(self):
        return self

    # Comparisons and logic: no gradient, boolean result.

    def _compare(self, other, ufunc: str) -> Tensor:
        value = other._data if isinstance(other, Tensor) else other
        return new_tensor(getattr(namespace_of(self._data), ufunc)(self._data, value),
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
        return new_tensor(namespace_of(self._data).logical_not(self._data), None)

    __hash__ = object.__hash__  # hashable by identity, like torch.Tensor

    # -- ops without a gradient -----------------------------------------------------------

    def argmax(self, axis=None, keepdims=False) -> Tensor:
        """Index of the largest value along ``axis`` (flattened when None); no gradient."""
        xp = namespace_of(self._data)
        return new_tensor(
            xp.asarray(xp.argmax(self._data, axis=axis, keepdims=keepdims)), None)

    def argmin(self, axis=None, keepdims=False) -> Tensor:
        """Index of the smallest value along ``axis`` (flattened when None); no gradient."""
        xp = namespace_of(self._data)
        return new_tensor(
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

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy ufuncs on Tensors: ``np.exp(x)`` is ``tg.exp(x)`` (recorded) where tinygraph has
        the op; otherwise the values are computed, and refused when that would silently drop
        the gradient of an input that requires grad. ``out=`` arrays receive values only."""
        function = registry.ufuncs.get(ufunc.__name__)
        if function is not None and method == "__call__" and not kwargs:
            return function(*inputs)
        arrays = [x._data if isinstance(x, Tensor) else x for x in inputs]
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(o._data if isinstance(o, Tensor) else o for o in out)
        result = getattr(ufunc, method)(*arrays, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        results = result if isinstance(result, tuple) else (result,)
        tracked = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
        if tracked and any(np.asarray(r).dtype.kind == "f" for r in results):
            raise TypeError(
                f"np.{ufunc.__name__}: tinygraph has no differentiable op for this NumPy "
                "function, and an input requires grad, so the result would silently lose its "
                "gradient. Use tinygraph's ops, or pass x.detach() to compute values only."
            )
        wrapped = tuple(new_tensor(np.asarray(r), None) for r in results)
        return wrapped if isinstance(result, tuple) else wrapped[0]

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extras = []
        if self._data.dtype != get_default_dtype():
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


# The methods every public op declares (ops/registry.py): x.exp(), x.sum(dim), ...
for _name, _function in registry.methods.items():
    if _name not in vars(Tensor):
        setattr(Tensor, _name, _function)

autograd.register_tensor_type(Tensor)
