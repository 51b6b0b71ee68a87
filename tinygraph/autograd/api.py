"""The public ways to run the engine, as PyTorch's: ``backward()`` (into ``.grad``) and
``grad()`` (returned, nothing stored). Both check what they are given and build the seed
gradients; ``run_backward`` (engine.py) does the rest."""

from __future__ import annotations

from ..backend import _NAMESPACE_BY_TYPE, namespace_of
from ..errors import ShapeError
from . import modes
from . import node as _node
from .engine import run_backward
from .node import grad_accumulator, new_tensor


def _as_list(value) -> list:
    """A Tensor (or anything else) alone, or the items of a sequence or generator
    (``model.parameters()``), as PyTorch takes them."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if not isinstance(value, (_node.Tensor, str, bytes)) and hasattr(value, "__iter__"):
        return list(value)
    return [value]


def _kind(value) -> str:
    """A type's name, with its module when it is not a builtin (a torch.Tensor is no Tensor)."""
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def _roots(outputs, what: str) -> list:
    """The outputs to differentiate, each checked to be a Tensor."""
    roots = _as_list(outputs)
    for i, root in enumerate(roots):
        if not isinstance(root, _node.Tensor):
            raise TypeError(
                f"{what}: outputs[{i}] is a {_kind(root)}, expected a Tensor computed "
                "from the inputs (e.g. loss = (w * x).sum())."
            )
    return roots


def _grad_list(grads, roots: list, what: str, name: str) -> list:
    """One seed (or None) per root; as PyTorch, extra trailing entries are ignored."""
    if grads is None:
        return [None] * len(roots)
    if isinstance(grads, _node.Tensor) or type(grads) in _NAMESPACE_BY_TYPE:
        grads = [grads]  # one gradient (an array too: NumPy habits are welcome)
    elif hasattr(grads, "__iter__") and not isinstance(grads, (str, bytes)):
        grads = list(grads)
    else:
        raise TypeError(
            f"{what}: {name} must be a Tensor, a sequence of Tensors (None for a one-element "
            f"output) or None, got {type(grads).__name__}."
        )
    if len(grads) < len(roots):
        raise RuntimeError(
            f"{what}: got {len(roots)} outputs but {len(grads)} {name}; pass one gradient per "
            "output (None for a one-element output)."
        )
    return list(grads[:len(roots)])


def _seed(root, gradient, create_graph: bool, what: str, i: int = 0):
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
                f"{what}: grad can be implicitly created only for scalar outputs (one element), "
                f"but this tensor has shape {tuple(root.shape)}. Reduce it first "
                "(y.sum().backward()) or pass gradient=... of the same shape "
                "(y.backward(tg.ones_like(y)))."
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
            f"{what}: mismatch in shape: the gradient for output {i} has shape "
            f"{tuple(gradient.shape)} but that output has shape {tuple(root.shape)}; they "
            "must match."
        )
    if create_graph:
        return gradient
    return gradient._data.astype(root._data.dtype, copy=True)


def _targets(inputs, what: str, allow_empty: bool = False) -> tuple[list, list | None]:
    """The tensors to differentiate with respect to, and their keys when given as a dict
    (``dict(model.named_parameters())``, as PyTorch 2.13 accepts)."""
    keys = None
    if type(inputs) is dict:
        keys = list(inputs)
        inputs = list(inputs.values())
    targets = _as_list(inputs)
    if not targets and not allow_empty:
        raise RuntimeError(f"{what}: the `inputs` argument cannot be empty.")
    for i, t in enumerate(targets):
        if not isinstance(t, _node.Tensor):
            raise TypeError(f"{what}: inputs[{i}] is a {_kind(t)}, expected a tinygraph Tensor.")
        if not t.requires_grad:
            raise RuntimeError(
                f"{what}: inputs[{i}] does not require grad, so it has no gradient; create it "
                "with requires_grad=True (or leave it out of inputs)."
            )
    return targets, keys


def _node_of(t):
    """Where ``t``'s gradient arrives in the graph: its node, or a leaf's sink."""
    return t.grad_fn if t.grad_fn is not None else grad_accumulator(t)


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables=None, inputs=None) -> None:
    """Accumulate d(tensors)/d(leaf) into every leaf's ``.grad`` (see ``Tensor.backward``).

    ``grad_tensors``: one gradient per tensor (None for a one-element tensor). ``inputs``: a
    Tensor, a sequence or a dict of Tensors: only these accumulate ``.grad`` (a non-leaf among
    them gets a ``.grad`` too), every other leaf is left alone::

        tg.autograd.backward([loss_a, loss_b])
        loss.backward(inputs=[w])           # b.grad stays as it was
    """
    if grad_variables is not None:  # PyTorch's old name, still accepted there
        if grad_tensors is not None:
            raise RuntimeError("backward(): pass grad_tensors only (grad_variables is its old "
                               "name).")
        grad_tensors = grad_variables
    roots = _roots(tensors, "backward()")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _grad_list(grad_tensors, roots, "backward()", "grad_tensors")
    seeds = [_seed(root, g, create_graph, "backward()", i)
             for i, (root, g) in enumerate(zip(roots, grads))]
    if inputs is None:
        run_backward(roots, seeds, retain_graph, create_graph)
    else:
        _backward_into(inputs, roots, seeds, retain_graph, create_graph)


