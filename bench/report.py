"""Markdown tables of absolute figures and ratios from the collected results."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path

from . import cnn, targets

TG = "tinygraph"
NP = "numpy"
PT = "pytorch"


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _versions() -> dict:
    found = {"python": platform.python_version()}
    for module in ("numpy", "torch"):
        try:
            found[module] = __import__(module).__version__
        except ImportError:
            found[module] = "not installed"
    return found


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, cwd=Path(__file__).resolve().parent)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "tinygraph"],
                               capture_output=True, text=True,
                               cwd=Path(__file__).resolve().parent).stdout.strip()
        return out.stdout.strip() + (" + uncommitted core changes" if dirty else "")
    except OSError:
        return "unknown"


def machine_info(quick: bool) -> dict:
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": quick,
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "load_before": load_average(),
        "commit": _commit(),
        "engine": _engine(),
        **_versions(),
    }


def _engine() -> str:
    return "pure Python"


# -- formatting ----------------------------------------------------------------------------


def num(x: float | None, digits: int = 3) -> str:
    """Three significant digits; thousands separators instead of exponents."""
    if x is None:
        return "n/a"
    if abs(x) >= 10 ** digits:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def fmt(summary: dict | None, digits: int = 3) -> str:
    """'median (min–max)' of a summary."""
    if summary is None:
        return "n/a"
    m, lo, hi = summary["median"], summary["min"], summary["max"]
    return f"{num(m, digits)} ({num(lo, digits)}–{num(hi, digits)})"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}×"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _median(results: dict, name: str, phase: str) -> float | None:
    entry = results.get(name)
    return None if entry is None else entry[phase]["median"]


def _error(section: dict | None) -> list[str]:
    if section is None:
        return ["not run"]
    if "error" in section:
        return [f"**failed**: `{section['error']}`"]
    return []


# -- sections ------------------------------------------------------------------------------


def overhead_section(section: dict | None) -> list[str]:
    out = ["## 1. Per-op overhead, 8x8 float32 (µs per op, 1 thread)", ""]
    if _error(section):
        return out + _error(section) + [""]
    v = section["value"]
    res = v["results"]
    rows = []
    for phase, label in (("fwd", "forward"), ("bwd", "backward"), ("total", "forward+backward")):
        tg, np_, pt = (_median(res, n, phase) for n in (TG, NP, PT))
        rows.append([label, fmt(res[TG][phase]), fmt(res[NP][phase]),
                     fmt(res.get(PT, {}).get(phase)), ratio(tg, np_), ratio(tg, pt)])
    out += table(["phase", "tinygraph", "NumPy (by hand)", "PyTorch", "tg/NumPy", "tg/PyTorch"],
                 rows)
    pure = res.get("tinygraph (pure Python)")
    if pure is not None:
        tg_python, pt = _median(res, "tinygraph (pure Python)", "total"), _median(res, PT, "total")
        out += ["", f"The same program on tinygraph's pure-Python engine (what the compiled fast "
                f"path replaces; `TINYGRAPH_PURE_PYTHON=1`): forward {fmt(pure['fwd'])}, "
                f"backward {fmt(pure['bwd'])}, forward+backward {fmt(pure['total'])} µs per op, "
                f"{ratio(tg_python, _median(res, NP, 'total'))} NumPy, {ratio(tg_python, pt)} "
                "PyTorch."]
    out += ["", f"{v['ops']} ops per program ({v['blocks']} blocks of matmul, add, tanh, mul, "
            f"relu, mean, sub, exp; then sum), {v['iterations']} programs per sample, "
            f"{res[TG]['total']['n']} samples. First-step losses: "
            + ", ".join(f"{k} {x:.6g}" for k, x in v["check"].items()) + ".", ""]
    return out


def mlp_section(sections: dict) -> list[str]:
    out = ["## 2. MLP 784-256-128-10, SGD (samples/s; ratios are step-time ratios)", ""]
    for key, threads in (("mlp-1", 1), ("mlp-2", 2)):
        section = sections.get(key)
        if section is None:
            continue
        if _error(section):
            out += [f"{threads} thread(s): "] + _error(section) + [""]
            continue
        for run in section["value"]:
            res = run["results"]
            np_ = _median(res, NP, "ms_per_step")
            pt = _median(res, PT, "ms_per_step")
            rows = []
            for name, phases in res.items():
                ms = phases["ms_per_step"]["median"]
                rows.append([name, fmt(phases["samples_per_s"]), num(ms),
                             ratio(ms, np_), ratio(ms, pt)])
            out += [f"### batch {run['batch']}, {threads} thread{'s' if threads > 1 else ''}",
                    ""]
            out += table(["contender", "samples/s", "ms/step", "time vs NumPy",
                          "time vs PyTorch"], rows)
            out += ["", f"{run['steps']} steps per sample, {res[NP]['samples_per_s']['n']} "
                    "samples. First-step losses agree: "
                    + ", ".join(f"{k} {x:.6g}" for k, x in run["check"].items()) + ".", ""]
    return out


def chain_section(section: dict | None) -> list[str]:
    out = ["## 3. Deep chain `y = y * a + b` (seconds, 1 thread)", ""]
    if _error(section):
        return out + _error(section) + [""]
    for run in section["value"]:
        res = run["results"]
        rows = []
        for phase in ("fwd", "bwd", "free", "total"):
            tg, np_, pt = (_median(res, n, phase) for n in (TG, NP, PT))
            rows.append([phase, fmt(res[TG][phase]), fmt(res[NP][phase]),
                         fmt(res.get(PT, {}).get(phase)), ratio(tg, np_), ratio(tg, pt)])
        out += [f"### {run['links']:,} links ({run['ops']:,} ops)", ""]
        out += table(["phase", "tinygraph", "NumPy (by hand)", "PyTorch", "tg/NumPy",
                      "tg/PyTorch"], rows)
        out += ["", f"{res[TG]['total']['n']} samples.", ""]
    return out


def memory_section(sections: dict) -> list[str]:
    out = ["## 4. Memory, MLP training step at batch 4096 (MiB, 1 thread)", ""]
    entries = {k.split(":", 1)[1]: v for k, v in sections.items() if k.startswith("memory:")}
    if not entries:
        return out + ["not run", ""]
    ref = entries.get(NP, {}).get("value", {})
    ref_pt = entries.get(PT, {}).get("value", {})
    rows = []
    for name, section in entries.items():
        if _error(section):
            rows.append([name] + _error(section) + [""] * 7)
            continue
        v = section["value"]
        if not v.get("available"):
            rows.append([name, "n/a"] + [""] * 7)
            continue
        flat = v["flat"]
        rows.append([
            name, _mib(v["tracemalloc_mib"]), _mib(v["rss_mib"]),
            ratio(v["tracemalloc_mib"], ref.get("tracemalloc_mib")),
            ratio(v["rss_mib"], ref_pt.get("rss_mib")),
            f"{flat['growth_mib']:+.3f} MiB over {flat['steps']} steps ({flat['method']})",
            f"{flat['slope_kib_per_step']:+.3f}", "yes" if flat["flat"] else "**no**",
            f"{v['cyclic_garbage_per_step']:g}",
        ])
    out += table(["contender", "peak growth (tracemalloc)", "peak growth (RSS)",
                  "vs NumPy (tracemalloc)", "vs PyTorch (RSS)", "growth", "slope KiB/step",
                  "flat", "cyclic garbage/step"], rows)
    out += ["", "Peak growth: the most memory one step holds above what was live before it "
            "(after two warm-up steps; median of 3). tracemalloc counts NumPy buffers and "
            "Python objects exactly; RSS is the kernel's peak resident size during the step "
            "(VmHWM reset through /proc/self/clear_refs, glibc's mmap threshold pinned at "
            "64 KiB so freed buffers leave RSS). PyTorch is only visible to RSS. Each contender "
            "runs in its own process.", ""]
    return out


def _mib(value) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def digits_section(section: dict | None) -> list[str]:
    out = ["## 5. Digits end to end (seconds, 1 thread)", ""]
    if _error(section):
        return out + _error(section) + [""]
    v = section["value"]
    res = v["results"]
    np_ = _median(res, NP, "seconds")
    pt = _median(res, PT, "seconds")
    rows = [[name, fmt(p["seconds"]), f"{v['accuracy'][name]:.3f}",
             ratio(p["seconds"]["median"], np_), ratio(p["seconds"]["median"], pt)]
            for name, p in res.items()]
    out += table(["contender", "seconds", "test accuracy", "tg/NumPy", "tg/PyTorch"], rows)
    quick = " --quick" if v.get("example_quick") else ""
    if v["example_seconds"] is not None:
        example = f"{v['example_seconds']:.2f} s wall clock (interpreter start included)"
    else:
        example = v["example_status"]
    out += ["", f"Equivalent loop: load_digits, standardise, 64-64-10 ReLU MLP, SGD lr 0.05, "
            f"batch 32, {v['epochs']} epochs on 1,437 images, accuracy on 360.",
            f"`python examples/digits.py{quick}`: {example}.", ""]
    return out


def transformer_section(section: dict | None) -> list[str]:
    out = ["## 6. Transformer training step (ms per step, 1 thread)", ""]
    if _error(section):
        return out + _error(section) + [""]
    v = section["value"]
    res = v["results"]
    np_, pt = _median(res, NP, "ms_per_step"), _median(res, PT, "ms_per_step")
    rows = [[name, fmt(p["ms_per_step"]), ratio(p["ms_per_step"]["median"], np_),
             ratio(p["ms_per_step"]["median"], pt)] for name, p in res.items()]
    out += table(["contender", "ms per step", "vs NumPy", "vs PyTorch"], rows)
    losses = "; ".join(f"{name} {', '.join(f'{x:.5f}' for x in first)}"
                       for name, first in v["first_loss"].items())
    out += ["", "Causal character transformer as examples/char_transformer.py: vocab 64, context "
            "32, width 64, 2 heads, 2 pre-norm layers (exact GELU, feed-forward 256), batch 16, "
            f"cross-entropy, SGD; {v['steps']} steps per sample. Losses of the first three "
            f"steps from the same weights (they must agree): {losses}.", ""]
    return out


def header(meta: dict) -> list[str]:
    mode = "quick" if meta["quick"] else "full"
    lines = [f"# tinygraph benchmarks ({mode} run, {meta['date']})", "",
             f"Commit {meta['commit']}; Python {meta['python']}, NumPy {meta['numpy']}, "
             f"PyTorch {meta['torch']}; tinygraph's {meta.get('engine', 'engine')}; "
             f"{meta['cpus']} CPUs ({meta['processor']}); "
             f"load average before {meta['load_before']}, after {meta.get('load_after')}; "
             f"{meta.get('seconds', 0):.0f} s in all. Every figure is the median of repeated "
             "samples with (min–max); frameworks alternate sample by sample; float32; timed by "
             f"{meta.get('clock', 'wall clock')}."]
    if meta.get("note"):
        lines += ["", f"**Note:** {meta['note']}"]
    return lines + [""]


def _value(section):
    return None if section is None or "error" in section else section["value"]


def summary_section(results: dict) -> list[str]:
    """One line per workload, as the table of issue 6 (medians, 1 thread)."""
    rows = []

    def row(label, tg, np_, pt, digits=3, time_like=True):
        cells = [num(x, digits) for x in (np_, pt, tg)]
        if time_like:
            ratios = [ratio(tg, np_), ratio(tg, pt)]
        else:  # throughput: the step-time ratio is the inverse
            ratios = [ratio(np_, tg), ratio(pt, tg)]
        rows.append([label, *cells, *ratios])

    v = _value(results.get("overhead"))
    if v:
        res = v["results"]
        row("op overhead, fwd+bwd, 8x8, µs per op", _median(res, TG, "total"),
            _median(res, NP, "total"), _median(res, PT, "total"))
    for run in _value(results.get("mlp-1")) or []:
        res = run["results"]
        for name in ("tinygraph (ops)", "tinygraph (fit)"):
            if name in res:
                row(f"MLP batch {run['batch']}, samples/s, {name}",
                    _median(res, name, "samples_per_s"), _median(res, NP, "samples_per_s"),
                    _median(res, PT, "samples_per_s"), time_like=False)
    for run in _value(results.get("chain")) or []:
        res = run["results"]
        row(f"chain of {run['links']:,} links, fwd+bwd+free, s", _median(res, TG, "total"),
            _median(res, NP, "total"), _median(res, PT, "total"))
    v = _value(results.get("transformer"))
    if v:
        res = v["results"]
        row("transformer training step, ms", _median(res, TG, "ms_per_step"),
            _median(res, NP, "ms_per_step"), _median(res, PT, "ms_per_step"))
    mem = {k.split(":", 1)[1]: _value(v) for k, v in results.items() if k.startswith("memory:")}
    if mem:
        def rss(name):
            entry = mem.get(name) or {}
            return entry.get("rss_mib")

        for name in ("tinygraph (ops)", "tinygraph (loop)"):
            if rss(name) is not None:
                row(f"peak memory growth, batch 4096, MiB (RSS), {name}", rss(name),
                    rss(NP), rss(PT))
    if not rows:
        return []
    out = ["## Summary (1 thread; ratios are time or memory ratios, below 1 = tinygraph ahead)",
           ""]
    out += table(["workload", "NumPy by hand", "PyTorch", "tinygraph", "tg/NumPy",
                  "tg/PyTorch"], rows)
    return out + [""]


def render(results: dict) -> str:
    lines = header(results["meta"])
    lines += ["## Targets (issue 6)", ""] + targets.lines(results) + [""]
    lines += summary_section(results)
    lines += overhead_section(results.get("overhead"))
    lines += mlp_section(results)
    lines += chain_section(results.get("chain"))
    lines += memory_section(results)
    lines += digits_section(results.get("digits"))
    lines += cnn.section(results.get("cnn"))
    lines += transformer_section(results.get("transformer"))
    return "\n".join(lines)
