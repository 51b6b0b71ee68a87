"""Module: the base of every layer and model, with PyTorch's contract.

A :class:`Module` registers the :class:`Parameter`\\ s, sub-Modules and buffers assigned to its
attributes, so ``parameters()``, ``state_dict()``, ``train()``, ``to()`` and
``regularization_loss()`` find them without any hand-kept lists::

    class Affine(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(tg.ones(3))
            self.register_buffer("calls", tg.zeros(()))

        def forward(self, x):
            return x * self.scale
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..autograd import _new_tensor
from ..autograd.mode import per_thread
from ..names import missing_module_attribute
from ..optim.optimizer import zero_grads
from ..tensor import Tensor, get_default_dtype
from . import state
from .casting import Casting
from .hooks import GLOBAL_HOOKS, ForwardHooks, call_with_hooks
from .parameter import Buffer, Parameter
from .state import IncompatibleKeys, StateDictError

__all__ = ["Module", "Parameter", "StateDictError", "IncompatibleKeys", "module_penalty"]

_REGISTRIES = ("_parameters", "_buffers", "_modules")


class Module(ForwardHooks, Casting):
    """Base class of layers and models: ``module(x)`` runs ``forward(x)``.

    Subclasses call ``super().__init__()`` first, then assign Parameters, Modules and
    buffers (``register_buffer``) as attributes. Registered values also live in the
    instance ``__dict__``, so reading ``self.weight`` in a forward is a plain attribute lookup.
    """

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = {}

    # -- registration --------------------------------------------------------------------

    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        if isinstance(value, (Parameter, Module)):
            kind = "parameters" if isinstance(value, Parameter) else "modules"
            self._check_initialized(f"assign {kind[:-1]} {name!r}")
            self._forget(name, keep=f"_{kind}")
            if kind == "parameters":  # as torch: refused over a class attribute (a property)
                return self.register_parameter(name, value)
            self._store("_modules", name, value)
        elif name in d.get("_parameters", ()):
            self._store("_parameters", name, self._none_or_raise(value, name, "parameter",
                                                                 "nn.Parameter"))
        elif name in d.get("_modules", ()):
            self._store("_modules", name, self._none_or_raise(value, name, "child module",
                                                              "nn.Module"))
        elif isinstance(value, Buffer) or name in d.get("_buffers", ()):
            persistent = name not in d["_non_persistent_buffers_set"]
            self.register_buffer(name, value, getattr(value, "persistent", persistent))
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        # Called only when normal lookup fails: entries put into a registry directly.
        d = self.__dict__
        for registry in _REGISTRIES:
            table = d.get(registry)
            if table is not None and name in table:
                return table[name]
        if name.startswith("__"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        raise missing_module_attribute(self, name)

    def __delattr__(self, name: str) -> None:
        if any(name in self.__dict__.get(registry, ()) for registry in _REGISTRIES):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        names = set(super().__dir__())
        for registry in _REGISTRIES:
            names.update(self.__dict__.get(registry, ()))
        return sorted(names)

    def _check_initialized(self, what: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot {what} before Module.__init__() has run: call super().__init__() "
                f"first in {type(self).__name__}.__init__."
            )

    def _store(self, registry: str, name: str, value) -> None:
        self.__dict__[registry][name] = value
        self.__dict__[name] = value  # the mirror read by plain attribute lookup

    def _forget(self, name: str, keep: str | None = None) -> None:
        """Unregister ``name`` (except from the registry ``keep``: replacing an entry there
        keeps its place in the order, as in PyTorch)."""
        d = self.__dict__
        for registry in _REGISTRIES:
            if registry != keep:
                d[registry].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)
        d.pop(name, None)

    def _none_or_raise(self, value, name: str, kind: str, expected: str):
        if value is not None:
            raise TypeError(f"cannot assign {type(value).__name__!r} as {kind} {name!r} of "
                            f"{type(self).__name__} ({expected} or None expected).")
        return None

    def _check_new_name(self, name, kind: str, registry: str) -> None:
        self._check_initialized(f"register {kind} {name!r}")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}.")
        if "." in name or name == "":
            raise KeyError(f"{kind} name {name!r} can't be empty or contain '.'")
        if name not in self.__dict__[registry] and (
                name in self.__dict__ or hasattr(type(self), name)):
            raise KeyError(f"attribute {name!r} already exists in {type(self).__name__}")

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Register non-learnable state (running statistics, counters) under ``name``.

        Buffers follow ``to()``/``double()`` and, unless ``persistent=False``, are saved in
        ``state_dict``. ``tensor`` is a Tensor (an ndarray is made one) or None.
        """
        self._check_new_name(name, "buffer", "_buffers")
        value = state.as_buffer(tensor, name)
        self._forget(name, keep="_buffers")
        self._store("_buffers", name, value)
        if not persistent:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (a Parameter or None) under ``name``."""
        self._check_new_name(name, "parameter", "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign {type(param).__name__!r} object to parameter "
                            f"{name!r} (nn.Parameter or None required).")
        self._forget(name, keep="_parameters")
        self._store("_parameters", name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (a Module or None) as the child ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass.")
        self._check_new_name(name, "module", "_modules")
        self._forget(name, keep="_modules")
        self._store("_modules", name, module)

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The descendant at the dotted path ``target`` (``""`` is this module)."""
        return state.get_submodule(self, target)

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put ``module`` at the dotted path ``target`` (``"layer1.0.conv1"``)."""
        state.set_submodule(self, target, module, strict)

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target`` (e.g. ``"0.weight"``)."""
        return state.get_member(self, target, "_parameters", "an nn.Parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target`` (e.g. ``"1.running_mean"``)."""
        return state.get_member(self, target, "_buffers", "a buffer")

    # -- running -------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        flags = per_thread.flags
        previous = flags.module
        flags.module = self  # graph nodes record the Module whose forward made them (viz)
        try:
            if self._forward_hooks is None and not GLOBAL_HOOKS:
                return self.forward(*args, **kwargs)
            return call_with_hooks(self, args, kwargs)
        finally:
            flags.module = previous

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward().")

    # -- traversal -----------------------------------------------------------------------

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module (named ``prefix``) and every descendant,
        depth first; a module reachable twice is listed once unless ``remove_duplicate=False``.
        """
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:  # iterative, in the order of PyTorch's recursion
            name, module = stack.pop()
            if remove_duplicate:
                if module in memo:
                    continue
                memo.add(module)
            yield name, module
            children = [(f"{name}.{key}" if name else key, child)
                        for key, child in module._modules.items() if child is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every descendant, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, child)`` of the direct children, each child once."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and child not in seen:
                seen.add(child)
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool):
        seen = set()
        owners = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                  if recurse else [(prefix, self)])
        for owner_name, owner in owners:
            for name, value in owner.__dict__[registry].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{owner_name}.{name}" if owner_name else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)``, e.g. ``("0.weight", ...)``; shared ones once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter, in ``named_parameters`` order, shared ones once."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, buffer)``, persistent or not."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn) -> Module:
        """Call ``fn(module)`` on every child (recursively), then on self; returns self.

        >>> model.apply(lambda m: nn.init.zeros_(m.bias) if isinstance(m, nn.Linear) else None)
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- modes and gradients -------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops, BatchNorm uses batch statistics); returns self."""
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(f"train(mode): training mode is expected to be a bool, got "
                             f"{type(mode).__name__}.")
        self.__dict__["training"] = bool(mode)
        for child in self.children():
            child.train(bool(mode))  # through the children's own train(), as in PyTorch
        return self

    def eval(self) -> Module:
        """Evaluation mode: the same as ``train(False)``; returns self."""
        return Module.train(self, False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` (to None, or to zeros in place)."""
        zero_grads(self.parameters(), set_to_none)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Turn gradient tracking of every parameter on or off (freezing); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

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

    def state_dict(self, *, destination=None, prefix: str = "", keep_vars: bool = False):
        """``name -> ndarray`` (copies) of every parameter and persistent buffer, with
        PyTorch's keys (``0.weight``, ``1.running_mean``, ``1.num_batches_tracked``)."""
        return state.state_dict(self, destination, prefix, keep_vars)

    def load_state_dict(self, state_dict, strict: bool = True,
                        assign: bool = False) -> IncompatibleKeys:
        """Copy values (Tensors or arrays) into the parameters and buffers, all or nothing.

        With ``strict`` a missing or unexpected key raises ``StateDictError`` (a ``KeyError``
        and a ``RuntimeError``) naming them; a shape mismatch raises ``ShapeError`` naming the
        key and both shapes; non-numeric data raises ``TypeError`` naming the key. When it
        raises, nothing has changed. Returns ``(missing_keys, unexpected_keys)``. ``assign``:
        keep the checkpoint's arrays (and dtypes) instead of copying into the model's.
        """
        return state.load_state_dict(self, state_dict, strict, assign)

    # -- display -------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr`` (layers override)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): " + repr(module).replace("\n", "\n  ")
                    for name, module in self._modules.items()]
        name = type(self).__name__
        if not lines and not children:
            return f"{name}()"
        if len(lines) == 1 and not children:
            return f"{name}({lines[0]})"
        return f"{name}(\n  " + "\n  ".join(lines + children) + "\n)"


def module_penalty(module: Module):
    """``module.penalty()`` recorded as the module's own ops (graph pictures group the
    penalty node with its layer)."""
    flags = per_thread.flags
    previous = flags.module
    flags.module = module
    try:
        return module.penalty()
    finally:
        flags.module = previous
