"""LRScheduler: the base of the epoch-driven schedules.

Like PyTorch, most schedules rescale the *current* ``group["lr"]`` at each step (the
"chainable" form), so their numbers equal torch's to the last bit; their docstrings give the
closed form they follow, which ``step(epoch)`` uses.
"""

from __future__ import annotations

import warnings

from ..optimizer import Optimizer


def check_optimizer(scheduler, optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(scheduler).__name__}: expected an Optimizer, got "
                        f"{type(optimizer).__name__}.")
    if not optimizer.param_groups:
        raise ValueError(f"{type(scheduler).__name__}: the optimizer has no parameter groups "
                         "yet; give it its parameters first (e.g. register_layers).")


def check_order(optimizer: Optimizer) -> None:
    """PyTorch's warning when the first ``scheduler.step()`` comes before any
    ``optimizer.step()``: the schedule's first learning rate would be skipped."""
    if not getattr(optimizer, "_opt_called", False):
        warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. Call "
                      "`optimizer.step()` first, then `lr_scheduler.step()`; in this order the "
                      "first value of the learning rate schedule is skipped (as in PyTorch).",
                      UserWarning, stacklevel=3)


def per_group(name: str, optimizer: Optimizer, value) -> list:
    """``value`` once per parameter group (a list or tuple must already have one per group)."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(f"{name} must have one value per parameter group: got "
                             f"{len(value)} values for {groups} groups.")
        return list(value)
    return [value] * groups


class LRScheduler:
    """Base: remembers each group's ``initial_lr`` (``base_lrs``) and sets ``group["lr"]`` on
    every ``step()``; ``get_last_lr()`` reads what the last step set.

    Create it after the optimizer and call ``step()`` once per epoch (or per batch, for
    ``OneCycleLR``), after ``optimizer.step()``::

        scheduler = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
        for epoch in range(100):
            train_one_epoch()
            scheduler.step()
    """

    _is_initial = False  # True during the constructor's step

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        check_optimizer(self, optimizer)
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when "
                               "resuming a scheduler with last_epoch >= 0: load the "
                               "optimizer's state_dict first.")
        self.optimizer = optimizer
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """The constructor's step (epoch 0: the starting learning rates); SequentialLR runs it
        again on the schedule it starts with."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for ``self.last_epoch`` (subclasses override)."""
        raise NotImplementedError

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and set every group's learning rate. (``epoch=`` jumps to that
        epoch with the closed form; deprecated in PyTorch, kept for old code.)"""
        if self._step_count == 1:
            check_order(self.optimizer)
        self._step_count += 1
        if epoch is not None:
            warnings.warn("The epoch parameter in `scheduler.step()` is deprecated (as in "
                          "PyTorch); call step() once per epoch.", UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        """Set the learning rates of the next epoch, or of ``epoch`` (by the closed form)."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        values = list(values)
        if len(values) != len(self.optimizer.param_groups):
            raise ValueError(
                f"{type(self).__name__}.step(): get_lr() gave {len(values)} learning rates for "
                f"{len(self.optimizer.param_groups)} parameter groups (as PyTorch, which zips "
                "them strictly); after optimizer.add_param_group(), append the new group's "
                "rate to scheduler.base_lrs too")
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._current()

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()``, one per group."""
        return list(self._last_lr)

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        """Everything but the optimizer (as PyTorch)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)


class _LRScheduler(LRScheduler):
    """PyTorch's old name of the base, kept (as torch keeps it) for schedulers written
    against it: ``class Warmup(_LRScheduler): def get_lr(self): ...``."""
