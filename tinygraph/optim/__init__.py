"""Optimizers and learning-rate schedules, with ``torch.optim``'s update rules.

>>> from tinygraph import optim
>>> opt = optim.Adam(model.parameters(), lr=1e-3)
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "lr_scheduler"]
