"""``tg.amp``: PyTorch's mixed-precision helpers, for a library that computes every op in its
tensors' own dtype.

``GradScaler`` scales the loss, unscales the gradients before the step and skips a step
whose gradients overflowed, as ``torch.amp.GradScaler``; as in a CPU-only PyTorch, a scaler
for ``"cuda"`` disables itself with a warning, so ``scaler.scale(loss).backward();
scaler.step(opt); scaler.update()`` runs either way. ``autocast`` for ``"cuda"`` disables itself
too, with PyTorch's warning, and with ``enabled=False`` it is a no-op; enabled on the CPU it
is refused (tinygraph has no reduced-precision kernels), rather than silently computing in
full precision.
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


# torch.autocast's device types (a CPU-only PyTorch accepts them all and casts on the CPU only)
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                 "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")


class autocast(contextlib.ContextDecorator):  # noqa: N801 - PyTorch's name
    """PyTorch's autocast region, as a CPU-only PyTorch runs it: for ``"cuda"`` it disables
    itself with PyTorch's warning (the usual ``with torch.autocast("cuda"):`` training loop
    runs in full precision), for another accelerator it changes nothing, and with
    ``enabled=False`` the code runs as it is. Enabled for ``"cpu"`` it is refused: PyTorch
    would compute in bfloat16 there, and tinygraph has no reduced-precision kernels. A
    context manager and a decorator, as torch's."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if device_type not in _DEVICE_TYPES:
            raise RuntimeError(f"autocast: expected one of {', '.join(_DEVICE_TYPES)} as the "
                               f"device type, got {device_type!r}.")
        if enabled and device_type == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling "
                          "autocast.", UserWarning, stacklevel=2)
            enabled = False
        self.device, self.fast_dtype, self._enabled = device_type, dtype, enabled

    def __enter__(self):
        if self._enabled and self.device == "cpu":
            raise NotImplementedError(
                f"autocast(device_type='cpu', dtype={self.fast_dtype}): tinygraph computes "
                "every op in its tensors' own dtype and has no mixed precision; run the region "
                "without autocast (or with enabled=False), or cast the model with "
                "model.half()/double().")
        return self

    def __exit__(self, *exc) -> bool:
        return False


class CudaAmp:
    """``torch.cuda.amp``, PyTorch's older spelling: its ``GradScaler`` and its ``autocast``
    (deprecated in PyTorch, which says so and then disables it on a CPU-only build)."""

    class GradScaler(GradScaler):
        """``torch.cuda.amp.GradScaler``: deprecated in PyTorch, which says so."""

        def __init__(self, init_scale: float = 65536.0, growth_factor: float = 2.0,
                     backoff_factor: float = 0.5, growth_interval: int = 2000,
                     enabled: bool = True) -> None:
            warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                          "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning,
                          stacklevel=2)
            super().__init__("cuda", init_scale, growth_factor, backoff_factor,
                             growth_interval, enabled)

    @staticmethod
    def autocast(enabled: bool = True, dtype=None, cache_enabled: bool = True):
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        return autocast("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)
