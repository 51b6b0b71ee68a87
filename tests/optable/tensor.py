"""Op-table entries: the Tensor's own differentiable methods (copies)."""

from __future__ import annotations

import tinygraph as tg

from .spec import UNARY_SHAPES, OpSpec

OPS = [
    OpSpec("clone", tg.clone, lambda x: x.copy(), lambda x: x.clone(), 1, UNARY_SHAPES),
]
