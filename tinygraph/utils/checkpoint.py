"""``tg.utils.checkpoint``, as ``torch.utils.checkpoint``: activation checkpointing trades
memory for a second forward in PyTorch. tinygraph runs the function once and keeps its graph,
so the values and gradients are the same as PyTorch's and only the memory saving is absent;
a training script that checkpoints its blocks runs unchanged."""

from __future__ import annotations

from ..names import missing_name

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default",
               debug=False, preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)``, recorded as usual (no recomputation, see the module)."""
    if use_reentrant and kwargs:  # PyTorch's reentrant variant refuses keyword arguments
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """The modules (or a Sequential) applied in order to ``input``; ``segments`` only says
    where PyTorch would recompute."""
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    if segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be at least 1, got {segments}.")
    for function in functions:
        input = function(input)
    return input


__getattr__ = missing_name(__name__, globals())
