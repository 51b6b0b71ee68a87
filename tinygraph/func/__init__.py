"""``torch.func``: function transforms and ``functional_call``.

    params = dict(model.named_parameters())
    out = tg.func.functional_call(model, params, (x,))
    tg.func.grad(f)(x), tg.func.vjp(f, x), tg.func.jvp(f, (x,), (v,))
    tg.func.jacrev(f)(x), tg.func.jacfwd(f)(x), tg.func.hessian(f)(x)
    tg.func.vmap(tg.func.grad(loss), in_dims=(None, None, 0, 0))(params, buffers, x, y)

The gradient transforms (``transforms.py``, ``jacobians.py``) run on tinygraph's one
reverse-mode engine: each call differentiates fresh copies of its inputs (``level.py``), so
they nest and leave the outer graph differentiable where torch's do. ``jvp`` and ``jacfwd``
give torch's values by reverse mode, and ``linearize`` records ``J^T u`` once to replay ``J v``.
``vmap`` (``vmap.py``) calls the function once per slice and stacks the results: correct, not
fast. Not implemented: ``functionalize``, ``rearrange`` and ``debug_unwrap``.
"""

from __future__ import annotations

from ..names import missing_name
from ..nn.utils.stateless import _functional_call, _merge
from .jacobians import hessian, jacfwd, jacrev
from .transforms import grad, grad_and_value, jvp, linearize, vjp
from .vmap import replace_all_batch_norm_modules_, stack_module_state, vmap

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "linearize", "replace_all_batch_norm_modules_", "stack_module_state", "vjp", "vmap"]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights: bool = True, strict: bool = False):
    """``module(*args, **kwargs)`` with the tensors of ``parameter_and_buffer_dicts`` (a dict
    of dotted names, or a sequence of dicts with distinct keys) in place of its parameters
    and buffers; gradients flow to the given tensors, the module keeps its own afterwards.

    ``args`` that is not a tuple is the one positional argument. ``tie_weights``: a value
    given for one of several tied names is used for all of them. ``strict``: the names must
    be exactly the module's parameters and buffers (else ``RuntimeError``).

    >>> fast = {n: p - 0.1 * g for (n, p), g in zip(model.named_parameters(), grads)}
    >>> y = tg.func.functional_call(model, fast, (x,))
    """
    return _functional_call(module, _merge(parameter_and_buffer_dicts), args, kwargs,
                            tie_weights, strict)


__getattr__ = missing_name(__name__, globals())
