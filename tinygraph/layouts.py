"""torch's memory formats: ``tg.contiguous_format``, ``tg.preserve_format``,
``tg.channels_last`` and ``tg.channels_last_3d``, of type ``tg.memory_format``.

Programs pass them as ``memory_format=`` (``tg.zeros_like(p,
memory_format=tg.preserve_format)`` in optimizers, ``x.to(memory_format=tg.channels_last)``
for speed on GPUs). They are layout hints only: tinygraph keeps its arrays in NumPy's order,
so values, shapes and gradients are the same whichever format is asked for.
"""

from __future__ import annotations


class memory_format:  # noqa: N801 - torch's spelling of the type
    """One of torch's memory formats (a layout hint; tinygraph keeps NumPy's layout)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"tg.{self.name}"

    def __reduce__(self):  # pickled by name, so a loaded one is the same object
        return self.name


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


def check_memory_format(value, what: str) -> None:
    """A TypeError unless ``value`` is None or a memory format."""
    if value is not None and not isinstance(value, memory_format):
        raise TypeError(f"{what}: memory_format must be a memory format such as "
                        f"tg.preserve_format or tg.channels_last, got {value!r}.")


class layout:  # noqa: N801 - torch's spelling of the type
    """A tensor layout (torch.layout); tinygraph has one, ``tg.strided``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"tg.{self.name}"

    def __reduce__(self):
        return self.name


strided = layout("strided")
