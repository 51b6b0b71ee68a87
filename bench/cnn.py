"""Workload 6: one training step of a small CNN on 8x8 images (the cnn_digits example's size).

conv 3x3 1->16 (padding 1), ReLU, max pool 2, conv 3x3 16->32 (padding 1), ReLU, max pool 2,
flatten (128), linear 128->10, softmax cross-entropy, plain SGD; batch 64, float32. Contenders
from the same weights on the same batches:

- ``numpy``: the same algorithm written by hand: im2col through ``sliding_window_view`` and one
  matmul per convolution, activations laid out batch-innermost ((C, H, W, N) memory order
  behind (N, C, H, W) views), col2im by kernel offset in the backward, max pooling as a
  running maximum over the kernel offsets with the winners' offsets kept for the backward;
- ``tinygraph``: ``nn.Sequential`` of ``nn.Conv2d``/``nn.MaxPool2d``/``nn.Linear`` with
  ``F.cross_entropy`` and ``optim.SGD`` (``zero_grad()/backward()/step()``);
- ``pytorch``: the same in ``torch.nn``, eager.

Reported: milliseconds per step (median of interleaved samples) and the peak memory a step
allocates above what was live before it (tracemalloc, NumPy's buffers; PyTorch's allocator is
invisible to it, so its figure is the RSS high-water mark, as in workload 4).
"""

from __future__ import annotations

import statistics

import numpy as np

from .memory import traced_growth
from .timing import clock, interleaved

BATCH, LR = 64, 0.05
sliding = np.lib.stride_tricks.sliding_window_view


def init_weights(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)

    def u(shape, fan_in):
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    return {"c1.w": u((16, 1, 3, 3), 9), "c1.b": u((16,), 9),
            "c2.w": u((32, 16, 3, 3), 144), "c2.b": u((32,), 144),
            "fc.w": u((10, 128), 128), "fc.b": u((10,), 128)}


def make_batches(count: int, seed: int = 1) -> list:
    rng = np.random.default_rng(seed)
    return [(rng.random((BATCH, 1, 8, 8), dtype=np.float32), rng.integers(0, 10, BATCH))
            for _ in range(count)]


# -- NumPy by hand ----------------------------------------------------------------------------

def _conv_forward(x, w, b):
    """3x3 convolution, padding 1, stride 1: columns (C*9, H*W*N) with the batch innermost,
    one matmul; the output is an (N, C, H, W) view of a (C, H, W, N) array, and the ops after
    it keep that memory order (long inner loops on small images)."""
    n, c, h, wd = x.shape
    xp = np.zeros((c, h + 2, wd + 2, n), x.dtype)  # padded, batch innermost
    xp[:, 1:-1, 1:-1, :] = x.transpose(1, 2, 3, 0)
    view = sliding(xp, (3, 3), axis=(1, 2))  # (C, H, W, N, 3, 3)
    cols = np.ascontiguousarray(view.transpose(0, 4, 5, 1, 2, 3)).reshape(c * 9, -1)
    y = (w.reshape(len(w), -1) @ cols).reshape(len(w), h, wd, n)
    y += b[:, None, None, None]
    return y.transpose(3, 0, 1, 2), cols


def _conv_backward(g, x_shape, w, cols, need_x):
    n, c, h, wd = x_shape
    g2 = g.transpose(1, 2, 3, 0).reshape(len(w), -1)  # free: g is in (C, H, W, N) order
    gw = (g2 @ cols.T).reshape(w.shape)
    gb = g2.sum(axis=1)
    gx = None
    if need_x:
        gcols = (w.reshape(len(w), -1).T @ g2).reshape(c, 3, 3, h, wd, n)
        total = np.zeros((c, h + 2, wd + 2, n), g.dtype)
        for i in range(3):
            for j in range(3):
                total[:, i:i + h, j:j + wd] += gcols[:, i, j]
        gx = total[:, 1:-1, 1:-1].transpose(3, 0, 1, 2)
    return gx, gw, gb


def _pool_forward(x):
    """2x2 max pool, stride 2: a running maximum over the 4 offsets, and the winner's index."""
    slabs = [x[:, :, i::2, j::2] for i in range(2) for j in range(2)]
    y = slabs[0].copy(order="K")
    arg = np.zeros_like(y, dtype=np.uint8)
    for k in range(1, 4):
        better = slabs[k] > y
        np.maximum(y, slabs[k], out=y)
        np.maximum(arg, better.view(np.uint8) * np.uint8(k), out=arg)  # arg = k where better
    return y, arg


