"""Interleaved repeated measurements and their summaries (median, min, max)."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

# BENCH_CLOCK=cpu measures process CPU time instead of wall-clock time: on a machine shared
# with other work it leaves out the time the benchmark waited for a core (cache and memory
# bandwidth contention stay in). Meaningful for the 1-thread workloads only.
CLOCK = os.environ.get("BENCH_CLOCK", "wall")
clock = time.process_time if CLOCK == "cpu" else time.perf_counter


def summarize(samples: list[float]) -> dict:
    """The median of ``samples`` with its min, max and count."""
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "n": len(samples),
    }


def interleaved(runs: dict[str, Callable[[], dict]], repeats: int) -> dict[str, dict]:
    """Call every run once per round, ``repeats`` rounds, alternating between frameworks.

    Each run returns ``{phase: value}``; the result is ``{name: {phase: summary}}``. Alternating
    spreads the machine's load drift evenly over the frameworks instead of penalising whichever
    happened to run while a neighbour was busy.
    """
    samples: dict[str, dict[str, list[float]]] = {name: {} for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            for phase, value in run().items():
                samples[name].setdefault(phase, []).append(value)
    return {
        name: {phase: summarize(values) for phase, values in phases.items()}
        for name, phases in samples.items()
    }
