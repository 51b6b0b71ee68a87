"""Run the forward once and read the graph it records: the graph ``tg.viz`` draws.

How the inputs are found in the graph. The engine records an op only when one of its inputs
requires grad, and a node keeps per input its ``parents`` entry: the producing node, the
:class:`AccumulateGrad` sink of a leaf that requires grad (``sink.leaf`` is that leaf), or None
for a constant. So each floating input is handed to the forward as a fresh leaf that shares
its storage and requires grad: every op that depends on it is recorded, and where it enters
an op, the parent is its sink, whose ``leaf`` is that very Tensor. Parameters enter the same
way through their own sinks. Constants (Python numbers, arrays, buffers, frozen parameters,
integer inputs) are read from the values each node keeps under ``tg.debug.record_inputs()``
(``node.debug_inputs``) and recognised, where they are named, by the identity of their array.

Nothing here changes the model: the forward runs in eval mode and every module gets its own
training flag back; no backward runs, so no ``.grad`` is touched.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from ..autograd import AccumulateGrad, enable_grad, new_tensor, toposort
from ..debug import record_inputs
from ..tensor import Tensor


@dataclass
class Trace:
    """One recorded forward.

    nodes: the op nodes reached from the outputs, each after its inputs (sinks left out).
    outputs: the forward's output Tensors, in order.
    inputs: the Tensors the forward was given for the graph inputs, in order.
    """

    nodes: list
    outputs: list
    inputs: list


def split_args(args) -> tuple[list, dict]:
    """torch.onnx.export's ``args``: one Tensor, or a tuple whose last item may be a dict of
    keyword arguments."""
    if isinstance(args, (Tensor, np.ndarray)):
        return [args], {}
    if not isinstance(args, (tuple, list)):
        raise TypeError(
            f"tg.onnx.export: args must be a Tensor or a tuple of the forward's arguments, got "
            f"{type(args).__name__}."
        )
    args = list(args)
    kwargs = args.pop() if args and isinstance(args[-1], dict) else {}
    return args, dict(kwargs)


def input_values(args: list, kwargs: dict) -> list:
    """The arrays (Tensors and ndarrays) among the arguments: the graph's inputs, in order."""
    values = [*args, *kwargs.values()]
    for value in values:
        if isinstance(value, (list, tuple, dict)) and _holds_arrays(value):
            raise TypeError(
                "tg.onnx.export: an argument is a list, tuple or dict holding Tensors; each "
                "graph input must be an argument of its own (the Tensors inside would be "
                "frozen into the model as constants)."
            )
    return [v._data if isinstance(v, Tensor) else v for v in values if _is_array(v)]


def _holds_arrays(value) -> bool:
    items = value.values() if isinstance(value, dict) else value
    return any(_is_array(v) or isinstance(v, (list, tuple, dict)) and _holds_arrays(v)
               for v in items)


def run(model_or_fn, args: list, kwargs: dict, arrays: list) -> Trace:
    """Call the forward on ``arrays`` (in place of the arguments' Tensors) and record it."""
    leaves = [_graph_input(a) for a in arrays]
    supply = iter(leaves)
    call_args = [next(supply) if _is_array(a) else a for a in args]
    call_kwargs = {k: next(supply) if _is_array(v) else v for k, v in kwargs.items()}
    with _eval_mode(model_or_fn), enable_grad(), record_inputs():
        result = model_or_fn(*call_args, **call_kwargs)
    outputs = _flat_outputs(result)
    nodes = [n for n in toposort(outputs) if type(n) is not AccumulateGrad]
    return Trace(nodes=nodes, outputs=outputs, inputs=leaves)


def _is_array(value) -> bool:
    return isinstance(value, (Tensor, np.ndarray))


def _graph_input(array: np.ndarray) -> Tensor:
    """A leaf sharing ``array``; floating ones require grad, so their uses are recorded."""
    leaf = new_tensor(array, None)
    if array.dtype.kind == "f":
        leaf.requires_grad_()
    return leaf


def _flat_outputs(result) -> list:
    items = list(result) if isinstance(result, (tuple, list)) else [result]
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(
                f"tg.onnx.export: the forward must return a Tensor or a tuple of Tensors; output "
                f"{i} is a {type(item).__name__}."
            )
    return items


@contextlib.contextmanager
def _eval_mode(model_or_fn):
    """A Module in eval mode for the call; afterwards every module has its own training flag
    back (a model may be partly in eval mode, so the root's flag alone is not enough). A plain
    function runs as it is."""
    modules = getattr(model_or_fn, "modules", None)
    saved = [(m, m.training) for m in modules()] if callable(modules) else []
    if saved:
        model_or_fn.eval()
    try:
        yield
    finally:
        for module, training in saved:  # parents first: each train() also sets the children,
            module.train(training)  # whose own flags are set after it


def perturbed(arrays: list, dynamic: dict, rng: np.random.Generator) -> list:
    """The inputs with their elements shuffled, and each dynamic axis one longer.

    A second trace on these must record the same ONNX graph: a constant that changed was
    computed from the inputs' values (a comparison such as ``x > 0``, a branch on a value) or
    from the size of a dynamic axis, and would be frozen into the exported model. Shuffling
    keeps every value in its domain (positive stays positive, labels stay in range). What a
    shuffle leaves unchanged goes unseen: a branch on ``x.sum()``, or inputs of equal values.
    """
    result = []
    for i, array in enumerate(arrays):
        flat = array.reshape(-1)
        moved = flat[rng.permutation(flat.size)].reshape(array.shape)
        for axis in sorted(dynamic.get(i, ())):
            size = array.shape[axis]
            if size:
                moved = np.take(moved, rng.integers(0, size, size + 1), axis=axis)
        result.append(moved)
    return result
