"""The public op functions by name, for modules written before ``tinygraph.ops`` gave them
directly: ``functions.exp`` is ``tinygraph.ops.exp``. (Transitional; new code imports
``tinygraph.ops``.)"""

from .args import data as _data  # noqa: F401
from .args import ndim as _ndim  # noqa: F401
from .args import shape as _shape  # noqa: F401
from .registry import functions as _functions
from .shape import getitem, scatter_into, setitem  # noqa: F401


def __getattr__(name: str):
    try:
        return _functions[name]
    except KeyError:
        raise AttributeError(f"tinygraph.ops.functions has no attribute {name!r}") from None
