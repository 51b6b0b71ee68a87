"""Copies that stay in the graph: ``clone``."""

from __future__ import annotations

from ..autograd import Op
from ..layouts import check_memory_format
from .registry import public


@public("clone")
class Clone(Op):
    """y = a copy of x (its own storage, C-contiguous);  dx = g."""

    __slots__ = ()
    label = "clone"

    @staticmethod
    def arguments(input, *, memory_format=None):
        check_memory_format(memory_format, input.ndim, "clone")
        return (input,), {}

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return (g,)
