"""torch's ``_foreach_*`` functions: one operation applied to each tensor of a list (EMA
updates such as ``torch._foreach_mul_(ema, d); torch._foreach_add_(ema, params, alpha=1 - d)``
and hand-written optimizers use them). torch fuses the list into few kernels; here each
tensor is one ordinary op, so values and gradients are those of the op itself.

The second argument is a number or one tensor (for every tensor of the list), or a list of
numbers or of tensors as long as the first list. The in-place forms (trailing ``_``) change
the tensors and return the list; the others return a tuple of new tensors, as torch."""

from __future__ import annotations

import numbers

from .ops.registry import functions
from .tensor import Tensor


def _tensors(tensors, what: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{what}: expected a list or tuple of tensors, got "
                        f"{type(tensors).__name__}.")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: expected a list of tensors, got an item of type "
                            f"{type(t).__name__}.")
    return list(tensors)


def _others(other, n: int, what: str) -> list:
    """``other`` spread over ``n`` tensors: a number or one tensor for all, or its items."""
    if isinstance(other, (numbers.Number, Tensor)):
        return [other] * n
    other = list(other)
    if len(other) != n:
        raise RuntimeError(f"{what}: Tensor lists must have the same number of tensors, got "
                           f"{n} and {len(other)}.")
    return other


def _binary(name: str, alpha: bool = False):
    def inplace(self, other, **kwargs):
        what = f"_foreach_{name}_"
        tensors = _tensors(self, what)
        for t, o in zip(tensors, _others(other, len(tensors), what)):
            getattr(t, name + "_")(o, **kwargs)
        return tensors

    def outofplace(self, other, **kwargs):
        what = f"_foreach_{name}"
        tensors = _tensors(self, what)
        return tuple(getattr(t, name)(o, **kwargs) for t, o in
                     zip(tensors, _others(other, len(tensors), what)))

    if alpha:  # add and sub take alpha=, as torch.add
        def inplace_alpha(self, other, *, alpha=1):
            return inplace(self, other, alpha=alpha)

        def outofplace_alpha(self, other, *, alpha=1):
            return outofplace(self, other, alpha=alpha)

        return inplace_alpha, outofplace_alpha
    return inplace, outofplace


def _through(name: str, *, n_lists: int, last: str | None = None, default=None):
    """A form built on the top-level op ``name`` (``n_lists`` lists, then the ``last``
    argument: a number or one for each); its in-place form copies the result back."""

    def outofplace(self, *args, **kwargs):
        what = f"_foreach_{name}"
        tensors = _tensors(self, what)
        if last is not None:
            args = args + (kwargs.pop(last, default),) if len(args) == n_lists else args
        if kwargs or len(args) != n_lists + (last is not None):
            raise TypeError(f"{what}: expected {n_lists} list(s)"
                            + (f" and {last}=" if last else "") + f", got {len(args)} "
                            f"positional argument(s) and {sorted(kwargs)}.")
        lists = [_others(a, len(tensors), what) for a in args]
        fn = functions[name]
        if name in ("addcmul", "addcdiv"):
            return tuple(fn(t, a, b, value=v) for t, a, b, v in zip(tensors, *lists))
        return tuple(fn(t, *parts) for t, *parts in zip(tensors, *lists))

    def inplace(self, *args, **kwargs):
        tensors = _tensors(self, f"_foreach_{name}_")
        for t, result in zip(tensors, outofplace(tensors, *args, **kwargs)):
            t.copy_(result)
        return tensors

    return inplace, outofplace


def _unary(name: str):
    def inplace(self):
        tensors = _tensors(self, f"_foreach_{name}_")
        for t in tensors:
            t.copy_(functions[name](t))
        return tensors

    def outofplace(self):
        return tuple(functions[name](t) for t in _tensors(self, f"_foreach_{name}"))

    return inplace, outofplace


_foreach_add_, _foreach_add = _binary("add", alpha=True)
_foreach_sub_, _foreach_sub = _binary("sub", alpha=True)
_foreach_mul_, _foreach_mul = _binary("mul")
_foreach_div_, _foreach_div = _binary("div")
_foreach_maximum_, _foreach_maximum = _through("maximum", n_lists=1)
_foreach_minimum_, _foreach_minimum = _through("minimum", n_lists=1)
_foreach_clamp_min_, _foreach_clamp_min = _through("clamp_min", n_lists=1)
_foreach_clamp_max_, _foreach_clamp_max = _through("clamp_max", n_lists=1)
_foreach_lerp_, _foreach_lerp = _through("lerp", n_lists=1, last="weight")
_foreach_addcmul_, _foreach_addcmul = _through("addcmul", n_lists=2, last="value", default=1)
_foreach_addcdiv_, _foreach_addcdiv = _through("addcdiv", n_lists=2, last="value", default=1)
_foreach_sqrt_, _foreach_sqrt = _unary("sqrt")
_foreach_exp_, _foreach_exp = _unary("exp")
_foreach_neg_, _foreach_neg = _unary("neg")
_foreach_abs_, _foreach_abs = _unary("abs")
_foreach_reciprocal_, _foreach_reciprocal = _unary("reciprocal")


def _foreach_copy_(self, src, non_blocking: bool = False):
    """Each tensor of ``self`` takes the values of the matching one of ``src``."""
    tensors = _tensors(self, "_foreach_copy_")
    for t, s in zip(tensors, _others(_tensors(src, "_foreach_copy_"), len(tensors),
                                     "_foreach_copy_")):
        t.copy_(s)
    return tensors


def _foreach_zero_(self):
    """Each tensor filled with zeros."""
    tensors = _tensors(self, "_foreach_zero_")
    for t in tensors:
        t.zero_()
    return tensors


def _foreach_norm(self, ord=2, dtype=None):  # noqa: A002 - PyTorch's argument name
    """Each tensor's vector norm (all its elements), as a tuple of 0-d tensors."""
    from .linalg import vector_norm

    return tuple(vector_norm(t, ord, dtype=dtype) for t in _tensors(self, "_foreach_norm"))


NAMES = sorted(name for name in globals() if name.startswith("_foreach_"))
