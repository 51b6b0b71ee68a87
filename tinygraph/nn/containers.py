"""Containers that register what they hold: ModuleList, ModuleDict, ParameterList,
ParameterDict (PyTorch's semantics; ``Sequential`` is in ``sequential.py``).

A plain Python list of layers is invisible to ``parameters()``; these are not::

    self.blocks = nn.ModuleList([nn.Linear(8, 8) for _ in range(3)])   # 0.weight, 1.weight, ...
    self.scales = nn.ParameterDict({"a": nn.Parameter(tg.ones(3))})
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping

from ..tensor import Tensor
from .module import Module
from .parameter import Parameter


def absolute_index(container, index: int) -> int:
    """``index`` (negative counts from the end) checked against ``len(container)``."""
    if not isinstance(index, int):
        raise TypeError(f"{type(container).__name__} indices must be integers or slices, not "
                        f"{type(index).__name__}.")
    n = len(container)
    if not -n <= index < n:
        raise IndexError(f"index {index} is out of range for a {type(container).__name__} of "
                         f"length {n}.")
    return index % n


def renumber(module: Module, values: list) -> None:
    """Register ``values`` as ``module``'s children ``"0"``, ``"1"``, ... (after a deletion or
    an insertion), replacing the ones it had."""
    for name in list(module._modules):
        module._forget(name)
    for i, value in enumerate(values):
        module._store("_modules", str(i), value)


def _as_parameter(value):
    """PyTorch's rule for Parameter containers: a plain Tensor becomes a Parameter."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _check_module(owner: str, value) -> Module:
    if not isinstance(value, Module):
        raise TypeError(f"{owner}: expected a Module, got {type(value).__name__}.")
    return value


def _iterable(owner: str, values):
    if isinstance(values, (str, Tensor)) or not isinstance(values, Iterable):
        raise TypeError(f"{owner} should be called with an iterable, but got "
                        f"{type(values).__name__}.")
    return values


class ModuleList(Module):
    """A list of Modules registered as ``"0"``, ``"1"``, ...: index, slice, append, extend,
    insert, pop, ``len``, iteration. It has no ``forward``: loop over it in yours.

    >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
    """

    holds_only = True  # a holder, not a layer: pictures collapse each member, not the list

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return self._modules[str(absolute_index(self, index))]

    def __setitem__(self, index: int, module: Module) -> None:
        name = str(absolute_index(self, index))
        self._store("_modules", name, _check_module("ModuleList", module))

    def __delitem__(self, index) -> None:
        values = list(self._modules.values())
        if isinstance(index, slice):
            del values[index]
        else:
            del values[absolute_index(self, index)]
        renumber(self, values)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other) -> ModuleList:
        return type(self)([*self, *_iterable("ModuleList.__add__", other)])

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), _check_module("ModuleList.append", module))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in list(_iterable("ModuleList.extend", modules)):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        values = list(self._modules.values())
        values.insert(index, _check_module("ModuleList.insert", module))
        renumber(self, values)

    def pop(self, index: int = -1) -> Module:
        module = self[index]
        del self[index]
        return module

    def __repr__(self) -> str:
        """PyTorch's: runs of identical modules print once, as ``(0-2): 3 x Linear(...)``."""
        entries, names, values = [], list(self._modules), [repr(m) for m in self]
        start = 0
        for end in range(1, len(values) + 1):
            if end == len(values) or values[end] != values[start]:
                label = names[start] if end - start == 1 else f"{names[start]}-{names[end - 1]}"
                count = "" if end - start == 1 else f"{end - start} x "
                entries.append(f"({label}): {count}" + values[start].replace("\n", "\n  "))
                start = end
        name = type(self).__name__  # subclasses (ParametrizationList) print their own name
        if not entries:
            return f"{name}()"
        return f"{name}(\n  " + "\n  ".join(entries) + "\n)"


