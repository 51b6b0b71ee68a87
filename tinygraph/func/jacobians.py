"""``torch.func.jacrev``, ``jacfwd`` and ``hessian``: whole Jacobians, one reverse pass per
output element (``jacfwd`` computes the same values by reverse mode; the layout is torch's:
``jac.shape == output.shape + input.shape``).

    >>> tg.func.jacrev(tg.sin)(x)                     # diag(cos(x))
    >>> tg.func.jacrev(f, argnums=(0, 1))(a, b)       # (df/da, df/db)
    >>> tg.func.hessian(lambda x: (x ** 3).sum())(x)  # diag(6 x)

The result is nested as torch's: the output's structure outside, and for each output tensor
the structure of the differentiated arguments (a tuple of them when ``argnums`` is a tuple).
"""

from __future__ import annotations

import functools

import numpy as np

from ..autograd import enable_grad
from ..factories import from_numpy, zeros
from ..ops import registry
from ..tensor import Tensor
from . import pytree
from .level import Level
from .transforms import enter_args, gradients, split_aux

stack = registry.functions["stack"]


def _check_chunk(chunk_size, fn: str) -> None:
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError(f"{fn}: `chunk_size` should be greater than 0.")


def _rows(level: Level, output: Tensor, inputs: list) -> list:
    """The Jacobian of ``output`` with respect to each of ``inputs``: one vector-Jacobian
    product per element of ``output`` (a one-hot cotangent), stacked and reshaped."""
    n = output.numel()
    shape = tuple(output.shape)
    if n == 0 or not output.requires_grad:
        return [zeros(shape + tuple(t.shape), dtype=t.dtype) for t in inputs]
    eye = np.eye(n, dtype=output.dtype)
    per_row = []
    for k in range(n):
        seed = from_numpy(eye[k].reshape(shape))
        per_row.append(gradients(level, [output], inputs, [seed]))
    return [stack(list(column), 0).reshape(shape + tuple(t.shape))
            for column, t in zip(zip(*per_row), inputs)]


def jacrev(func, argnums=0, *, has_aux: bool = False, chunk_size=None,
           _preallocate_and_copy=False, _fn: str = "jacrev"):
    """``torch.func.jacrev``: a function returning the Jacobian of ``func`` with respect to
    the arguments ``argnums`` (``(jacobian, aux)`` with ``has_aux``). ``chunk_size`` is
    accepted (the rows are computed one at a time here whatever it is)."""
    _check_chunk(chunk_size, _fn)
    fn = "vjp(f, *primals)"

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        level = Level()
        with enable_grad():
            inner_args, leaves_per, specs, single = enter_args(level, args, argnums, _fn)
            result, aux = split_aux(func(*inner_args, **kwargs), has_aux, fn)
            outs, out_spec = pytree.flatten(result)
            for o in outs:
                if not isinstance(o, Tensor):
                    raise RuntimeError(f"{fn}: expected f(*primals) to return only tensors, "
                                       f"got unsupported type {type(o)}")
            flat = [t for leaves in leaves_per for t in leaves]
            per_output = []
            for o in outs:
                jacs = iter([level.export(j) for j in _rows(level, o, flat)])
                trees = [pytree.unflatten([next(jacs) for _ in leaves], spec)
                         for leaves, spec in zip(leaves_per, specs)]
                per_output.append(trees[0] if single else tuple(trees))
        jacobian = pytree.unflatten(per_output, out_spec)
        if has_aux:
            aux_leaves, aux_spec = pytree.flatten(aux)
            return jacobian, pytree.unflatten([level.export(t) for t in aux_leaves], aux_spec)
        return jacobian

    return wrapper


def jacfwd(func, argnums=0, has_aux: bool = False, *, randomness: str = "error"):
    """``torch.func.jacfwd``: the same Jacobian as ``jacrev`` (torch builds it column by
    column in forward mode; tinygraph computes the same values row by row in reverse mode).
    ``randomness`` is accepted as torch's."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    return jacrev(func, argnums, has_aux=has_aux, _fn="jacfwd")


def hessian(func, argnums=0):
    """``torch.func.hessian``: ``jacfwd(jacrev(func, argnums), argnums)``, the matrix of
    second derivatives (shape ``output.shape + input.shape + input.shape``)."""
    return jacfwd(jacrev(func, argnums), argnums)
