"""``tinygraph.utils``: PyTorch's datasets and DataLoader (``torch.utils.data``) and
activation checkpointing (``torch.utils.checkpoint``)."""

from ..names import missing_name
from . import (
    checkpoint,  # noqa: F401 - `tg.utils.checkpoint.checkpoint(block, x)`
    data,  # noqa: F401 - `tg.utils.data.DataLoader`, as `torch.utils.data`
)

__all__ = ["checkpoint", "data"]

__getattr__ = missing_name(__name__, globals())
