"""A Tensor's gradient attributes, as PyTorch's: ``.grad`` (and its warning on a non-leaf),
``retain_grad``/``retains_grad``, ``register_hook`` and its removable handle,
``requires_grad_``, ``detach_``. A mixin of :class:`~tinygraph.tensor.Tensor`, kept apart so
that the Tensor module stays short.
"""

from __future__ import annotations

import warnings
import weakref

from . import autograd
from .creation import check_float

NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead."
)


class GradAttributes:
    """The gradient attributes and methods of a Tensor (a mixin: no state of its own)."""

    __slots__ = ()

    @property
    def grad(self):
        """The gradient accumulated by backward() (a Tensor of this tensor's shape), or None.

        On a non-leaf that does not ``retain_grad()`` it is None, with PyTorch's warning."""
        grad = self._grad
        if grad is None and self.grad_fn is not None and not self.retains_grad:
            warnings.warn(NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, autograd.Tensor):
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
    def retains_grad(self) -> bool:
        """True for a non-leaf whose ``.grad`` is kept (``retain_grad()``); False for leaves."""
        node = self.grad_fn
        if node is None or not node.hooks:
            return False
        return any(type(h) is autograd.RetainGrad and h.tensor_ref() is self
                   for h in node.hooks)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad(): can't retain_grad on Tensor that has "
                               "requires_grad=False; only tensors in a graph have a gradient.")
        node = self.grad_fn
        if node is not None and not self.retains_grad:
            if node.hooks is None:
                node.hooks = []
            node.hooks.append(autograd.RetainGrad(weakref.ref(self)))

    def register_hook(self, hook) -> HookHandle:
        """Call ``hook(grad)`` with this tensor's summed gradient during backward.

        A hook may return a Tensor of the same shape and dtype that replaces the gradient;
        returning None keeps it. Returns a handle whose ``remove()`` unregisters the hook.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "register_hook(): cannot register a hook on a tensor that doesn't require "
                "gradient; create it with requires_grad=True (or call x.requires_grad_())."
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
        return HookHandle(hooks, hook)

    @property
    def requires_grad(self) -> bool:
        """Whether ops on this tensor are recorded for a gradient. Settable on a leaf only
        (a bool; True only for a floating dtype), as in PyTorch."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value) -> None:
        if type(value) is not bool:
            raise RuntimeError(f"requires_grad must be a bool, got {type(value).__name__} "
                               f"{value!r}; write x.requires_grad = {bool(value)} instead.")
        if self.grad_fn is not None:
            raise RuntimeError(
                "x.requires_grad = ...: you can only change requires_grad flags of leaf "
                "variables. If you want to use a computed variable in a subgraph that doesn't "
                "require differentiation use var_no_grad = var.detach()."
            )
        if value:
            check_float(self._data.dtype, "x.requires_grad = True")
        self._requires_grad = value

    def requires_grad_(self, requires_grad: bool = True):
        """Set ``requires_grad`` in place on a leaf; returns self."""
        if type(requires_grad) is not bool:
            raise TypeError(f"requires_grad_(): argument 'requires_grad' must be bool, not "
                            f"{type(requires_grad).__name__}.")
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad_(False) on a non-leaf tensor: you can only change "
                "requires_grad flags of leaf variables. Use detach() to get a tensor without "
                "a graph."
            )
        if requires_grad:
            check_float(self._data.dtype, "requires_grad_")
        self._requires_grad = requires_grad
        return self

    def detach_(self):
        """Cut this tensor off the graph in place: it becomes a leaf that does not require
        grad. Returns self."""
        if self._base is not None:
            raise RuntimeError(
                "detach_(): can't detach a view in place (this tensor shares memory with "
                "another one); use detach() instead, which returns a new tensor."
            )
        self.grad_fn = None
        self._requires_grad = False
        return self


class HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook, as does leaving a
    ``with`` block on it (PyTorch's RemovableHandle)."""

    __slots__ = ("hooks", "hook")

    def __init__(self, hooks: list, hook) -> None:
        self.hooks = hooks
        self.hook = hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)

    def __enter__(self) -> HookHandle:
        return self

    def __exit__(self, *exc_info) -> None:
        self.remove()
