"""``torch.multiprocessing``: Python's ``multiprocessing`` (every name of it is here), plus
the sharing-strategy setters scripts call at the top (``set_sharing_strategy("file_system")``)
and ``spawn(fn, args, nprocs)``. tinygraph tensors are NumPy arrays pickled by value, so the
strategy changes nothing; it is recorded and reported back, as torch's.

tinygraph tensors refuse pickling (see ``Tensor.__reduce_ex__``): pass NumPy arrays between
processes, or save and load state dicts.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import *  # noqa: F403 - torch.multiprocessing re-exports all of it

_STRATEGIES = {"file_descriptor", "file_system"}
_strategy = ["file_descriptor"]


def get_all_sharing_strategies() -> set:
    """The strategies torch knows on Linux."""
    return set(_STRATEGIES)


def get_sharing_strategy() -> str:
    return _strategy[0]


def set_sharing_strategy(new_strategy: str) -> None:
    """Record ``new_strategy`` (one of ``get_all_sharing_strategies()``)."""
    if new_strategy not in _STRATEGIES:
        raise AssertionError(f"set_sharing_strategy: unknown strategy {new_strategy!r}; "
                             f"expected one of {sorted(_STRATEGIES)}.")
    _strategy[0] = new_strategy


def _run(fn, i, args):
    fn(i, *args)


def spawn(fn, args=(), nprocs: int = 1, join: bool = True, daemon: bool = False,
          start_method: str = "spawn"):
    """Run ``fn(i, *args)`` for i in range(nprocs), each in a new process; with ``join``
    wait for them all and raise if one failed, else return the processes' context."""
    context = multiprocessing.get_context(start_method)
    processes = [context.Process(target=_run, args=(fn, i, args), daemon=daemon)
                 for i in range(nprocs)]
    for process in processes:
        process.start()
    if not join:
        return processes
    for process in processes:
        process.join()
    failed = [(i, p.exitcode) for i, p in enumerate(processes) if p.exitcode != 0]
    if failed:
        raise multiprocessing.ProcessError(
            f"spawn: process {failed[0][0]} exited with code {failed[0][1]}.")
    return None


__all__ = [*multiprocessing.__all__, "get_all_sharing_strategies", "get_sharing_strategy",
           "set_sharing_strategy", "spawn"]
