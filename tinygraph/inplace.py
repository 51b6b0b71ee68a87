"""In-place changes of a Tensor: ``+= -= *= /=``, ``x[idx] = v``, ``add_``, ``sub_``, ``mul_``,
``div_``, ``clamp_``, ``exp_``, ``fill_``, ``zero_``, ``copy_``, ``uniform_``, ``normal_``,
``masked_fill_``, ``scatter_``, ``scatter_add_``, ``index_add_``, ``index_fill_``. Each
returns the tensor itself and bumps its version, as in PyTorch.

Outside recording (under ``no_grad``, or when nothing involved requires grad) the array is
changed in place and the change is stamped (``autograd.versions``), so a graph that saved the
old values refuses its backward instead of using the new ones. While recording, the op runs
out of place (the recorded twin) and the tensor takes the result's place in the graph; if the
tensor is a view or has views, the result is written into the shared memory and the graph of
the base and its views is rebuilt (``ops/viewtrack.py``), so the values and the gradients
are PyTorch's in both modes. A leaf that requires grad, and a view of one, refuse in-place
changes while recording: the old value is what the gradient is taken at.
"""

from __future__ import annotations

import numpy as np

from . import random
from .autograd.mode import per_thread
from .autograd.node import new_tensor, next_seq
from .autograd.versions import note_mutation
from .errors import ArgumentError, DtypeError
from .ops import registry
from .ops.args import data, expands_to, ints_first
from .ops.args import index as _index
from .ops.shape import setitem
from .ops.viewtrack import made_in_no_grad, multi_output, protect_saved, rebuild

_fn = registry.functions


