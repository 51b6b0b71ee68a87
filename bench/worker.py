"""Run one benchmark task in this process and write its JSON result to a file.

    python -m bench.worker --threads 1 --task overhead --params '{...}' --out result.json

Started by ``bench.__main__`` with OMP/OPENBLAS/MKL thread variables already in its
environment, so NumPy's BLAS and PyTorch are pinned before they are imported; PyTorch is
pinned again with ``torch.set_num_threads``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def pinned_env(threads: int, base: dict | None = None) -> dict:
    """An environment for a subprocess whose thread pools all have ``threads`` threads."""
    env = dict(os.environ if base is None else base)
    for var in THREAD_VARS:
        env[var] = str(threads)
    return env


def run_task(task: str, params: dict, threads: int):
    from .frameworks import torch_module

    # A memory run of a non-PyTorch contender does not import torch (its memory, its time).
    wants_torch = task != "memory" or params.get("name") == "pytorch"
    torch = torch_module(threads) if wants_torch else None
    if task == "overhead":
        from . import overhead

        return overhead.run(torch=torch, **params)
    if task == "mlp":
        from . import mlp

        return [mlp.run(batch, steps, params["repeats"], torch=torch)
                for batch, steps in params["batches"]]
    if task == "chain":
        from . import chain

        return [chain.run(links, repeats, torch=torch) for links, repeats in params["sizes"]]
    if task == "memory":
        from . import memory

        return memory.measure(torch=torch, **params)
    if task == "digits":
        from . import digits

        return digits.run(torch=torch, **params)
    if task == "cnn":
        from . import cnn

        return cnn.run(torch=torch, **params)
    if task == "transformer":
        from . import transformer

        return transformer.run(torch=torch, **params)
    raise ValueError(f"unknown task {task!r}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--task", required=True)
    parser.add_argument("--params", default="{}")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if os.environ.get("OMP_NUM_THREADS") != str(args.threads):
        print("bench.worker: thread variables not pinned; start it through python -m bench",
              file=sys.stderr)
    try:
        result = {"threads": args.threads, "value": run_task(args.task, json.loads(args.params),
                                                            args.threads)}
    except Exception as exc:  # reported in the results table, not fatal for the other tasks
        traceback.print_exc()
        result = {"threads": args.threads, "error": f"{type(exc).__name__}: {exc}"}
    with open(args.out, "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
