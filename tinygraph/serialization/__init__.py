"""``tg.save`` / ``tg.load``: checkpoints as ``.npz`` (the default) or ``.safetensors`` files,
never pickle.

``.npz``: a Module's ``state_dict()`` (name -> array) is stored as one entry per name, so
``np.load`` reads the file too. Nested checkpoints work as well: dicts (str or int keys),
lists, tuples, numbers, strings, booleans and None, such as an optimizer's ``state_dict()`` or
``{"model": ..., "optimizer": ..., "epoch": 3}`` (see ``structure.py``). Tensors are saved as
their arrays and load as NumPy arrays, like ``state_dict()`` values.

``.safetensors`` (chosen by the extension; needs ``pip install tinygraph[safetensors]``): a
flat name -> tensor map, the format PyTorch and Hugging Face load; see ``safetensors_file.py``.

Both are written atomically (``atomic.py``): a crash leaves the previous file intact and no
temporary file outlives the next save. Both are read without ever running code from the file,
and a damaged, foreign or hostile file raises :class:`CheckpointError` before anything large
is allocated (``npz.py`` checks every declared size against the file first).
"""

from __future__ import annotations

import io
import os

import numpy as np

from ..device import as_device, device
from . import npz, safetensors_file, structure
from .atomic import write_atomically
from .errors import CheckpointError

__all__ = ["CheckpointError", "load", "save"]


def save(obj, path: str | os.PathLike | io.IOBase, pickle_module=None, pickle_protocol=None,
         _use_new_zipfile_serialization: bool = True) -> None:
    """Write ``obj`` (a ``state_dict()``, or a dict nesting several) to ``path`` atomically.

    The format follows the extension: ``.safetensors`` for a flat ``state_dict()`` that
    PyTorch loads with ``safetensors.torch.load_file``; anything else is ``.npz``, which also
    holds nested checkpoints (an optimizer's ``state_dict()``, epochs, strings).

    >>> tg.save(model.state_dict(), "model.npz")
    >>> model.load_state_dict(tg.load("model.npz"))
    >>> tg.save(model.state_dict(), "model.safetensors")   # pip install tinygraph[safetensors]

    ``path`` may also be a file object opened for writing (``io.BytesIO()``, as with
    ``torch.save``); it receives the ``.npz`` bytes directly (not atomically: it is yours).

    PyTorch's pickling options are accepted and have nothing to do: nothing is pickled.
    """
    _refuse_pickle_module("save", pickle_module)
    if hasattr(path, "write"):  # a file object (io.BytesIO, an open file): .npz, in one go
        text, arrays = structure.encode(obj)
        arrays[structure.META] = np.array(text)
        npz.write(path, arrays)
        return
    path = os.fspath(path)
    if _is_safetensors(path):
        data = safetensors_file.encode(obj)
        write_atomically(path, lambda f: f.write(data))
        return
    text, arrays = structure.encode(obj)
    arrays[structure.META] = np.array(text)
    write_atomically(path, lambda f: npz.write(f, arrays))


def load(path: str | os.PathLike | io.IOBase, map_location=None, pickle_module=None, *,
         weights_only: bool | None = None, mmap: bool | None = None, **pickle_load_args):
    """Read a checkpoint written by ``save``, any pickle-free ``.npz`` of arrays, or (by the
    extension) any ``.safetensors`` file; arrays come back as NumPy arrays.

    A damaged, truncated, foreign or hostile file raises :class:`CheckpointError` naming the
    path and what is wrong with it. PyTorch's arguments are accepted: ``map_location`` may
    name the CPU (a string, a ``tg.device``, a dict or a function of tinygraph's one device);
    ``weights_only`` is what tinygraph always does (it never unpickles).
    """
    _refuse_pickle_module("load", pickle_module)
    if isinstance(map_location, (str, device)):
        as_device(map_location, "tg.load(map_location=...)")
    source = size = None
    if hasattr(path, "read"):  # a file object that tg.save wrote to: read it whole
        content = path.read()
        source, size, path = io.BytesIO(content), len(content), "<file object>"
        magic = content[:4]
    else:
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"tg.load: no such file: {path!r}")
        if _is_safetensors(path):
            return safetensors_file.read(path)
        with open(path, "rb") as f:
            magic = f.read(4)
    if magic != b"PK\x03\x04":  # every .npz is a zip archive
        what = "is empty" if not magic else f"starts with {magic!r}, not a zip header"
        raise CheckpointError(
            f"tg.load: {path!r} is not a checkpoint written by tg.save: the file {what}."
        )
    arrays = npz.read(path, source, size)
    meta = arrays.pop(structure.META, None)
    if meta is None:  # a plain .npz of arrays (np.savez): name -> array
        return arrays
    return structure.decode(str(meta), arrays, path)


def _is_safetensors(path: str) -> bool:
    return path.lower().endswith(".safetensors")


def _refuse_pickle_module(what: str, pickle_module) -> None:
    if pickle_module is not None:
        raise ValueError(f"tg.{what}: pickle_module={pickle_module!r} given, but tinygraph "
                         "never pickles (files are .npz or .safetensors); leave it out.")
