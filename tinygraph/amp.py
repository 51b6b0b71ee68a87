"""``tg.amp``: PyTorch's mixed-precision helpers, for a library that computes every op in its
tensors' own dtype.

``GradScaler`` scales the loss, unscales the gradients before the step and skips a step
whose gradients overflowed, as ``torch.amp.GradScaler``; as in a CPU-only PyTorch, a scaler
for ``"cuda"`` disables itself with a warning, so ``scaler.scale(loss).backward();
scaler.step(opt); scaler.update()`` runs either way. ``autocast`` with ``enabled=False`` is a
no-op; enabled, it is refused (tinygraph has no reduced-precision kernels), rather than
silently computing in full precision.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np


class GradScaler:
    """Loss scaling with PyTorch's update rule: the scale is multiplied by ``growth_factor``
    after ``growth_interval`` steps without an inf/NaN gradient and by ``backoff_factor``
    (and the step skipped) when one appears."""

    def __init__(self, device: str = "cuda", init_scale: float = 65536.0,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self.device = str(device)
        if enabled and self.device != "cpu":
            warnings.warn(f"GradScaler for {self.device!r} is enabled, but tinygraph runs on the "
                          "CPU. Disabling.", UserWarning, stacklevel=2)
            enabled = False
        self._enabled = enabled
        self._scale, self._growth_tracker = float(init_scale), 0
        self._growth_factor, self._backoff_factor = float(growth_factor), float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._unscaled: dict = {}  # id(optimizer) -> whether its gradients held inf/NaN

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def scale(self, outputs):
        """``outputs`` times the scale (a Tensor, or a list/tuple of them)."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place (once per step)."""
        if not self._enabled:
            return
        if id(optimizer) in self._unscaled:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        found = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    g = p.grad._data
                    g *= 1.0 / self._scale
                    found = found or not bool(np.isfinite(g).all())
        self._unscaled[id(optimizer)] = found

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step()`` unless the (unscaled) gradients hold an inf or NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if id(optimizer) not in self._unscaled:
            self.unscale_(optimizer)
        if self._unscaled[id(optimizer)]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | None = None) -> None:
        """Adjust the scale for the next step (or set it to ``new_scale``)."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif any(self._unscaled.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale *= self._growth_factor
                self._growth_tracker = 0
        self._unscaled = {}

    def state_dict(self) -> dict:
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state: dict) -> None:
        if not self._enabled:
            return
        self._scale = float(state["scale"])
        self._growth_factor = float(state["growth_factor"])
        self._backoff_factor = float(state["backoff_factor"])
        self._growth_interval = int(state["growth_interval"])
        self._growth_tracker = int(state["_growth_tracker"])


@contextlib.contextmanager
def autocast(device_type: str = "cpu", dtype=None, enabled: bool = True,
             cache_enabled: bool | None = None):
    """PyTorch's autocast region: with ``enabled=False`` the code runs as it is; enabled, it is
    refused, as tinygraph has no reduced-precision kernels to cast to."""
    if enabled:
        raise NotImplementedError(
            f"autocast(device_type={device_type!r}, dtype={dtype}): tinygraph computes every op "
            "in its tensors' own dtype and has no mixed precision; run the region without "
            "autocast (or with enabled=False), or cast the model with model.half()/double().")
    yield
