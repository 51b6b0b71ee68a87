"""``python -m bench [--quick] [--only WORKLOAD ...] [--note TEXT]``: run and report.

Each task runs in a fresh subprocess with its thread count pinned (see ``bench.worker``); the
results are printed as markdown and written to ``bench/results/results-<UTC date-time>.md``
and a JSON file beside it; a full wall-clock run of every workload also becomes
``bench/results/latest.md`` (the figures the docs cite), so a quick or partial run never
replaces it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import plan, report
from .worker import pinned_env

RESULTS = Path(__file__).resolve().parent / "results"
WORKLOADS = ("overhead", "mlp", "chain", "memory", "digits", "transformer", "cnn")


def run_worker(task: str, threads: int, params: dict) -> dict:
    env = pinned_env(threads)
    if task == "memory":  # see bench.memory: RSS then follows live buffers. Memory runs only:
        env["MALLOC_MMAP_THRESHOLD_"] = "65536"  # fresh mappings fault in pages, slowing steps
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "bench.worker", "--threads", str(threads), "--task", task,
               "--params", json.dumps(params), "--out", str(out)]
        done = subprocess.run(cmd, env=env, cwd=Path(__file__).resolve().parent.parent,
                              capture_output=True, text=True)
        if not out.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return {"threads": threads, "error": f"worker exited {done.returncode}: {tail[0]}"}
        return json.loads(out.read_text())


def collect(quick: bool, only: set[str], log=print, single_thread: bool = False) -> dict:
    results: dict = {"meta": report.machine_info(quick)}
    started = time.perf_counter()
    for key, task, threads, params in plan.tasks(quick):
        if task not in only or (single_thread and threads > 1):
            continue
        t0 = time.perf_counter()
        results[key] = run_worker(task, threads, params)
        status = "error: " + results[key]["error"] if "error" in results[key] else "ok"
        log(f"  {key} ({threads} thread{'s' if threads > 1 else ''}): "
            f"{time.perf_counter() - t0:.1f} s, {status}", file=sys.stderr)
    results["meta"]["seconds"] = time.perf_counter() - started
    results["meta"]["load_after"] = report.load_average()
    return results


def write(results: dict, text: str, complete: bool) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%MZ")
    mode = "quick" if results["meta"]["quick"] else "full"
    if results["meta"].get("clock") == "process CPU time":
        mode += "-cputime"
    path = RESULTS / f"results-{stamp}-{mode}.md"
    path.write_text(text)
    (RESULTS / f"results-{stamp}-{mode}.json").write_text(json.dumps(results, indent=1))
    if complete and mode == "full":
        (RESULTS / "latest.md").write_text(text)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--only", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--note", default="", help="a line added to the report (the machine)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time with process CPU time instead of wall clock (loaded machines)")
    args = parser.parse_args(argv)
    print(f"tinygraph bench ({'quick' if args.quick else 'full'}): "
          f"{', '.join(args.only)}", file=sys.stderr)
    if args.cpu_time:
        os.environ["BENCH_CLOCK"] = "cpu"  # inherited by the workers
    # CPU time of a 2-thread run sums both threads: not a duration, so those runs are skipped.
    results = collect(args.quick, set(args.only), log=print, single_thread=args.cpu_time)
    results["meta"]["clock"] = "process CPU time" if args.cpu_time else "wall clock"
    results["meta"]["note"] = args.note
    text = report.render(results)
    print(text)
    if not args.no_write:
        complete = set(args.only) == set(WORKLOADS)
        print(f"written to {write(results, text, complete)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
