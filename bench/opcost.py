"""Cost of each op on 8x8 float32, one op at a time: ``python -m bench.opcost``.

For every op of the overhead mix: the bare NumPy call, tinygraph's forward with recording
(inputs require grad), its forward under ``no_grad``, and PyTorch's recorded forward, in µs
per call (thread CPU time, best of several rounds of many calls; a diagnostic, not part of the
report). The
difference between tinygraph's recorded forward and NumPy is the framework's overhead per op.
"""

from __future__ import annotations

import sys
import time
import timeit

import numpy as np


def _cases(lib: str, mod, x, W, b):
    """(name, zero-argument callable) for each op; ``mod`` is numpy, tinygraph or torch."""
    if lib == "numpy":
        return [("matmul", lambda: x @ W), ("add (broadcast b)", lambda: x + b),
                ("mul", lambda: x * W), ("sub", lambda: x - W), ("tanh", lambda: np.tanh(x)),
                ("relu", lambda: np.maximum(x, 0)), ("exp", lambda: np.exp(x)),
                ("mean(axis=1, keepdims)", lambda: x.mean(axis=1, keepdims=True)),
                ("sum()", lambda: x.sum())]
    if lib == "torch":
        return [("matmul", lambda: x @ W), ("add (broadcast b)", lambda: x + b),
                ("mul", lambda: x * W), ("sub", lambda: x - W), ("tanh", lambda: x.tanh()),
                ("relu", lambda: x.relu()), ("exp", lambda: x.exp()),
                ("mean(axis=1, keepdims)", lambda: x.mean(dim=1, keepdim=True)),
                ("sum()", lambda: x.sum())]
    return [("matmul", lambda: x @ W), ("add (broadcast b)", lambda: x + b),
            ("mul", lambda: x * W), ("sub", lambda: x - W), ("tanh", lambda: x.tanh()),
            ("relu", lambda: x.relu()), ("exp", lambda: x.exp()),
            ("mean(axis=1, keepdims)", lambda: x.mean(axis=1, keepdims=True)),
            ("sum()", lambda: x.sum())]


def _best(fn, number: int = 2000, rounds: int = 5) -> float:
    # thread CPU time: a neighbour taking the core does not count against the op
    times = timeit.repeat(fn, number=number, repeat=rounds, timer=time.thread_time)
    return min(times) / number * 1e6


def measure() -> dict[str, dict[str, float]]:
    import tinygraph as tg

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((8, 8), (8, 8), (8,))]
    table: dict[str, dict[str, float]] = {}
    for name, fn in _cases("numpy", np, *arrays):
        table.setdefault(name, {})["numpy"] = _best(fn)
    tensors = [tg.tensor(a, requires_grad=True) for a in arrays]
    for name, fn in _cases("tg", tg, *tensors):
        table[name]["tinygraph"] = _best(fn)
    with tg.no_grad():
        for name, fn in _cases("tg", tg, *tensors):
            table[name]["tinygraph no_grad"] = _best(fn)
    try:
        import torch
    except ImportError:
        return table
    torch.set_num_threads(1)
    ts = [torch.from_numpy(a).requires_grad_() for a in arrays]
    for name, fn in _cases("torch", torch, *ts):
        table[name]["pytorch"] = _best(fn)
    return table


def main() -> int:
    table = measure()
    columns = ["numpy", "tinygraph", "tinygraph no_grad", "pytorch"]
    print("| op (8x8 float32), µs per forward call | " + " | ".join(columns)
          + " | tinygraph − numpy |")
    print("|---" * (len(columns) + 2) + "|")
    for name, row in table.items():
        cells = [f"{row[c]:.2f}" if c in row else "n/a" for c in columns]
        print(f"| {name} | " + " | ".join(cells) + f" | {row['tinygraph'] - row['numpy']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
