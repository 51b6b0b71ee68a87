"""The pruning machinery of ``nn.utils.prune`` (see prune.py): ``BasePruningMethod`` (a
method is the forward pre-hook that recomputes ``name = name_orig * name_mask``) and
``PruningContainer`` (successive methods on one tensor)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable

import numpy as np

from ...tensor import Tensor, tensor


def _array(t):
    return np.asarray(t.detach().numpy() if isinstance(t, Tensor) else t)


def _pre_hooks(module) -> list:
    hooks = module.__dict__.get("_forward_hooks")
    return hooks["pre"] if hooks else []


class BasePruningMethod(ABC):
    """A pruning method: ``compute_mask(t, default_mask)`` says what to keep; applied as a
    forward pre-hook it sets ``module.name = name_orig * name_mask``."""

    _tensor_name: str | None = None
    PRUNING_TYPE: str = "unstructured"

    def __call__(self, module, inputs):
        object.__setattr__(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t, default_mask):
        """The new mask for ``t``, given the mask already applied (``default_mask``)."""

    def apply_mask(self, module):
        """``name_orig * name_mask`` (in the graph: gradients reach ``name_orig``)."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned")
        orig = getattr(module, self._tensor_name + "_orig")
        mask = getattr(module, self._tensor_name + "_mask")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        """Prune ``module.name`` with ``cls(*args, **kwargs)``, combining with an earlier
        pruning of it; returns the method registered (a PruningContainer when combined)."""
        method = _composite_method(cls, module, name, *args, **kwargs)
        orig = getattr(module, name)
        if importance_scores is not None:
            if tuple(importance_scores.shape) != tuple(orig.shape):
                raise AssertionError(f"importance_scores should have the same shape as "
                                     f"parameter {name} of {module}")
        else:
            importance_scores = orig
        container = isinstance(method, PruningContainer)
        if not container:  # the same Parameter, under a new name
            module.register_parameter(name + "_orig", orig)
            delattr(module, name)
            default_mask = tensor(np.ones(orig.shape, _array(orig).dtype))
        else:
            default_mask = getattr(module, name + "_mask").detach().clone()
        try:
            mask = method.compute_mask(importance_scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            object.__setattr__(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if not container:
                orig = getattr(module, name + "_orig")
                delattr(module, name + "_orig")
                module.register_parameter(name, orig)
            raise
        return method

    def prune(self, t, default_mask=None, importance_scores=None):
        """``t`` times the mask ``compute_mask`` gives (from ``importance_scores`` if given)."""
        if importance_scores is not None and tuple(importance_scores.shape) != tuple(t.shape):
            raise AssertionError("importance_scores should have the same shape as tensor t")
        scores = importance_scores if importance_scores is not None else t
        if default_mask is None:
            default_mask = tensor(np.ones(t.shape, _array(t).dtype))
        return t * self.compute_mask(scores, default_mask=default_mask)

    def remove(self, module):
        """Make the pruning permanent: ``name`` becomes the Parameter ``name_orig`` holding
        the masked values; ``name_orig`` and ``name_mask`` go."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned before pruning can be "
                                 "removed")
        name = self._tensor_name
        weight = self.apply_mask(module)
        if name in module.__dict__:
            object.__delattr__(module, name)
        orig = module._parameters[name + "_orig"]
        orig.data = weight.detach()
        delattr(module, name + "_orig")
        delattr(module, name + "_mask")
        module.register_parameter(name, orig)


def _composite_method(cls, module, name, *args, **kwargs):
    """cls(*args, **kwargs) for ``name``, in one container with an earlier method if any
    (whose hook is unregistered: the returned method is registered in its place)."""
    old = [entry for entry in _pre_hooks(module)
           if isinstance(entry[0], BasePruningMethod) and entry[0]._tensor_name == name]
    if len(old) > 1:
        raise AssertionError(f"Avoid adding multiple pruning hooks to the same tensor {name} "
                             f"of module {module}. Use a PruningContainer.")
    method = cls(*args, **kwargs)
    method._tensor_name = name
    if not old:
        return method
    _pre_hooks(module).remove(old[0])
    previous = old[0][0]
    if isinstance(previous, PruningContainer):
        previous.add_pruning_method(method)
        return previous
    container = PruningContainer(previous)
    container.add_pruning_method(method)
    return container


class PruningContainer(BasePruningMethod):
    """Successive pruning methods of one tensor: each new one acts on what the earlier ones
    left (the unpruned entries, or channels for structured methods)."""

    def __init__(self, *args) -> None:
        self._pruning_methods: tuple = ()
        if len(args) == 1 and not isinstance(args[0], Iterable):
            self._tensor_name = args[0]._tensor_name
            self.add_pruning_method(args[0])
        elif len(args) == 1 and isinstance(args[0], Iterable):
            for method in args[0]:
                self.add_pruning_method(method)
        else:
            for method in args:
                self.add_pruning_method(method)

    def add_pruning_method(self, method) -> None:
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(f"Can only add pruning methods acting on the parameter named "
                             f"'{self._tensor_name}' to PruningContainer {self}. Found "
                             f"'{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, index):
        return self._pruning_methods[index]

    def compute_mask(self, t, default_mask):
        """The last method's mask on what ``default_mask`` keeps, combined with it."""
        method = self._pruning_methods[-1]
        mask = _array(default_mask).astype(_array(t).dtype)
        if method.PRUNING_TYPE == "unstructured":
            keep = mask == 1
        elif method.PRUNING_TYPE == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError("Pruning methods of PRUNING_TYPE 'structured' need to "
                                     "have the attribute `dim` defined.")
            dim = method.dim + t.ndim if method.dim < 0 else method.dim
            if dim < 0:
                raise IndexError(f"Index is out of bounds for tensor with dimensions {t.ndim}")
            channels = mask.sum(axis=tuple(d for d in range(t.ndim) if d != dim)) != 0
            keep = tuple(channels if d == dim else slice(None) for d in range(t.ndim))
        elif method.PRUNING_TYPE == "global":
            keep = (slice(None),) * t.ndim
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
        partial = method.compute_mask(t[keep], default_mask=tensor(mask[keep]))
        mask[keep] = _array(partial)
        return tensor(mask)
