"""Pruning, as ``torch.nn.utils.prune``: a pruned parameter ``name`` of a module becomes the
Parameter ``name_orig`` (the same object, still trained) and the buffer ``name_mask`` (1 keeps
an entry, 0 prunes it), and ``name`` is recomputed as ``name_orig * name_mask`` by a forward
pre-hook (the pruning method itself) before each call. Pruning again combines the masks
(a ``PruningContainer`` applies each new method to what is still unpruned); ``remove`` makes
it permanent (``name`` a plain Parameter again, holding the pruned values).

    >>> prune.l1_unstructured(model.fc, "weight", amount=0.3)      # the 30% smallest |w|
    >>> prune.ln_structured(model.conv, "weight", amount=2, n=2, dim=0)   # 2 whole filters
    >>> prune.global_unstructured([(m, "weight") for m in layers],
    ...                           pruning_method=prune.L1Unstructured, amount=0.2)
    >>> prune.remove(model.fc, "weight")

State-dict keys are PyTorch's (``weight_orig``, ``weight_mask``), so pruned checkpoints load
both ways. The random methods draw from tinygraph's generator (``tg.manual_seed``), not
PyTorch's stream.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ...tensor import tensor
from ._prune_base import BasePruningMethod, PruningContainer, _array, _pre_hooks
from ._prune_methods import (
    CustomFromMask,
    Identity,
    L1Unstructured,
    LnStructured,
    RandomStructured,
    RandomUnstructured,
)

__all__ = ["BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured",
           "L1Unstructured", "RandomStructured", "LnStructured", "CustomFromMask", "identity",
           "random_unstructured", "l1_unstructured", "random_structured", "ln_structured",
           "global_unstructured", "custom_from_mask", "remove", "is_pruned"]


def identity(module, name):
    """Prune nothing, but reparametrize ``name`` as ``name_orig * name_mask`` (all ones)."""
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module, name, mask):
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prune the (module, name) pairs of ``parameters`` together, as one vector:
    ``pruning_method(**kwargs)`` (an unstructured method) picks across all of them."""
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    scores = np.concatenate([_array(importance_scores.get((m, n), getattr(m, n))).reshape(-1)
                             for m, n in parameters])
    default = np.concatenate([
        _array(getattr(m, n + "_mask")).reshape(-1) if hasattr(m, n + "_mask")
        else np.ones(int(np.prod(getattr(m, n).shape)), scores.dtype) for m, n in parameters])
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(f'Only "unstructured" PRUNING_TYPE supported for the '
                        f'`pruning_method`. Found method {pruning_method} of type '
                        f'{method.PRUNING_TYPE}')
    container = PruningContainer()
    container._tensor_name = "temp"
    container.add_pruning_method(method)
    final = _array(container.compute_mask(tensor(scores), tensor(default)))
    start = 0
    for module, name in parameters:
        shape = tuple(getattr(module, name).shape)
        size = int(np.prod(shape))
        custom_from_mask(module, name, mask=tensor(final[start:start + size].reshape(shape)))
        start += size


def remove(module, name):
    """Make the pruning of ``module.name`` permanent (see BasePruningMethod.remove)."""
    for entry in _pre_hooks(module):
        hook = entry[0]
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            _pre_hooks(module).remove(entry)
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning "
                     "can be removed")


def is_pruned(module) -> bool:
    """Whether ``module`` or one of its submodules has a pruning hook."""
    return any(isinstance(entry[0], BasePruningMethod)
               for _, sub in module.named_modules() for entry in _pre_hooks(sub))
