"""Text for the picture: shapes, dtypes, index expressions, op attributes, numbers.

Pure formatting, no Graphviz: every function returns a short plain string (escaping for
Graphviz's HTML-like labels happens where the label is assembled).
"""

from __future__ import annotations

import numpy as np

# Attributes that are bookkeeping for the backward, or already visible elsewhere on the node
# (the output shape is printed on every op, so reshape's target shape would repeat it).
_HIDDEN = frozenset({"in_shape", "sizes", "dtype_in", "cond", "shape_out", "index", "site",
                     "anomaly"})
# Attribute values that are the default and therefore not worth a line.
_DEFAULTS = {"keepdims": False, "correction": 1}
_MAX_TEXT = 40


def shape_text(shape) -> str:
    """``(4, 8)``; a 0-d shape reads ``scalar``."""
    if shape is None:
        return "?"
    shape = tuple(int(n) for n in shape)
    if not shape:
        return "scalar"
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(n) for n in shape) + ")"


def dtype_text(dtype) -> str:
    return "" if dtype is None else str(np.dtype(dtype))


def number_text(value: float) -> str:
    """Four significant digits; scientific only when that is shorter to read."""
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    return f"{value:.4g}"


def norm_text(value: float) -> str:
    value = float(value)
    if not np.isfinite(value):
        return str(value)
    return f"{value:.2e}"


def index_text(index) -> str:
    """The index expression as it was written: ``[0:2, ..., None]``, ``[mask(4, 3)]``."""
    items = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(_index_item(item) for item in items) + "]"


def _index_item(item) -> str:
    if item is None:
        return "None"
    if item is Ellipsis:
        return "..."
    if isinstance(item, slice):
        start = "" if item.start is None else str(item.start)
        stop = "" if item.stop is None else str(item.stop)
        text = f"{start}:{stop}"
        if item.step is not None:
            text += f":{item.step}"
        return text
    if isinstance(item, np.ndarray):
        if item.dtype == bool:
            return f"mask{shape_text(item.shape)}"
        if item.size <= 4:
            return str(item.tolist())
        return f"int array{shape_text(item.shape)}"
    if isinstance(item, (list, tuple)):
        return str(list(item)) if len(item) <= 4 else f"list of {len(item)}"
    return str(item)


def value_text(value) -> str | None:
    """A short rendering of an op attribute, or None when it is not worth showing."""
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else None
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return number_text(value)
    if isinstance(value, str):
        return value if len(value) <= _MAX_TEXT else None
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return str(np.dtype(value))
    if isinstance(value, np.ndarray):
        return number_text(value) if value.ndim == 0 else None
    if isinstance(value, tuple) and all(isinstance(v, (int, np.integer)) for v in value):
        if len(value) == 1:
            return str(int(value[0]))
        text = "(" + ", ".join(str(int(v)) for v in value) + ")"
        return text if len(text) <= _MAX_TEXT else None
    return None


def attribute_names(node) -> list[str]:
    """Slots declared by the op's own classes (base first), then public instance attributes."""
    names: list[str] = []
    for cls in reversed(type(node).__mro__):
        if cls.__module__.startswith("tinygraph.autograd") or cls is object:
            continue  # Function/Op slots are the node's machinery, not the op's attributes
        slots = cls.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    extra = getattr(node, "__dict__", {})
    names.extend(name for name in extra if not name.startswith("_"))
    return names


def op_attributes(node) -> list[str]:
    """``axis=1``, ``keepdims``, ``min=0`` ...: the attributes that change what the op does."""
    parts = []
    for name in attribute_names(node):
        if name in _HIDDEN or name.startswith("_") or name == "__weakref__":
            continue
        try:
            value = getattr(node, name)
        except AttributeError:
            continue
        if name in _DEFAULTS and value == _DEFAULTS[name]:
            continue
        if value is None:
            continue
        text = value_text(value)
        if text is None:
            continue
        parts.append(name if text == "True" else f"{name}={text}")
    return parts


# Ops whose index expression is what they do, so it belongs in the title (``getitem[0, 2:6]``).
# Other ops may keep an index as bookkeeping (cross_entropy's row/label pairs): not shown.
_INDEXING_OPS = frozenset({"getitem", "setitem", "scatter_add"})


def op_title(node) -> str:
    """The op's name, with its index expression for indexing ops."""
    title = node.op_name()
    if title in _INDEXING_OPS and "index" in attribute_names(node):
        index = getattr(node, "index", None)
        if index is not None:
            title += index_text(index)
    return title


def site_text(site: str) -> str:
    """``model.py:12 in forward`` from a node's full ``/path/to/model.py:12 in forward``."""
    head, _, function = site.rpartition(" in ")
    path, _, line = head.rpartition(":")
    return f"{path.replace(chr(92), '/').rsplit('/', 1)[-1]}:{line} in {function}"
