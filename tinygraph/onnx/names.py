"""Name bookkeeping: which name each value of the exported graph gets.

- Graph inputs and outputs: ``input_names`` / ``output_names`` as given, else ``input_0``,
  ``output_0``, ... (as torch, a shorter list names the first ones).
- Parameters and buffers: their ``state_dict`` names (``0.weight``, ``1.running_mean``),
  found by identity: a parameter that requires grad enters the graph as itself (its sink's
  leaf), a buffer or a frozen parameter as its array.
- Everything else (constants, intermediate values): a short name made unique.
"""

from __future__ import annotations

from collections.abc import Sequence


class Namer:
    """Unique names, and the names the model gives its parameters and buffers."""

    def __init__(self, model_or_fn) -> None:
        self.taken: set[str] = set()
        params = getattr(model_or_fn, "named_parameters", None)
        buffers = getattr(model_or_fn, "named_buffers", None)
        named_params = list(params()) if callable(params) else []
        named_buffers = list(buffers()) if callable(buffers) else []
        self.of_tensor = {id(t): name for name, t in named_params}
        self.of_array = {id(t._data): name for name, t in named_params + named_buffers}

    def unique(self, base: str) -> str:
        """``base``, or ``base_1``, ``base_2``... when it is taken."""
        name, k = base, 0
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name

    def reserve(self, names: Sequence[str], what: str) -> None:
        """Claim the user's input and output names; two values cannot share one."""
        for name in names:
            if name in self.taken:
                raise ValueError(f"tg.onnx.export: the {what} name {name!r} is used twice.")
            self.taken.add(name)


def io_names(given, count: int, prefix: str, what: str) -> list[str]:
    """``given`` names for the first values, ``{prefix}_{i}`` for the rest."""
    given = list(given or [])
    if len(given) > count:
        raise ValueError(
            f"tg.onnx.export: {len(given)} {what} given ({given}) but the model has {count} "
            f"{what.split('_')[0]}s."
        )
    if not all(isinstance(n, str) and n for n in given):
        raise TypeError(f"tg.onnx.export: {what} must be non-empty strings, got {given}.")
    return given + [f"{prefix}_{i}" for i in range(len(given), count)]


def dynamic_dims(dynamic_axes, shapes: dict[str, tuple]) -> dict[str, dict[int, str]]:
    """torch's ``dynamic_axes`` ({name: {axis: dim_name}} or {name: [axes]}) checked against
    the inputs' and outputs' shapes, as {name: {axis >= 0: dim_name}}."""
    result: dict[str, dict[int, str]] = {}
    for name, axes in (dynamic_axes or {}).items():
        if name not in shapes:
            raise ValueError(
                f"tg.onnx.export: dynamic_axes names {name!r}, which is not an input or output "
                f"name; the names are {sorted(shapes)}."
            )
        if not isinstance(axes, dict):
            axes = {axis: f"{name}_dynamic_axes_{k + 1}" for k, axis in enumerate(axes)}
        ndim = len(shapes[name])
        result[name] = {}
        for axis, dim in axes.items():
            if not isinstance(axis, int) or not -ndim <= axis < ndim:
                raise ValueError(
                    f"tg.onnx.export: dynamic_axes[{name!r}] names axis {axis!r}, but {name!r} "
                    f"has shape {shapes[name]} ({ndim} axes)."
                )
            result[name][axis % ndim] = str(dim)
    return result
