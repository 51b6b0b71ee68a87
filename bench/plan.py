"""What each mode runs: the tasks, their sizes and repeats, and the thread counts."""

from __future__ import annotations

MEMORY_CONTENDERS = ("numpy", "tinygraph (ops)", "tinygraph (loop)", "tinygraph (train_step)",
                     "pytorch")


def tasks(quick: bool) -> list[tuple[str, str, int, dict]]:
    """``(key, task, threads, params)`` in the order they run."""
    if quick:
        overhead = {"blocks": 10, "iterations": 20, "repeats": 5}
        mlp = {"batches": [(32, 30), (256, 8)], "repeats": 3}
        mlp_2 = None  # 2 threads: full runs only (minutes, not seconds, on a loaded machine)
        chain = {"sizes": [(10_000, 3), (100_000, 1)]}
        memory_steps = {"tinygraph": 10, "other": 5}
        digits = {"epochs": 2, "repeats": 1, "quick": True}
        transformer = {"steps": 5, "repeats": 3}
    else:
        overhead = {"blocks": 10, "iterations": 100, "repeats": 9}
        mlp = {"batches": [(32, 200), (256, 40)], "repeats": 7}
        mlp_2 = mlp
        chain = {"sizes": [(10_000, 5), (1_000_000, 3)]}
        memory_steps = {"tinygraph": 1000, "other": 200}
        digits = {"epochs": 20, "repeats": 3, "quick": False}
        transformer = {"steps": 20, "repeats": 7}
    planned = [
        ("overhead", "overhead", 1, overhead),
        ("mlp-1", "mlp", 1, mlp),
        ("mlp-2", "mlp", 2, mlp_2),
        ("chain", "chain", 1, chain),
    ]
    planned = [task for task in planned if task[3] is not None]
    for name in MEMORY_CONTENDERS:
        if quick and name == "tinygraph (train_step)":
            continue  # the same graph as the loop; measured in full runs
        steps = memory_steps["tinygraph" if name.startswith("tinygraph") else "other"]
        planned.append((f"memory:{name}", "memory", 1,
                        {"name": name, "batch": 4096, "flat_steps": steps}))
    planned.append(("digits", "digits", 1, digits))
    planned.append(("cnn", "cnn", 1, {"steps": 20, "repeats": 3} if quick else
                    {"steps": 100, "repeats": 7}))
    planned.append(("transformer", "transformer", 1, transformer))
    return planned
