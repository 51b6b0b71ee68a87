"""Named tuples some ops return, as ``torch.return_types``: ``x.max(dim)`` is
``(values, indices)``, readable by name (``.values``, ``.indices``) or unpacked."""

from __future__ import annotations

from collections import namedtuple


def _return_type(name: str, fields: tuple = ("values", "indices")) -> type:
    base = namedtuple(name, fields)

    def __repr__(self) -> str:
        inner = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"tinygraph.return_types.{name}(\n{inner})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__,
                               "__module__": "tinygraph.return_types"})
    return cls


max = _return_type("max")  # noqa: A001 - torch.return_types.max
min = _return_type("min")  # noqa: A001 - torch.return_types.min
sort = _return_type("sort")
topk = _return_type("topk")
median = _return_type("median")
mode = _return_type("mode")
kthvalue = _return_type("kthvalue")
cummax = _return_type("cummax")
cummin = _return_type("cummin")
nanmedian = _return_type("nanmedian")
aminmax = _return_type("aminmax", ("min", "max"))
triangular_solve = _return_type("triangular_solve", ("solution", "cloned_coefficient"))

__all__ = ["aminmax", "cummax", "cummin", "kthvalue", "max", "median", "min", "mode",
           "nanmedian", "sort", "topk", "triangular_solve"]
