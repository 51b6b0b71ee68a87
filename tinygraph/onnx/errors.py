"""The errors ``tg.onnx.export`` raises (beyond ``TypeError``/``ValueError`` for bad arguments)."""

from __future__ import annotations

from ..autograd import Op


class ExportError(RuntimeError):
    """The model cannot be written as an ONNX graph that computes what it computes."""


class UnsupportedOpError(ExportError):
    """An op of the recorded graph has no ONNX mapping (a user ``tg.Function``, say)."""


def describe(node) -> str:
    """"the op 'where' (a built-in op, created at file:line in fn)" (the line where recorded)."""
    kind = "a built-in op" if isinstance(node, Op) else "a tg.Function"
    site = getattr(node, "site", None)
    return f"the op '{node.op_name()}' ({kind}" + (f", created at {site})" if site else ")")


def unsupported(node, why: str = "") -> UnsupportedOpError:
    """The error for an op that cannot be exported: which, where it was made, what to do."""
    why = why or (
        "it has no ONNX mapping. A tg.Function is opaque to export: write its forward with "
        "tinygraph's built-in ops (each of them exports), or export the part of the model "
        "that does not use it."
    )
    return UnsupportedOpError(f"tg.onnx.export: cannot export {describe(node)}: {why}")


def depends_on_inputs(culprit, grew: bool) -> ExportError:
    """The error for a graph that differs between two runs on different inputs: ``culprit``
    is the first op whose ONNX nodes or constants differ (or a description)."""
    what = culprit if isinstance(culprit, str) else describe(culprit)
    changes = "values or the sizes of their dynamic axes" if grew else "values"
    return ExportError(
        f"tg.onnx.export: {what} changed when the inputs' {changes} changed: it uses "
        "something computed from them outside the recorded graph, such as a comparison "
        "(x > 0: a mask, F.leaky_relu's condition), a number read from a tensor (.item(), "
        "the .shape of a dynamic axis) or a branch on a value. The exported model would keep "
        "this run's value and be wrong on other inputs. Compute it with tinygraph ops on "
        "Tensors (tg.maximum, tg.where with a constant condition, ...), or make that axis "
        "static."
    )
