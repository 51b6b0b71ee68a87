"""Workload 5: the digits example end to end (scikit-learn's bundled 8x8 digits, 1,797 images).

If ``examples/digits.py`` exists it is run as a user runs it and timed from start to exit
(interpreter start and imports included). Beside it, and as the whole workload before that
example exists, the same small training runs in every framework from the same weights:
load the data, standardise, a 64-64-10 ReLU MLP trained with SGD (batch 32, fixed order) for
``epochs`` epochs on 1,437 images, then accuracy on the other 360. Seconds end to end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import mlp
from .timing import clock, interleaved

SIZES = (64, 64, 10)
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "digits.py"


def load(batch: int = 32):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = ((X - X.mean(axis=0)) / (X.std(axis=0) + 1e-6)).astype(np.float32)
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:1437], order[1437:]
    eye = np.eye(10, dtype=np.float32)
    batches = [(X[train[i:i + batch]], y[train[i:i + batch]], eye[y[train[i:i + batch]]])
               for i in range(0, len(train), batch)]
    return batches, X[test], y[test]


def train(name: str, epochs: int, torch=None, lr: float = 0.05) -> tuple[float, float]:
    """(seconds, test accuracy) of one contender, data loading included."""
    t0 = clock()
    batches, X_test, y_test = load()
    model = mlp.contenders(mlp.init_weights(sizes=SIZES), torch, lr=lr, only={name})[name]
    for _ in range(epochs):
        for b in batches:
            model.step(*b)
    accuracy = float((model.logits(X_test).argmax(axis=1) == y_test).mean())
    return clock() - t0, accuracy


def example_seconds(quick: bool) -> tuple[float | None, str]:
    """Wall-clock seconds of ``python examples/digits.py`` and a status word or error line."""
    if not EXAMPLE.exists():
        return None, "examples/digits.py does not exist yet"
    with tempfile.TemporaryDirectory() as out:
        args = [sys.executable, str(EXAMPLE), "--out", out] + (["--quick"] if quick else [])
        t0 = time.perf_counter()  # wall clock even under --cpu-time: the work is a subprocess
        done = subprocess.run(args, capture_output=True, text=True, cwd=EXAMPLE.parent.parent,
                              env=dict(os.environ, MPLBACKEND="Agg"))
        seconds = time.perf_counter() - t0
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        return None, f"failed: {lines[-1][:200]}"
    return seconds, "ok"


def run(epochs: int = 20, repeats: int = 3, torch=None, quick: bool = False,
        example: bool = True) -> dict:
    names = list(mlp.contenders(mlp.init_weights(sizes=SIZES), torch))
    load()  # imports scikit-learn once, outside the timing (every contender pays it alike)
    accuracy = {}

    def timed(name):
        def measure():
            seconds, accuracy[name] = train(name, epochs, torch)
            return {"seconds": seconds}
        return measure

    results = interleaved({name: timed(name) for name in names}, repeats)
    seconds, status = example_seconds(quick) if example else (None, "not run")
    return {"epochs": epochs, "accuracy": accuracy, "results": results,
            "example_seconds": seconds, "example_status": status, "example_quick": quick}
