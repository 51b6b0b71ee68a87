"""``torch.version``'s fields for a CPU-only build: scripts print ``torch.version.cuda``."""

__version__ = "0.1.0"
cuda = None  # no CUDA build
hip = None
debug = False
