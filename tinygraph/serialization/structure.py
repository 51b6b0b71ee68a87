"""The structure around a checkpoint's arrays, as JSON text.

JSON keeps numbers, strings, booleans, None and lists as they are; everything else is a
one-key object: ``{"array": entry}``, ``{"tuple": [...]}``, ``{"dict": [[key, value], ...]}``
(pairs, so that int keys stay ints and the order is kept). Each array is stored apart under
its dotted path (``optimizer.state.0.exp_avg``). Both directions refuse structure nested more
than ``MAX_DEPTH`` containers deep: on save it is a list that contains itself, on load a
hostile file, and either would otherwise end in a ``RecursionError``.
"""

from __future__ import annotations

import json

import numpy as np

from ..tensor import Tensor
from .errors import MAX_DEPTH, CheckpointError

FORMAT = "tinygraph-checkpoint/1"
META = "__tinygraph__"  # the entry holding the JSON structure


def encode(obj) -> tuple[str, dict[str, np.ndarray]]:
    """``obj`` as (JSON text, {entry name: array})."""
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, [], arrays)
    return json.dumps({"format": FORMAT, "tree": tree}), arrays


def decode(text: str, arrays: dict, path: str):
    """The object ``encode`` was given, from its JSON text and arrays."""
    try:
        header = json.loads(text)
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError("unknown format")
        return _decode(header["tree"], arrays, 0)
    except (RecursionError, _TooDeep):  # json.loads raises the first, _decode the second
        raise _too_deep(path) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CheckpointError(
            f"tg.load: {path!r} has a damaged structure entry ({exc}); it was not written by "
            "this version of tg.save, or it was modified."
        ) from None


def check_array(array: np.ndarray, name: str) -> None:
    """Refuse what no checkpoint format here stores: Python objects, records, raw bytes."""
    if array.dtype.hasobject or array.dtype.kind == "V":
        raise TypeError(f"tg.save: the array at {name!r} has dtype {array.dtype}; only "
                        "numeric, boolean and string arrays can be saved (not Python objects "
                        "or records).")


def name_of(keys: list) -> str:
    return ".".join(str(k) for k in keys) or "<root>"


def _encode(obj, keys: list, arrays: dict):
    if isinstance(obj, Tensor):
        obj = obj._data
    if isinstance(obj, np.generic) and not obj.dtype.hasobject:
        obj = obj.item()  # NumPy scalars (e.g. a float64 lr) are stored as Python numbers
    if isinstance(obj, np.ndarray):
        return {"array": _add_array(obj, name_of(keys), arrays)}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if len(keys) >= MAX_DEPTH:
        raise ValueError(f"tg.save: the object nests more than {MAX_DEPTH} dicts/lists deep "
                         f"(at {name_of(keys[:3])}...); does a list or dict contain itself?")
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, keys + [i], arrays) for i, v in enumerate(obj)]
        return {"tuple": items} if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        for k in obj:
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"tg.save: dict keys must be str or int, got {k!r} at "
                                f"{name_of(keys)!r}.")
        return {"dict": [[k, _encode(v, keys + [k], arrays)] for k, v in obj.items()]}
    hint = (f" Save its state_dict() instead (tinygraph never pickles whole objects, as "
            f"torch.save(model) does), and load_state_dict(tg.load(path)) into a new "
            f"{type(obj).__name__}." if hasattr(obj, "state_dict") else "")
    raise TypeError(
        f"tg.save: cannot save a {type(obj).__name__} (at {name_of(keys)!r}); checkpoints hold "
        f"arrays, Tensors, numbers, strings, None, and dicts/lists/tuples of them.{hint}"
    )


def _add_array(array: np.ndarray, name: str, arrays: dict) -> str:
    check_array(array, name)
    if "\x00" in name:
        raise ValueError(f"tg.save: the name {name!r} contains a NUL character, which a "
                         "zip archive cannot store.")
    if name in arrays or name == META:
        raise ValueError(f"tg.save: two values would be stored under the name {name!r}; "
                         "rename a key (keys are joined with '.').")
    arrays[name] = array
    return name


def _decode(node, arrays: dict, depth: int):
    if isinstance(node, list):
        return [_decode(v, arrays, depth + 1) for v in _checked(node, depth)]
    if not isinstance(node, dict):
        return node
    (kind, value), = node.items()
    if kind == "array":
        return arrays[value]
    if kind == "tuple":
        return tuple(_decode(v, arrays, depth + 1) for v in _checked(value, depth))
    if kind == "dict":
        return {k: _decode(v, arrays, depth + 1) for k, v in _checked(value, depth)}
    raise ValueError(f"unknown node {kind!r}")


class _TooDeep(Exception):
    pass


def _checked(items, depth: int) -> list:
    if depth >= MAX_DEPTH:
        raise _TooDeep
    if not isinstance(items, list):
        raise ValueError(f"expected a list, found {type(items).__name__}")
    return items


def _too_deep(path: str) -> CheckpointError:
    return CheckpointError(
        f"tg.load: {path!r} is refused: its structure entry nests more than {MAX_DEPTH} "
        "dicts/lists deep, which tg.save never writes; the file was crafted or modified."
    )
