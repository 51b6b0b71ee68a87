"""Numerical gradient checks: analytic gradients against central finite differences.

``gradcheck(fn, inputs)`` contracts the outputs with a random upstream gradient ``v`` and
compares, element by element of every input that requires grad, the analytic ``v^T J`` (one
backward) with the numerical one, ``v . (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``. The random
``v`` keeps a reduction such as ``sum`` from hiding a wrong gradient. ``gradgradcheck`` applies
the same test to the function that maps the inputs (and ``v``) to their gradient, which checks
second derivatives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from . import autograd
from .errors import GradcheckError
from .tensor import Tensor, tensor


def _as_tuple(value) -> tuple:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _outputs(fn, inputs) -> tuple:
    outputs = _as_tuple(fn(*inputs))
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: output {i} of fn is a {type(out).__name__}, "
                            "expected a Tensor.")
    return outputs


def _contract(outputs, vs) -> float:
    return float(sum(np.vdot(v, out._data) for v, out in zip(vs, outputs)))


def gradcheck(fn: Callable, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, seed: int = 0) -> bool:
    """Check ``fn``'s gradients against central finite differences.

    ``inputs`` is a Tensor or a sequence of them; those with ``requires_grad=True`` are
    checked and should be float64. Returns True when every element matches within
    ``atol + rtol * |numerical|``; otherwise raises :class:`GradcheckError` naming the input,
    the element and both values (or returns False with ``raise_exception=False``).

    >>> x = tg.tensor(np.random.rand(3), dtype=np.float64, requires_grad=True)
    >>> tg.gradcheck(lambda t: (t * t).sum(), x)
    True
    """
    inputs = _as_tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad; nothing to check.")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} is {inputs[i].dtype}; finite differences need float64 "
                "inputs (tg.tensor(x, dtype=np.float64, requires_grad=True))."
            )
    rng = np.random.default_rng(seed)
    outputs = _outputs(fn, inputs)
    vs = [rng.standard_normal(out.shape).astype(out.dtype) if out.dtype.kind == "f"
          else np.zeros(out.shape) for out in outputs]
    differentiable = [k for k, out in enumerate(outputs) if out.requires_grad]
    analytic = [None] * len(inputs)
    if differentiable:
        grads = autograd.grad([outputs[k] for k in differentiable], [inputs[i] for i in checked],
                              grad_outputs=[tensor(vs[k]) for k in differentiable],
                              allow_unused=True)
        for i, g in zip(checked, grads):
            analytic[i] = np.zeros(inputs[i].shape) if g is None else g._data

    for i in checked:
        data = inputs[i]._data
        flat = data.reshape(-1)  # a view: perturbing it perturbs the input in place
        if flat.base is None and data.size:
            raise ValueError("gradcheck: inputs must be contiguous arrays.")
        numerical = np.zeros(data.size)
        with autograd.no_grad():
            for j in range(data.size):
                original = flat[j]
                flat[j] = original + eps
                plus = _contract(_outputs(fn, inputs), vs)
                flat[j] = original - eps
                minus = _contract(_outputs(fn, inputs), vs)
                flat[j] = original
                numerical[j] = (plus - minus) / (2 * eps)
        got = np.asarray(analytic[i], dtype=np.float64).reshape(-1)
        error = np.abs(got - numerical)
        bad = error > atol + rtol * np.abs(numerical)
        if bad.any():
            worst = int(np.argmax(np.where(bad, error, -1)))
            index = np.unravel_index(worst, data.shape) if data.shape else ()
            message = (
                f"gradcheck: gradient mismatch for input {i} (shape {data.shape}) at element "
                f"{tuple(int(k) for k in index)}: analytic {float(got[worst])!r}, numerical "
                f"{float(numerical[worst])!r} (abs error {error[worst]:.3g}, allowed "
                f"{atol + rtol * abs(numerical[worst]):.3g}); {int(bad.sum())} of {data.size} "
                "elements differ. (Both values are that element of v . J, the outputs' Jacobian "
                "contracted with a random v, so a reduction cannot hide an error.)"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradgradcheck(fn: Callable, inputs, grad_outputs: Sequence | None = None, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
                  seed: int = 0) -> bool:
    """Check second derivatives: ``gradcheck`` of the map (inputs, v) -> v^T J.

    The first-order gradient is taken with ``create_graph=True``; its own gradient (through the
    recorded backward) is then compared with finite differences of the first-order gradient.
    """
    inputs = _as_tuple(inputs)
    rng = np.random.default_rng(seed + 1)
    outputs = _outputs(fn, inputs)
    if grad_outputs is None:
        grad_outputs = [tensor(rng.standard_normal(out.shape), dtype=out.dtype,
                               requires_grad=True) for out in outputs]
    grad_outputs = list(_as_tuple(grad_outputs))
    checked = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    n = len(inputs)

    def first_order(*args):
        xs, vs = args[:n], args[n:]
        targets = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        with autograd.enable_grad():  # gradcheck evaluates fn under no_grad; we need a graph
            outs = _outputs(fn, xs)
            grads = autograd.grad(list(outs), targets, grad_outputs=list(vs),
                                  create_graph=True, allow_unused=True)
        return tuple(g if g is not None else tensor(np.zeros(t.shape), dtype=t.dtype)
                     for g, t in zip(grads, targets))

    if not checked:
        raise ValueError("gradgradcheck: no input requires grad; nothing to check.")
    return gradcheck(first_order, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, seed=seed)
