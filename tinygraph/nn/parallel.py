"""``torch.nn.parallel`` on a machine without accelerators: what CPU-only PyTorch does.

Training scripts often wrap their model unconditionally, ``model = nn.DataParallel(model)``.
With no accelerator PyTorch's ``DataParallel`` keeps the module as ``.module`` with no device
ids and its forward is the module's own; the state_dict keys gain the ``module.`` prefix.
tinygraph does the same. ``DistributedDataParallel`` needs a process group, which tinygraph
does not have: it raises PyTorch's error for a program that did not initialise one.
"""

from __future__ import annotations

from ..names import missing_name
from .module import Module

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]


class DataParallel(Module):
    """Runs ``module`` as it is: no accelerator, so no replicas (``device_ids`` is ``[]``).

    >>> model = nn.DataParallel(nn.Linear(2, 3))
    >>> list(model.state_dict())
    ['module.weight', 'module.bias']
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.device_ids = []

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim: int = 0,
                  module_kwargs=None):
    """The functional form scatters onto accelerators; without one PyTorch refuses it, and so
    does tinygraph (the module wrapper, :class:`DataParallel`, runs on the CPU)."""
    raise RuntimeError("device type could not be determined (no accelerator: call the module "
                       "itself, or wrap it in nn.DataParallel, which runs it as it is).")


class DistributedDataParallel(Module):
    """Needs a process group (``torch.distributed``), which tinygraph does not have."""

    def __init__(self, module: Module, *args, **kwargs):
        raise ValueError(
            "Default process group has not been initialized, please make sure to call "
            "init_process_group. (tinygraph has no torch.distributed: train in one process, "
            "or wrap the model in nn.DataParallel, which runs it as it is.)")


__getattr__ = missing_name(__name__, globals())