class InPlace:
    """The in-place methods of :class:`~tinygraph.tensor.Tensor` (a mixin: no state)."""

    __slots__ = ()

    # -- the machinery -------------------------------------------------------------------

    def _check_inplace(self, what: str) -> None:
        if not per_thread.flags.grad_enabled:
            return
        if self.requires_grad and self.grad_fn is None:
            raise RuntimeError(
                f"{what}: a leaf Variable that requires grad is being used in an in-place "
                f"operation (a leaf tensor of shape {tuple(self.shape)}). Its old value is needed "
                "to compute gradients. Update parameters inside `with tg.no_grad():`, or write "
                "x = x + ... to make a new tensor."
            )
        base = self._base
        if base is not None and multi_output(self) is not None:
            raise RuntimeError(
                f"{what}: this tensor is one of the views that {multi_output(self)} returned "
                f"(shape {tuple(self.shape)}) and is being changed in place; PyTorch forbids that "
                "under autograd. Write an out-of-place op (p = p * 2), or clone() the piece "
                "first."
            )
        if base is not None and base.requires_grad and base.grad_fn is None:
            raise RuntimeError(
                f"{what}: in-place operation on a view (shape {tuple(self.shape)}) of a leaf "
                f"tensor that requires grad (shape {tuple(base.shape)}). Change the leaf under "
                "`with tg.no_grad():`, or clone() it first and change the clone's view."
            )

    def _check_view_mode(self, what: str) -> None:
        if made_in_no_grad(self):
            raise RuntimeError(
                f"{what}: this view (shape {tuple(self.shape)}) was made under no_grad and is "
                "being changed in place with grad mode on, which PyTorch forbids as ambiguous. "
                "Make the view and change it both inside the no_grad block (not recorded) or both "
                "outside it (recorded)."
            )

    def _update(self, what: str, out_of_place, in_place, *others):
        """Change self by ``in_place(array)``, or record ``out_of_place(self)`` in its place."""
        self._check_inplace(what)
        if not self._data.flags.writeable:
            raise RuntimeError(
                f"{what}: the tensor's memory is read-only: more than one of its elements may "
                f"refer to one memory location (an expand()ed or broadcast view, shape "
                f"{tuple(self.shape)}). clone() it before changing it in place."
            )
        if per_thread.flags.grad_enabled:
            recording = self.requires_grad or any(
                getattr(o, "requires_grad", False) for o in others)
            base = self._base
            if base is not None and (recording or base.requires_grad):
                self._check_view_mode(what)
            if recording:
                return self._record(what, out_of_place)
        try:
            in_place(self._data)
        except (TypeError, ValueError) as exc:  # NumPy's casting and broadcasting errors
            raise RuntimeError(f"{what}: the result cannot be stored in this tensor of shape "
                               f"{tuple(self.shape)} and dtype {self.dtype}: {exc}.") from None
        return self._changed()

    def _record(self, what: str, out_of_place):
        start = next_seq()
        result = out_of_place(self)
        if result.shape != self.shape:
            raise RuntimeError(f"{what}: the result has shape {tuple(result.shape)}, the "
                               f"tensor {tuple(self.shape)}; an in-place op cannot change a "
                               "tensor's shape (write x = x + y to broadcast).")
        if result.dtype != self.dtype:
            if not np.can_cast(result.dtype, self.dtype, "same_kind"):
                raise RuntimeError(f"{what}: result type {result.dtype} can't be cast to the "
                                   f"tensor's dtype {self.dtype}; convert the tensor first "
                                   "(x = x.to(dtype)).")
            result = result.astype(self.dtype)
        protect_saved(result, start, self._data)
        self._data[...] = result._data
        self._version += 1
        note_mutation(self, self._data)
        self.grad_fn = result.grad_fn
        self._requires_grad = result._requires_grad
        rebuild(self._base if self._base is not None else self, self)
        return self

    def _changed(self):
        """Count and stamp an in-place change of the array (a view's counts for its base too)."""
        self._version += 1
        if self._data.base is not None and self._base is not None:
            self._base._version += 1
        note_mutation(self, self._data)
        return self

    # -- arithmetic ------------------------------------------------------------------------

    def _arith(self, op: str, ufunc: str, other, what: str, alpha=1):
        def out_of_place(t):
            return _fn[op](t, other if alpha == 1 else other * alpha)

        def in_place(array):
            value = data(other)
            getattr(np, ufunc)(array, value if alpha == 1 else value * alpha, out=array)

        return self._update(what, out_of_place, in_place, other)

    def add_(self, other, *, alpha=1):
        """self += alpha * other, in place; returns self."""
        return self._arith("add", "add", other, "add_", alpha)

    def sub_(self, other, *, alpha=1):
        """self -= alpha * other, in place; returns self."""
        return self._arith("sub", "subtract", other, "sub_", alpha)

    def mul_(self, other):
        """self *= other, in place; returns self."""
        return self._arith("mul", "multiply", other, "mul_")

    def div_(self, other, *, rounding_mode=None):
        """self /= other, in place; returns self. ``rounding_mode`` "trunc" or "floor" rounds
        the quotient (its gradient is zero, as in PyTorch)."""
        if rounding_mode is None:
            return self._arith("div", "true_divide", other, "div_")
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(f"div_: rounding_mode must be None, 'trunc' or 'floor', got "
                             f"{rounding_mode!r}.")

        def rounded(array):
            if array.dtype.kind in "iu" and np.asarray(data(other)).dtype.kind in "iub":
                quotient = np.floor_divide(array, data(other))
                if rounding_mode == "trunc":  # floor_divide floors: step back toward zero
                    quotient += (quotient < 0) & (quotient * data(other) != array)
                return quotient
            return getattr(np, rounding_mode)(np.true_divide(array, data(other)))

        def in_place(array):
            array[...] = rounded(array)

        return self._assign("div_", None, (other,), in_place=in_place,
                            values=lambda t: rounded(t._data))

    def __iadd__(self, other):
        return self._arith("add", "add", other, "+=")

    def __isub__(self, other):
        return self._arith("sub", "subtract", other, "-=")

    def __imul__(self, other):
        return self._arith("mul", "multiply", other, "*=")

    def __itruediv__(self, other):
        return self._arith("div", "true_divide", other, "/=")

    def clamp_(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        """Clamp into [min, max] in place; returns self."""
        if min is None and max is None:
            raise ArgumentError("clamp_: give at least one of min and max.")
        return self._update("clamp_", lambda t: _fn["clamp"](t, min, max),
                            lambda a: np.clip(a, data(min), data(max), out=a))

    clip_ = clamp_

    def exp_(self):
        """exp of every element, in place; returns self."""
        return self._update("exp_", lambda t: _fn["exp"](t), lambda a: np.exp(a, out=a))

    # -- assignment ------------------------------------------------------------------------

    def __setitem__(self, index, value) -> None:
        split = ints_first(_index(index))
        if split is not None:  # PyTorch's order (see ints_first): through the integers' view
            self[split[0]][split[1]] = value
            return

        def in_place(array):
            array[_index(index)] = data(value)

        self._update("x[index] = value", lambda t: setitem(t, index, value), in_place, value)

    def _assign(self, what: str, value, others=(), in_place=None, values=None):
        """Every element set to ``value`` (broadcast), or to ``values(self)``: the old values
        get no gradient."""
        def assign(array):
            array[...] = data(value)

        def out_of_place(t):
            return _fn["where"](np.array(True), value if values is None else values(t), t)

        return self._update(what, out_of_place, in_place or assign, *others)

    def fill_(self, value):
        """Fill with ``value`` in place (allowed on leaves under ``tg.no_grad()``)."""
        if np.ndim(data(value)):
            raise RuntimeError(f"fill_: the value must be a number or a 0-d tensor, got shape "
                               f"{tuple(np.shape(data(value)))}; use copy_ to copy a tensor.")
        return self._assign("fill_", value, (value,))

    def zero_(self):
        """Fill with zeros in place (allowed on leaves under ``tg.no_grad()``)."""
        return self._assign("zero_", 0)

    def copy_(self, src, non_blocking: bool = False):
        """Copy ``src``'s values (broadcast, converted to this dtype) into self; returns self.
        Gradients flow to ``src``."""
        src_shape = tuple(np.shape(data(src)))
        if not expands_to(src_shape, self.shape):
            raise RuntimeError(f"copy_: a source of shape {src_shape} cannot be broadcast to "
                               f"the tensor's shape {tuple(self.shape)}.")
        if getattr(src, "requires_grad", False) and src.dtype != self.dtype:
            src = src.astype(self.dtype)
        return self._assign("copy_", src, (src,))

    def uniform_(self, low: float = 0.0, high: float = 1.0, *, generator=None, **bounds):
        """Fill with draws from U(low, high) (PyTorch's ``from``/``to`` are accepted)."""
        low, high = bounds.pop("from", low), bounds.pop("to", high)
        _no_extra("uniform_", bounds)
        _check_floating(self, "uniform_")
        values = _generator(generator).uniform(low, high, self.shape).astype(self.dtype)
        return self._assign("uniform_", values)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None):
        """Fill with draws from N(mean, std**2)."""
        _check_floating(self, "normal_")
        values = _generator(generator).normal(mean, std, self.shape).astype(self.dtype)
        return self._assign("normal_", values)

    def masked_fill_(self, mask, value):
        """Set the elements where the boolean ``mask`` (broadcast) holds to ``value``."""
        mask = data(mask)
        mask = np.asarray(mask)
        if mask.dtype != np.bool_:
            raise RuntimeError(f"masked_fill_: the mask must be boolean, got dtype {mask.dtype}; "
                               "pass a comparison such as x > 0.")

        def in_place(array):
            np.copyto(array, data(value), where=mask)

        return self._update("masked_fill_", lambda t: _fn["where"](mask, value, t), in_place,
                            value)

    def _through(self, what: str, name: str, *args, **kwargs):
        """self changed to ``tg.<name>(self, *args, **kwargs)``: recorded as that op, or
        written into the array without recording."""
        def in_place(array):
            array[...] = data(_fn[name](new_tensor(array, None), *args, **kwargs))

        return self._update(what, lambda t: _fn[name](t, *args, **kwargs), in_place,
                            *args, *kwargs.values())

    def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
        """``scatter`` in place: ``self[index[i][j]][j] = src[i][j]`` (dim 0), or ``value``."""
        return self._through("scatter_", "scatter", dim, index, src, value, reduce=reduce)

    def scatter_add_(self, dim, index, src):
        """``scatter_add`` in place: ``src[i][j]`` added at ``self[index[i][j]][j]`` (dim 0)."""
        return self._through("scatter_add_", "scatter_add", dim, index, src)

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        """``scatter_reduce`` in place: ``src`` reduced into ``self`` at ``index``."""
        return self._through("scatter_reduce_", "scatter_reduce", dim, index, src, reduce,
                             include_self=include_self)

    def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
        """``index_reduce`` in place: ``source``'s slices reduced into ``self`` at ``index``."""
        return self._through("index_reduce_", "index_reduce", dim, index, source, reduce,
                             include_self=include_self)

    def index_add_(self, dim, index, source, *, alpha=1):
        """``index_add`` in place: ``alpha * source``'s slices added at ``index``."""
        return self._through("index_add_", "index_add", dim, index, source, alpha=alpha)

    def index_fill_(self, dim, index, value):
        """``index_fill`` in place: the slices ``index`` along ``dim`` set to ``value``."""
        return self._through("index_fill_", "index_fill", dim, index, value)


def _generator(generator):
    return random.generator() if generator is None else generator


def _check_floating(tensor, what: str) -> None:
    if tensor.dtype.kind != "f":
        raise DtypeError(f"{what}: draws floats, but the tensor is {tensor.dtype}; use "
                         "tg.randint for integers, or convert first (x = x.float()).")


def _no_extra(what: str, kwargs: dict) -> None:
    if kwargs:
        raise TypeError(f"{what}() got unexpected keyword arguments {sorted(kwargs)}.")
