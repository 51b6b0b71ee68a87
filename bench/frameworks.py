"""The optional contenders: PyTorch, and tinygraph's nn/optim packages (written separately).

Every workload asks here instead of importing directly, so the suite still runs (printing
"n/a") where torch is absent or ``tinygraph.nn`` does not exist yet.
"""

from __future__ import annotations

import os


def torch_module(threads: int | None = None):
    """The torch module pinned to ``threads`` intra-op threads, or None if not importable."""
    if os.environ.get("BENCH_NO_TORCH"):
        return None
    try:
        import torch
    except ImportError:
        return None
    if threads is not None:
        torch.set_num_threads(threads)
    return torch


def tinygraph_nn():
    """``(nn, optim)`` of tinygraph when they offer what the benchmarks use, else None."""
    try:
        from tinygraph import nn, optim
    except ImportError:
        return None
    needed = [(nn, "Sequential"), (nn, "Linear"), (nn, "ReLU"), (nn, "CrossEntropyLoss"),
              (optim, "SGD")]
    if not all(hasattr(module, name) for module, name in needed):
        return None
    return nn, optim


def has_train_step(nn) -> bool:
    return hasattr(nn.Sequential, "train_step") and hasattr(nn.Sequential, "fit")
