"""What a picture is made of, before any Graphviz: boxes, arrows and the modules around them."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..autograd.graph import ModuleInfo


@dataclass
class Box:
    """One drawn node. ``kind``: op, param (a leaf that requires grad), buffer (a module's
    buffer, such as a running statistic, or a value computed from one), const (an input or a
    constant: no gradient), output, module (a collapsed module), noop (a module that recorded
    no op in this graph)."""

    kind: str
    title: str
    lines: list = field(default_factory=list)
    shape: str = ""  # "(4, 8) float32": the value's shape and dtype (also among ``lines``)
    module: object = None  # the nn Module whose cluster holds this box
    alarm: bool = False  # its value or gradient holds NaN/Inf
    grad_norm: float | None = None  # the norm of the gradient leaving this box (show_grad)
    tooltip: str = ""
    penalty: bool = False  # a regularization term, or a sum of them


@dataclass
class Graph:
    boxes: list
    edges: list  # (source box index, target box index)
    modules: ModuleInfo
    edge_labels: dict = field(default_factory=dict)  # (source, target) -> short text
    hints: list = field(default_factory=list)  # invisible (source, target): layout order only
