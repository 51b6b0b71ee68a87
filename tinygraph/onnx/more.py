"""ONNX mappings of ``erfc`` (ops/special.py: 1 - Erf) and of the square-matrix ops
(ops/linalg_more.py); merged into table.MAPPINGS.

ONNX has ``Det`` (ONNX Runtime's CPU kernel is float32 only, so a float64 graph computes it in
float32) and no matrix inverse or Cholesky: an exported graph with ``inverse``
(``tg.linalg.inv``), ``linalg_solve`` (``tg.linalg.solve``, the triangular solves) or
``cholesky`` is refused, naming the op. ONNX has
no gamma-family function and no inverse error function either: ``lgamma``, ``digamma``,
``polygamma`` and ``erfinv`` (ops/gamma.py) are refused the same way, as is ``ctc_loss``
(ops/ctc.py, a recursion over time), and so are the decompositions (``svd``, ``qr``,
``eigh``), ``logabsdet`` (``slogdet``, ``logdet``) and ``pinv``, which ONNX lacks too.
"""

from __future__ import annotations

from ..ops import ctc, decompositions, gamma, linalg_functions, linalg_more, special
from .errors import unsupported
from .maths import in_float32


def inverse(g, node, *inputs):
    raise unsupported(node, "ONNX has no matrix-inverse op; export the model without it, or "
                            "precompute the inverse and pass it as an input.")


def no_onnx_op(g, node, *inputs):
    raise unsupported(node, f"ONNX has no {node.label} op (nor the functions to compose it "
                            "from exactly); export the model without it, or compute it outside "
                            "the exported part and pass it as an input.")


def erfc(g, node, x):
    """1 - Erf(x), Erf in float32 (ONNX Runtime's kernel): absolute error about 1e-7."""
    erf = in_float32("Erf")(g, node, x)
    return g.op("Sub", g.const(1.0, node.dtype), erf)


MAPPINGS = {
    special.Erfc: erfc,
    linalg_more.Det: in_float32("Det"),
    linalg_more.Inverse: inverse,
    linalg_more.Solve: inverse,
    linalg_more.Cholesky: no_onnx_op,
    **dict.fromkeys([gamma.Lgamma, gamma.Digamma, gamma.Polygamma, gamma.Erfinv,
                     gamma.Igamma, gamma.Igammac], no_onnx_op),
    # the CTC loss: a recursion over time with per-sequence lengths (ops/ctc.py)
    **dict.fromkeys([ctc.CTCLoss, ctc.CTCLossBackward], no_onnx_op),
    # nor SVD, QR, eigendecompositions, log|det| or a pseudo-inverse (ops/decompositions.py,
    # ops/linalg_functions.py)
    **dict.fromkeys([decompositions.SVD, decompositions.QR, decompositions.Eigh,
                     linalg_functions.LogAbsDet, linalg_functions.PInv], no_onnx_op),
}
