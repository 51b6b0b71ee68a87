"""Jacobians, Hessians and their products with vectors: ``torch.autograd.functional``.

Each function takes ``func`` and the point ``inputs`` (a Tensor or a tuple of Tensors), runs
``func`` on fresh copies of the inputs that require grad, and differentiates with ``grad``.
Results come back in PyTorch's structure: a single Tensor where the inputs (or outputs) were
a single Tensor, tuples where they were tuples; ``jacobian(...)[i][j]`` is d output_i / d
input_j, of shape ``output_i.shape + input_j.shape``, and ``hessian(...)[i][j]`` is
d^2 f / d input_i d input_j.

``create_graph=True`` records the computation, so results can be differentiated again (with
respect to the original inputs). ``strict=True`` raises where an output does not depend on
an input instead of returning zeros. Forward-mode products (``jvp``, ``hvp``) use the double
backward trick, as PyTorch's: they need only reverse mode.

    >>> def f(x, y):
    ...     return x * y, (x * x).sum()
    >>> J = jacobian(f, (tg.ones(2), tg.ones(2)))    # J[0][1] = d(x*y)/dy, shape (2, 2)
"""

from __future__ import annotations

from collections.abc import Callable

from ..backend import namespace_of
from ..errors import DtypeError
from . import modes
from . import node as _node
from .api import grad
from .mode import enable_grad
from .node import new_tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


# -- arguments -----------------------------------------------------------------------------


def _tensors(value, what: str, fn: str) -> tuple[bool, tuple]:
    """``(was_tuple, tensors)``; as PyTorch, only a tuple (not a list) means several."""
    several = isinstance(value, tuple)
    items = value if several else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, _node.Tensor):
            where = f"its element {i} is a" if several else "it is a"
            raise TypeError(
                f"{fn}: the {what} must be a Tensor or a tuple of Tensors, but {where} "
                f"{type(item).__name__}" + (" (pass a tuple)." if type(item) is list else ".")
            )
    return several, items


def _fresh(tensors, create_graph: bool, differentiable: bool, fn: str) -> tuple:
    """What ``func`` runs on: under ``create_graph`` a Tensor that requires grad is aliased (a
    recorded reshape to its own shape), so results stay connected to it; anything else is
    detached, and made a leaf that requires grad when we differentiate with respect to it."""
    fresh = []
    for t in tensors:
        if create_graph and t.requires_grad:
            fresh.append(t.reshape(tuple(t.shape)))
            continue
        if differentiable and t.dtype.kind != "f":
            raise DtypeError(f"{fn}: only Tensors of floating point dtype can require "
                             f"gradients, but an input is {t.dtype}; convert it first "
                             "(x.double()).")
        leaf = new_tensor(t._data, None)
        leaf._requires_grad = differentiable
        fresh.append(leaf)
    return tuple(fresh)


def _vectors(v, refs: tuple, refs_tuple: bool, create_graph: bool, fn: str, what: str):
    """The ``v`` of a product, checked against ``refs`` (one per ref, same shapes)."""
    if v is None:
        if len(refs) != 1 or refs[0]._data.size != 1:
            raise RuntimeError(f"{fn}: v may be left out only when the {what} is a single "
                               "Tensor with a single element; pass v of its shape.")
        return (None,) * len(refs)
    _, vs = _tensors(v, "v", fn)
    vs = _fresh(vs, create_graph, False, fn)
    if len(vs) != len(refs):
        detail = f"one per {what}: {len(refs)}" if refs_tuple else "a single Tensor"
        raise RuntimeError(f"{fn}: v has {len(vs)} Tensors, but it should have {detail}.")
    for i, (a, b) in enumerate(zip(vs, refs)):
        if tuple(a.shape) != tuple(b.shape):
            entry = f"entry {i} of v" if refs_tuple else "v"
            raise RuntimeError(f"{fn}: {entry} has shape {tuple(a.shape)}, but it should have "
                               f"the {what}'s shape {tuple(b.shape)}.")
    return vs


