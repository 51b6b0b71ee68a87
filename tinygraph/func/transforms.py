"""``torch.func``'s gradient transforms on tinygraph's reverse-mode engine: ``grad``,
``grad_and_value``, ``vjp`` and ``jvp`` (forward mode computed as the transpose of a
vector-Jacobian product: exact, one extra backward pass).

    >>> tg.func.grad(lambda x: (x ** 3).sum())(x)                 # 3 x**2
    >>> out, vjp_fn = tg.func.vjp(tg.sin, x); (gx,) = vjp_fn(v)   # cos(x) * v
    >>> out, jv = tg.func.jvp(tg.sin, (x,), (v,))                 # cos(x) * v

Each call is one "level" (see ``level.py``): inputs are fresh copies inside, results are
differentiable outside exactly where torch's are, so transforms nest (``grad(grad(f))``) and
compose with ``vmap``.
"""

from __future__ import annotations

import functools

from ..autograd import enable_grad
from ..autograd import grad as _autograd_grad
from ..factories import zeros_like
from ..tensor import Tensor
from . import pytree
from .level import Level, check_tensor


def check_argnums(argnums, count: int):
    """``argnums`` as a tuple of non-negative positions (and whether it was one int)."""
    single = isinstance(argnums, int) and not isinstance(argnums, bool)
    items = (argnums,) if single else argnums
    if not isinstance(items, tuple) or not all(
            isinstance(a, int) and not isinstance(a, bool) for a in items):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if not items:
        raise RuntimeError("argnums must be non-empty")
    for a in items:
        if not -count <= a < count:
            raise RuntimeError(f"Got argnum={a}, but only {count} positional inputs")
    positions = tuple(a % count for a in items)
    if len(set(positions)) != len(positions):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return positions, single


def enter_args(level: Level, args: tuple, argnums, fn: str):
    """``args`` with the differentiated ones (pytrees) replaced by inner stand-ins; the
    stand-ins' leaves per position, and the specs to rebuild gradients."""
    positions, single = check_argnums(argnums, len(args))
    args = list(args)
    leaves_per, specs = [], []
    for p in positions:
        leaves, spec = pytree.flatten(args[p])
        inner = [level.enter(check_tensor(t), fn) for t in leaves]
        args[p] = pytree.unflatten(inner, spec)
        leaves_per.append(inner)
        specs.append(spec)
    return tuple(args), leaves_per, specs, single


def split_aux(result, has_aux: bool, fn: str):
    """``(output, aux)`` of what the function returned."""
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(f"{fn}: output of function f should be a tuple: (output, aux) if "
                           "has_aux is True")
    for leaf in pytree.flatten(result[1])[0]:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(leaf)} (in the "
                               f"aux output of {fn}; return numbers as tensors)")
    return result


