"""``tg.save`` / ``tg.load``: checkpoints as ``.npz`` files, never pickle.

A Module's ``state_dict()`` (name -> array) is stored as one ``.npz`` entry per name, so
``np.load`` reads the file too. Nested checkpoints work as well: dicts (str or int keys),
lists, tuples, numbers, strings, booleans and None, such as an optimizer's ``state_dict()`` or
``{"model": ..., "optimizer": ..., "epoch": 3}``. Each array goes into its own entry named by
its dotted path (``optimizer.state.0.exp_avg``); the structure around the arrays is stored as
JSON text in the entry ``__tinygraph__``. Tensors are saved as their arrays and load as
NumPy arrays, like ``state_dict()`` values.

Loading uses ``np.load(..., allow_pickle=False)``: nothing executable is ever loaded. Saving
writes a temporary file in the target's directory and renames it over the target
(``os.replace``), so a crash mid-write leaves the previous file intact.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile

import numpy as np

from .tensor import Tensor

FORMAT = "tinygraph-checkpoint/1"
META = "__tinygraph__"  # the entry holding the JSON structure


class CheckpointError(ValueError, OSError):
    """A file that ``tg.load`` cannot read as a checkpoint: damaged, truncated or foreign."""


def save(obj, path: str | os.PathLike) -> None:
    """Write ``obj`` (a ``state_dict()``, or a dict nesting several) to ``path`` atomically.

    >>> tg.save(model.state_dict(), "model.npz")
    >>> model.load_state_dict(tg.load("model.npz"))
    """
    path = os.fspath(path)
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, [], arrays)
    arrays[META] = np.array(json.dumps({"format": FORMAT, "tree": tree}))
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"tg.save: the directory {directory!r} does not exist.")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_npz(f, arrays)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the rename makes them visible
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; give it open()'s mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _write_npz(f, arrays: dict[str, np.ndarray]) -> None:
    """What ``np.savez`` writes, without its keyword arguments (a key named ``file`` or
    ``allow_pickle`` would collide with them)."""
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load(path: str | os.PathLike):
    """Read a checkpoint written by ``save`` (or any pickle-free ``.npz`` of arrays).

    A damaged, truncated or foreign file raises :class:`CheckpointError` naming the path and
    what is wrong with it.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"tg.load: no such file: {path!r}")
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != b"PK\x03\x04":  # every .npz is a zip archive
        what = "is empty" if not magic else f"starts with {magic!r}, not a zip header"
        raise CheckpointError(
            f"tg.load: {path!r} is not a checkpoint written by tg.save: the file {what}."
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}  # reads (and CRC-checks) each
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise CheckpointError(
                f"tg.load: {path!r} is not a tinygraph checkpoint: it contains pickled Python "
                "objects, which are never loaded (they can run arbitrary code)."
            ) from None
        raise _damaged(path, exc) from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, TypeError) as exc:
        raise _damaged(path, exc) from None
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray):  # NpzFile hands back other members as bytes
            raise CheckpointError(
                f"tg.load: {path!r} is a zip archive but not a checkpoint written by tg.save: "
                f"its member {name!r} is not a NumPy array (.npy)."
            )
    meta = arrays.pop(META, None)
    if meta is None:  # a plain .npz of arrays (np.savez): name -> array
        return arrays
    try:
        header = json.loads(str(meta))
        if header.get("format") != FORMAT:
            raise ValueError(f"unknown format {header.get('format')!r}")
        return _decode(header["tree"], arrays)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CheckpointError(
            f"tg.load: {path!r} has a damaged structure entry ({exc}); it was not written by "
            "this version of tg.save, or it was modified."
        ) from None


def _damaged(path: str, exc: Exception) -> CheckpointError:
    return CheckpointError(
        f"tg.load: cannot read {path!r}: it is damaged, truncated, or not an .npz file "
        f"written by tg.save ({type(exc).__name__}: {exc})."
    )


# -- the structure around the arrays -----------------------------------------------------------
#
# JSON keeps numbers, strings, booleans, None and lists as they are; everything else is a
# one-key object: {"array": entry}, {"tuple": [...]}, {"dict": [[key, value], ...]} (pairs, so
# that int keys stay ints and the order is kept).


def _encode(obj, keys: list, arrays: dict):
    if isinstance(obj, Tensor):
        obj = obj._data
    if isinstance(obj, np.generic) and not obj.dtype.hasobject:
        obj = obj.item()  # NumPy scalars (e.g. a float64 lr) are stored as Python numbers
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            raise TypeError(f"tg.save: the array at {_name(keys)!r} holds Python objects; only "
                            "numeric, boolean and string arrays can be saved.")
        name = _name(keys)
        if "\x00" in name:
            raise ValueError(f"tg.save: the name {name!r} contains a NUL character, which a "
                             "zip archive cannot store.")
        if name in arrays or name == META:
            raise ValueError(f"tg.save: two values would be stored under the name {name!r}; "
                             "rename a key (keys are joined with '.').")
        arrays[name] = np.asarray(obj)
        return {"array": name}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, keys + [i], arrays) for i, v in enumerate(obj)]
        return {"tuple": items} if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        for k in obj:
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"tg.save: dict keys must be str or int, got {k!r} at "
                                f"{_name(keys)!r}.")
        return {"dict": [[k, _encode(v, keys + [k], arrays)] for k, v in obj.items()]}
    raise TypeError(
        f"tg.save: cannot save a {type(obj).__name__} (at {_name(keys)!r}); checkpoints hold "
        "arrays, Tensors, numbers, strings, None, and dicts/lists/tuples of them."
    )


def _name(keys: list) -> str:
    return ".".join(str(k) for k in keys) or "<root>"


def _decode(node, arrays: dict):
    if isinstance(node, list):
        return [_decode(v, arrays) for v in node]
    if not isinstance(node, dict):
        return node
    (kind, value), = node.items()
    if kind == "array":
        return arrays[value]
    if kind == "tuple":
        return tuple(_decode(v, arrays) for v in value)
    if kind == "dict":
        return {k: _decode(v, arrays) for k, v in value}
    raise ValueError(f"unknown node {kind!r}")
