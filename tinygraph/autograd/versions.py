"""In-place changes of saved values: the version check of PyTorch, at no recording cost.

A Tensor's in-place ops outside recording (under no_grad, or on tensors that need no
gradient) change ``._data`` in place, which would silently corrupt any node that saved that
array. Each such change is stamped with the node counter; in backward, a node older than a
stamp on one of its saved arrays raises instead of computing a gradient from the new values.
Recording pays nothing, and a training loop (whose graph is always newer than the last
optimizer step) skips the check entirely.
"""

from __future__ import annotations

import weakref
from collections import deque

from . import node as _node
from .node import created_at, next_seq

mutations: dict = {}  # id(array) -> (weak reference to it, the latest (stamp, version after))
last_mutation = -1  # the newest stamp: nodes recorded after it need no check
_KEPT_STAMPS = 16  # per array; enough to name the saved version in any realistic case


def note_mutation(tensor, array) -> None:
    """Stamp an in-place change of ``array`` (``tensor``'s data, or a view of it)."""
    global last_mutation
    last_mutation = stamp = next_seq()
    _stamp(array, stamp, tensor._version)


def note_mutations(tensors) -> None:
    """Stamp in-place changes of the ``._data`` of each of ``tensors``, all with one stamp (an
    optimizer step updates every parameter at once)."""
    global last_mutation
    last_mutation = stamp = next_seq()
    lookup = mutations.get
    for tensor in tensors:
        array = tensor._data
        entry = lookup(id(array))
        if entry is not None and array.base is None and entry[0]() is array:
            # the usual case, a parameter stamped by the previous step: _stamp's first round
            entry[1].append((stamp, tensor._version))
        else:
            _stamp(array, stamp, tensor._version)


def _stamp(array, stamp: int, version: int) -> None:
    """Record ``(stamp, version)`` for ``array`` and for each array it is a view of."""
    while array is not None:
        key = id(array)
        entry = mutations.get(key)
        if entry is None or entry[0]() is not array:
            try:
                ref = weakref.ref(array, lambda _, key=key: mutations.pop(key, None))
            except TypeError:
                return
            entry = mutations[key] = (ref, deque(maxlen=_KEPT_STAMPS))
        entry[1].append((stamp, version))  # the oldest falls out
        array = getattr(array, "base", None)


def check_saved_versions(node) -> None:
    """Raise if an array ``node`` saved was changed in place after the node was recorded."""
    for value in node.saved:
        if isinstance(value, _node.Tensor):
            value = value._data
        while value is not None:
            entry = mutations.get(id(value))
            if entry is not None and entry[0]() is value:
                later = [version for stamp, version in entry[1] if stamp > node.seq]
                if later:
                    raise RuntimeError(
                        "One of the variables needed for gradient computation has been "
                        f"modified by an inplace operation: a value '{node.op_name()}'"
                        f"{created_at(node)} saved for its gradient (an array of shape "
                        f"{tuple(value.shape)}) was changed in-place after it was saved: its "
                        "tensor is now at version "
                        f"{entry[1][-1][1]}; '{node.op_name()}' saved it at version "
                        f"{later[0] - 1}. Change it after backward(), or compute with a copy "
                        "(x = x + 1 instead of x += 1)."
                    )
            value = getattr(value, "base", None)