def _pool_backward(g, arg, x_shape):
    n, c, h, wd = x_shape
    gx = np.zeros((c, h, wd, n), g.dtype).transpose(3, 0, 1, 2)  # the forward's order
    for k in range(4):
        np.multiply(g, arg == k, out=gx[:, :, k // 2::2, k % 2::2])
    return gx


class NumpyCNN:
    def __init__(self, weights: dict) -> None:
        self.p = {k: v.copy() for k, v in weights.items()}

    def logits(self, x):
        p = self.p
        a1, _ = _conv_forward(x, p["c1.w"], p["c1.b"])
        h1, _ = _pool_forward(np.maximum(a1, 0))
        a2, _ = _conv_forward(h1, p["c2.w"], p["c2.b"])
        h2, _ = _pool_forward(np.maximum(a2, 0))
        return h2.reshape(len(x), -1) @ p["fc.w"].T + p["fc.b"]

    def step(self, x, labels):
        p = self.p
        n = len(x)
        a1, cols1 = _conv_forward(x, p["c1.w"], p["c1.b"])
        r1 = np.maximum(a1, 0)
        h1, arg1 = _pool_forward(r1)
        a2, cols2 = _conv_forward(h1, p["c2.w"], p["c2.b"])
        r2 = np.maximum(a2, 0)
        h2, arg2 = _pool_forward(r2)
        flat = h2.reshape(n, -1)
        z = flat @ p["fc.w"].T + p["fc.b"]
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        probs = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(probs[np.arange(n), labels]).mean()
        dz = probs
        dz[np.arange(n), labels] -= 1
        dz /= n
        grads = {"fc.w": dz.T @ flat, "fc.b": dz.sum(axis=0)}
        dh2 = (dz @ p["fc.w"]).reshape(h2.shape)
        da2 = _pool_backward(dh2, arg2, r2.shape)
        da2 *= r2 > 0
        dh1, grads["c2.w"], grads["c2.b"] = _conv_backward(da2, h1.shape, p["c2.w"], cols2, True)
        da1 = _pool_backward(dh1, arg1, r1.shape)
        da1 *= r1 > 0
        _, grads["c1.w"], grads["c1.b"] = _conv_backward(da1, x.shape, p["c1.w"], cols1, False)
        for k, g in grads.items():
            p[k] -= LR * g
        return float(loss)


# -- the frameworks -------------------------------------------------------------------------

def _sequential(nn, weights, tensor):
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(128, 10))
    names = {"0.weight": "c1.w", "0.bias": "c1.b", "3.weight": "c2.w", "3.bias": "c2.b",
             "7.weight": "fc.w", "7.bias": "fc.b"}
    model.load_state_dict({k: tensor(weights[v]) for k, v in names.items()})
    return model


class FrameworkCNN:
    def __init__(self, lib, weights: dict) -> None:
        self.lib = lib
        self.model = _sequential(lib.nn, weights, lib.tensor)
        self.opt = lib.optim.SGD(self.model.parameters(), lr=LR)
        self.F = lib.nn.functional

    def step(self, x, labels):
        lib = self.lib
        loss = self.F.cross_entropy(self.model(lib.tensor(x)), lib.tensor(labels))
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()


def contenders(weights: dict, torch=None) -> dict:
    import tinygraph

    models = {"numpy": NumpyCNN(weights), "tinygraph": FrameworkCNN(tinygraph, weights)}
    if torch is not None:
        models["pytorch"] = FrameworkCNN(torch, weights)
    return models



def run(steps: int = 50, repeats: int = 7, torch=None) -> dict:
    weights = init_weights()
    models = contenders(weights, torch)
    batches = make_batches(4)
    losses = {name: [m.step(*batches[0]) for _ in range(2)] for name, m in models.items()}

    def timed(model):
        def measure():
            t0 = clock()
            for i in range(steps):
                model.step(*batches[i % len(batches)])
            return {"ms_per_step": (clock() - t0) / steps * 1e3}
        return measure

    results = interleaved({name: timed(m) for name, m in models.items()}, repeats)
    memory = {}
    for name, model in models.items():
        if name == "pytorch":
            continue  # its allocator is invisible to tracemalloc
        memory[name] = statistics.median(
            traced_growth(lambda m=model: m.step(*batches[0])) for _ in range(3)) / 2**20
    first = {name: round(v[0], 6) for name, v in losses.items()}
    return {"batch": BATCH, "steps": steps, "results": results, "peak_mib": memory,
            "first_losses": first}


def section(section: dict | None) -> list[str]:
    """The report's markdown for this workload."""
    out = ["## 6. CNN training step (batch 64, 8x8, conv 1->16->32 with pooling; 1 thread)", ""]
    if section is None:
        return []
    if "error" in section:
        return out + [f"error: {section['error']}", ""]
    v = section["value"]
    res = v["results"]
    np_ms = res["numpy"]["ms_per_step"]["median"]
    pt_ms = res.get("pytorch", {}).get("ms_per_step", {}).get("median")
    rows = []
    for name, r in res.items():
        s = r["ms_per_step"]
        mem = v["peak_mib"].get(name)
        rows.append(f"| {name} | {s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f}) | "
                    f"{s['median'] / np_ms:.2f}x | "
                    + (f"{s['median'] / pt_ms:.2f}x" if pt_ms else "n/a") + " | "
                    + (f"{mem:.2f}" if mem is not None else "n/a") + " |")
    out += ["| contender | ms per step | vs NumPy | vs PyTorch | peak MiB (tracemalloc) |",
            "|---|---|---|---|---|", *rows, "",
            f"The first step's loss, every contender from the same weights: "
            f"{v['first_losses']}.", ""]
    return out
