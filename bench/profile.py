"""Profile tinygraph on workloads 1-3 with cProfile: ``python -m bench.profile [WORKLOAD]``.

Prints the functions with the most own time (``tottime``) for the per-op overhead program,
an MLP training step (batch 32) and the deep chain, each run enough times to dominate the
profile. Pin threads as the benchmark does, e.g.
``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python -m bench.profile overhead``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import time

from . import chain, mlp, overhead

# Thread CPU time: on a shared machine the time spent waiting for a core is left out.
clock = time.thread_time


def overhead_program(repeats: int = 300):
    forward, backward, _ = overhead.tinygraph_impl(overhead.make_weights(), blocks=10)

    def run():
        for _ in range(repeats):
            backward(forward())

    return run


def mlp_steps(batch: int = 32, steps: int = 300, name: str = "tinygraph (ops)"):
    models = mlp.contenders(mlp.init_weights(), only={name})
    model = models[name]
    batches = mlp.make_batches(batch, 4)

    def run():
        for i in range(steps):
            model.step(*batches[i % len(batches)])

    return run


def deep_chain(links: int = 100_000):
    values = chain.make_values()
    return lambda: chain.tinygraph_chain(values, links)


WORKLOADS = {
    "overhead": overhead_program,
    "mlp": mlp_steps,
    "mlp-loop": lambda: mlp_steps(name="tinygraph (loop)"),
    "chain": deep_chain,
}


def profile(name: str, top: int = 25, sort: str = "tottime") -> None:
    run = WORKLOADS[name]()
    run()  # warm-up
    gc.collect()
    t0 = clock()
    run()
    plain = clock() - t0
    gc.collect()
    gc.disable()
    t0 = clock()
    run()
    no_gc = clock() - t0
    gc.enable()
    print(f"== {name}: {plain:.3f} s CPU unprofiled, {no_gc:.3f} s with the cycle collector off")
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats(sort).print_stats(top)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("workloads", nargs="*", choices=[*WORKLOADS, []], default=None)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime")
    args = parser.parse_args(argv)
    for name in args.workloads or ["overhead", "mlp", "chain"]:
        profile(name, args.top, args.sort)
    return 0


if __name__ == "__main__":
    sys.exit(main())
