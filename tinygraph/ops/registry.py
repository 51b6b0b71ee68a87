"""Declaring an op once.

An op is its class (forward, backward, both formulas in the docstring) and one ``@public``
line on it. From that line come the public function ``tg.<name>``, the Tensor method
``x.<name>(...)``, the NumPy ufunc that runs it (``np.exp(x)`` is ``tg.exp(x)``) and its entry
in the Tensor namespace that backwards use under ``create_graph``::

    @public("sin", ufunc="sin")
    class Sin(Op):
        \"\"\"y = sin(x);  dx = g * cos(x).\"\"\"

        def forward(self, x):
            self.save(x)
            return self.xp.sin(x)

        def backward(self, g):
            (x,) = self.saved
            return (g * self.xp.cos(x),)

An op with arguments besides its tensor inputs states PyTorch's signature in a static method
``arguments`` that returns the inputs and the op's attributes::

    @public("sum")
    class Sum(Reduction):
        @staticmethod
        def arguments(input, dim=None, keepdim=False):
            return (input,), {"axis": dims(input, dim), "keepdims": keepdim}

A public operation that is not one op (several nodes, or a choice between ops by argument, as
``max``) is a function with the same ``@public`` line. NumPy's keyword spellings are accepted
wherever PyTorch's are, as PyTorch itself accepts them: ``axis`` for ``dim``, ``keepdims`` for
``keepdim``, ``x``/``a`` for ``input``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

declared: dict[str, object] = {}  # first name -> the op class or function declared public
functions: dict[str, Callable] = {}  # tg.<name>, for every name
methods: dict[str, Callable] = {}  # Tensor.<name>
ufuncs: dict[str, Callable] = {}  # NumPy ufunc name -> the function that runs it

# NumPy's keyword -> PyTorch's (PyTorch's argument parser accepts the same ones)
ALIASES = {"axis": "dim", "keepdims": "keepdim", "x": "input", "a": "input", "x1": "input",
           "x2": "other"}


def public(*names: str, method: bool = True, ufunc: str | None = None):
    """Make the decorated op class or function ``tg.<name>`` for each of ``names`` (and the
    Tensor method of that name unless ``method=False``); ``ufunc``: the NumPy ufunc it is."""

    def declare(target):
        if isinstance(target, type):
            function = function_of(target, names[0])
        else:
            function = with_numpy_keywords(target)
        declared[names[0]] = target
        for name in names:
            functions[name] = function
            if method:
                methods[name] = function
        if ufunc is not None:
            ufuncs[ufunc] = function
        return target

    return declare


def function_of(op, name: str) -> Callable:
    """The public function of an op class: ``op.apply`` behind PyTorch's signature. Where
    the op parses arguments (``arguments``), ``function.operator`` is the op on its inputs
    alone, for Tensor operators that take no arguments (``+`` next to ``add(..., alpha=)``)."""
    apply = op.apply
    signature = _tensor_signature(op)
    names = tuple(p.name for p in signature.parameters.values()
                  if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD)

    def on_inputs(*inputs, out=None, **named):
        if named:  # tg.exp(input=x), tg.pow(x, exponent=2): PyTorch's keyword names
            inputs = _bind(name, names, inputs, named)
        if out is None:
            return apply(*inputs)
        return _write_out(name, out, apply(*inputs))

    on_inputs.__signature__ = signature
    parse = op.__dict__.get("arguments")
    if parse is None:
        function = on_inputs
    else:
        parse = parse.__func__
        renames = numpy_renames(inspect.signature(parse).parameters)

        def function(*args, **kwargs):
            out = None
            if kwargs:
                out = kwargs.pop("out", None)
                if renames:  # x.sum(axis=1, keepdims=True): NumPy's names for PyTorch's
                    kwargs = renamed(name, kwargs, renames)
            inputs, attributes = parse(*args, **kwargs)
            if out is None:
                return apply(*inputs, **attributes)
            return _write_out(name, out, apply(*inputs, **attributes))

        function.__signature__ = inspect.signature(parse)
        function.operator = on_inputs
    for f in (function, on_inputs):
        f.__name__ = f.__qualname__ = name
        f.__doc__ = op.__doc__
        f.op = op
    return function


def _write_out(name: str, out, result):
    from .outarg import write_out  # the rare path: imported when first used

    return write_out(name, out, result)


def _bind(name: str, names: tuple, inputs: tuple, named: dict) -> tuple:
    """``inputs`` completed from keyword arguments ``named`` in the order of ``names``."""
    inputs = list(inputs)
    for key in names[len(inputs):]:
        if key not in named:
            raise TypeError(f"{name}() missing required argument {key!r}.")
        inputs.append(named.pop(key))
    if named:
        raise TypeError(f"{name}() got an unexpected keyword argument {next(iter(named))!r} "
                        f"(its arguments: {', '.join(names)}).")
    return tuple(inputs)


def _tensor_signature(op) -> inspect.Signature:
    """``(input)``, ``(input, other)`` (or the op's ``input_names``, PyTorch's) or
    ``(*tensors)``: the forward's array parameters."""
    forward = inspect.signature(op.forward)
    kinds = [p.kind for p in forward.parameters.values()][1:]  # after self
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        return inspect.Signature([inspect.Parameter("tensors", inspect.Parameter.VAR_POSITIONAL)])
    names = list(getattr(op, "input_names", ("input", "other", "third")))[:len(kinds)]
    return inspect.Signature([inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                              for n in names])


def numpy_renames(parameters) -> dict:
    """NumPy's keyword -> PyTorch's, for the PyTorch parameters a function has (nothing for
    ``input``/``other`` alone: those are renamed where inputs are bound)."""
    renames = {numpy: torch for numpy, torch in ALIASES.items()
               if torch in parameters and numpy not in parameters}
    if all(torch in ("input", "other") for torch in renames.values()):
        return {}
    return renames


def renamed(name: str, kwargs: dict, renames: dict) -> dict:
    """``kwargs`` with NumPy's keyword names replaced by PyTorch's."""
    for numpy, torch in renames.items():
        if numpy in kwargs:
            if torch in kwargs:
                raise TypeError(f"{name}() got both {torch!r} and its NumPy spelling "
                                f"{numpy!r}; give one.")
            kwargs[torch] = kwargs.pop(numpy)
    return kwargs


def with_numpy_keywords(function: Callable) -> Callable:
    """``function`` accepting NumPy's keyword names for PyTorch's, where it has any of those
    parameters (no wrapper otherwise: unary and binary ops cost nothing extra)."""
    try:
        renames = numpy_renames(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return function
    if not renames:
        return function

    @functools.wraps(function)
    def accepting_numpy_keywords(*args, **kwargs):
        if kwargs:
            kwargs = renamed(function.__name__, kwargs, renames)
        return function(*args, **kwargs)

    return accepting_numpy_keywords
