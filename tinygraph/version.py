"""``torch.version``: the version strings scripts print. ``cuda`` and ``hip`` are None, as in
a CPU-only PyTorch build."""

__version__ = "0.1.0"  # tinygraph's own version (tg.__version__ reads it from here)
cuda = None
hip = None
git_version = "unknown"
debug = False

__all__ = ["__version__", "cuda", "hip", "git_version", "debug"]