class _DictMethods:
    """The dict protocol of ModuleDict and ParameterDict over ``_order()`` (their keys, in
    order) and ``__getitem__``/``__setitem__``/``__delitem__``."""

    def __len__(self) -> int:
        return len(self._order())

    def __iter__(self):
        return iter(self._order())

    def __contains__(self, key) -> bool:
        return key in self._order()

    def keys(self):
        return self._order().keys()

    def items(self):
        return ((key, self[key]) for key in self._order())

    def values(self):
        return (self[key] for key in self._order())

    def get(self, key: str, default=None):
        return self[key] if key in self else default

    def pop(self, key: str):
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        for key in list(self._order()):
            del self[key]

    def update(self, entries) -> None:
        """Add or replace entries from a mapping or an iterable of ``(key, value)`` pairs."""
        name = f"{type(self).__name__}.update"
        pairs = entries.items() if isinstance(entries, (Mapping, _DictMethods)) else \
            _iterable(name, entries)
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"{name}: element {i} should be a (key, value) pair, got "
                                 f"{pair!r}.")
            self[pair[0]] = pair[1]


class ModuleDict(_DictMethods, Module):
    """An ordered dict of Modules, registered under their keys.

    >>> heads = nn.ModuleDict({"mean": nn.Linear(8, 1), "scale": nn.Linear(8, 1)})
    >>> heads["mean"]
    """

    holds_only = True  # a holder, not a layer: pictures collapse each member, not the dict

    def __init__(self, modules: Mapping | Iterable | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def _order(self) -> dict:
        return self._modules

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check_module("ModuleDict", module))

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise KeyError(key)
        self._forget(key)


class ParameterList(Module):
    """A list of Parameters registered as ``"0"``, ``"1"``, ... (plain Tensors are made
    Parameters, as in PyTorch).

    >>> scales = nn.ParameterList([nn.Parameter(tg.ones(3)) for _ in range(4)])
    """

    def __init__(self, values: Iterable | None = None) -> None:
        super().__init__()
        self.__dict__["_size"] = 0
        if values is not None:
            self.extend(values)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)([self[i] for i in range(len(self))[index]])
        return getattr(self, str(absolute_index(self, index)))

    def __setitem__(self, index: int, value) -> None:
        setattr(self, str(absolute_index(self, index)), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value) -> ParameterList:
        self.__dict__["_size"] += 1
        self[len(self) - 1] = value
        return self

    def extend(self, values) -> ParameterList:
        for value in list(_iterable("ParameterList.extend", values)):
            self.append(value)
        return self

    def extra_repr(self) -> str:
        # PyTorch indents these two more than child modules
        return "\n".join(f"  ({i}): {_describe(value)}" for i, value in enumerate(self))


class ParameterDict(_DictMethods, Module):
    """An ordered dict of Parameters, registered under their keys (plain Tensors are made
    Parameters, as in PyTorch).

    >>> biases = nn.ParameterDict({"left": nn.Parameter(tg.zeros(2))})
    """

    def __init__(self, parameters: Mapping | Iterable | None = None) -> None:
        super().__init__()
        self.__dict__["_keys"] = {}  # insertion order of the keys
        if parameters is not None:
            self.update(parameters)

    def _order(self) -> dict:
        return self._keys

    def __getitem__(self, key: str):
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict keys must be strings, got {type(key).__name__}.")
        self._keys[key] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def update(self, entries) -> None:
        """As torch: an OrderedDict or ParameterDict keeps its order, another mapping is
        added in sorted key order, pairs in theirs."""
        if isinstance(entries, Mapping) and not isinstance(entries, (OrderedDict, ParameterDict)):
            entries = sorted(entries.items())
        super().update(entries)

    def setdefault(self, key: str, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def popitem(self) -> tuple:
        """Remove and return the last ``(key, parameter)`` pair."""
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same Parameters."""
        return ParameterDict(OrderedDict(self.items()))

    def fromkeys(self, keys, default=None) -> ParameterDict:
        return ParameterDict((key, default) for key in keys)

    def __or__(self, other) -> ParameterDict:
        copy = self.copy()
        copy.update(other)
        return copy

    def __ror__(self, other) -> ParameterDict:
        copy = other.copy()
        copy.update(self)
        return copy

    def __ior__(self, other) -> ParameterDict:
        self.update(other)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"  ({key}): {_describe(value)}" for key, value in self.items())


def _describe(value) -> str:
    if isinstance(value, Tensor):
        kind = "Parameter containing" if isinstance(value, Parameter) else "Tensor"
        size = "x".join(str(n) for n in value.shape) or "()"
        return f"{kind}: [tinygraph.{value.dtype} of size {size}]"
    return repr(value)
