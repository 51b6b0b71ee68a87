"""Learning-rate schedules with ``torch.optim.lr_scheduler``'s names, signatures and sequences.

    scheduler = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch()          # ... optimizer.step() inside
        scheduler.step()

``base.py`` holds the base class, ``schedules.py`` the epoch schedules, ``one_cycle.py`` the
per-batch 1cycle policy, ``plateau.py`` the metric-driven ReduceLROnPlateau and
``sequences.py`` SequentialLR, ChainedScheduler and the restarting cosine.
"""

from ...names import missing_name
from .base import LRScheduler, _LRScheduler  # noqa: F401 (torch keeps the old name)
from .one_cycle import CyclicLR, OneCycleLR
from .plateau import ReduceLROnPlateau
from .schedules import (
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .sequences import ChainedScheduler, CosineAnnealingWarmRestarts, SequentialLR

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
           "LambdaLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau", "MultiplicativeLR",
           "ConstantLR", "PolynomialLR", "SequentialLR", "ChainedScheduler",
           "CosineAnnealingWarmRestarts", "CyclicLR"]

__getattr__ = missing_name(__name__, globals())
