"""``tg.onnx.export``: a model as an ONNX file, for ONNX Runtime and every other ONNX consumer.

    tg.onnx.export(model, tg.randn(1, 64), "model.onnx", input_names=["x"],
                   output_names=["logits"], dynamic_axes={"x": {0: "batch"}})

The forward runs once in eval mode under recording; its graph (the one ``tg.viz`` draws) is
written op by op through the table of mappings in ``table.py``. The forward then runs a second
time on the inputs shuffled, with every dynamic axis one longer, and the two graphs must be the
same: a value the first run froze into the graph that the second run computes differently
(a mask from ``x > 0``, a Python branch on a value, a size read from a dynamic axis) would make
the exported model wrong on other inputs, so the export refuses it, naming the op.

Needs the ``onnx`` package (``pip install tinygraph[onnx]``); nothing is imported from it until
``export`` is called.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from . import trace
from .errors import ExportError, UnsupportedOpError, depends_on_inputs
from .names import Namer, dynamic_dims, io_names

__all__ = ["ExportError", "UnsupportedOpError", "export"]

MIN_OPSET = 13  # Softmax along one axis, Squeeze/Unsqueeze/ReduceSum axes as inputs


def export(model_or_fn, args, path, input_names=None, output_names=None, dynamic_axes=None,
           opset_version: int = 17) -> None:
    """Write ``model_or_fn`` (a Module or a function of Tensors) as an ONNX model to ``path``.

    torch.onnx.export's signature: ``args`` is one Tensor or a tuple of the forward's
    arguments (a final dict: keyword arguments); its Tensors and arrays are the graph's inputs,
    named by ``input_names`` (else ``input_0``...); the outputs by ``output_names``
    (``output_0``...). ``dynamic_axes`` marks axes free to change size, as
    ``{"x": {0: "batch"}}`` or ``{"x": [0]}``. Parameters become initializers under their
    ``state_dict`` names. The model is left as it was: parameters, gradients and each
    module's training mode. ``path`` may also be a binary file object. The forward runs twice
    (the second time on changed inputs, see the module docstring).

    Raises ``UnsupportedOpError`` naming an op without an ONNX mapping (a ``tg.Function``),
    and ``ExportError`` when the graph depends on the inputs' values in a way ONNX cannot
    hold (see the module docstring).
    """
    onnx = _require_onnx()
    from .builder import first_difference  # imports onnx

    _check_opset(onnx, opset_version)
    args, kwargs = trace.split_args(args)
    arrays = trace.input_values(args, kwargs)
    in_names = io_names(input_names, len(arrays), "input", "input_names")
    first = trace.run(model_or_fn, args, kwargs, arrays)
    out_names = io_names(output_names, len(first.outputs), "output", "output_names")
    shapes = dict(zip(in_names, (a.shape for a in arrays)))
    shapes.update(zip(out_names, (t.shape for t in first.outputs)))
    dims = dynamic_dims(dynamic_axes, shapes)

    graph = _build(model_or_fn, first, in_names, out_names, opset_version)
    growing = {i: dims.get(name, {}) for i, name in enumerate(in_names)}
    moved = trace.perturbed(arrays, growing, np.random.default_rng(0))
    second = _second_run(model_or_fn, args, kwargs, moved, growing, in_names)
    culprit = first_difference(graph, _build(model_or_fn, second, in_names, out_names,
                                             opset_version))
    if culprit is not None:
        raise depends_on_inputs(culprit, any(growing.values()))

    inputs = [(name, a.dtype, _dims(a.shape, dims.get(name, {}))) for name, a in
              zip(in_names, arrays)]
    outputs = []
    grown = _grown_axes(arrays, moved, in_names, dims)
    for name, value, t, u in zip(out_names, graph.output_values, first.outputs, second.outputs):
        dynamic = {axis: grown.get((n, m), f"{name}_dim_{axis}")
                   for axis, (n, m) in enumerate(zip(t.shape, u.shape)) if n != m}
        outputs.append((name, value, t.dtype, _dims(t.shape, {**dynamic, **dims.get(name, {})})))
    model = graph.model(inputs, outputs, opset_version, _version())
    onnx.checker.check_model(model)
    _write(path, model.SerializeToString())


def _require_onnx():
    try:
        import onnx
    except ImportError as exc:
        raise ImportError(
            "tg.onnx.export needs the onnx package, an optional extra of tinygraph: "
            "pip install 'tinygraph[onnx]' (or pip install onnx).", name="onnx"
        ) from exc
    return onnx


def _check_opset(onnx, opset_version) -> None:
    newest = onnx.defs.onnx_opset_version()
    if not isinstance(opset_version, int) or not MIN_OPSET <= opset_version <= newest:
        raise ValueError(
            f"tg.onnx.export: opset_version must be an int from {MIN_OPSET} to {newest} (the "
            f"newest the installed onnx knows), got {opset_version!r}."
        )


def _build(model_or_fn, recorded: trace.Trace, in_names, out_names, opset: int):
    from .builder import GraphBuilder

    namer = Namer(model_or_fn)
    namer.reserve(in_names, "input")
    namer.reserve(out_names, "output")
    graph = GraphBuilder(namer, opset)
    graph.add_inputs(recorded.inputs, in_names)
    graph.add_ops(recorded.nodes)
    graph.add_outputs(recorded.outputs)
    return graph


def _second_run(model_or_fn, args, kwargs, arrays, growing, in_names) -> trace.Trace:
    try:
        return trace.run(model_or_fn, args, kwargs, arrays)
    except Exception as exc:
        grown = [f"{in_names[i]!r} axis {a}" for i, axes in growing.items() for a in axes]
        if not grown:
            raise
        raise ExportError(
            f"tg.onnx.export: the forward fails when the dynamic axes ({', '.join(grown)}) "
            f"change size: {type(exc).__name__}: {exc}. A dynamic axis must be free to take "
            "any size; leave it out of dynamic_axes if the model needs this one."
        ) from exc


def _dims(shape, dynamic: dict) -> list:
    """An int per static axis, the name of each dynamic one."""
    return [dynamic.get(axis, int(size)) for axis, size in enumerate(shape)]


def _grown_axes(arrays, moved, in_names, dims) -> dict:
    """(size in the first run, size in the second) -> the name of the dynamic input axis that
    grew that way: an output axis that grew alike is given the same name (``batch``)."""
    return {(a.shape[axis], b.shape[axis]): dim
            for a, b, name in zip(arrays, moved, in_names)
            for axis, dim in dims.get(name, {}).items()}


def _version() -> str:
    from .. import __version__

    return __version__


def _write(path, data: bytes) -> None:
    """Into a binary file object, or atomically into a file: a temporary file in the same
    directory renamed over the target, so an interrupted export leaves no partial model."""
    if hasattr(path, "write"):
        path.write(data)
        return
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"tg.onnx.export: the directory {directory!r} does not exist.")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
