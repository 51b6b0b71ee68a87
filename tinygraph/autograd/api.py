"""The public ways to run the engine: ``backward()`` (into leaves' ``.grad``) and ``grad()``
(returned, nothing stored). Both check what they are given and build the seed gradients."""

from __future__ import annotations

from ..backend import namespace_of
from ..errors import ShapeError
from . import node as _node
from .engine import run_backward
from .node import grad_accumulator, new_tensor


def _as_list(value) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _roots(outputs, what: str) -> list:
    """The outputs to differentiate, each checked to be a Tensor."""
    roots = _as_list(outputs)
    for i, root in enumerate(roots):
        if not isinstance(root, _node.Tensor):
            raise TypeError(
                f"{what}: outputs[{i}] is a {type(root).__name__}, expected a Tensor computed "
                "from the inputs (e.g. loss = (w * x).sum())."
            )
    return roots


def _seed(root, gradient, create_graph: bool, what: str):
    """The starting gradient for ``root``: ones for a one-element output, else ``gradient``."""
    Tensor = _node.Tensor
    if not root.requires_grad:
        raise RuntimeError(
            f"{what}: this tensor does not require grad, so there is no graph to differentiate. "
            "Create the inputs with requires_grad=True (tg.tensor(x, requires_grad=True)) and "
            "compute the output outside tg.no_grad()."
        )
    if gradient is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"{what}: grad can be implicitly created only for one-element outputs, but this "
                f"tensor has shape {tuple(root.shape)}. Reduce it first (y.sum().backward()) or "
                "pass gradient=... of the same shape (y.backward(tg.ones_like(y)))."
            )
        data = root._data
        xp = namespace_of(data)
        seed = xp.asarray(1, dtype=data.dtype)
        if data.shape:  # (1,), (1, 1), ...: the root's own shape
            seed = seed.reshape(data.shape)
        return new_tensor(seed, None) if create_graph else seed
    if not isinstance(gradient, Tensor):
        gradient = new_tensor(namespace_of(root._data).asarray(gradient, dtype=root.dtype), None)
    if tuple(gradient.shape) != tuple(root.shape):
        raise ShapeError(
            f"{what}: gradient has shape {tuple(gradient.shape)} but the output has shape "
            f"{tuple(root.shape)}; they must match."
        )
    if create_graph:
        return gradient
    return gradient._data.astype(root._data.dtype, copy=True)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False) -> None:
    """Accumulate d(tensors)/d(leaf) into every leaf's ``.grad`` (see ``Tensor.backward``)."""
    roots = _roots(tensors, "backward()")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(roots)
    seeds = [_seed(root, g, create_graph, "backward()") for root, g in zip(roots, grads)]
    run_backward(roots, seeds, retain_graph, create_graph)


def backward_one(root, gradient=None, retain_graph=None, create_graph=False) -> None:
    """``backward`` of one output, as ``Tensor.backward`` calls it: no lists to unpack."""
    if retain_graph is None:
        retain_graph = create_graph
    seed = _seed(root, gradient, create_graph, "backward()")
    run_backward([root], [seed], retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned as a tuple of Tensors.

    Leaves' ``.grad`` is left untouched. With ``create_graph=True`` the returned gradients are
    themselves differentiable::

        (g,) = tg.grad(y, x, create_graph=True)
        (h,) = tg.grad(g.sum(), x)          # second derivative
    """
    Tensor = _node.Tensor
    roots = _roots(outputs, "grad()")
    targets = _as_list(inputs)
    grads = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(roots)
    if len(grads) != len(roots):
        raise ValueError(f"grad: got {len(grads)} grad_outputs for {len(roots)} outputs.")
    if retain_graph is None:
        retain_graph = create_graph
    nodes = []
    for i, t in enumerate(targets):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] is a {type(t).__name__}, expected a Tensor.")
        if not t.requires_grad:
            raise RuntimeError(
                f"grad: inputs[{i}] does not require grad; create it with requires_grad=True."
            )
        nodes.append(t.grad_fn if t.grad_fn is not None else grad_accumulator(t))
    seeds = [_seed(root, g, create_graph, "grad()") for root, g in zip(roots, grads)]
    capture = dict.fromkeys(nodes)
    run_backward(roots, seeds, retain_graph, create_graph, capture=capture)
    results = []
    for i, node in enumerate(nodes):
        value = capture[node]
        if value is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: inputs[{i}] was not used to compute the outputs, so it has no "
                    "gradient. Pass allow_unused=True to get None for it instead."
                )
            results.append(None)
            continue
        results.append(value if isinstance(value, Tensor) else new_tensor(value, None))
    return tuple(results)
