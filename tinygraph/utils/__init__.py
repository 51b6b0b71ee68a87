"""``tinygraph.utils.data``: PyTorch's datasets and DataLoader (``torch.utils.data``)."""

from . import data  # noqa: F401 - `tg.utils.data.DataLoader`, as `torch.utils.data`
