"""Optimizers and learning-rate schedules, with ``torch.optim``'s names, defaults and update
rules.

>>> from tinygraph import optim
>>> opt = optim.Adam(model.parameters(), lr=1e-3)
>>> scheduler = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
"""

import importlib

from ..names import missing_name
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adam_variants import Adamax, NAdam, RAdam
from .asgd import ASGD
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "NAdam", "RAdam", "LBFGS", "Rprop", "ASGD", "lr_scheduler", "swa_utils"]

_missing = missing_name(__name__, globals())


def __getattr__(name: str):
    """``optim.swa_utils`` is imported on first use: it builds on ``tg.nn``, which imports
    this package."""
    if name == "swa_utils":
        return importlib.import_module(f"{__name__}.swa_utils")
    return _missing(name)
