"""The one device, the CPU: ``tg.device("cpu")``, ``x.device``, ``device=`` arguments.

tinygraph computes with NumPy on the CPU. Asking for another device ("cuda", "mps", ...) raises
one error, the same wherever it is asked (``tg.device``, ``x.to``, ``model.to``, a factory's
``device=``), and it names the ways to run a model elsewhere.
"""

from __future__ import annotations

# PyTorch's device types: known words get the CPU-only message, others "unknown device".
ACCELERATORS = frozenset("cuda mps xpu hip xla meta ipu mtia vulkan hpu maia lazy mkldnn "
                         "opengl opencl ideep ve fpga privateuseone".split())


def cpu_only(what: str) -> RuntimeError:
    """The error for a request to compute anywhere but the CPU."""
    return RuntimeError(
        f"{what}: tinygraph runs on the CPU only. To run a model elsewhere, export it with "
        "tg.onnx.export(model, example_input, 'model.onnx') (ONNX Runtime runs it on GPUs), or "
        "save its weights with tg.save(model.state_dict(), 'model.safetensors') and load them "
        "into the same model written with torch.nn."
    )


class MissingDeviceAttribute(AttributeError, RuntimeError):
    """``tg.cuda.<name>`` or ``tg.accelerator.<name>`` that a CPU-only library lacks: the
    CPU-only RuntimeError, and an AttributeError too, so ``hasattr(torch.cuda, name)`` and
    ``getattr(..., default)`` answer instead of raising."""


def missing_device_attribute(module: str, name: str) -> MissingDeviceAttribute:
    """The error for ``module.name`` (a device module's function tinygraph lacks)."""
    return MissingDeviceAttribute(*cpu_only(f"{module}.{name}").args)


class device:  # noqa: N801 - PyTorch's name
    """A device, as ``torch.device``; only the CPU exists.

    >>> tg.device("cpu")
    device(type='cpu')
    >>> tg.zeros(2).device == "cpu"
    True
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index: int | None = None) -> None:  # noqa: A002 - torch's name
        self.type, self.index = _parse(type, index, f"tg.device({type!r})")

    def __repr__(self) -> str:
        extra = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{extra})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):  # x.device == "cpu" (a convenience PyTorch lacks)
            return str(self) == other
        if isinstance(other, device):
            return (self.type, self.index) == (other.type, other.index)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return device, (self.type, self.index)



def as_device(value, what: str) -> device:
    """``device=`` / ``.to(...)``'s device: None and any spelling of the CPU give ``CPU``;
    another device raises the CPU-only error naming ``what``."""
    if value is None or value is CPU:
        return CPU
    if isinstance(value, device):
        return value
    kind, index = _parse(value, None, what)
    return CPU if index is None else device(kind, index)


def _parse(kind, index, what: str) -> tuple:
    """(type, index) of a device spelled ``kind`` ("cpu", "cpu:0", a device, an int)."""
    if isinstance(kind, device):
        kind, index = kind.type, kind.index if index is None else index
    elif isinstance(kind, str) and ":" in kind and index is None:
        kind, _, number = kind.partition(":")
        index = int(number) if number.isdigit() else number
    if not isinstance(kind, str) or kind in ACCELERATORS:  # an int: an accelerator's index
        raise cpu_only(what)
    if kind != "cpu":
        raise RuntimeError(f"{what}: unknown device type {kind!r}; tinygraph has one device, "
                           "'cpu'.")
    if index is not None and (not isinstance(index, int) or index < 0):
        raise RuntimeError(f"{what}: a device index is a non-negative int, got {index!r}.")
    return kind, index


CPU = device("cpu")


def is_device(value) -> bool:
    """Whether ``.to(value)`` means a device (a device, an index, a device string), not a
    dtype."""
    if isinstance(value, device):
        return True
    if isinstance(value, str):
        return value.split(":")[0] in ACCELERATORS | {"cpu"}
    return isinstance(value, int) and not isinstance(value, bool)