def _outputs(func, xs, strict: bool, fn: str) -> tuple[bool, tuple]:
    several, outs = _tensors(func(*xs), "outputs of the user-provided function", fn)
    if strict:
        for i, out in enumerate(outs):
            if not out.requires_grad:
                raise RuntimeError(
                    f"{fn}: output {i} of the user-provided function does not require grad; "
                    "strict=True needs every output computed differentiably from the inputs."
                )
    return several, outs


def _single(outs: tuple, several: bool, fn: str) -> None:
    if several:
        raise RuntimeError(f"{fn}: the function should return a single Tensor, not a tuple.")
    if outs[0]._data.size != 1:
        raise RuntimeError(f"{fn}: the Tensor returned by the function should have a single "
                           f"element, but it has shape {tuple(outs[0].shape)}.")


# -- differentiation -----------------------------------------------------------------------


def _grads(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None) -> tuple:
    """``grad`` over those ``outputs`` that require grad (None per input when none does)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad([o for o, _ in pairs], list(inputs), [g for _, g in pairs],
                retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)


def _zeros_like(t):
    return new_tensor(namespace_of(t._data).zeros_like(t._data), None)


def _filled(grads, refs, strict: bool, create_graph: bool, independent) -> tuple:
    """Zeros where a gradient is None (``strict``: raise ``independent(i)`` instead)."""
    filled = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(independent(i))
            g = _zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            raise RuntimeError(independent(i) + " (with create_graph=True the result must "
                               "depend on the inputs)")
        filled.append(g)
    return tuple(filled)


def _check_depends(grads, strict: bool, message) -> None:
    """``strict``: every intermediate gradient must depend on the inputs."""
    if strict:
        for i, g in enumerate(grads):
            if g is None or not g.requires_grad:
                raise RuntimeError(message(i))


def _done(tensors, create_graph: bool):
    """Results leave detached unless the caller asked for a graph (nested tuples too)."""
    if create_graph:
        return tensors
    if isinstance(tensors, tuple):
        return tuple(_done(t, create_graph) for t in tensors)
    return tensors.detach()


def _shaped(results, outer_tuple: bool, inner_tuple: bool | None = None):
    """Unpack one level per single Tensor, as PyTorch returns them."""
    if inner_tuple is not None and not inner_tuple:
        results = tuple(r[0] for r in results)
    return results if outer_tuple else results[0]


# -- the products --------------------------------------------------------------------------


def vjp(func: Callable, inputs, v=None, create_graph: bool = False,
           strict: bool = False) -> tuple:
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``.

    >>> out, g = vjp(lambda x: x.exp().sum(dim=1), tg.rand(4, 4), tg.ones(4))
    """
    with enable_grad():
        inputs_tuple, xs = _tensors(inputs, "inputs", "vjp")
        xs = _fresh(xs, create_graph, True, "vjp")
        outputs_tuple, outs = _outputs(func, xs, strict, "vjp")
        vs = _vectors(v, outs, outputs_tuple, create_graph, "vjp", "output of func")
        grads = _grads(outs, xs, vs, create_graph)
        result = _filled(grads, xs, strict, create_graph, _independent_output)
    return (_shaped(_done(outs, create_graph), outputs_tuple),
            _shaped(_done(result, create_graph), inputs_tuple))


def jvp(func: Callable, inputs, v=None, create_graph: bool = False,
           strict: bool = False) -> tuple:
    """``(func(inputs), J v)``: the Jacobian-vector product at ``inputs``, by the double
    backward trick (the vjp is linear in its vector u, and J v is its gradient along u).

    >>> out, t = jvp(lambda x: x ** 2, tg.ones(3), tg.ones(3))      # t = 2 x
    """
    with enable_grad():
        inputs_tuple, xs = _tensors(inputs, "inputs", "jvp")
        xs = _fresh(xs, create_graph, True, "jvp")
        vs = _vectors(v, xs, inputs_tuple, create_graph, "jvp", "input")
        outputs_tuple, outs = _outputs(func, xs, strict, "jvp")
        us = tuple(_zeros_like(out).requires_grad_() for out in outs)
        vjps = _grads(outs, xs, us, create_graph=True)
        _check_depends(vjps, strict, _independent_output)
        grads = _grads(vjps, us, vs, create_graph)
        result = _filled(grads, outs, strict, create_graph, lambda i: (
            f"jvp: the gradient is independent of entry {i} of the vector used for the double "
            "backward trick; not allowed with strict=True"))
    return (_shaped(_done(outs, create_graph), outputs_tuple),
            _shaped(_done(result, create_graph), outputs_tuple))


