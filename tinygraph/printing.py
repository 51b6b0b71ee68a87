"""How a tensor prints, as PyTorch prints it (a port of ``torch._tensor_str``'s rules).

Floats print with 4 decimals (``2.3133``), or as ``1.`` when every value is a whole number, or in
scientific notation (``1.0000e-05``) when the nonzero values span more than three orders of
magnitude, exceed 1e8 or go below 1e-4. All values share one format and one width (that of the
nonzero finite values), so columns line up. Past 1000 elements only the first and last three of
each dim print, around ``...``, and the format comes from those alone. Rows wrap at 80
characters by whole elements; ``dtype=``, ``grad_fn=`` and the like follow the values, on a
new line when the last one is full.
"""

from __future__ import annotations

import math

import numpy as np

LINEWIDTH, THRESHOLD, EDGEITEMS, PRECISION = 80, 1000, 3, 4  # tg.set_printoptions sets these
SCI_MODE = None  # True/False: always/never scientific notation; None: chosen by the values
_PREFIX = "tensor("


class _Formatter:
    """One format and one width for every value of a tensor (PyTorch's ``_Formatter``)."""

    def __init__(self, data: np.ndarray) -> None:
        self.floating = data.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if not self.floating:
            self.width = max([1] + [len(str(v)) for v in data.ravel().tolist()])
            return
        values = data[np.isfinite(data) & (data != 0)].astype(np.float64)
        if not values.size:
            return
        low, high = np.abs(values).min(), np.abs(values).max()
        self.int_mode = bool(np.all(values == np.ceil(values)))
        self.sci_mode = bool(high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4) if (
            SCI_MODE is None) else bool(SCI_MODE)
        if self.sci_mode:
            self.width = max(len(f"{v:.{PRECISION}e}") for v in values.tolist())
        elif self.int_mode:  # "1." : one more character for the point
            self.width = max(len(f"{v:.0f}") + 1 for v in values.tolist())
        else:
            self.width = max(len(f"{v:.{PRECISION}f}") for v in values.tolist())

    def format(self, value) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return text.rjust(self.width)


def _summarized(data: np.ndarray) -> np.ndarray:
    """The first and last EDGEITEMS entries along every long dim: what a long tensor shows."""
    for axis, n in enumerate(data.shape):
        if n > 2 * EDGEITEMS:
            keep = np.r_[0:EDGEITEMS, n - EDGEITEMS:n]
            data = np.take(data, keep, axis=axis)
    return data


def _vector(data: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    per_line = max(1, (LINEWIDTH - indent) // (formatter.width + 2))
    if summarize and len(data) > 2 * EDGEITEMS:
        items = ([formatter.format(v) for v in data[:EDGEITEMS].tolist()] + [" ..."]
                 + [formatter.format(v) for v in data[-EDGEITEMS:].tolist()])
    else:
        items = [formatter.format(v) for v in data.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(data: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    if data.ndim == 0:
        return formatter.format(data.item())
    if data.ndim == 1:
        return _vector(data, indent, summarize, formatter)
    n = data.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        rows = ([_nested(data[i], indent + 1, summarize, formatter) for i in range(EDGEITEMS)]
                + ["..."]
                + [_nested(data[i], indent + 1, summarize, formatter)
                   for i in range(n - EDGEITEMS, n)])
    else:
        rows = [_nested(data[i], indent + 1, summarize, formatter) for i in range(n)]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def values(data: np.ndarray) -> str:
    """The bracketed values of a non-empty array as ``tensor(...)`` shows them."""
    if data.dtype == np.float16:
        data = data.astype(np.float32)  # as PyTorch: formatted from float32
    summarize = data.size > THRESHOLD
    formatter = _Formatter(_summarized(data) if summarize else data)
    return _nested(data, len(_PREFIX), summarize, formatter)


def tensor_repr(body: str, suffixes: list) -> str:
    """``tensor(body, suffix, ...)``, a suffix moving to its own line when the line is full."""
    text = _PREFIX + body
    parts = [text]
    line = len(text) - text.rfind("\n") + 1
    indent = len(_PREFIX)
    for suffix in suffixes:
        # measured as PyTorch's spelling (dtype=torch.float64), so lines break where its do
        width = len(suffix.replace("=tg.", "=torch."))
        if line + width + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            line = indent + width
        else:
            parts.append(", " + suffix)
            line += width + 2
    return "".join(parts) + ")"
