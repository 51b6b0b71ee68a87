"""Which frame a box belongs in when the recording does not say, and what fills the gaps.

The engine records, for each op, the module whose ``forward`` ran it. Two things a reader of
the picture expects are not in that record: the sum of a model's penalties (computed by
``regularization_loss()`` outside any ``forward``) belongs to the model, and a module that
ran no op (``Dropout`` in eval mode) still has a place in its model.
"""

from __future__ import annotations

from ..autograd.graph import ModuleInfo
from .boxes import Box, Graph


def frame_penalty_sums(graph: Graph) -> None:
    """Put each sum of penalties in the innermost module holding all of its terms.

    ``model.regularization_loss()`` adds the layers' penalties outside any ``forward``, so
    the additions record no module; drawn loose, they float between the frames. The sum of
    a model's penalties belongs to that model's frame.
    """
    sources: dict[int, list[int]] = {}
    for s, t in graph.edges:
        sources.setdefault(t, []).append(s)
    for i, box in enumerate(graph.boxes):
        inputs = sources.get(i, [])
        if box.kind != "op" or box.penalty or not inputs:
            continue
        if all(graph.boxes[s].penalty for s in inputs):
            box.penalty = True  # a sum of penalties is a penalty (collapsed boxes say so)
            if box.module is None:
                box.module = _common_module(graph.modules,
                                            [graph.boxes[s].module for s in inputs])


def _common_module(info: ModuleInfo, modules: list):
    """The innermost module that contains all of ``modules`` (None if there is none)."""
    chains = []
    for module in modules:
        chain = []
        while module is not None:
            chain.append(module)
            module = info.parent(module)
        chains.append(chain[::-1])  # outermost first
    common = None
    for level in zip(*chains):
        if any(m is not level[0] for m in level):
            break
        common = level[0]
    return common


def note_modules_without_ops(graph: Graph) -> None:
    """A module of a drawn frame that recorded no op (Dropout in eval mode, an Identity)
    would vanish and its siblings' numbering would jump: draw it as a note in its place."""
    info = graph.modules
    span: dict[int, list[int]] = {}  # id(module) -> indices of the boxes in its subtree
    framed: dict[int, object] = {}  # id(module) -> module, for every module with boxes
    for i, box in enumerate(graph.boxes):
        module = box.module
        while module is not None:
            span.setdefault(id(module), []).append(i)
            framed[id(module)] = module
            module = info.parent(module)

    def ops(indices: list[int]) -> list[int]:
        return [i for i in indices if graph.boxes[i].kind == "op"] or indices

    for parent in list(framed.values()):
        children = info.children(parent)
        for k, child in enumerate(children):
            if id(child) in span or info.name(child) is None:
                continue
            lines = ["no op recorded"]
            if getattr(child, "training", None) is False:
                lines[0] += " (eval mode)"
            note = len(graph.boxes)
            graph.boxes.append(Box("noop", info.label(child), lines, module=parent,
                                   tooltip=f"{info.label(child)} ran no recorded op here"))
            # in line with its siblings: after the ops of the one before, above the next one's
            before = [ops(span[id(c)]) for c in children[:k] if id(c) in span]
            after = [ops(span[id(c)]) for c in children[k + 1:] if id(c) in span]
            if before:
                graph.hints.append((max(before[-1]), note))
            if after:
                graph.hints.append((note, min(after[0])))
