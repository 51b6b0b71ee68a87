"""PyTorch's forward hooks on Modules: ``register_forward_pre_hook(hook)`` runs
``hook(module, args)`` before ``forward`` (a returned value replaces the arguments) and
``register_forward_hook(hook)`` runs ``hook(module, args, output)`` after it (a returned value
replaces the output); ``with_kwargs=True`` passes the keyword arguments too. Each returns a
handle whose ``remove()`` (or the end of a ``with`` block on it) unregisters the hook.

    >>> features = {}
    >>> handle = model.conv1.register_forward_hook(
    ...     lambda module, args, output: features.update(conv1=output.detach()))
    >>> model(x); handle.remove()

``register_full_backward_pre_hook(hook)`` runs ``hook(module, grad_output)`` when the
gradients of the module's outputs are known (a returned tuple replaces them), and
``register_full_backward_hook(hook)`` runs ``hook(module, grad_input, grad_output)`` when those
of its Tensor inputs are (a returned tuple replaces them): Grad-CAM's way of reading a layer's
gradients. Both come from identity Functions around the inputs and outputs.

``torch.nn.modules.module.register_module_forward_pre_hook`` (``_forward_hook``,
``_full_backward_pre_hook``, ``_full_backward_hook``) register a hook for every Module; these
run before each Module's own.

A Module without hooks pays one attribute read (and one list test) per call.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict

from ..autograd import Function, Tensor
from ..tensor_grad import HookHandle


class ForwardHooks:
    """The hook registry a Module carries once a hook is registered (``None`` before)."""

    _forward_hooks = None  # {"pre": [...], "post": [...], "backward": [...],
    #                         "backward_pre": [...]} of (hook, with_kwargs, always_call)

    def register_forward_pre_hook(self, hook, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> HookHandle:
        """Run ``hook(module, args)`` (or ``hook(module, args, kwargs)``) before each
        forward; what it returns (not None) becomes the arguments."""
        return _register(self, "pre", (hook, with_kwargs, False), prepend)

    @property
    def _forward_pre_hooks(self):
        """PyTorch's table of forward pre-hooks, as a snapshot {index: hook} in call order
        (read it, e.g. to find a pruning method; register and remove through the handles)."""
        hooks = self.__dict__.get("_forward_hooks")
        return OrderedDict(enumerate(entry[0] for entry in (hooks["pre"] if hooks else ())))

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> HookHandle:
        """Run ``hook(module, args, output)`` (or ``hook(module, args, kwargs, output)``)
        after each forward; what it returns (not None) becomes the output."""
        return _register(self, "post", (hook, with_kwargs, always_call), prepend)


    def register_full_backward_pre_hook(self, hook, prepend: bool = False) -> HookHandle:
        """Run ``hook(module, grad_output)`` when the outputs' gradients are known; a returned
        tuple replaces them."""
        return _register(self, "backward_pre", (hook, False, False), prepend)

    def register_full_backward_hook(self, hook, prepend: bool = False) -> HookHandle:
        """Run ``hook(module, grad_input, grad_output)`` when the Tensor inputs' gradients
        are known (None for inputs that need none); a returned tuple replaces them."""
        return _register(self, "backward", (hook, False, False), prepend)

    def register_load_state_dict_pre_hook(self, hook) -> HookHandle:
        """Run ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before ``load_state_dict`` reads this module's entries
        (it may rename or fill keys of ``state_dict``, a copy of the one given)."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def _register_load_state_dict_pre_hook(self, hook, with_module: bool = False):
        if not callable(hook):
            raise TypeError(f"register_load_state_dict_pre_hook: the hook must be callable, "
                            f"got {type(hook).__name__}.")
        hooks = self.__dict__.setdefault("_load_state_dict_pre_hooks", [])
        entry = (lambda *args: hook(self, *args)) if with_module else hook
        hooks.append(entry)
        return HookHandle(hooks, entry)


def _register(module, kind: str, entry: tuple, prepend: bool) -> HookHandle:
    if not callable(entry[0]):
        raise TypeError(f"register_{kind}_hook: the hook must be callable, got "
                        f"{type(entry[0]).__name__}.")
    hooks = module.__dict__.get("_forward_hooks")
    if hooks is None:
        hooks = {"pre": [], "post": [], "backward": [], "backward_pre": []}
        object.__setattr__(module, "_forward_hooks", hooks)
    if prepend:
        hooks[kind].insert(0, entry)
    else:
        hooks[kind].append(entry)
    return HookHandle(hooks[kind], entry)


# The global hooks, as (kind, entry) pairs in registration order; empty almost always.
GLOBAL_HOOKS: list = []


