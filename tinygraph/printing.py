"""How a tensor's values print, as PyTorch prints them (``torch._tensor_str``'s rules).

Floats print with 4 decimals (``2.3133``), or as ``1.`` when every value is a whole number, or in
scientific notation (``1.0000e-05``) when the values span more than three orders of magnitude or
exceed 1e8 (whole numbers too), or go below 1e-4. All values of a tensor share one format and
one width (that of the finite values), so columns line up; integers and booleans print as NumPy
prints them.
"""

from __future__ import annotations

import numpy as np


def float_format(data: np.ndarray):
    """The formatting function for the floats of ``data`` (called once per element)."""
    finite = np.abs(data[np.isfinite(data)]).astype(np.float64)
    nonzero = finite[finite != 0]
    wide = nonzero.size and (nonzero.max() / nonzero.min() > 1000 or nonzero.max() > 1e8)
    if finite.size and np.all(finite == np.round(finite)):  # whole numbers: "1."
        spec = "{:.4e}" if wide else "{:.0f}."
    elif wide or (nonzero.size and nonzero.min() < 1e-4):
        spec = "{:.4e}"
    else:
        spec = "{:.4f}"
    # one width from the finite values: nan and inf are padded to it but never widen it
    finite_values = data[np.isfinite(data)]
    width = max(len(_one(spec, v)) for v in finite_values.flat) if finite_values.size else 0
    return lambda v: _one(spec, v).rjust(width)


def _one(spec: str, value) -> str:
    if np.isnan(value):
        return "nan"
    if np.isinf(value):
        return "inf" if value > 0 else "-inf"
    return spec.format(float(value))


def values(data: np.ndarray) -> str:
    """The bracketed values of a non-empty array as ``tensor(...)`` shows them."""
    formatter = {"float_kind": float_format(data)} if data.dtype.kind == "f" else None
    return np.array2string(data, separator=", ", prefix="tensor(", formatter=formatter,
                           threshold=1000, edgeitems=3, max_line_width=80)
