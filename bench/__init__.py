"""tinygraph's benchmark suite: tinygraph against hand-written NumPy and PyTorch (issue 6).

``python -m bench`` runs every workload (``--quick`` for a run under a minute) and writes a
markdown report to ``bench/results/``. Each thread count runs in its own subprocess so that the
BLAS/OpenMP thread pools of NumPy and PyTorch are pinned before either library is imported.

Modules: ``timing`` (interleaved repeats, medians), ``frameworks`` (optional torch and
tinygraph.nn), ``overhead`` / ``mlp`` (+ ``mlp_tinygraph``, ``mlp_torch``) / ``chain`` /
``memory`` / ``digits`` (one workload each), ``plan`` (sizes per mode), ``worker`` (runs a task
in a pinned subprocess), ``report`` and ``targets`` (tables, met / not met), ``__main__`` (the
command line). Diagnostics: ``python -m bench.profile`` (cProfile) and ``python -m
bench.opcost`` (µs per op). docs/performance.md explains the methods and the results.
"""
