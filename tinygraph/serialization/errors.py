"""The error every reader raises for a file it cannot load, and the limits it checks first."""

from __future__ import annotations

# A checkpoint nests dicts and lists a few levels deep (an optimizer's state dict: 4). Deeper
# structure is refused on save and on load, before Python's recursion limit is reached.
MAX_DEPTH = 100

# Compressed .npz members (np.savez_compressed) may expand: all together to at most this many
# times the file's size, or to _FLOOR bytes for small files. Real arrays compress a few times
# (zeros: about 1000x, DEFLATE's limit); a file claiming more is refused before anything is
# decompressed. tg.save writes uncompressed members, which can never expand.
MAX_EXPANSION = 100
EXPANSION_FLOOR = 64 * 2**20


class CheckpointError(ValueError, OSError):
    """A file that ``tg.load`` cannot read as a checkpoint: damaged, truncated, foreign or
    hostile (a size or a nesting depth that a genuine file cannot have)."""


def damaged(path: str, exc: BaseException, what: str = "an .npz file") -> CheckpointError:
    """The error for a file a reader library refused, with the library's reason."""
    return CheckpointError(
        f"tg.load: cannot read {path!r}: it is damaged, truncated, or not {what} written by "
        f"tg.save ({type(exc).__name__}: {exc})."
    )


def megabytes(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"