def backward_one(root, gradient=None, retain_graph=None, create_graph=False,
                 inputs=None) -> None:
    """``backward`` of one output, as ``Tensor.backward`` calls it: no lists to unpack."""
    if retain_graph is None:
        retain_graph = create_graph
    seed = _seed(root, gradient, create_graph, "backward()")
    if inputs is None:
        run_backward([root], [seed], retain_graph, create_graph)
    else:
        _backward_into(inputs, [root], [seed], retain_graph, create_graph)


def _backward_into(inputs, roots, seeds, retain_graph: bool, create_graph: bool) -> None:
    """``backward(inputs=...)``: the engine captures the gradients reaching the given tensors
    (as for ``grad``), which are then accumulated into their ``.grad`` as a leaf's would be."""
    targets, _ = _targets(inputs, "backward()")
    unique = list({id(t): t for t in targets}.values())
    nodes = [_node_of(t) for t in unique]
    capture = dict.fromkeys(nodes)
    for t in unique:  # as PyTorch: a non-leaf among inputs retains its grad from now on
        if t.grad_fn is not None:
            t.retain_grad()
    run_backward(roots, seeds, retain_graph, create_graph, capture=capture)
    mode = modes.RecordedBackward() if create_graph else modes.ArrayBackward()
    for t, node in zip(unique, nodes):
        # a non-leaf's gradient was stored by its retain_grad hook during the run
        if capture[node] is not None and t.grad_fn is None:
            mode.accumulate(t, capture[node])


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple | dict:
    """Gradients of ``outputs`` with respect to ``inputs``, returned as a tuple of Tensors
    (a dict with the same keys when ``inputs`` is a dict). ``.grad`` is left untouched.

    An input the outputs do not depend on raises, unless ``allow_unused=True`` (its gradient
    is then None) or ``materialize_grads=True`` (zeros). With ``create_graph=True`` the
    returned gradients are themselves differentiable::

        (g,) = tg.grad(y, x, create_graph=True)
        (h,) = tg.grad(g.sum(), x)          # second derivative

    ``is_grads_batched=True``: the first dimension of each ``grad_outputs`` entry is a batch of
    vectors; the result stacks one vector-Jacobian product per entry (computed one at a time
    here, where PyTorch vectorizes). ``only_inputs`` is ignored, as in PyTorch.
    """
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "grad(): materialize_grads=True fills unused inputs with zeros, which contradicts "
            "allow_unused=False; leave allow_unused out (or pass True)."
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    targets, keys = _targets(inputs, "grad()")
    roots = _roots(outputs, "grad()")
    grads = _grad_list(grad_outputs, roots, "grad()", "grad_outputs")
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched:
        results = _batched_grad(roots, targets, grads, retain_graph, create_graph, allow_unused)
    else:
        results = _grad(roots, targets, grads, retain_graph, create_graph, allow_unused)
    if materialize_grads:
        results = tuple(_zeros_like(t, create_graph) if r is None else r
                        for r, t in zip(results, targets))
    return results if keys is None else dict(zip(keys, results))


def _grad(roots, targets, grads, retain_graph, create_graph, allow_unused) -> tuple:
    """One vector-Jacobian product: the gradients reaching each target's node, captured."""
    Tensor = _node.Tensor
    nodes = [_node_of(t) for t in targets]
    seeds = [_seed(root, g, create_graph, "grad()", i)
             for i, (root, g) in enumerate(zip(roots, grads))]
    capture = dict.fromkeys(nodes)
    run_backward(roots, seeds, retain_graph, create_graph, capture=capture)
    results = []
    for i, node in enumerate(nodes):
        value = capture[node]
        if value is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad(): inputs[{i}] appears to not have been used in the graph (the "
                    "outputs do not depend on it), so it has no gradient. Set allow_unused=True "
                    "to get None for it instead (or materialize_grads=True for zeros)."
                )
            results.append(None)
            continue
        # (a sum of 0-d gradients is a NumPy scalar: the Tensor gets a 0-d array, as .grad does)
        results.append(value if isinstance(value, Tensor)
                       else new_tensor(namespace_of(value).asarray(value), None))
    return tuple(results)


def _batched_grad(roots, targets, grads, retain_graph, create_graph, allow_unused) -> tuple:
    """``is_grads_batched``: one ``_grad`` per entry along the first dimension, stacked."""
    sizes = {len(g) for g in grads if g is not None}
    if len(sizes) != 1:
        raise RuntimeError(
            "grad(): is_grads_batched=True needs grad_outputs that are Tensors with the same "
            f"first (batch) dimension, got batch sizes {sorted(sizes)} from grad_outputs."
        )
    (batch,) = sizes
    rows = []
    for k in range(batch):
        row_grads = [None if g is None else g[k] for g in grads]
        keep = retain_graph or k < batch - 1
        rows.append(_grad(roots, targets, row_grads, keep, create_graph, allow_unused))
    stack = modes.tensor_namespace.stack
    return tuple(None if column[0] is None else stack(list(column), 0) for column in zip(*rows))


def _zeros_like(t, create_graph: bool):
    """materialize_grads' zeros for an unused input (differentiable under create_graph)."""
    zeros = new_tensor(namespace_of(t._data).zeros_like(t._data), None)
    zeros._requires_grad = create_graph
    return zeros
