"""Module and Parameter: the containers every layer and model is built from.

A :class:`Module` registers the :class:`Parameter`\\ s, buffers and sub-Modules assigned to its
attributes (PyTorch's contract), so ``parameters()``, ``state_dict()``, ``train()`` and
``regularization_loss()`` find them without any hand-kept lists.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from ..autograd import _new_tensor, no_grad
from ..autograd.mode import per_thread
from ..errors import ShapeError
from ..tensor import Tensor, get_default_dtype


class Parameter(Tensor):
    """A Tensor that is a learnable leaf (``requires_grad=True``); Modules register it.

    >>> w = nn.Parameter(np.zeros((3, 2)))
    >>> w.requires_grad, w.is_leaf
    (True, True)
    """

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True, dtype=None, name: str | None = None):
        if dtype is None and not isinstance(data, (np.ndarray, Tensor)):
            dtype = get_default_dtype()
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, name=name)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class StateDictError(KeyError, RuntimeError):
    """``load_state_dict(strict=True)`` met missing or unexpected keys.

    A ``KeyError`` (a key problem) and a ``RuntimeError`` (what PyTorch raises)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class Module:
    """Base class of layers and models: ``__call__`` runs ``forward``.

    Subclasses call ``super().__init__()`` first, then assign Parameters and sub-Modules as
    attributes::

        class Affine(nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = nn.Parameter(np.ones(3))

            def forward(self, x):
                return x * self.scale
    """

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_modules"] = OrderedDict()
        d["training"] = True

    # -- registration --------------------------------------------------------------------

    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() has run: call "
                f"super().__init__() first in {type(self).__name__}.__init__."
            )
        params, buffers, modules = d["_parameters"], d["_buffers"], d["_modules"]
        if name in buffers and isinstance(value, Tensor) and not isinstance(value, Parameter):
            buffers[name] = d[name] = value  # re-assigning a buffer keeps it a buffer
            return
        for registry in (params, buffers, modules):
            registry.pop(name, None)
        d.pop(name, None)
        if isinstance(value, Parameter):
            params[name] = value
        elif isinstance(value, Module):
            modules[name] = value
        else:
            object.__setattr__(self, name, value)
            return
        # Registered values are mirrored in the instance dict so that `self.weight` in a
        # forward is a plain attribute lookup (no __getattr__ call on the hot path).
        d[name] = value

    def __getattr__(self, name: str):
        # Only called when normal lookup fails: entries registered without __setattr__.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            table = d.get(registry)
            if table is not None and name in table:
                return table[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            table = d[registry]
            if name in table:
                del table[name]
                d.pop(name, None)
                return
        object.__delattr__(self, name)

    def register_buffer(self, name: str, value) -> None:
        """Register non-learnable state (running statistics) saved in ``state_dict``."""
        if not isinstance(value, Tensor):
            value = _new_tensor(np.asarray(value), None)
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            d[registry].pop(name, None)
        d["_buffers"][name] = d[name] = value

    def register_parameter(self, name: str, value: Parameter | None) -> None:
        """Register ``value`` under ``name`` (same as assigning the attribute)."""
        setattr(self, name, value)

    # -- running -------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        st = per_thread.flags
        previous = st.module
        st.module = self  # graph nodes record the Module whose forward made them (viz)
        try:
            return self.forward(*args, **kwargs)
        finally:
            st.module = previous

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward().")

    # -- traversal -----------------------------------------------------------------------

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module (name ``""``) and every descendant."""
        stack = [(prefix, self)]
        seen = set()
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = list(module._modules.items())
            for child_name, child in reversed(children):
                stack.append((f"{name}.{child_name}" if name else child_name, child))

    def modules(self) -> Iterator[Module]:
        """This module and every descendant, in ``named_modules`` order (no names built)."""
        stack = [self]
        seen = set()
        while stack:
            module = stack.pop()
            key = id(module)
            if key in seen:
                continue
            seen.add(key)
            yield module
            children = module._modules
            if children:
                stack.extend(reversed(children.values()))

    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        yield from self._modules.values()

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)``, e.g. ``("0.weight", ...)``; shared ones once."""
        seen = set()
        for module_name, module in self.named_modules(prefix):
            for name, p in module._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{module_name}.{name}" if module_name else name), p

    def parameters(self) -> Iterator[Parameter]:
        """Every parameter, in ``named_parameters`` order, shared ones once (no names built)."""
        seen = set()
        for module in self.modules():
            for p in module._parameters.values():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield p

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        for module_name, module in self.named_modules():
            for name, b in module._buffers.items():
                if b is not None:
                    yield (f"{module_name}.{name}" if module_name else name), b

    def buffers(self) -> Iterator[Tensor]:
        for _, b in self.named_buffers():
            yield b

    # -- modes and gradients -------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops, BatchNorm uses batch statistics); returns self."""
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"train(mode): mode must be a bool, got {type(mode).__name__}.")
        self.__dict__["training"] = bool(mode)
        for child in self._modules.values():
            child.train(bool(mode))  # through the children's own train(), as in PyTorch
        return self

    def eval(self) -> Module:
        """Evaluation mode: the same as ``train(False)``; returns self."""
        return Module.train(self, False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` (to None, or to zeros)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad._data[...] = 0

    # -- regularization ------------------------------------------------------------------

    def penalty(self):
        """This module's own regularization term (a scalar Tensor), or None. Layers override."""
        return None

    def regularization_loss(self) -> Tensor:
        """The sum of every layer's penalty, as a scalar Tensor in the graph (0 when none)."""
        total = None
        for module in self.modules():
            term = module_penalty(module)
            if term is not None:
                total = term if total is None else total + term
        if total is None:
            dtype = next((p.dtype for p in self.parameters()), get_default_dtype())
            return _new_tensor(np.zeros((), dtype=dtype), None)
        return total

    # -- state ---------------------------------------------------------------------------

    def state_dict(self) -> OrderedDict:
        """``name -> ndarray`` (copies) of every parameter and buffer, dotted names."""
        out = OrderedDict()
        for module_name, module in self.named_modules():
            for table in (module._parameters, module._buffers):
                for name, value in table.items():
                    if value is not None:
                        key = f"{module_name}.{name}" if module_name else name
                        out[key] = value._data.copy()
        return out

    def load_state_dict(self, state_dict, strict: bool = True) -> tuple[list, list]:
        """Copy values from ``state_dict`` into the parameters and buffers (never aliasing).

        With ``strict`` a missing or unexpected key raises ``StateDictError`` (a ``KeyError``)
        naming it; a shape
        mismatch always raises ``ShapeError`` naming the key and both shapes. Returns
        ``(missing_keys, unexpected_keys)``.
        """
        targets = OrderedDict()
        for module_name, module in self.named_modules():
            for table in (module._parameters, module._buffers):
                for name, value in table.items():
                    if value is not None:
                        targets[f"{module_name}.{name}" if module_name else name] = value
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append(f"missing keys {missing}")
            if unexpected:
                parts.append(f"unexpected keys {unexpected}")
            raise StateDictError(
                f"load_state_dict for {type(self).__name__}: " + " and ".join(parts)
                + f". The model has {list(targets)}; pass strict=False to load a partial "
                "state."
            )
        for key, target in targets.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            value = value._data if isinstance(value, Tensor) else np.asarray(value)
            if value.shape != target._data.shape:
                raise ShapeError(
                    f"load_state_dict for {type(self).__name__}: size mismatch for {key!r}: "
                    f"the checkpoint has shape {tuple(value.shape)}, the model has shape "
                    f"{tuple(target._data.shape)}."
                )
        with no_grad():
            for key, target in targets.items():
                if key in state_dict:
                    value = state_dict[key]
                    target._data[...] = value._data if isinstance(value, Tensor) else value
                    target._version += 1
        return missing, unexpected

    # -- display -------------------------------------------------------------------------

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        if not self._modules:
            return lines[0] + ")"
        for name, module in self._modules.items():
            body = repr(module).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"


def module_penalty(module: Module):
    """``module.penalty()`` recorded as the module's own ops (graph pictures group the
    penalty node with its layer)."""
    st = per_thread.flags
    previous = st.module
    st.module = module
    try:
        return module.penalty()
    finally:
        st.module = previous
