"""``torch.func``'s ``functional_call``: a Module run with the given tensors in place of its
parameters and buffers (for meta-learning, ensembles, per-example tricks).

    params = dict(model.named_parameters())
    out = tg.func.functional_call(model, params, (x,))

The function transforms (``grad``, ``vmap``, ``jacrev``, ...) are not implemented: asking for
one raises an error (an ``AttributeError`` and a ``NotImplementedError``) that says so;
``tg.autograd.grad`` and ``tg.autograd.functional`` cover what they compute, one call at a time.
"""

from __future__ import annotations

from ..names import missing_name
from ..nn.utils.stateless import _functional_call, _merge

__all__ = ["functional_call"]


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
