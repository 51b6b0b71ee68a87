"""``torch.func.vmap`` (also ``tg.vmap``) and ``stack_module_state``.

tinygraph's ``vmap`` is correct, not fast: it calls ``func`` once per slice along the mapped
dimension and stacks the results (torch rewrites each op to run batched). Values, shapes and
gradients are torch's; the cost is a Python loop over the batch. Because each call sees an
ordinary tensor, things torch refuses inside ``vmap`` work here (``.item()``, data-dependent
``if``); a program that relies on that will not run on torch.

    >>> tg.vmap(tg.dot)(a, b)                                   # row-wise dot products
    >>> tg.vmap(f, in_dims=(None, 0))(w, xs)                    # w shared, xs mapped
    >>> tg.vmap(tg.func.grad(loss), in_dims=(None, None, 0, 0))(params, buffers, x, y)

``in_dims``/``out_dims`` are ints, ``None`` (not mapped) or nested tuples/lists/dicts matching
the inputs/outputs; ``randomness``: ``'error'`` (a random draw inside raises, as torch),
``'different'`` (each slice draws its own) or ``'same'`` (every slice draws the same numbers).
Random ops given an explicit ``generator=`` are not checked.
"""

from __future__ import annotations

import functools

from .. import random as _random
from ..autograd import no_grad
from ..ops import registry
from ..tensor import Tensor
from . import pytree

_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please either "
                 "use the 'same' or 'different' randomness flags on vmap or perform the "
                 "randomness operation out of vmap")


class _NoRandomness:
    """Stands in for the default NumPy generator while ``randomness='error'``."""

    def __getattr__(self, name):
        raise RuntimeError(_RANDOM_ERROR)


def _is_dim(value) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def _structure(tree) -> str:
    return pytree.describe(pytree.flatten(tree)[1])


def _mapped(args: tuple, in_dims, name: str):
    """Per leaf of ``args``: its normalized mapped dim (or None); and the batch size."""
    head = f"vmap({name}, in_dims={in_dims!r}, ...)(<inputs>)"
    if not (_is_dim(in_dims) and in_dims is not None) and not isinstance(in_dims, tuple):
        raise ValueError(f"{head}: expected `in_dims` to be int or a (potentially nested) "
                         f"tuple matching the structure of inputs, got: {type(in_dims)}.")
    leaves, spec = pytree.flatten(args)
    dims = pytree.broadcast_prefix(in_dims, args, _is_dim)
    if dims is None:
        raise ValueError(f"{head}: in_dims is not compatible with the structure of `inputs`. "
                         f"in_dims has structure {_structure(in_dims)} but inputs has "
                         f"structure {_structure(args)}.")
    sizes, normalized = [], []
    for leaf, d in zip(leaves, dims):
        if d is None:
            normalized.append(None)
            continue
        if not isinstance(leaf, Tensor):
            raise ValueError(f"{head}: Got in_dim={d} for an input but the input is of type "
                             f"{type(leaf)}. We cannot vmap over non-Tensor arguments, please "
                             "use None as the respective in_dim")
        nd = leaf.dim()
        if not -nd <= d < nd:
            raise ValueError(f"{head}: Got in_dim={d} for some input, but that input is a "
                             f"Tensor of dimensionality {nd} so expected in_dim to satisfy "
                             f"-{nd} <= in_dim < {nd}.")
        normalized.append(d % nd)
        sizes.append(leaf.shape[d % nd])
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if len(set(sizes)) > 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    return leaves, spec, normalized, sizes[0]


def _slice(leaf, d, i):
    return leaf if d is None else leaf[(slice(None),) * d + (i,)]


def _run(func, leaves, spec, dims, batch: int, kwargs, randomness: str) -> list:
    """``func`` on each slice (the results' pytrees, in order)."""
    generator = _random.default_generator
    saved_rng = generator._rng
    state = generator.get_state() if randomness == "same" else None
    results = []
    try:
        for i in range(batch):
            if randomness == "error":
                generator._rng = _NoRandomness()
            elif randomness == "same":
                generator.set_state(state)
            results.append(func(*pytree.unflatten(
                [_slice(t, d, i) for t, d in zip(leaves, dims)], spec), **kwargs))
            if randomness == "error":
                generator._rng = saved_rng
    finally:
        if randomness == "error":
            generator._rng = saved_rng
    return results


def _empty_batch(func, leaves, spec, dims, kwargs):
    """A zero-size batch: ``func`` once on zero-filled slices, for the result shapes only."""
    with no_grad():
        stand_ins = [t if d is None else
                     t.detach().new_zeros(tuple(s for k, s in enumerate(t.shape) if k != d))
                     for t, d in zip(leaves, dims)]
        return func(*pytree.unflatten(stand_ins, spec), **kwargs)


