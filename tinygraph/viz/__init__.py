"""Pictures of computation graphs: ``to_dot`` builds a Graphviz graph, ``render`` draws a file.

    import tinygraph as tg
    loss = loss_fn(model(x), y)
    tg.viz.render(loss, "mlp.svg", params=model)                  # forward graph, by layer
    loss.backward()
    tg.viz.render(loss, "mlp-grads.png", params=model, show_grad=True)

What is drawn: one box per op (name, the attributes that matter, output shape and dtype), one
per leaf that requires grad (filled blue, named from ``params`` or the module that holds it:
``0.weight``), dashed grey boxes for inputs (named by their own ``name=``) and constants,
quiet lavender boxes for module buffers (a BatchNorm's ``1.running_mean``, matched by memory
so a reshaped view counts, or ``sqrt(1.running_var + eps)`` computed from one, as the op noted
with ``autograd.graph.note_operand``) in their module's frame, and the output. Ops
recorded inside an ``nn.Module``'s forward sit in a frame labelled ``name: Class`` (nested
modules nest); a module that recorded no op (``Dropout`` in eval
mode) is a dotted note in its place. Anything holding NaN/Inf is red.

Nothing here runs while a model computes: the picture is read afterwards from the graph the
engine recorded anyway, so a program that never draws pays nothing for this module.

The modules: ``graph`` (the graph as boxes and arrows; it reads names, modules and live
values through ``tinygraph.autograd.graph``), ``frames`` (penalty sums and modules without
ops), ``collapse`` (one box per module), ``labels`` (text), ``dot`` (Graphviz styles,
clusters, the legend).
"""

from __future__ import annotations

import os
import shutil

from .collapse import collapse
from .dot import build_digraph
from .graph import read_graph, too_many_nodes

__all__ = ["DotNotFoundError", "draw", "render", "to_dot"]

FORMATS = ("svg", "png", "pdf")
INSTALL_HINT = (
    "Install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS) or `conda install graphviz` (conda), then run again."
)


class DotNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not installed, so no picture file could be drawn."""


def to_dot(roots, params=None, show_shapes: bool = True, show_saved: bool = False,
           rankdir: str = "TB", group_modules: bool = True, collapse_modules: bool = False,
           show_grad: bool = False, max_nodes: int = 500, inputs=None, legend: bool = True,
           show_sites: bool = False):
    """A ``graphviz.Digraph`` of the graph that produced ``roots`` (a Tensor or a list).

    - ``params``: a Module (parameter and module names come from it) or a dict name -> Tensor.
      Without it, parameters are named from the modules that ran the graph's ops
      (``weight`` inside a ``Dense`` frame), or by their own ``name=``.
    - ``inputs``: names for inputs (data, targets), a dict name -> Tensor or a list of
      Tensors named by their ``.name``. Without it, an input still alive is named by its own
      ``name=``; an unnamed one reads ``input``.
    - ``show_shapes``: output shape and dtype on every box.
    - ``show_saved``: what each op saved for its backward (or that backward freed it).
    - ``rankdir``: ``"TB"`` (inputs on top), ``"LR"``, ``"BT"``, ``"RL"``.
    - ``group_modules``: frame the ops of each Module's forward, labelled ``name: Class``.
    - ``collapse_modules``: draw each top-level module of ``params`` as a single box.
    - ``show_grad``: after ``backward()``, label parameters (and tensors that called
      ``retain_grad()``) with their gradient's norm and shape, and colour their arrows by it.
    - ``max_nodes``: refuse graphs with more boxes, with advice (``collapse_modules=True``).
    - ``legend``: a compact key (a few lines under the graph) for colours, boxes and arrows.
    - ``show_sites``: label each op with the line of code that created it (``model.py:12``;
      recorded under ``tg.detect_anomaly()``, where it is always the box's tooltip).

    >>> dot = tg.viz.to_dot(loss, params=model)
    >>> print(dot.source)            # DOT text; in Jupyter the object displays as a picture
    """
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"to_dot: rankdir must be one of TB, LR, BT, RL, got {rankdir!r}.")
    limit = None if collapse_modules else max_nodes
    graph = read_graph(roots, params, show_shapes, show_saved, show_grad, limit, inputs,
                       show_sites)
    if collapse_modules:
        graph = collapse(graph)
    if len(graph.boxes) > max_nodes:
        raise too_many_nodes(len(graph.boxes), max_nodes, collapsed=collapse_modules)
    return build_digraph(graph, rankdir, group_modules and not collapse_modules, show_grad,
                         legend)


def draw(roots, **to_dot_kwargs):
    """Short alias of :func:`to_dot`: the Digraph (shown inline in Jupyter)."""
    return to_dot(roots, **to_dot_kwargs)


def render(roots, path, format: str | None = None, **to_dot_kwargs) -> str:
    """Draw the graph of ``roots`` to ``path`` with Graphviz's ``dot``; returns the file's path.

    ``format`` is ``"svg"``, ``"png"`` or ``"pdf"``; by default it is taken from the file
    extension (``.svg`` when there is none). When ``dot`` is missing, the DOT source is still
    written beside ``path`` (``graph.svg`` -> ``graph.dot``) and :class:`DotNotFoundError`
    explains how to install Graphviz.
    """
    path = os.fspath(path)
    stem, extension = os.path.splitext(path)
    extension = extension[1:].lower()
    if format is None:
        if extension and extension not in FORMATS:
            raise ValueError(f"render: cannot draw a .{extension} file; use one of "
                             f"{', '.join('.' + f for f in FORMATS)} (or pass format=).")
        format = extension or "svg"
    format = format.lower()
    if format not in FORMATS:
        raise ValueError(f"render: format must be one of {', '.join(FORMATS)}, got {format!r}.")
    if extension != format:
        stem, path = path, f"{path}.{format}"
    dot = to_dot(roots, **to_dot_kwargs)
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    if shutil.which("dot") is None:
        raise _missing_dot(dot, stem, path)
    import graphviz

    try:
        data = dot.pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise _missing_dot(dot, stem, path) from None
    with open(path, "wb") as f:
        f.write(data)
    return path


def _missing_dot(dot, stem: str, path: str) -> DotNotFoundError:
    source_path = f"{stem}.dot"
    with open(source_path, "w", encoding="utf-8") as f:
        f.write(dot.source)
    return DotNotFoundError(
        f"render: Graphviz's `dot` program was not found on PATH, so {path} could not be drawn. "
        f"The graph's DOT source was written to {source_path} (draw it later with "
        f"`dot -T{os.path.splitext(path)[1][1:]} {source_path} -o {path}`). {INSTALL_HINT}"
    )
