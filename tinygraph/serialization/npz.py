"""``.npz`` archives: one ``.npy`` member per array, read only after every size is checked.

What ``np.load`` would do with a hostile archive is allocate what its headers declare: a 3 MB
file of compressed zeros declaring 3 GB is expanded in full. So before any array data is read,
each member's ``.npy`` header (shape x itemsize) must agree with the archive's declared size
for it, the members' stored bytes must fit in the file, and compressed members may not expand
past ``MAX_EXPANSION`` times the file's size. Pickled (object) arrays are refused from their
header alone.
"""

from __future__ import annotations

import math
import os
import struct
import zipfile
import zlib

import numpy as np

from .errors import EXPANSION_FLOOR, MAX_EXPANSION, CheckpointError, damaged, megabytes

_HEADER_LIMIT = 10000  # bytes of .npy header, NumPy's own default limit
# What zipfile, zlib and np.lib.format raise on damaged bytes (an encrypted or oddly
# compressed member: RuntimeError, NotImplementedError).
_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, OSError,
           EOFError, ValueError, KeyError, TypeError, SyntaxError, RuntimeError)


def write(f, arrays: dict[str, np.ndarray]) -> None:
    """What ``np.savez`` writes, without its keyword arguments (a key named ``file`` or
    ``allow_pickle`` would collide with them)."""
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def read(path: str, source=None, size: int | None = None) -> dict[str, np.ndarray]:
    """Every array of the archive at ``path``, by name (without ``.npy``); or of the bytes in
    the file object ``source`` (``size`` of them; ``path`` then only names it in errors)."""
    try:
        with zipfile.ZipFile(path if source is None else source) as archive:
            members = archive.infolist()
            _check_archive(path, members, os.path.getsize(path) if size is None else size)
            for info in members:
                _check_member(path, archive, info)
            arrays = {}
            for info in members:  # every size is known to be sound: now read the data
                with archive.open(info) as member:
                    arrays[info.filename[:-4]] = np.lib.format.read_array(
                        member, allow_pickle=False, max_header_size=_HEADER_LIMIT)
            return arrays
    except CheckpointError:
        raise
    except _ERRORS as exc:
        raise damaged(path, exc) from None


def _check_archive(path: str, members: list[zipfile.ZipInfo], file_size: int) -> None:
    """The members' sizes, from the archive's directory, against the file's size."""
    names = [info.filename for info in members]
    if len(set(names)) != len(names):
        raise CheckpointError(f"tg.load: {path!r} is damaged: two of its members have the "
                              "same name.")
    for info in members:
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise CheckpointError(
                f"tg.load: {path!r} is damaged: its member {info.filename!r} is stored "
                f"uncompressed but declares {info.file_size} bytes in {info.compress_size}."
            )
    stored = sum(info.compress_size for info in members)
    if stored > file_size:  # members that overlap, or sizes that lie
        raise CheckpointError(
            f"tg.load: {path!r} is refused: its members declare {megabytes(stored)} of data "
            f"in a {megabytes(file_size)} file; it is damaged or crafted."
        )
    expanded = sum(info.file_size for info in members)
    allowed = max(MAX_EXPANSION * file_size, EXPANSION_FLOOR)
    if expanded > allowed:
        raise CheckpointError(
            f"tg.load: {path!r} is refused: this {megabytes(file_size)} file declares "
            f"{megabytes(expanded)} of arrays, more than {MAX_EXPANSION}x its size (a "
            "decompression bomb, or extremely repetitive compressed arrays). If you trust the "
            "file, read it with numpy.load(path) yourself."
        )


def _check_member(path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """The member's ``.npy`` header against the size the archive declares for it."""
    if not info.filename.endswith(".npy"):
        raise CheckpointError(
            f"tg.load: {path!r} is a zip archive but not a checkpoint written by tg.save: its "
            f"member {info.filename!r} is not a NumPy array (.npy)."
        )
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member, _HEADER_LIMIT)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(member, _HEADER_LIMIT)
        else:
            raise NotImplementedError(f".npy format version {version} in {info.filename!r}")
        header_size = member.tell()
    if dtype.hasobject:
        raise CheckpointError(
            f"tg.load: {path!r} is not a tinygraph checkpoint: it contains pickled Python "
            "objects, which are never loaded (they can run arbitrary code)."
        )
    declared = header_size + math.prod(shape) * dtype.itemsize
    if declared != info.file_size:
        raise CheckpointError(
            f"tg.load: {path!r} is refused: its member {info.filename!r} declares an array of "
            f"shape {tuple(shape)} and dtype {dtype} ({megabytes(declared)}) but holds "
            f"{megabytes(info.file_size)}; it is damaged or crafted."
        )
