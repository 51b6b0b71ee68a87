"""ONNX mappings of the square-matrix ops (ops/linalg_more.py; merged into table.MAPPINGS).

ONNX has ``Det`` (ONNX Runtime's CPU kernel is float32 only, so a float64 graph computes it in
float32) and no matrix inverse: an exported graph with ``inverse`` (``tg.linalg.inv``,
``tg.linalg.solve``) is refused, naming the op.
"""

from __future__ import annotations

from ..ops import linalg_more
from .errors import unsupported
from .maths import in_float32


def inverse(g, node, x):
    raise unsupported(node, "ONNX has no matrix-inverse op; export the model without it, or "
                            "precompute the inverse and pass it as an input.")


MAPPINGS = {
    linalg_more.Det: in_float32("Det"),
    linalg_more.Inverse: inverse,
}