def _gradient_of_scalar(func, inputs, v, create_graph: bool, strict: bool, fn: str):
    """What vhp and hvp share: the checked inputs and v, func's one scalar output, and its
    gradient recorded with create_graph."""
    inputs_tuple, xs = _tensors(inputs, "inputs", fn)
    xs = _fresh(xs, create_graph, True, fn)
    vs = _vectors(v, xs, inputs_tuple, create_graph, fn, "input")
    outputs_tuple, outs = _outputs(func, xs, strict, fn)
    _single(outs, outputs_tuple, fn)
    jac = _grads(outs, xs, create_graph=True)
    _check_depends(jac, strict, _independent_jacobian)
    return inputs_tuple, xs, vs, outs[0], jac


def vhp(func: Callable, inputs, v=None, create_graph: bool = False,
           strict: bool = False) -> tuple:
    """``(func(inputs), v^T H)`` for a function with one scalar output.

    >>> out, p = vhp(lambda x: (x ** 3).sum(), tg.ones(2), tg.ones(2))   # p = 6 x v
    """
    with enable_grad():
        inputs_tuple, xs, vs, out, jac = _gradient_of_scalar(func, inputs, v, create_graph,
                                                             strict, "vhp")
        grads = _grads(jac, xs, vs, create_graph)
        result = _filled(grads, xs, strict, create_graph, _independent_hessian)
    return _done(out, create_graph), _shaped(_done(result, create_graph), inputs_tuple)


def hvp(func: Callable, inputs, v=None, create_graph: bool = False,
           strict: bool = False) -> tuple:
    """``(func(inputs), H v)`` for a function with one scalar output (by the double backward
    trick; equal to ``vhp`` for a twice continuously differentiable function).

    >>> out, p = hvp(lambda x: (x ** 3).sum(), tg.ones(2), tg.ones(2))   # p = 6 x v
    """
    with enable_grad():
        inputs_tuple, xs, vs, out, jac = _gradient_of_scalar(func, inputs, v, create_graph,
                                                             strict, "hvp")
        us = tuple(_zeros_like(x).requires_grad_() for x in xs)
        double_back = _grads(jac, xs, us, create_graph=True)
        grads = _grads(double_back, us, vs, create_graph)
        result = _filled(grads, xs, strict, create_graph, lambda i: (
            f"hvp: the Hessian is independent of entry {i} of the vector used for the double "
            "backward trick; not allowed with strict=True"))
    return _done(out, create_graph), _shaped(_done(result, create_graph), inputs_tuple)


def _independent_output(i: int) -> str:
    return (f"the outputs of the user-provided function are independent of input {i}; not "
            "allowed with strict=True")


def _independent_jacobian(i: int) -> str:
    return (f"the Jacobian of the user-provided function with respect to input {i} is "
            "independent of the inputs (a linear function?); not allowed with strict=True, "
            "which needs a function that is twice differentiable there")


def _independent_hessian(i: int) -> str:
    return (f"the Hessian of the user-provided function with respect to input {i} is "
            "independent of the inputs; not allowed with strict=True")


# -- whole matrices ------------------------------------------------------------------------


