"""The targets of issue 6, each judged met / not met from the collected results."""

from __future__ import annotations

OVERHEAD_VS_TORCH = 0.5
MLP_VS_NUMPY = {256: 1.05, 32: 1.15}
CHAIN_VS_TORCH = 0.5
CHAIN_LINKS = 1_000_000
MEMORY_VS_NUMPY = 1.5
FLAT_STEPS = 1000


def _verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "n/a"
    return "**met**" if value <= limit else "**not met**"


def _value(section):
    if section is None or "error" in section:
        return None
    return section["value"]


def overhead(results: dict) -> list[str]:
    v = _value(results.get("overhead"))
    if v is None or "pytorch" not in v["results"]:
        return ["- n/a: per-op forward+backward ≤ 0.5× PyTorch (not measured)"]
    tg = v["results"]["tinygraph"]["total"]["median"]
    pt = v["results"]["pytorch"]["total"]["median"]
    r = tg / pt
    return [f"- {_verdict(r, OVERHEAD_VS_TORCH)}: per-op forward+backward ≤ "
            f"{OVERHEAD_VS_TORCH}× PyTorch: {tg:.2f} µs vs {pt:.2f} µs = {r:.2f}×"]


def mlp(results: dict) -> list[str]:
    runs = _value(results.get("mlp-1")) or []
    lines = []
    for run in sorted(runs, key=lambda r: -r["batch"]):
        limit = MLP_VS_NUMPY.get(run["batch"])
        if limit is None:
            continue
        res = run["results"]
        ref = res["numpy"]["ms_per_step"]["median"]
        for name, phases in res.items():
            if not name.startswith("tinygraph"):
                continue
            r = phases["ms_per_step"]["median"] / ref
            lines.append(f"- {_verdict(r, limit)}: MLP step time at batch {run['batch']} ≤ "
                         f"{limit}× NumPy, {name}: {r:.2f}×")
    return lines or ["- n/a: MLP step time vs NumPy (not measured)"]


def chain(results: dict) -> list[str]:
    runs = _value(results.get("chain")) or []
    if not runs or "pytorch" not in runs[-1]["results"]:
        return ["- n/a: 1M-link chain forward+backward+free ≤ 0.5× PyTorch (not measured)"]
    run = max(runs, key=lambda r: r["links"])
    tg = run["results"]["tinygraph"]["total"]["median"]
    pt = run["results"]["pytorch"]["total"]["median"]
    r = tg / pt
    caveat = "" if run["links"] >= CHAIN_LINKS else (
        f" (measured at {run['links']:,} links, the largest this run; the target is for "
        f"{CHAIN_LINKS:,})")
    return [f"- {_verdict(r, CHAIN_VS_TORCH)}: deep chain forward+backward+free ≤ "
            f"{CHAIN_VS_TORCH}× PyTorch: {tg:.2f} s vs {pt:.2f} s = {r:.2f}×{caveat}"]


def memory(results: dict) -> list[str]:
    entries = {k.split(":", 1)[1]: _value(v) for k, v in results.items()
               if k.startswith("memory:")}
    ref = entries.get("numpy") or {}
    lines = []
    for name, v in entries.items():
        if not name.startswith("tinygraph") or not v or not v.get("available"):
            continue
        if ref.get("tracemalloc_mib"):
            r = v["tracemalloc_mib"] / ref["tracemalloc_mib"]
            lines.append(f"- {_verdict(r, MEMORY_VS_NUMPY)}: peak memory growth at batch 4096 ≤ "
                         f"{MEMORY_VS_NUMPY}× NumPy, {name}: {v['tracemalloc_mib']:.1f} MiB vs "
                         f"{ref['tracemalloc_mib']:.1f} MiB = {r:.2f}×")
        flat = v["flat"]
        caveat = "" if flat["steps"] >= FLAT_STEPS else f" (only {flat['steps']} steps: quick run)"
        verdict = "**met**" if flat["flat"] else "**not met**"
        lines.append(f"- {verdict}: memory flat over {FLAT_STEPS:,} steps, {name}: "
                     f"{flat['growth_mib']:+.3f} MiB{caveat}")
    return lines or ["- n/a: memory targets (not measured)"]


def lines(results: dict) -> list[str]:
    return overhead(results) + mlp(results) + chain(results) + memory(results)
