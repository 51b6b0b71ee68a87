"""``tg.Size``: a shape, as ``torch.Size`` (a tuple of ints that knows its element count)."""

from __future__ import annotations

import operator


class Size(tuple):
    """What ``x.size()`` returns: a tuple of ints (``x.size() == (2, 3)``) with ``numel()``.

    >>> tg.zeros(2, 3).size()
    tg.Size([2, 3])
    """

    __slots__ = ()

    def __new__(cls, sizes=()):
        try:
            return super().__new__(cls, (operator.index(n) for n in sizes))
        except TypeError:
            raise TypeError(f"tg.Size takes an iterable of ints, got {sizes!r}.") from None

    def numel(self) -> int:
        """The number of elements a tensor of this shape has."""
        count = 1
        for n in self:
            count *= n
        return count

    def __getitem__(self, index):
        item = super().__getitem__(index)
        return tuple.__new__(Size, item) if isinstance(index, slice) else item

    def __add__(self, other):
        return tuple.__new__(Size, tuple(self) + tuple(other))

    def __repr__(self) -> str:
        return f"tg.Size({list(self)})"


def size_of(shape: tuple) -> Size:
    """A shape that is already a tuple of ints as a Size (no checks: the fast path)."""
    return tuple.__new__(Size, shape)
