"""The library's one random generator: ``tg.manual_seed(n)`` makes every draw reproducible
(``randn``/``rand``, weight init, dropout masks, DataLoader shuffling)."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Reseed the generator behind every random draw in tinygraph."""
    global _generator
    _generator = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    """The current generator (call it at each draw: ``manual_seed`` replaces it)."""
    return _generator
