"""PyTorch's forward hooks on Modules: ``register_forward_pre_hook(hook)`` runs
``hook(module, args)`` before ``forward`` (a returned value replaces the arguments) and
``register_forward_hook(hook)`` runs ``hook(module, args, output)`` after it (a returned value
replaces the output); ``with_kwargs=True`` passes the keyword arguments too. Each returns a
handle whose ``remove()`` (or the end of a ``with`` block on it) unregisters the hook.

    >>> features = {}
    >>> handle = model.conv1.register_forward_hook(
    ...     lambda module, args, output: features.update(conv1=output.detach()))
    >>> model(x); handle.remove()

A Module without hooks pays one attribute read per call.
"""

from __future__ import annotations

from ..tensor_grad import HookHandle


class ForwardHooks:
    """The hook registry a Module carries once a hook is registered (``None`` before)."""

    _forward_hooks = None  # {"pre": [...], "post": [...]} of (hook, with_kwargs, always_call)

    def register_forward_pre_hook(self, hook, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> HookHandle:
        """Run ``hook(module, args)`` (or ``hook(module, args, kwargs)``) before each
        forward; what it returns (not None) becomes the arguments."""
        return _register(self, "pre", (hook, with_kwargs, False), prepend)

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> HookHandle:
        """Run ``hook(module, args, output)`` (or ``hook(module, args, kwargs, output)``)
        after each forward; what it returns (not None) becomes the output."""
        return _register(self, "post", (hook, with_kwargs, always_call), prepend)


def _register(module, kind: str, entry: tuple, prepend: bool) -> HookHandle:
    if not callable(entry[0]):
        raise TypeError(f"register_forward_{'pre_' if kind == 'pre' else ''}hook: the hook must "
                        f"be callable, got {type(entry[0]).__name__}.")
    hooks = module.__dict__.get("_forward_hooks")
    if hooks is None:
        hooks = {"pre": [], "post": []}
        object.__setattr__(module, "_forward_hooks", hooks)
    if prepend:
        hooks[kind].insert(0, entry)
    else:
        hooks[kind].append(entry)
    return HookHandle(hooks[kind], entry)


def call_with_hooks(module, args: tuple, kwargs: dict):
    """``module.forward(*args, **kwargs)`` with its pre-hooks before and hooks after."""
    hooks = module._forward_hooks
    for hook, with_kwargs, _ in tuple(hooks["pre"]):
        if with_kwargs:
            result = hook(module, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"forward pre-hook must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {result!r}.")
                args, kwargs = result
        else:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
    try:
        output = module.forward(*args, **kwargs)
    except Exception:
        for hook, with_kwargs, always in tuple(hooks["post"]):
            if always:
                hook(module, args, kwargs, None) if with_kwargs else hook(module, args, None)
        raise
    for hook, with_kwargs, _ in tuple(hooks["post"]):
        result = hook(module, args, kwargs, output) if with_kwargs else hook(module, args,
                                                                             output)
        if result is not None:
            output = result
    return output
