"""Numerical gradient checks: analytic gradients against central finite differences.

``gradcheck(func, inputs)`` contracts the outputs with a random upstream gradient ``v`` and
compares, element by element of every input that requires grad, the analytic ``v^T J`` (one
backward) with the numerical one, ``v . (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``. The random
``v`` keeps a reduction such as ``sum`` from hiding a wrong gradient. ``fast_mode=True`` checks
one random direction ``u`` per input instead of every element (``v^T J u``: two evaluations of
``func`` per input). ``gradgradcheck`` applies the same test to the function that maps the
inputs (and ``v``) to their gradient, which checks second derivatives.

It lives in the autograd package because all it needs is ``grad`` and the Tensor type that
``tinygraph.tensor`` registers here (``node.Tensor``), so ``tg.autograd.gradcheck`` resolves
without the engine importing a layer above it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..errors import GradcheckError
from . import node as _node
from .api import grad
from .mode import enable_grad, no_grad
from .node import new_tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


def _as_tuple(value) -> tuple:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _tensor(array, requires_grad: bool = False):
    t = new_tensor(array, None)
    t._requires_grad = requires_grad
    return t


def _outputs(func, inputs) -> tuple:
    outputs = _as_tuple(func(*inputs))
    for i, out in enumerate(outputs):
        if not isinstance(out, _node.Tensor):
            raise TypeError(f"gradcheck: output {i} of func is a {type(out).__name__}, "
                            "expected a Tensor.")
    return outputs


def _contract(outputs, vs) -> float:
    return float(sum(np.vdot(v, out._data) for v, out in zip(vs, outputs)))


def _refuse_forward_ad(**flags) -> None:
    for name, value in flags.items():
        if value:
            raise NotImplementedError(
                f"gradcheck: {name}=True checks forward-mode AD, which tinygraph does not have "
                "(its gradients are reverse-mode only); leave it False."
            )


def gradcheck(func: Callable, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, *, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None, seed: int = 0) -> bool:
    """Check ``func``'s gradients against central finite differences (PyTorch's gradcheck).

    ``inputs`` is a Tensor or a sequence of them; those with ``requires_grad=True`` are
    checked and must be float64. Returns True when every element matches within
    ``atol + rtol * |numerical|``; otherwise raises :class:`GradcheckError` naming the input,
    the element and both values (or returns False with ``raise_exception=False``).
    ``fast_mode=True`` checks one random direction per input instead of every element.

    >>> x = tg.tensor(np.random.rand(3), dtype=tg.float64, requires_grad=True)
    >>> tg.autograd.gradcheck(lambda t: (t * t).sum(), x)
    True

    PyTorch's other keywords are accepted: ``check_grad_dtypes`` (each gradient has its
    input's dtype) is checked; ``nondet_tol`` (tinygraph's backward is deterministic),
    ``check_undefined_grad``, ``check_batched_grad`` (no vmap: batched gradients are computed
    one by one) and ``masked`` (no sparse tensors) are ignored; ``check_forward_ad`` and
    ``check_batched_forward_grad`` raise, as there is no forward-mode AD.
    ``check_backward_ad=False`` leaves nothing to check and returns True.
    """
    _refuse_forward_ad(check_forward_ad=check_forward_ad,
                       check_batched_forward_grad=check_batched_forward_grad)
    inputs = _as_tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, _node.Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad; nothing to check.")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} is {inputs[i].dtype}; finite differences need float64 "
                "inputs (tg.tensor(x, dtype=tg.float64, requires_grad=True))."
            )
    if not check_backward_ad:
        return True
    rng = np.random.default_rng(seed)
    outputs = _outputs(func, inputs)
    vs = [rng.standard_normal(out.shape).astype(out.dtype) if out.dtype.kind == "f"
          else np.zeros(out.shape) for out in outputs]
    analytic = _analytic(inputs, checked, outputs, vs, check_grad_dtypes)
    for i in checked:
        if fast_mode:
            message = _fast_mismatch(func, inputs, i, vs, analytic[i], rng, eps, atol, rtol)
        else:
            message = _mismatch(func, inputs, i, vs, analytic[i], eps, atol, rtol)
        if message is not None:
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def _analytic(inputs, checked, outputs, vs, check_dtypes: bool) -> list:
    """Per checked input, ``v^T J`` from one backward (zeros where it is unused)."""
    analytic = [None] * len(inputs)
    differentiable = [k for k, out in enumerate(outputs) if out.requires_grad]
    grads = [None] * len(checked)
    if differentiable:
        grads = grad([outputs[k] for k in differentiable], [inputs[i] for i in checked],
                     grad_outputs=[_tensor(vs[k]) for k in differentiable], allow_unused=True)
    for i, g in zip(checked, grads):
        if g is not None and check_dtypes and g.dtype != inputs[i].dtype:
            raise GradcheckError(f"gradcheck: the gradient for input {i} is {g.dtype}, but "
                                 f"the input is {inputs[i].dtype} (check_grad_dtypes=True).")
        analytic[i] = np.zeros(inputs[i].shape) if g is None else g._data
    return analytic


def _writable(inputs, i: int):
    data = inputs[i]._data
    if not data.flags.writeable:
        raise ValueError(f"gradcheck: input {i} is read-only (a broadcast view?); pass a copy "
                         "(x.clone()) so that its elements can be perturbed.")
    return data


def _mismatch(func, inputs, i, vs, analytic, eps, atol, rtol) -> str | None:
    """Every element of input ``i``: numerical ``v . df/dx_j`` against the analytic one."""
    data = _writable(inputs, i)
    numerical = np.zeros(data.size)
    with no_grad():
        for j, index in enumerate(np.ndindex(data.shape)):
            original = data[index]
            data[index] = original + eps  # in place, then restored: works on strided views
            plus = _contract(_outputs(func, inputs), vs)
            data[index] = original - eps
            minus = _contract(_outputs(func, inputs), vs)
            data[index] = original
            numerical[j] = (plus - minus) / (2 * eps)
    got = np.asarray(analytic, dtype=np.float64).reshape(-1)
    error = np.abs(got - numerical)
    bad = error > atol + rtol * np.abs(numerical)
    if not bad.any():
        return None
    worst = int(np.argmax(np.where(bad, error, -1)))
    index = np.unravel_index(worst, data.shape) if data.shape else ()
    return (
        f"gradcheck: gradient mismatch for input {i} (shape {data.shape}) at element "
        f"{tuple(int(k) for k in index)}: analytic {float(got[worst])!r}, numerical "
        f"{float(numerical[worst])!r} (abs error {error[worst]:.3g}, allowed "
        f"{atol + rtol * abs(numerical[worst]):.3g}); {int(bad.sum())} of {data.size} "
        "elements differ. (Both values are that element of v . J, the outputs' Jacobian "
        "contracted with a random v, so a reduction cannot hide an error.)"
    )


def _fast_mismatch(func, inputs, i, vs, analytic, rng, eps, atol, rtol) -> str | None:
    """Input ``i`` along one random direction ``u``: numerical ``v . J u`` against analytic."""
    data = _writable(inputs, i)
    u = rng.standard_normal(data.shape)
    original = data.copy()
    with no_grad():
        try:
            data[...] = original + eps * u
            plus = _contract(_outputs(func, inputs), vs)
            data[...] = original - eps * u
            minus = _contract(_outputs(func, inputs), vs)
        finally:
            data[...] = original
    numerical = (plus - minus) / (2 * eps)
    got = float(np.vdot(np.asarray(analytic, dtype=np.float64), u))
    error = abs(got - numerical)
    if error <= atol + rtol * abs(numerical):
        return None
    return (
        f"gradcheck (fast_mode): gradient mismatch for input {i} (shape {data.shape}): "
        f"analytic {got!r}, numerical {numerical!r} (abs error {error:.3g}, allowed "
        f"{atol + rtol * abs(numerical):.3g}). Both values are v . J u for a random v and a "
        "random direction u; run without fast_mode to find the element."
    )


def gradgradcheck(func: Callable, inputs, grad_outputs: Sequence | None = None,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True, *, gen_non_contig_grad_outputs: bool = False,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True,
                  fast_mode: bool = False, masked: bool = False, seed: int = 0) -> bool:
    """Check second derivatives: ``gradcheck`` of the map (inputs, v) -> v^T J.

    The first-order gradient is taken with ``create_graph=True``; its own gradient (through the
    recorded backward) is then compared with finite differences of the first-order gradient.

    >>> tg.autograd.gradgradcheck(lambda t: t.tanh(), x)
    True

    PyTorch's keywords are accepted as in :func:`gradcheck`; ``gen_non_contig_grad_outputs``
    is ignored, ``check_fwd_over_rev`` raises (no forward-mode AD) and
    ``check_rev_over_rev=False`` leaves nothing to check.
    """
    _refuse_forward_ad(check_fwd_over_rev=check_fwd_over_rev)
    inputs = _as_tuple(inputs)
    rng = np.random.default_rng(seed + 1)
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = [_tensor(rng.standard_normal(out.shape).astype(out.dtype), True)
                        for out in outputs]
    grad_outputs = list(_as_tuple(grad_outputs))
    checked = [x for x in inputs if isinstance(x, _node.Tensor) and x.requires_grad]
    n = len(inputs)

    def first_order(*args):
        xs, vs = args[:n], args[n:]
        targets = [x for x in xs if isinstance(x, _node.Tensor) and x.requires_grad]
        with enable_grad():  # gradcheck evaluates func under no_grad; we need a graph
            outs = _outputs(func, xs)
            grads = grad(list(outs), targets, grad_outputs=list(vs), create_graph=True,
                         allow_unused=True)
        return tuple(g if g is not None else _tensor(np.zeros(t.shape, dtype=t.dtype))
                     for g, t in zip(grads, targets))

    if not checked:
        raise ValueError("gradgradcheck: no input requires grad; nothing to check.")
    if not check_rev_over_rev:
        return True
    return gradcheck(first_order, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception,
                     check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode, seed=seed)
