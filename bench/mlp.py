"""Workload 2: training a 784-256-128-10 ReLU MLP (softmax cross-entropy, plain SGD).

Contenders, all starting from the same weights and fed the same batches:

- ``numpy``: the forward and backward written by hand (the limit for a NumPy framework);
- ``tinygraph (ops)``: Tensor ops only, a manual SGD update on ``.data`` (needs only the core);
- ``tinygraph (loop)``: ``nn.Sequential`` + ``nn.CrossEntropyLoss`` + ``optim.SGD`` with
  ``zero_grad()/backward()/step()``, the PyTorch idiom;
- ``tinygraph (train_step)``: ``Sequential.train_step`` once per batch;
- ``tinygraph (fit)``: one ``Sequential.fit`` epoch over the batches (includes its batching);
- ``pytorch``: ``torch.nn`` + ``F.cross_entropy`` + ``torch.optim.SGD``, the same loop.

The nn/optim contenders appear only when ``tinygraph.nn`` provides what they use.
"""

from __future__ import annotations

import numpy as np

from . import mlp_tinygraph, mlp_torch
from .frameworks import tinygraph_nn
from .timing import clock, interleaved

SIZES = (784, 256, 128, 10)
LR = 0.01


def init_weights(seed: int = 0, sizes=SIZES) -> list[tuple[np.ndarray, np.ndarray]]:
    """He-initialised ``(W, b)`` pairs, W stored (in, out) so that ``y = x @ W + b``."""
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(np.float32)
        b = (rng.standard_normal(n_out) * 0.01).astype(np.float32)
        layers.append((W, b))
    return layers


def make_batches(batch: int, count: int, seed: int = 1, sizes=SIZES) -> list[tuple]:
    """``count`` batches of (inputs float32, integer labels, one-hot float32 labels)."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(count):
        X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
        y = rng.integers(0, sizes[-1], batch)
        batches.append((X, y, np.eye(sizes[-1], dtype=np.float32)[y]))
    return batches


class NumpyMLP:
    """Hand-written forward, backward and SGD update with the same math as the others."""

    def __init__(self, weights, lr: float = LR) -> None:
        self.params = [(W.copy(), b.copy()) for W, b in weights]
        self.lr = np.float32(lr)

    def step(self, X, y, onehot) -> float:
        acts = [X]
        h = X
        last = len(self.params) - 1
        for i, (W, b) in enumerate(self.params):
            h = h @ W + b
            if i < last:
                h = np.maximum(h, 0)
            acts.append(h)
        shifted = h - h.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -(log_probs * onehot).sum() / len(X)
        g = (np.exp(log_probs) - onehot) / np.float32(len(X))
        for i in range(last, -1, -1):
            W, b = self.params[i]
            gW = acts[i].T @ g
            gb = g.sum(axis=0)
            if i > 0:
                g = g @ W.T
                g = np.where(acts[i] > 0, g, 0)
            W -= self.lr * gW
            b -= self.lr * gb
        return float(loss)

    def logits(self, X) -> np.ndarray:
        h = X
        for i, (W, b) in enumerate(self.params):
            h = h @ W + b
            if i < len(self.params) - 1:
                h = np.maximum(h, 0)
        return h


def contenders(weights, torch=None, lr: float = LR, only=None) -> dict:
    """name -> object with ``step(X, y, onehot) -> float`` (and ``epoch(batches)`` for fit).

    ``only``: a collection of names to build (default: every available contender).
    """
    def wanted(name):
        return only is None or name in only

    found = {}
    if wanted("numpy"):
        found["numpy"] = NumpyMLP(weights, lr)
    if wanted("tinygraph (ops)"):
        found["tinygraph (ops)"] = mlp_tinygraph.OpsMLP(weights, lr)
    nn_optim = tinygraph_nn()
    if nn_optim is not None and (only is None or any(n.startswith("tinygraph (") for n in only)):
        extra = mlp_tinygraph.nn_contenders(weights, lr, *nn_optim)
        found.update({name: model for name, model in extra.items() if wanted(name)})
    if torch is not None and wanted("pytorch"):
        found["pytorch"] = mlp_torch.TorchMLP(torch, weights, lr)
    return found


def check(batch: int = 16, torch=None, steps: int = 3, rtol: float = 1e-4,
          sizes=SIZES) -> dict:
    """Every contender's losses over the first ``steps`` steps equal NumPy's.

    Equal losses after the first step also show that the gradients and the SGD update agree.
    """
    weights = init_weights(sizes=sizes)
    batches = make_batches(batch, steps, sizes=sizes)
    losses = {}
    for name, model in contenders(weights, torch).items():
        losses[name] = [model.step(*b) for b in batches]
    ref = losses["numpy"]
    for name, values in losses.items():
        if not np.allclose(values, ref, rtol=rtol):
            raise AssertionError(f"mlp: {name} losses {values} != numpy losses {ref}")
    return {name: values[0] for name, values in losses.items()}


def _timed(model, batches, steps: int):
    def run() -> dict:
        t0 = clock()
        if hasattr(model, "epoch"):
            model.epoch(batches[:steps])
        else:
            for i in range(steps):
                model.step(*batches[i % len(batches)])
        elapsed = clock() - t0
        return {"samples_per_s": steps * len(batches[0][0]) / elapsed,
                "ms_per_step": elapsed / steps * 1e3}

    return run


def run(batch: int, steps: int, repeats: int = 5, torch=None) -> dict:
    """Samples/s and ms per step (median, min, max over ``repeats``) for every contender."""
    losses = check(torch=torch)
    weights = init_weights()
    batches = make_batches(batch, max(steps, 1))
    models = contenders(weights, torch)
    for model in models.values():  # warm-up: lazy state (gradients, caches) exists afterwards
        model.step(*batches[0])
    runs = {name: _timed(model, batches, steps) for name, model in models.items()}
    results = interleaved(runs, repeats)
    # Diverged training (inf/NaN, denormals) runs at a different speed: make sure it did not.
    for name, model in models.items():
        final = model.step(*batches[0])
        if not np.isfinite(final):
            raise AssertionError(f"mlp: {name} diverged during timing (loss {final})")
    return {"batch": batch, "steps": steps, "check": losses, "results": results}
