"""The reverse-mode engine: the graph's nodes (``node``), recording op calls (``function``), the
backward pass (``engine``) and what a gradient is during it (``modes``), the public entry
points (``api``: backward, grad), the in-place version check (``versions``) and the
thread-local grad/anomaly modes (``mode``).

Op backwards are written once, against ``self.xp``. In a normal backward ``xp`` is the array
namespace and gradients are raw arrays: fast, nothing recorded. With ``create_graph=True`` the
engine swaps in the Tensor namespace and hands the backward Tensors, so the same lines record
a new graph and gradients of gradients work.
"""

from __future__ import annotations

from typing import Any

from . import api, engine, function, graph, modes, node, versions
from .api import backward, grad
from .engine import run_backward
from .function import Function, Op, unwrap
from .graph import toposort
from .mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad, state
from .modes import RetainGrad, register_tensor_namespace
from .node import OUTPUT, AccumulateGrad, Node, grad_accumulator, new_tensor

Tensor: Any = None  # the Tensor class, once tinygraph.tensor has registered it

_new_tensor = new_tensor


def register_tensor_type(cls) -> None:
    """Called by tinygraph.tensor: the engine builds Tensors without importing that module."""
    global Tensor
    Tensor = cls
    node.register_tensor_type(cls)


__all__ = [
    "OUTPUT", "AccumulateGrad", "Function", "Node", "Op", "RetainGrad", "api", "backward",
    "detect_anomaly", "enable_grad", "engine", "function", "grad", "graph", "grad_accumulator",
    "is_grad_enabled", "modes", "new_tensor", "no_grad", "node", "register_tensor_namespace",
    "register_tensor_type", "run_backward", "state", "toposort", "unwrap", "versions",
]
