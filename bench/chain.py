"""Workload 3: the deep chain ``y = y * a + b`` (two ops per link), in seconds.

``links`` links make 2 * links recorded ops; 1,000,000 links is a graph of 2,000,000 nodes,
which an engine that recurses (in backward or while freeing the graph) cannot survive. Phases:
``fwd`` (build), ``bwd`` (``sum().backward()``), ``free`` (``del`` of the last reference to the
graph: tinygraph and PyTorch release the whole chain here; NumPy drops its list of saved
intermediates). ``total`` is their sum. y, a and b are float32 vectors of 8 elements; a and b
are leaves that require grad.
"""

from __future__ import annotations

import gc

import numpy as np

from .timing import clock, interleaved

WIDTH = 8


def make_values() -> dict:
    return {
        "x": np.linspace(-1, 1, WIDTH, dtype=np.float32),
        "a": np.full(WIDTH, 0.999, dtype=np.float32),
        "b": np.full(WIDTH, 0.001, dtype=np.float32),
    }


def tinygraph_chain(v: dict, links: int) -> tuple[dict, np.ndarray]:
    import tinygraph as tg

    x = tg.tensor(v["x"])
    a = tg.tensor(v["a"], requires_grad=True)
    b = tg.tensor(v["b"], requires_grad=True)
    t0 = clock()
    y = x
    for _ in range(links):
        y = y * a + b
    t1 = clock()
    y.sum().backward()
    t2 = clock()
    del y
    t3 = clock()
    return _phases(t0, t1, t2, t3), a.grad.numpy()


def torch_chain(torch, v: dict, links: int) -> tuple[dict, np.ndarray]:
    x = torch.from_numpy(v["x"].copy())
    a = torch.from_numpy(v["a"].copy()).requires_grad_()
    b = torch.from_numpy(v["b"].copy()).requires_grad_()
    t0 = clock()
    y = x
    for _ in range(links):
        y = y * a + b
    t1 = clock()
    y.sum().backward()
    t2 = clock()
    del y
    t3 = clock()
    return _phases(t0, t1, t2, t3), a.grad.numpy()


def numpy_chain(v: dict, links: int) -> tuple[dict, np.ndarray]:
    x, a, b = v["x"], v["a"], v["b"]
    t0 = clock()
    saved = []
    y = x
    for _ in range(links):
        saved.append(y)
        y = y * a + b
    t1 = clock()
    g = np.ones_like(y)
    ga = np.zeros_like(a)
    gb = np.zeros_like(b)
    for y_in in reversed(saved):
        ga += g * y_in
        gb += g
        g = g * a
    t2 = clock()
    del saved, y
    t3 = clock()
    return _phases(t0, t1, t2, t3), ga


def _phases(t0, t1, t2, t3) -> dict:
    return {"fwd": t1 - t0, "bwd": t2 - t1, "free": t3 - t2, "total": t3 - t0}


def _contenders(links: int, torch=None) -> dict:
    v = make_values()
    found = {"tinygraph": lambda: tinygraph_chain(v, links), "numpy": lambda: numpy_chain(v, links)}
    if torch is not None:
        found["pytorch"] = lambda: torch_chain(torch, v, links)
    return found


def check(links: int = 1000, torch=None) -> dict:
    """Every framework gets the same gradient for ``a``; returns each one's first element."""
    grads = {name: fn()[1] for name, fn in _contenders(links, torch).items()}
    for name, g in grads.items():
        np.testing.assert_allclose(g, grads["numpy"], rtol=1e-3,
                                   err_msg=f"chain: {name} gradient differs from numpy")
    return {name: float(g[0]) for name, g in grads.items()}


def run(links: int, repeats: int = 3, torch=None) -> dict:
    """fwd/bwd/free/total seconds (median, min, max over ``repeats``) for each framework."""
    checked = check(torch=torch)

    def phases_only(fn):
        def measure():
            phases = fn()[0]
            gc.collect()  # between runs, outside the timing: one run's garbage is not the next's
            return phases
        return measure

    runs = {name: phases_only(fn) for name, fn in _contenders(links, torch).items()}
    return {"links": links, "ops": 2 * links, "check": checked,
            "results": interleaved(runs, repeats)}
