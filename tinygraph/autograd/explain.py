"""Errors at an op's forward: NumPy's terse messages turned into ones that name the op, the
shapes and dtypes of its inputs, and the fix (used by ``Op.apply``)."""

from __future__ import annotations

from ..errors import DtypeError, ShapeError


def explain_forward_error(cls, exc, arrays):
    """Turn NumPy's terse forward errors into one that names the op, the shapes and the fix."""
    if getattr(exc, "_tinygraph", False):
        return exc
    message = str(exc)
    if "broadcast" in message:
        shapes = " and ".join(str(tuple(a.shape)) for a in arrays if hasattr(a, "shape"))
        err = ShapeError(
            f"{cls.op_name()}: shapes {shapes} cannot be broadcast together. Broadcasting "
            "aligns shapes from the right; each pair of axes must be equal or one of them 1. "
            "Reshape or unsqueeze an operand (e.g. x.unsqueeze(-1)) so the axes line up."
        )
    else:
        described = ", ".join(_describe(a) for a in arrays)
        # NumPy's own exception types may need more than a message to build (its no-loop
        # error does): report with the plain built-in type the error derives from
        kind = next(k for k in (TypeError, IndexError, ValueError) if isinstance(exc, k))
        if kind is TypeError:  # a dtype the op has no loop for: PyTorch raises RuntimeError
            kind = DtypeError
        err = kind(f"{cls.op_name()}: {message} (inputs: {described})")
    err._tinygraph = True
    return err


def _describe(value) -> str:
    shape = getattr(value, "shape", None)
    if shape is None:
        return type(value).__name__
    return f"{value.dtype} array of shape {tuple(shape)}"
