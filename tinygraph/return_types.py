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
frexp = _return_type("frexp", ("mantissa", "exponent"))
nanmedian = _return_type("nanmedian")
aminmax = _return_type("aminmax", ("min", "max"))
triangular_solve = _return_type("triangular_solve", ("solution", "cloned_coefficient"))
svd = _return_type("svd", ("U", "S", "V"))
linalg_svd = _return_type("linalg_svd", ("U", "S", "Vh"))
qr = _return_type("qr", ("Q", "R"))
linalg_qr = _return_type("linalg_qr", ("Q", "R"))
linalg_cholesky_ex = _return_type("linalg_cholesky_ex", ("L", "info"))
linalg_inv_ex = _return_type("linalg_inv_ex", ("inverse", "info"))
linalg_solve_ex = _return_type("linalg_solve_ex", ("result", "info"))
linalg_eigh = _return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
slogdet = _return_type("slogdet", ("sign", "logabsdet"))
linalg_slogdet = _return_type("linalg_slogdet", ("sign", "logabsdet"))
linalg_lstsq = _return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))

__all__ = ["aminmax", "cummax", "cummin", "frexp", "kthvalue", "linalg_cholesky_ex", "linalg_eigh",
           "linalg_inv_ex", "linalg_solve_ex", "linalg_lstsq", "linalg_qr", "linalg_slogdet",
           "linalg_svd", "max", "median", "min", "mode", "nanmedian", "qr", "slogdet", "sort",
           "svd", "topk", "triangular_solve"]
