"""The op library: op classes by theme (elementwise, reduce, shape, linalg), the public
functions that apply them, and the Tensor namespace used under ``create_graph``."""

from . import namespace  # noqa: F401 - registers the Tensor namespace with the engine