def _combine(name: str, results: list, out_dims, empty: bool):
    """The per-slice results stacked along ``out_dims``, in the results' structure."""
    flat = [pytree.flatten(r) for r in results]
    out_spec = flat[0][1]
    if any(not pytree.same_structure(s, out_spec) for _, s in flat):
        raise ValueError(f"vmap({name}, ...): `{name}` must return the same structure for "
                         "every slice of the batch.")
    dims = pytree.broadcast_prefix(out_dims, results[0], _is_dim)
    if dims is None:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims!r})(<inputs>): out_dims is not "
                         "compatible with the structure of `outputs`. out_dims has structure "
                         f"{_structure(out_dims)} but outputs has structure "
                         f"{pytree.describe(out_spec)}.")
    stack = registry.functions["stack"]
    combined = []
    for k, d in enumerate(dims):
        column = [leaves[k] for leaves, _ in flat]
        first = column[0]
        if d is None:
            if any(c is not first and not _same_tensor(c, first) for c in column[1:]):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor "
                                 "when out_dim is None")
            combined.append(first)
            continue
        if not isinstance(first, Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                             f"{type(first)}. Did you mean to set out_dims= to None for output?")
        nd = first.dim() + 1
        if not -nd <= d < nd:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, "
                             f"{nd - 1}], but got {d}) (vmap's out_dims for an output of "
                             f"{nd - 1} dims)")
        stacked = stack(column, d % nd)
        if empty:
            stacked = stacked[(slice(None),) * (d % nd) + (slice(0, 0),)]
        combined.append(stacked)
    return pytree.unflatten(combined, out_spec)


def _same_tensor(a, b) -> bool:
    """Whether two slices' outputs are one unbatched value (out_dims=None)."""
    return (isinstance(a, Tensor) and isinstance(b, Tensor) and a.shape == b.shape
            and bool((a == b).all()))


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """``torch.func.vmap``: ``func`` mapped over a dimension of its inputs (one call per
    slice here, results stacked along ``out_dims``). ``chunk_size`` is accepted and
    validated; it changes nothing, the slices being run one at a time anyway."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got "
                         f"{chunk_size})")
    name = getattr(func, "__name__", type(func).__name__)

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        if not args:
            raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add "
                             "inputs, or you are trying to vmap over a function with no "
                             "inputs. The latter is unsupported.")
        leaves, spec, dims, batch = _mapped(args, in_dims, name)
        if batch == 0:
            return _combine(name, [_empty_batch(func, leaves, spec, dims, kwargs)], out_dims,
                            True)
        results = _run(func, leaves, spec, dims, batch, kwargs, randomness)
        return _combine(name, results, out_dims, False)

    return wrapped


def stack_module_state(models) -> tuple[dict, dict]:
    """``torch.func.stack_module_state``: the parameters and buffers of same-class models
    stacked along a new first dimension, as ``(params, buffers)`` dicts of dotted names (the
    stacked parameters are new leaves that require grad), for ``vmap`` over an ensemble:

        params, buffers = tg.func.stack_module_state(models)
        vmap(lambda p, b, x: functional_call(base, (p, b), (x,)), in_dims=(0, 0, None))(
            params, buffers, x)
    """
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same "
                           "training/eval mode.")
    if any(type(m) is not type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    stack = registry.functions["stack"]

    def leaf(name, tensors):
        needs = [t.requires_grad for t in tensors]
        if any(needs) and not all(needs):
            raise RuntimeError(f"Expected {name} from each model to have the same "
                               ".requires_grad")
        result = stack(list(tensors), 0)
        return result.detach().requires_grad_() if all(needs) else result.detach()

    all_params = [dict(m.named_parameters()) for m in models]
    all_buffers = [dict(m.named_buffers()) for m in models]
    params = {k: leaf(k, [p[k] for p in all_params]) for k in all_params[0]}
    buffers = {k: leaf(k, [b[k] for b in all_buffers]) for k in all_buffers[0]}
    return params, buffers


def replace_all_batch_norm_modules_(root):
    """``torch.func.replace_all_batch_norm_modules_``: every BatchNorm in ``root`` stops
    tracking running statistics (they become None, and batch statistics are used in eval mode
    too), in place; returns ``root``. torch needs this before ``vmap`` over a model whose
    BatchNorm would update its statistics in place."""
    from ..nn.layers import BatchNorm1d

    for module in root.modules():
        if isinstance(module, BatchNorm1d) and module.track_running_stats:
            module.running_mean = None
            module.running_var = None
            module.num_batches_tracked = None
            module.track_running_stats = False
    return root