def _register_global(kind: str, entry: tuple) -> HookHandle:
    if not callable(entry[0]):
        raise TypeError(f"register_module_{kind}_hook: the hook must be callable, got "
                        f"{type(entry[0]).__name__}.")
    GLOBAL_HOOKS.append((kind, entry))
    return HookHandle(GLOBAL_HOOKS, (kind, entry))


def register_module_forward_pre_hook(hook) -> HookHandle:
    """Run ``hook(module, args)`` before every Module's forward (before its own pre-hooks)."""
    return _register_global("pre", (hook, False, False))


def register_module_forward_hook(hook, *, with_kwargs: bool = False,
                                 always_call: bool = False) -> HookHandle:
    """Run ``hook(module, args, output)`` after every Module's forward (before its own)."""
    return _register_global("post", (hook, with_kwargs, always_call))


def register_module_full_backward_pre_hook(hook) -> HookHandle:
    """Run ``hook(module, grad_output)`` for every Module, as its own backward pre-hooks."""
    return _register_global("backward_pre", (hook, False, False))


def register_module_full_backward_hook(hook) -> HookHandle:
    """Run ``hook(module, grad_input, grad_output)`` for every Module, as its own."""
    return _register_global("backward", (hook, False, False))


def _with_global(own) -> dict:
    """The hooks to run: the global ones first, then the Module's own (``own``, or None)."""
    merged = {kind: [e for k, e in GLOBAL_HOOKS if k == kind]
              for kind in ("pre", "post", "backward", "backward_pre")}
    for kind, entries in (own or {}).items():
        merged[kind] += entries
    return merged


def call_with_hooks(module, args: tuple, kwargs: dict):
    """``module.forward(*args, **kwargs)`` with its pre-hooks before and hooks after."""
    hooks = module._forward_hooks
    if GLOBAL_HOOKS:
        hooks = _with_global(hooks)
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
    backward = hooks["backward"] or hooks["backward_pre"]
    if backward:
        state = _BackwardState(module, hooks, args)
        args = state.wrap_inputs(args)
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
    return state.wrap_outputs(output) if backward else output


class _Identity(Function):
    """y_i = x_i;  dx_i = what ``state``'s step makes of the gradients (hooks run there)."""

    @staticmethod
    def forward(ctx, step, *tensors):
        ctx.step = step
        return tuple(t.view_as(t) for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None, *ctx.step(grads))


class _BackwardState:
    """One call's backward hooks: the outputs' gradients arrive first, then the inputs'."""

    def __init__(self, module, hooks: dict, args: tuple) -> None:
        self.module, self.hooks = module, hooks
        self.tensors = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.needed = [i for i in self.tensors if args[i].requires_grad]
        self.grad_output = None

    def wrap_inputs(self, args: tuple) -> tuple:
        if not self.needed:
            return args
        wrapped = list(args)
        for i, t in zip(self.needed, _Identity.apply(self._inputs_step,
                                                     *(args[i] for i in self.needed))):
            wrapped[i] = t
        return tuple(wrapped)

    def wrap_outputs(self, output):
        single = isinstance(output, Tensor)
        outputs = (output,) if single else output
        if not isinstance(outputs, tuple) or not any(
                isinstance(o, Tensor) and o.requires_grad for o in outputs):
            return output
        picked = [k for k, o in enumerate(outputs) if isinstance(o, Tensor) and o.requires_grad]
        wrapped = list(outputs)
        for k, t in zip(picked, _Identity.apply(self._outputs_step,
                                                *(outputs[k] for k in picked))):
            wrapped[k] = t
        return wrapped[0] if single else tuple(wrapped)

    def _outputs_step(self, grads: tuple) -> tuple:
        for hook, _, _ in tuple(self.hooks["backward_pre"]):
            result = hook(self.module, grads)
            if result is not None:
                grads = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        self.grad_output = grads
        if not self.needed and self.hooks["backward"]:  # no input needs one: fire now
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients.",
                          UserWarning, stacklevel=2)
            self._call_hooks((None,) * len(self.tensors))
        return grads

    def _inputs_step(self, grads: tuple) -> tuple:
        full = [None] * len(self.tensors)
        for i, g in zip(self.needed, grads):
            full[self.tensors.index(i)] = g
        full = self._call_hooks(tuple(full))
        return tuple(full[self.tensors.index(i)] for i in self.needed)

    def _call_hooks(self, grad_input: tuple) -> tuple:
        for hook, _, _ in tuple(self.hooks["backward"]):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                grad_input = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        return grad_input
