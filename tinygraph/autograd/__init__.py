"""The reverse-mode engine, and ``tg.autograd`` as ``torch.autograd``: the graph's nodes
(``node``), recording op calls (``function``), the backward pass (``engine``) and what a
gradient is during it (``modes``), the public entry points (``api``: backward, grad), the
in-place version check (``versions``), the thread-local grad/inference/anomaly modes
(``mode``), finite-difference checks (``gradcheck``) and Jacobians, Hessians and their
products (``functional``).

Op backwards are written once, against ``self.xp``. In a normal backward ``xp`` is the array
namespace and gradients are raw arrays: fast, nothing recorded. With ``create_graph=True`` the
engine swaps in the Tensor namespace and hands the backward Tensors, so the same lines record
a new graph and gradients of gradients work.
"""

from __future__ import annotations

from typing import Any

from ..names import missing_name as _missing_name
from . import api, engine, forward_ad, function, functional, graph, modes, node, profiler, versions
from . import mode as grad_mode  # torch.autograd.grad_mode's name for it
from .api import backward, grad
from .engine import run_backward
from .function import Function, Op, unwrap
from .gradcheck import gradcheck, gradgradcheck
from .graph import toposort
from .mode import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
    state,
)
from .modes import RetainGrad, register_tensor_namespace
from .node import OUTPUT, AccumulateGrad, Node, grad_accumulator, new_tensor
from .variable import Variable

Tensor: Any = None  # the Tensor class, once tinygraph.tensor has registered it

_new_tensor = new_tensor


def register_tensor_type(cls) -> None:
    """Called by tinygraph.tensor: the engine builds Tensors without importing that module."""
    global Tensor
    Tensor = cls
    node.register_tensor_type(cls)


__all__ = [
    "OUTPUT", "AccumulateGrad", "Function", "Node", "Op", "RetainGrad", "Variable", "api",
    "backward", "detect_anomaly", "enable_grad", "engine", "function", "functional", "grad",
    "grad_accumulator", "grad_mode", "gradcheck", "gradgradcheck", "graph", "inference_mode",
    "is_anomaly_check_nan_enabled", "is_anomaly_enabled", "is_grad_enabled",
    "is_inference_mode_enabled", "modes", "new_tensor", "no_grad", "node", "profiler", "forward_ad",
    "register_tensor_namespace", "register_tensor_type", "run_backward", "set_detect_anomaly",
    "set_grad_enabled", "state", "toposort", "unwrap", "variable", "versions",
]

__getattr__ = _missing_name(__name__, globals())
