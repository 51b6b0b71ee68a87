"""Instructions retired per op, counted by callgrind: a figure a busy machine does not move.

``python -m bench.instructions [overhead] [chain] [mlp32] [mlp256] [--frameworks ...]``

Each figure comes from two runs of the same program under ``valgrind --tool=callgrind``
(``PYTHONHASHSEED=0``, 1 thread), one with ``n`` and one with ``2 n`` iterations after a
warm-up; the difference divided by the ops of ``n`` iterations is what one op costs, with the
interpreter start, imports and first-call caches cancelled out. Slow (valgrind runs Python
some 50 times slower): about a minute per figure, more with PyTorch.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from .worker import pinned_env

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ("overhead", "chain", "mlp32", "mlp256")  # mlp: the `nn` loop, 784-256-128-10
FRAMEWORKS = ("tinygraph", "numpy", "pytorch")


def _program(name: str, framework: str):
    """``(step, ops per step)``: one iteration of the program, ready to run."""
    if name == "overhead":
        from . import overhead

        blocks = 10
        w = overhead.make_weights()
        if framework == "tinygraph":
            forward, backward, _ = overhead.tinygraph_impl(w, blocks)
        elif framework == "numpy":
            forward, backward, _ = overhead.numpy_impl(w, blocks)
        else:
            import torch

            forward, backward, _ = overhead.torch_impl(torch, w, blocks)
        return (lambda: backward(forward())), overhead.op_count(blocks)
    if name == "chain":
        from . import chain

        links = 1000
        v = chain.make_values()
        run = {"tinygraph": chain.tinygraph_chain, "numpy": chain.numpy_chain}.get(framework)
        if run is None:
            import torch

            return (lambda: chain.torch_chain(torch, v, links)), 2 * links
        return (lambda: run(v, links)), 2 * links
    batch = int(name[3:])
    from . import mlp

    torch = None
    if framework == "pytorch":
        import torch
    weights = mlp.init_weights()
    batches = mlp.make_batches(batch, 4)
    contender = {"numpy": "numpy", "tinygraph": "tinygraph (loop)", "pytorch": "pytorch"}
    model = next(iter(mlp.contenders(weights, torch, only={contender[framework]}).values()))
    state = {"i": 0}

    def step():
        state["i"] += 1
        model.step(*batches[state["i"] % len(batches)])

    return step, 1


def _worker(name: str, framework: str, iterations: int) -> None:
    step, _ = _program(name, framework)
    for _ in range(3):
        step()  # warm-up: caches, first-call allocations
    for _ in range(iterations):
        step()


def _count(name: str, framework: str, iterations: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        env = pinned_env(1)
        env["PYTHONHASHSEED"] = "0"
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
               sys.executable, "-m", "bench.instructions", "--worker", name, framework,
               str(iterations)]
        done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"callgrind run failed: {done.stderr[-2000:]}")
        match = re.search(r"^summary: (\d+)", out.read_text(), re.MULTILINE)
        return int(match.group(1))


def per_op(name: str, framework: str, iterations: int) -> float:
    """Instructions per op (per step for the MLP programs)."""
    _, ops = _program(name, framework)
    one = _count(name, framework, iterations)
    two = _count(name, framework, 2 * iterations)
    return (two - one) / (iterations * ops)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        _worker(argv[1], argv[2], int(argv[3]))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("programs", nargs="*", choices=PROGRAMS, default=["overhead"])
    parser.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=FRAMEWORKS)
    parser.add_argument("--iterations", type=int, default=5)
    args = parser.parse_args(argv)
    print("instructions per op (per step for mlp), callgrind")
    for name in args.programs:
        for framework in args.frameworks:
            if framework == "pytorch" and os.environ.get("BENCH_NO_TORCH"):
                continue
            print(f"{name:9} {framework:10} {per_op(name, framework, args.iterations):12,.0f}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
