"""``tg.autograd.Variable``: PyTorch's legacy wrapper, kept so that old programs
(``from torch.autograd import Variable``) run. Since PyTorch 0.4 every Tensor is a Variable:
``Variable(t, requires_grad=True)`` is a new leaf sharing ``t``'s values, and
``isinstance(t, Variable)`` is True for every Tensor.
"""

from __future__ import annotations

import warnings

from . import node as _node


class _VariableMeta(type):
    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, _node.Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False)``: ``data`` (a Tensor) detached, as a new leaf
    that shares its values and requires grad if asked; prefer ``t.detach().requires_grad_()``.
    """

    def __new__(cls, data, requires_grad: bool = False, volatile: bool = False):
        if not isinstance(data, _node.Tensor):
            raise TypeError(
                f"Variable data has to be a tensor, but got {type(data).__name__}; use "
                "tg.tensor(data, requires_grad=...) (Variable is only PyTorch's legacy name)."
            )
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with "
                          "tg.no_grad():` instead.", UserWarning, stacklevel=2)
        leaf = _node.new_tensor(data._data, None)
        return leaf.requires_grad_() if requires_grad else leaf
