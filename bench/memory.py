"""Workload 4: peak memory growth of one MLP training step at batch 4096, and flatness.

Run once per contender, each in a fresh process (``bench.worker`` starts them with
``MALLOC_MMAP_THRESHOLD_=65536`` so that every buffer of 64 KiB or more is its own mapping,
returned to the OS when freed: resident memory then follows what is live). Two methods:

- ``tracemalloc``: exact bytes NumPy and Python allocated during the step, above what was live
  before it (NumPy reports its buffers to tracemalloc). Not available for PyTorch, whose
  allocator is invisible to it.
- ``rss``: the kernel's high-water mark of resident memory during the step (``VmHWM``, reset
  before the step through ``/proc/self/clear_refs``) minus the resident size before it. Works
  for every framework, so it is the method of the PyTorch comparison.

Each is measured after two warm-up steps (gradients and optimizer state exist) and is the
median of three steps. Flatness: the memory live after each of ``flat_steps`` further steps
(tracemalloc where available, else RSS); growth is the mean of the last tenth minus the mean of
the first tenth, the slope a least-squares fit, and memory counts as flat when the growth is
under 1 MiB. ``cyclic_garbage_per_step`` is what ``gc.collect()`` finds after steps run with
the cycle collector off: non-zero means every step leaves reference cycles behind.
"""

from __future__ import annotations

import gc
import statistics
import tracemalloc

import numpy as np

from . import mlp

MiB = 1024 * 1024
FLAT_LIMIT = 1 * MiB


def _status_bytes(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} missing from /proc/self/status")


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def rss_growth(step) -> float | None:
    """Peak resident bytes during ``step()`` above the resident bytes before it."""
    gc.collect()
    before = _status_bytes("VmRSS")
    if not _reset_peak_rss():
        return None
    step()
    return float(_status_bytes("VmHWM") - before)


def traced_growth(step) -> float:
    """Peak bytes allocated (and traced) during ``step()`` above the traced bytes before it."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        step()
        return float(tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()


def flatness(step, steps: int, traced: bool) -> dict:
    if traced:
        tracemalloc.start()
    # Preallocated: appending to a list would itself show up as a slow, steady growth.
    samples = np.zeros(steps)
    try:
        for i in range(steps):
            step()
            samples[i] = (tracemalloc.get_traced_memory()[0] if traced
                          else _status_bytes("VmRSS"))
    finally:
        if traced:
            tracemalloc.stop()
    tenth = max(1, steps // 10)
    growth = float(samples[-tenth:].mean() - samples[:tenth].mean())
    slope = float(np.polyfit(np.arange(steps), samples, 1)[0]) if steps > 1 else 0.0
    return {"steps": steps, "method": "tracemalloc" if traced else "rss",
            "growth_mib": growth / MiB, "slope_kib_per_step": slope / 1024,
            "flat": abs(growth) < FLAT_LIMIT}


def cyclic_garbage(step, steps: int = 5) -> float:
    gc.collect()
    gc.disable()
    try:
        for _ in range(steps):
            step()
        return gc.collect() / steps
    finally:
        gc.enable()


def measure(name: str, batch: int = 4096, flat_steps: int = 1000, torch=None) -> dict:
    """Every memory figure of one contender (call in a fresh process)."""
    models = mlp.contenders(mlp.init_weights(), torch, only={name})
    if name not in models:
        return {"available": False}
    model = models[name]
    batches = mlp.make_batches(batch, 2)

    def step():
        model.step(*batches[0])

    step()
    step()
    traced = name != "pytorch"
    rss = [rss_growth(step) for _ in range(3)]
    result = {
        "available": True,
        "batch": batch,
        "rss_mib": None if rss[0] is None else statistics.median(rss) / MiB,
        "tracemalloc_mib": (statistics.median(traced_growth(step) for _ in range(3)) / MiB
                            if traced else None),
        "cyclic_garbage_per_step": cyclic_garbage(step),
    }
    result["flat"] = flatness(step, flat_steps, traced)
    return result
