"""``torch.optim.swa_utils``: weight averaging. ``AveragedModel`` keeps a copy of a model
whose weights are the running average (SWA, the default) or an exponential moving average
(``get_ema_multi_avg_fn`` / ``get_ema_avg_fn``) of the model's weights at each
``update_parameters(model)``; ``SWALR`` anneals each group's learning rate to a constant
``swa_lr``; ``update_bn`` recomputes BatchNorm statistics with one pass over the data.

>>> ema = optim.swa_utils.AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.99))
>>> ema.update_parameters(model)          # after each optimizer.step()

Imported on first use of ``tg.optim.swa_utils`` (it builds on ``tg.nn``, which imports
``tg.optim``).
"""

from __future__ import annotations

import copy
import itertools
import math

from ..autograd import no_grad
from ..nn.layers import _BatchNorm
from ..nn.module import Module
from ..tensor import tensor
from .lr_scheduler.base import LRScheduler, per_group

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay: float) -> None:
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         "[0,1] range.")


def get_ema_multi_avg_fn(decay: float = 0.999):
    """In place, for lists of averaged and current tensors: ema <- lerp(ema, current,
    1 - decay) (integer tensors: ema * decay + current * (1 - decay), truncated)."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param_list, current_param_list, _):
        if ema_param_list[0].is_floating_point():
            for ema, current in zip(ema_param_list, current_param_list):
                ema.lerp_(current, 1 - decay)
        else:
            for ema, current in zip(ema_param_list, current_param_list):
                ema.copy_(ema * decay + current * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn():
    """In place, for lists: averaged <- lerp(averaged, current, 1 / (n + 1)), the running
    mean of n + 1 models."""

    @no_grad()
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        if averaged_param_list[0].is_floating_point():
            # a number, as torch's foreach lerp takes it (from n_averaged: float32-rounded)
            weight = float(1 / (num_averaged + 1))
            for averaged, current in zip(averaged_param_list, current_param_list):
                averaged.lerp_(current, weight)
        else:
            for averaged, current in zip(averaged_param_list, current_param_list):
                averaged.copy_(averaged + (current - averaged) / (num_averaged + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999):
    """One tensor's new average: decay * ema + (1 - decay) * current."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """One tensor's new running mean: averaged + (current - averaged) / (n + 1)."""

    @no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A deep copy of ``model`` (as ``self.module``; calling this calls it) whose parameters
    (and buffers, with ``use_buffers=True``) are averaged over ``update_parameters`` calls;
    ``n_averaged`` (an int64 buffer) counts them. The first call copies the model; later ones
    apply ``multi_avg_fn`` (lists, in place), ``avg_fn`` (one tensor, returns the new value)
    or, by default, the equal-weight running mean. Without ``use_buffers`` the buffers are
    copied from the model at every call."""

    def __init__(self, model: Module, device=None, avg_fn=None, multi_avg_fn=None,
                 use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", tensor(0))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _tensors(self, model: Module):
        if self.use_buffers:
            return list(itertools.chain(model.parameters(), model.buffers()))
        return list(model.parameters())

    @no_grad()
    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current weights into the average."""
        mine = [p.detach() for p in self._tensors(self.module)]
        theirs = [p.detach() for p in self._tensors(model)]
        if int(self.n_averaged) == 0:
            for averaged, current in zip(mine, theirs):
                averaged.copy_(current)
        elif self.avg_fn is not None:
            for averaged, current in zip(mine, theirs):
                averaged.copy_(self.avg_fn(averaged, current, self.n_averaged))
        else:
            update = self.multi_avg_fn or _one_by_one(get_swa_avg_fn())
            groups = {}  # by dtype, in order, as torch groups them
            for averaged, current in zip(mine, theirs):
                groups.setdefault(averaged.dtype, ([], []))
                groups[averaged.dtype][0].append(averaged)
                groups[averaged.dtype][1].append(current)
            for averaged_list, current_list in groups.values():
                update(averaged_list, current_list, self.n_averaged)
        if not self.use_buffers:
            for mine_buffer, their_buffer in zip(self.module.buffers(), model.buffers()):
                mine_buffer.detach().copy_(their_buffer.detach())
        self.n_averaged += 1


def _one_by_one(avg_fn):
    def update(averaged_list, current_list, num_averaged):
        for averaged, current in zip(averaged_list, current_list):
            averaged.copy_(avg_fn(averaged, current, num_averaged))

    return update


@no_grad()
def update_bn(loader, model: Module, device=None) -> None:
    """Recompute every BatchNorm's running statistics with one pass over ``loader`` (a batch
    is a tensor, or a list/tuple whose first item is the input), as a cumulative average."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for input in loader:
        if isinstance(input, (list, tuple)):
            input = input[0]
        model(input)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate from its current value to ``swa_lr`` over
    ``anneal_epochs`` steps (``anneal_strategy`` "cos" or "linear"), then hold it there.

    >>> swa_scheduler = optim.swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=5)
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs: int = 10,
                 anneal_strategy: str = "cos", last_epoch: int = -1) -> None:
        for value, group in zip(per_group("SWALR: swa_lr", optimizer, swa_lr),
                                optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        return swa_lr if alpha == 1 else (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list[float]:
        # the lr the annealing started from, recovered from the current one, then moved on
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        starts = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                  for group in self.optimizer.param_groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [group["swa_lr"] * alpha + lr * (1 - alpha)
                for group, lr in zip(self.optimizer.param_groups, starts)]

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else (
            self._linear_anneal)

    def state_dict(self) -> dict:
        """Everything but the optimizer and the annealing function (as PyTorch)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