def _strategy(strategy: str, create_graph: bool, strict: bool, vectorize: bool, fn: str):
    """PyTorch's argument checks; both strategies give the same numbers here (reverse mode)."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"{fn}: strategy must be 'reverse-mode' or 'forward-mode', got "
                         f"{strategy!r}.")
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(f"{fn}: create_graph=True and strategy='forward-mode' "
                                      "do not go together (as in PyTorch); use reverse-mode.")
        if not vectorize:
            raise NotImplementedError(f"{fn}: strategy='forward-mode' needs vectorize=True "
                                      "(as in PyTorch).")
    if strict and (vectorize or strategy == "forward-mode"):
        raise RuntimeError(f"{fn}: strict=True does not go together with vectorize=True or "
                           "strategy='forward-mode' (as in PyTorch); set strict=False.")


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: ``J[i][j]`` = d output_i / d input_j, of shape
    ``output_i.shape + input_j.shape`` (one level unpacked per single Tensor, as PyTorch).

    >>> jacobian(lambda x: x ** 2, tg.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])

    One backward per output element. ``vectorize`` and ``strategy`` are accepted and checked
    as PyTorch's, and give the same values: tinygraph always computes row by row in reverse
    mode (there is no vmap).
    """
    _strategy(strategy, create_graph, strict, vectorize, "jacobian")
    with enable_grad():
        inputs_tuple, xs = _tensors(inputs, "inputs", "jacobian")
        xs = _fresh(xs, create_graph, True, "jacobian")
        outputs_tuple, outs = _outputs(func, xs, strict, "jacobian")
        rows = tuple(_jacobian_rows(i, out, xs, create_graph, strict)
                     for i, out in enumerate(outs))
    return _shaped(_done(rows, create_graph), outputs_tuple, inputs_tuple)


def _jacobian_rows(i: int, out, xs: tuple, create_graph: bool, strict: bool) -> tuple:
    """d out / d x for each input: one backward per element of ``out``, stacked."""
    per_input: list[list] = [[] for _ in xs]
    flat_size = out._data.size
    basis = namespace_of(out._data).zeros(flat_size, dtype=out.dtype)
    for k in range(flat_size):
        basis[k] = 1
        seed = new_tensor(basis.reshape(out.shape).copy(), None)
        basis[k] = 0
        grads = _grads((out,), xs, (seed,), create_graph, retain_graph=True)
        for j, (g, x) in enumerate(zip(grads, xs)):
            if g is None:
                if strict:
                    raise RuntimeError(f"jacobian: output {i} of the user-provided function is "
                                       f"independent of input {j}; not allowed with "
                                       "strict=True")
                g = _zeros_like(x)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(f"jacobian: the Jacobian of output {i} is independent of "
                                   f"input {j}; not allowed with strict=True and "
                                   "create_graph=True")
            per_input[j].append(g)
    stack = modes.tensor_namespace.stack
    rows = []
    for grads, x in zip(per_input, xs):
        shape = tuple(out.shape) + tuple(x.shape)
        if not grads:  # an empty output: an empty Jacobian (PyTorch fails to stack here)
            rows.append(new_tensor(x._data.reshape(-1)[:0].reshape(shape), None))
        else:
            rows.append(stack(grads, 0).reshape(shape))
    return tuple(rows)


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a function with one scalar output: ``H[i][j]`` = d^2 f / d input_i
    d input_j, of shape ``input_i.shape + input_j.shape`` (a single Tensor for a single input).

    >>> hessian(lambda x: (x ** 3).sum(), tg.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])

    The Jacobian of the (recorded) gradient; ``vectorize`` and ``outer_jacobian_strategy``
    are accepted as in :func:`jacobian`.
    """
    inputs_tuple, xs = _tensors(inputs, "inputs", "hessian")

    def scalar(*args):
        several, outs = _outputs(func, args, strict, "hessian")
        _single(outs, several, "hessian")
        return outs[0].reshape(())

    def gradient(*args):
        jac = jacobian(scalar, args, create_graph=True)
        _check_depends(jac, strict, _independent_jacobian)
        return jac

    rows = jacobian(gradient, xs, create_graph=create_graph, strict=strict,
                    vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _shaped(rows, inputs_tuple, inputs_tuple)
