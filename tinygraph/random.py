"""The library's one random generator: ``tg.manual_seed(n)`` makes every draw reproducible
(``randn``/``rand``, weight init, dropout masks, DataLoader shuffling). ``tg.Generator`` is
torch's: a separate stream for one consumer (``random_split(..., generator=tg.Generator().
manual_seed(42))``)."""

from __future__ import annotations

import json

import numpy as np

from .autograd.node import new_tensor


def manual_seed(seed: int) -> Generator:
    """Reseed the generator behind every random draw in tinygraph; returns that default
    ``tg.Generator``, as ``torch.manual_seed``."""
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    """The seed the default generator last started from (``torch.initial_seed``)."""
    return default_generator.initial_seed()


def seed() -> int:
    """Restart the default generator from a fresh non-deterministic seed and return it."""
    return default_generator.seed()


def get_rng_state():
    """The default generator's position as a uint8 tensor (``torch.get_rng_state``): save it,
    draw, then ``set_rng_state`` it to draw the same numbers again."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Put the default generator back where ``get_rng_state`` found it."""
    default_generator.set_state(new_state)


def generator(source=None) -> np.random.Generator:
    """The NumPy generator to draw from: ``source``'s (a ``tg.Generator`` or a
    ``numpy.random.Generator``) or, by default, the library's current one (call it at each
    draw)."""
    if source is None:
        return default_generator._rng
    if isinstance(source, Generator):
        return source._rng
    if isinstance(source, np.random.Generator):
        return source
    raise TypeError(f"generator should be a tg.Generator (e.g. tg.Generator().manual_seed(0)) "
                    f"or a numpy.random.Generator, got {type(source).__name__}.")


class Generator:
    """A random stream of its own, as ``torch.Generator`` on the CPU (NumPy's PCG64 inside,
    so the numbers are not PyTorch's, but a seed repeats them).

    >>> g = tg.Generator().manual_seed(42)
    >>> train, val = random_split(dataset, [0.8, 0.2], generator=g)
    """

    def __init__(self, device="cpu") -> None:
        if str(device) != "cpu":
            raise RuntimeError(f"Generator: tinygraph runs on the CPU, got device={device!r}.")
        self.device = device
        self.seed()

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed``; returns the generator, as torch."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"Generator.manual_seed: seed must be an int, got {seed!r}.")
        self._initial_seed = int(seed)
        self._rng = np.random.default_rng(self._initial_seed)
        return self

    def seed(self) -> int:
        """Restart the stream from a fresh non-deterministic seed, and return that seed."""
        self.manual_seed(int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1))
        return self._initial_seed

    def initial_seed(self) -> int:
        """The seed the stream last started from."""
        return self._initial_seed

    def get_state(self):
        """The stream's position, a uint8 tensor (as torch's ByteTensor) for ``set_state``:
        NumPy's bit-generator state written as JSON, so ``tg.save`` keeps it without pickle."""
        text = json.dumps(self._rng.bit_generator.state)
        return new_tensor(np.frombuffer(text.encode(), dtype=np.uint8).copy(), None)

    def set_state(self, new_state) -> Generator:
        """Continue the stream from a position ``get_state`` returned."""
        array = np.asarray(getattr(new_state, "_data", new_state))
        if array.dtype != np.uint8 or array.ndim != 1:
            raise TypeError(f"set_state: expected a uint8 tensor from get_state()/"
                            f"get_rng_state(), got {type(new_state).__name__} of dtype "
                            f"{array.dtype} and shape {tuple(array.shape)}.")
        try:
            state = json.loads(array.tobytes().decode())
            self._rng.bit_generator.state = state
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise RuntimeError(f"set_state: this is not a generator state that "
                               f"get_state()/get_rng_state() returned ({exc}).") from None
        return self

    def __repr__(self) -> str:
        return f"<tinygraph.Generator seed={self._initial_seed}>"


# The stream behind every draw that names no generator (torch.default_generator).
default_generator = Generator()
