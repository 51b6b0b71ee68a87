"""``functional_call``: run a Module with other tensors in place of its parameters and buffers,
as ``torch.func.functional_call`` (and the older ``torch.nn.utils.stateless`` spelling).

    adapted = {name: p - lr * g for (name, p), g in zip(model.named_parameters(), grads)}
    loss = loss_fn(torch.func.functional_call(model, adapted, (x,)), y)

The given tensors are swapped into the module's registries (and the attribute mirrors that a
forward reads) for the one call, so gradients flow to them; the module's own tensors are put
back afterwards, even when the call raises.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence

from ...tensor import Tensor

__all__ = ["functional_call"]

_MISSING = object()


def _merge(dicts) -> dict:
    """One name -> tensor dict from a dict or a sequence of dicts with distinct keys."""
    if isinstance(dicts, dict):
        return dicts
    if isinstance(dicts, Sequence) and not isinstance(dicts, str):
        if not all(isinstance(d, dict) for d in dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be "
                             "dictionaries")
        seen, repeated = set(), []
        for key in (k for d in dicts for k in d):
            if key in seen and key not in repeated:
                repeated.append(key)
            seen.add(key)
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        return {k: v for d in dicts for k, v in d.items()}
    raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                     f"dicts, but got {type(dicts)}")


def _untie(module, given: dict) -> dict:
    """``given`` plus, for every name tied (the same tensor) to a given name, that value."""
    names_of = {}
    for name, t in [*module.named_parameters(remove_duplicate=False),
                    *module.named_buffers(remove_duplicate=False)]:
        names_of.setdefault(id(t), set()).add(name)
    tied = {n: names for names in names_of.values() if len(names) > 1 for n in names}
    untied = dict(given)
    for name in given:
        if name not in tied:
            continue
        values = {id(given[n]) for n in tied[name] if n in given}
        if len(values) > 1:
            raise ValueError(f"functional_call got multiple values for keys "
                             f"{sorted(tied[name])}, which are tied. Consider using "
                             "tie_weights=False")
        untied.update(dict.fromkeys(tied[name], given[name]))
    return untied


def _check_keys(module, values: dict) -> None:
    known = [n for n, _ in module.named_parameters(remove_duplicate=False)]
    known += [n for n, _ in module.named_buffers(remove_duplicate=False)]
    unexpected = [k for k in values if k not in known]
    missing = [k for k in known if k not in values]
    messages = []
    if unexpected:
        messages.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        messages.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if messages:
        raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t"
                           + "\n\t".join(messages))


def _swap(module, path: str, value):
    """Put ``value`` at the dotted ``path`` (a parameter, a buffer or a plain attribute;
    ``_MISSING`` removes it) and return what was there."""
    prefix, _, name = path.rpartition(".")
    owner = module.get_submodule(prefix)
    if value is not _MISSING and value is not None and not isinstance(value, Tensor):
        raise TypeError(f"functional_call: the value for {path!r} must be a Tensor or None, "
                        f"got {type(value).__name__}.")
    d = owner.__dict__
    for registry in ("_parameters", "_buffers"):
        if name in d[registry]:
            old = d[registry][name]
            d[registry][name] = d[name] = value  # the registry and the attribute mirror
            return old
    old = d.get(name, _MISSING)
    if value is _MISSING:
        d.pop(name, None)
    else:
        object.__setattr__(owner, name, value)
    return old


@contextlib.contextmanager
def _reparametrized(module, given: dict, tie_weights: bool, strict: bool):
    values = _untie(module, given) if tie_weights else given
    if strict:
        _check_keys(module, values)
    originals = {}
    try:
        for path, value in values.items():
            originals[path] = _swap(module, path, value)
        yield
    finally:
        for path, old in reversed(originals.items()):
            values[path] = _swap(module, path, old)
        # a forward that reassigned a buffer leaves its new value in the caller's dict (torch)
        given.update({k: values[k] for k in given if values.get(k, _MISSING) is not _MISSING})


def _functional_call(module, parameters_and_buffers: dict, args, kwargs, tie_weights: bool,
                     strict: bool):
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _reparametrized(module, parameters_and_buffers, tie_weights, strict):
        return module(*args, **(kwargs or {}))


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *,
                    tie_weights: bool = True, strict: bool = False):
    """Deprecated spelling of :func:`tinygraph.func.functional_call` (as in PyTorch 2)."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 "
                  "and will be removed in a future version of PyTorch. Please use "
                  "`torch.func.functional_call` instead which is a drop-in replacement.",
                  FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights,
                            strict)
