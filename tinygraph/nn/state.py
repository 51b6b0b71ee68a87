"""``Module.state_dict`` and ``load_state_dict``: PyTorch's keys, all-or-nothing loading.

Keys are dotted paths (``0.weight``, ``1.running_mean``): parameters, then persistent buffers,
module by module, a module shared by two parents under both of its names, as in PyTorch.
Values are NumPy copies (``keep_vars=True`` gives the Tensors themselves).

Loading first checks every entry (keys, shapes, numeric dtypes) and only then writes, so a
checkpoint that does not fit leaves the model exactly as it was.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from ..autograd import no_grad
from ..errors import ShapeError
from ..names import did_you_mean
from ..tensor import Tensor, tensor
from .parameter import UninitializedTensorMixin, overwrite


class StateDictError(KeyError, RuntimeError):
    """``load_state_dict(strict=True)`` met missing or unexpected keys.

    A ``KeyError`` (a key problem) and a ``RuntimeError`` (what PyTorch raises)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns: the keys it did not find, and the ones it did not use."""

    missing_keys: list
    unexpected_keys: list

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, " \
               f"unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__


def entries(module, prefix: str = ""):
    """``(key, tensor)`` of every parameter and persistent buffer that is not None."""
    for path, owner in module.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
        start = f"{path}." if path else ""
        for name, value in owner._parameters.items():
            if value is not None:
                yield start + name, value
        skip = owner._non_persistent_buffers_set
        for name, value in owner._buffers.items():
            if value is not None and name not in skip:
                yield start + name, value


def state_dict(module, destination=None, prefix: str = "", keep_vars: bool = False):
    """``name -> ndarray`` (a copy; the Tensor itself with ``keep_vars``)."""
    out = OrderedDict() if destination is None else destination
    for key, value in entries(module, prefix):
        lazy = isinstance(value, UninitializedTensorMixin)  # itself, as torch's
        out[key] = value if keep_vars or lazy else value._data.copy()
    return out


def load_state_dict(module, source, strict: bool = True,
                    assign: bool = False) -> IncompatibleKeys:
    """Copy ``source``'s values into the parameters and buffers (never aliasing them), or with
    ``assign`` make them hold the checkpoint's arrays themselves (and their dtypes).

    As torch, a plain dict (no ``_metadata`` version) may lack BatchNorm's
    ``num_batches_tracked`` (an old checkpoint): the counter is then kept, not reported."""
    owner = f"load_state_dict for {type(module).__name__}"
    if not hasattr(source, "keys") or not hasattr(source, "__getitem__"):
        raise TypeError(f"{owner}: expected a dict (name -> Tensor or array), got "
                        f"{type(source).__name__}.")
    source = _run_load_pre_hooks(module, source, strict)
    targets = OrderedDict(entries(module))
    old_format = getattr(source, "_metadata", None) is None
    missing = [key for key in targets if key not in source and not (
        old_format and key.rpartition(".")[2] == "num_batches_tracked")]
    unexpected = [key for key in source.keys() if key not in targets]
    if strict and (missing or unexpected):
        parts = []
        if missing:
            parts.append(f"missing keys {missing}")
        if unexpected:
            parts.append(f"unexpected keys {unexpected}")
        raise StateDictError(
            f"{owner}: " + " and ".join(parts) + f". The model has {list(targets)}; pass "
            "strict=False to load a partial state. Nothing was loaded."
        )
    for key, target in targets.items():  # a lazy module's placeholders take the shapes
        if key in source and isinstance(target, UninitializedTensorMixin):
            value = source[key]
            if not isinstance(value, UninitializedTensorMixin):
                target.materialize(np.shape(value._data if isinstance(value, Tensor)
                                            else value))
    values = {key: _checked(owner, key, source[key], target)
              for key, target in targets.items() if key in source}
    with no_grad():  # every entry is valid: now write them all
        for key, value in values.items():
            if assign:
                targets[key].data = value
            else:
                overwrite(targets[key], value)  # cast to the model's dtype, as torch's copy_
    return IncompatibleKeys(missing, unexpected)


def _run_load_pre_hooks(module, source, strict: bool):
    """Each module's load pre-hooks (``register_load_state_dict_pre_hook``; weight_norm's
    renames the old ``weight_g``/``weight_v`` keys), given its own key prefix, on a copy of
    ``source``; the given dict is left alone."""
    hooked = [(path, owner) for path, owner in module.named_modules(remove_duplicate=False)
              if owner.__dict__.get("_load_state_dict_pre_hooks")]
    if not hooked:
        return source
    metadata = getattr(source, "_metadata", None)
    copied = OrderedDict((key, source[key]) for key in source.keys())
    if metadata is not None:
        copied._metadata = metadata
    errors: list = []
    for path, owner in hooked:
        local = {} if metadata is None else metadata.get(path, {})
        for hook in list(owner._load_state_dict_pre_hooks):
            hook(copied, f"{path}." if path else "", local, strict, [], [], errors)
    if errors:
        raise RuntimeError(f"Error(s) in loading state_dict for {type(module).__name__}:\n\t"
                           + "\n\t".join(errors))
    return copied


def _checked(owner: str, key: str, value, target: Tensor) -> np.ndarray:
    """``value`` as an array that fits ``target``, or an error naming ``key``."""
    if isinstance(value, Tensor):
        value = value._data
    elif not isinstance(value, np.ndarray):
        try:
            value = np.asarray(value)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{owner}: the value of {key!r} is not an array ({exc}).") from None
    if value.dtype.kind not in "biuf":
        raise TypeError(
            f"{owner}: {key!r} holds {value.dtype} data, but parameters and buffers hold "
            "numbers; the checkpoint entry is damaged or belongs to something else. Nothing "
            "was loaded."
        )
    if value.shape != target.shape:
        raise ShapeError(
            f"{owner}: size mismatch for {key!r}: the checkpoint has shape "
            f"{tuple(value.shape)}, the model has shape {tuple(target.shape)}. Nothing was "
            "loaded."
        )
    return value


def get_submodule(module, target: str):
    """``Module.get_submodule``: the descendant at the dotted path ``target``."""
    for item in target.split(".") if target else ():
        child = module._modules.get(item)
        if child is None:
            raise AttributeError(f"{type(module).__name__} has no submodule {item!r} (in "
                                 f"{target!r})." + did_you_mean(item, module._modules))
        module = child
    return module


def set_submodule(module, target: str, new, strict: bool) -> None:
    """``Module.set_submodule``: put ``new`` at the dotted path ``target``, replacing the
    Module there (or, unless ``strict``, adding it); as torch, refuses an empty path, a
    ``new`` that is not a Module and a name held by something other than a Module."""
    from .module import Module

    if target == "":
        raise ValueError("set_submodule: cannot set the submodule without a target name "
                         "(target is '').")
    if not isinstance(new, Module):
        raise ValueError(f"set_submodule: `module` is not an nn.Module, found {type(new)}.")
    path, _, name = target.rpartition(".")
    parent = get_submodule(module, path)
    if strict and not hasattr(parent, name):
        raise AttributeError(f"{type(parent).__name__} has no attribute `{name}` (in "
                             f"{target!r}); strict=True only replaces an existing submodule.")
    if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
        raise AttributeError(f"`{name}` is not an nn.Module (in {target!r}).")
    setattr(parent, name, new)


def consume_prefix_in_state_dict_if_present(state_dict, prefix: str) -> None:
    """``torch.nn.modules.utils.consume_prefix_in_state_dict_if_present``: strip ``prefix``
    (``"module."`` of a DataParallel checkpoint) from the keys that start with it, in place."""
    for key in list(state_dict):
        if key.startswith(prefix):
            state_dict[key[len(prefix):]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        for key in list(metadata):
            if key == prefix.rstrip(".") or key.startswith(prefix):
                metadata[key[len(prefix):]] = metadata.pop(key)


def get_member(module, target: str, registry: str, kind: str):
    """``Module.get_parameter``/``get_buffer``: the entry ``name`` of the submodule at the
    dotted path before it, or torch's AttributeError."""
    path, _, name = target.rpartition(".")
    owner = module.get_submodule(path)
    if name in owner.__dict__[registry]:
        return owner.__dict__[registry][name]
    if not hasattr(owner, name):
        raise AttributeError(f"{type(owner).__name__} has no attribute `{name}` (in "
                             f"{target!r}).")
    raise AttributeError(f"`{name}` is not {kind} (in {target!r}).")


def as_buffer(value, name: str):
    """What ``register_buffer`` or assigning to a buffer stores: a Tensor, None, or an
    ndarray copied into a Tensor of its dtype."""
    if value is None or isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return tensor(value)
    raise TypeError(f"cannot assign {type(value).__name__!r} object to buffer {name!r} (a "
                    "Tensor, an ndarray or None required).")
