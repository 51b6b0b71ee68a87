"""Workload 1: per-op overhead on 8x8 float32 tensors (forward, backward, both), µs per op.

One program, written three times with the same math: ``blocks`` repetitions of

    h = y @ W; h = h + b; h = tanh(h); h = h * a; h = relu(h)
    m = mean(h, axis=1, keepdims=True); h = h - m; y = exp(h)

followed by ``loss = sum(y)``: 8 ops per block (matmul, 4 elementwise, 1 reduction, a
broadcasting subtraction, exp), W, b and a shared leaves that require grad (so gradients of a
leaf used in every block are summed, as in an RNN). Per-op figures are the time divided by the
number of ops (8 * blocks + 1), for every framework alike.
"""

from __future__ import annotations

import numpy as np

from .timing import clock, interleaved

OPS_PER_BLOCK = 8


def make_weights(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((8, 8)).astype(np.float32),
        "W": (rng.standard_normal((8, 8)) * 0.3).astype(np.float32),
        "b": (rng.standard_normal(8) * 0.1).astype(np.float32),
        "a": rng.uniform(0.5, 1.0, (8, 8)).astype(np.float32),
    }


def op_count(blocks: int) -> int:
    return OPS_PER_BLOCK * blocks + 1


# -- the three implementations: each returns (forward(), backward(state)) ------------------


def tinygraph_impl(w: dict, blocks: int):
    import tinygraph as tg

    x = tg.tensor(w["x"])
    W, b, a = (tg.tensor(w[k], requires_grad=True) for k in "Wba")
    params = (W, b, a)

    def forward():
        y = x
        for _ in range(blocks):
            h = y @ W
            h = h + b
            h = h.tanh()
            h = h * a
            h = h.relu()
            m = h.mean(axis=1, keepdims=True)
            h = h - m
            y = h.exp()
        return y.sum()

    def backward(loss):
        loss.backward()
        grads = tuple(p.grad.numpy() for p in params)
        for p in params:
            p.grad = None
        return grads

    return forward, backward, lambda loss: float(loss.item())


def torch_impl(torch, w: dict, blocks: int):
    x = torch.from_numpy(w["x"].copy())
    W, b, a = (torch.from_numpy(w[k].copy()).requires_grad_() for k in "Wba")
    params = (W, b, a)

    def forward():
        y = x
        for _ in range(blocks):
            h = y @ W
            h = h + b
            h = h.tanh()
            h = h * a
            h = h.relu()
            m = h.mean(dim=1, keepdim=True)
            h = h - m
            y = h.exp()
        return y.sum()

    def backward(loss):
        loss.backward()
        grads = tuple(p.grad.numpy() for p in params)
        for p in params:
            p.grad = None
        return grads

    return forward, backward, lambda loss: float(loss.item())


def numpy_impl(w: dict, blocks: int):
    """Hand-written forward that keeps what the backward needs, and the backward by hand."""
    x, W, b, a = w["x"], w["W"], w["b"], w["a"]
    inv_n = np.float32(1.0 / x.shape[1])

    def forward():
        y = x
        tape = []
        for _ in range(blocks):
            h = y @ W
            h = h + b
            t = np.tanh(h)
            ta = t * a
            r = np.maximum(ta, 0)
            m = r.mean(axis=1, keepdims=True)
            c = r - m
            e = np.exp(c)
            tape.append((y, t, ta, e))
            y = e
        return y.sum(), tape

    def backward(result):
        _, tape = result
        gW = np.zeros_like(W)
        gb = np.zeros_like(b)
        ga = np.zeros_like(a)
        g = np.ones_like(x)  # d sum / d y
        for y, t, ta, e in reversed(tape):
            g = g * e  # exp
            g = g - g.sum(axis=1, keepdims=True) * inv_n  # sub of the row mean
            g = np.where(ta > 0, g, 0)  # relu
            ga += g * t  # mul
            g = g * a
            g = g * (1 - t * t)  # tanh
            gb += g.sum(axis=0)  # add (bias broadcast over rows)
            gW += y.T @ g  # matmul
            g = g @ W.T
        return gW, gb, ga

    return forward, backward, lambda result: float(result[0])


def implementations(w: dict, blocks: int, torch=None) -> dict:
    impls = {"tinygraph": tinygraph_impl(w, blocks), "numpy": numpy_impl(w, blocks)}
    if torch is not None:
        impls["pytorch"] = torch_impl(torch, w, blocks)
    return impls


# -- correctness and timing --------------------------------------------------------------


def check(blocks: int = 3, torch=None, rtol: float = 1e-4) -> dict:
    """Every framework computes the same loss and gradients from the same weights."""
    impls = implementations(make_weights(), blocks, torch)
    losses, grads = {}, {}
    for name, (forward, backward, value) in impls.items():
        result = forward()
        losses[name] = value(result)
        grads[name] = backward(result)
    ref = losses["numpy"]
    for name, loss in losses.items():
        if not np.isclose(loss, ref, rtol=rtol):
            raise AssertionError(f"overhead: {name} loss {loss} != numpy loss {ref}")
        for got, want in zip(grads[name], grads["numpy"]):
            np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4,
                                       err_msg=f"overhead: {name} gradient differs from numpy")
    return losses


def _timed(forward, backward, iterations: int, n_ops: int):
    def run() -> dict:
        fwd = bwd = 0.0
        for _ in range(iterations):
            t0 = clock()
            result = forward()
            t1 = clock()
            backward(result)
            t2 = clock()
            fwd += t1 - t0
            bwd += t2 - t1
        scale = 1e6 / (iterations * n_ops)
        return {"fwd": fwd * scale, "bwd": bwd * scale, "total": (fwd + bwd) * scale}

    return run


def run(blocks: int = 10, iterations: int = 50, repeats: int = 7, torch=None) -> dict:
    """µs per op (median, min, max over ``repeats``) for forward, backward and both."""
    losses = check(torch=torch)
    n_ops = op_count(blocks)
    impls = implementations(make_weights(), blocks, torch)
    runs = {name: _timed(f, b, iterations, n_ops) for name, (f, b, _) in impls.items()}
    for r in runs.values():  # warm-up: first calls allocate caches
        r()
    return {"ops": n_ops, "blocks": blocks, "iterations": iterations, "check": losses,
            "results": interleaved(runs, repeats)}