def gradients(level: Level, outputs, inputs, grad_outputs) -> list:
    """Vector-Jacobian products of ``outputs`` (tensors) with ``grad_outputs`` for each of
    ``inputs``, zeros where an input is unused; differentiable when the graph reaches outside
    the level. The graph is retained (``vjp_fn`` and ``jacrev`` pass through it again, and an
    ``aux`` output may share it); it goes when nothing refers to it any more."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs or not inputs:
        return [zeros_like(t.detach()) for t in inputs]
    keep = level.reaches_outside([o for o, _ in pairs])
    results = _autograd_grad([o for o, _ in pairs], inputs, [g for _, g in pairs],
                             retain_graph=True, create_graph=keep, allow_unused=True)
    return [zeros_like(t.detach()) if r is None else r for r, t in zip(results, inputs)]


def _scalar_output(output, fn: str):
    if not isinstance(output, Tensor):
        raise RuntimeError(f"{fn}: Expected f(*args) to return a Tensor, got {type(output)}")
    if output.dim() != 0:
        raise RuntimeError(
            f"{fn}: Expected f(*args) to return a scalar Tensor, got tensor with "
            f"{output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
    return output


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """``func``'s gradient with respect to the arguments ``argnums`` (an int or a tuple; an
    argument may be a tuple/list/dict of tensors, and its gradient has that structure), and
    its value: ``(grad, value)``, or ``(grad, (value, aux))`` with ``has_aux``. ``func`` must
    return a 0-dim Tensor (with ``has_aux``: ``(that, aux)``)."""
    fn = "grad_and_value(f)(*args)"

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        level = Level()
        with enable_grad():
            inner_args, leaves_per, specs, single = enter_args(level, args, argnums, fn)
            output, aux = split_aux(func(*inner_args, **kwargs), has_aux, fn)
            output = _scalar_output(output, fn)
            flat = [t for leaves in leaves_per for t in leaves]
            grads = iter(gradients(level, [output], flat, [None]))
            trees = [pytree.unflatten([level.export(next(grads)) for _ in leaves], spec)
                     for leaves, spec in zip(leaves_per, specs)]
        result = trees[0] if single else tuple(trees)
        value = level.export(output)
        if has_aux:
            aux = pytree.unflatten([level.export(t) for t in pytree.flatten(aux)[0]],
                                   pytree.flatten(aux)[1])
            return result, (value, aux)
        return result, value

    return wrapper


def grad(func, argnums=0, has_aux: bool = False):
    """``torch.func.grad``: a function returning ``func``'s gradient with respect to the
    arguments ``argnums`` (``(grad, aux)`` with ``has_aux``).

    >>> tg.func.grad(lambda x: (x ** 2).sum())(x)           # 2 x
    >>> tg.func.grad(loss, argnums=(0, 1))(w, b)             # (dloss/dw, dloss/db)
    >>> tg.func.grad(tg.func.grad(tg.sin))(x)                # -sin(x), for a 0-dim x
    """
    inner = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        gradient, value = inner(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    return wrapper


def vjp(func, *primals, has_aux: bool = False):
    """``(output, vjp_fn)`` (``(output, vjp_fn, aux)`` with ``has_aux``): ``func(*primals)``
    and a function of cotangents shaped like ``output`` returning a tuple with one
    vector-Jacobian product per primal. ``vjp_fn`` may be called several times."""
    fn = "vjp(f, *primals)"
    level = Level()
    with enable_grad():
        leaves, spec = pytree.flatten(primals)
        inner = [level.enter(check_tensor(t), fn) for t in leaves]
        result, aux = split_aux(func(*pytree.unflatten(inner, spec)), has_aux, fn)
    outs, out_spec = pytree.flatten(result)
    for o in outs:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"{fn}: expected f(*primals) to return only tensors, got "
                               f"unsupported type {type(o)}")

    def vjp_fn(cotangents, *, retain_graph=True, create_graph=None):
        given, given_spec = pytree.flatten(cotangents)
        if not pytree.same_structure(given_spec, out_spec):
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure "
                f"of outputs to the function. cotangents: {pytree.describe(given_spec)}, "
                f"primal output: {pytree.describe(out_spec)}")
        for o, c in zip(outs, given):
            check_tensor(c, "a cotangent")
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output has a shape of {tuple(c.shape)} and "
                    f"output has a shape of {tuple(o.shape)}; each cotangent must have the "
                    "shape of its output.")
        with enable_grad():
            grads = gradients(level, outs, inner, given)
        return pytree.unflatten([level.export(g) for g in grads], spec)

    output = pytree.unflatten([level.export(o) for o in outs], out_spec)
    if has_aux:
        aux_leaves, aux_spec = pytree.flatten(aux)
        return output, vjp_fn, pytree.unflatten([level.export(t) for t in aux_leaves],
                                                aux_spec)
    return output, vjp_fn


def jvp(func, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """``(output, jvp_out)`` (``(output, jvp_out, aux)`` with ``has_aux``): ``func(*primals)``
    and its Jacobian-vector product with ``tangents`` (a tuple shaped like ``primals``).

    Computed without a forward mode, by the double-vjp identity: ``g(u) = J^T u`` is linear in
    a dummy ``u``, so the gradient of ``<g(u), v>`` with respect to ``u`` is ``J v`` (exact;
    two backward passes)."""
    fn = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{fn}: Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    p_leaves, p_spec = pytree.flatten(primals)
    t_leaves, t_spec = pytree.flatten(tangents)
    if not isinstance(tangents, tuple) or not pytree.same_structure(p_spec, t_spec):
        raise RuntimeError(
            f"{fn}: Expected primals and tangents to have the same python structure. For "
            "example, if primals is a tuple of 3 tensors, tangents also must be. Got primals "
            f"with structure {pytree.describe(p_spec)} and tangents with structure "
            f"{pytree.describe(t_spec)}")
    for p, t in zip(p_leaves, t_leaves):
        check_tensor(p)
        check_tensor(t)
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the "
                f"original Tensor, this is not supported. Tensor is of size {list(p.shape)} "
                f"while the given forward gradient is of size {list(t.shape)}.")
    level = Level()
    with enable_grad():
        inner = [level.enter(p, fn) for p in p_leaves]
        result, aux = split_aux(func(*pytree.unflatten(inner, p_spec)), has_aux, fn)
        outs, out_spec = pytree.flatten(result)
        for o in outs:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"{fn}: expected f(*primals) to return only tensors, got "
                                   f"unsupported type {type(o)}")
        jv = _forward(level, outs, inner, t_leaves)
    output = pytree.unflatten([level.export(o) for o in outs], out_spec)
    tangent_out = pytree.unflatten([level.export(t) for t in jv], out_spec)
    if has_aux:
        aux_leaves, aux_spec = pytree.flatten(aux)
        return output, tangent_out, pytree.unflatten([level.export(t) for t in aux_leaves],
                                                     aux_spec)
    return output, tangent_out


def _forward(level: Level, outs: list, inner: list, tangents: list) -> list:
    """``J v`` for each output (zeros where an output does not depend on the inputs)."""
    return _push(level, outs, _transposed(level, outs, inner), tangents)


def _transposed(level: Level, outs: list, inner: list):
    """The graph of ``g(u) = J^T u`` for dummy cotangents ``u`` (fresh leaves of the level),
    for the outputs that depend on the inputs: ``(which outputs, u, g per input)``."""
    live = [i for i, o in enumerate(outs) if o.requires_grad]
    if not live or not inner:
        return live, [], []
    dummies = [level.fresh_leaf(zeros_like(outs[i].detach()).requires_grad_(True))
               for i in live]
    pulled = _autograd_grad([outs[i] for i in live], inner, dummies, retain_graph=True,
                            create_graph=True, allow_unused=True)
    return live, dummies, pulled


def _push(level: Level, outs: list, transposed, tangents: list) -> list:
    """``J v``: the gradient of ``<g(u), v>`` with respect to ``u`` (``g`` is linear in
    ``u``)."""
    live, dummies, pulled = transposed
    jv = [zeros_like(o.detach()) for o in outs]
    pairs = [(g, t) for g, t in zip(pulled, tangents) if g is not None and g.requires_grad]
    if not pairs:
        return jv
    keep = level.reaches_outside([g for g, _ in pairs])
    results = _autograd_grad([g for g, _ in pairs], dummies, [t for _, t in pairs],
                             retain_graph=True, create_graph=keep, allow_unused=True)
    for i, r in zip(live, results):
        if r is not None:
            jv[i] = r
    return jv


def linearize(func, *primals):
    """``torch.func.linearize``: ``(output, jvp_fn)``, ``func(*primals)`` and a function of
    tangents (one per primal) returning the Jacobian-vector product at ``primals``. The
    transposed product ``J^T u`` is recorded once; each ``jvp_fn`` call is one backward pass
    through it (``func`` is not run again)."""
    fn = "linearize(func, *primals)"
    p_leaves, p_spec = pytree.flatten(primals)
    level = Level()
    with enable_grad():
        inner = [level.enter(check_tensor(p), fn) for p in p_leaves]
        outs, out_spec = pytree.flatten(func(*pytree.unflatten(inner, p_spec)))
        for o in outs:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"{fn}: expected func(*primals) to return only tensors, "
                                   f"got unsupported type {type(o)}")
        transposed = _transposed(level, outs, inner)

    def jvp_fn(*tangents):
        t_leaves, t_spec = pytree.flatten(tangents)
        if not pytree.same_structure(t_spec, p_spec):
            raise RuntimeError(f"Expected the tangents {pytree.describe(t_spec)} to have the "
                               f"same argspec as the primals {pytree.describe(p_spec)}")
        for i, (t, p) in enumerate(zip(t_leaves, p_leaves)):
            check_tensor(t, "a tangent")
            if tuple(t.shape) != tuple(p.shape) or t.dtype != p.dtype:
                what = "shape" if tuple(t.shape) != tuple(p.shape) else "dtype"
                raise RuntimeError(
                    f"tangent:{i} with {what} {getattr(t, what)} in flattened pytree doesn't "
                    f"match the {what} {getattr(p, what)} of the corresponding primal.")
        with enable_grad():
            jv = _push(level, outs, transposed, t_leaves)
        return pytree.unflatten([level.export(t) for t in jv], out_spec)

    return pytree.unflatten([level.export(o) for o in outs], out_spec), jvp_fn
