"""Exceptions tinygraph raises for user mistakes, each with a message that names the fix."""


class ShapeError(ValueError, RuntimeError):
    """Shapes that do not fit an op (broadcasting, matmul, a layer's input width, a loss).

    It is both a ``ValueError`` (NumPy raises that for shape mistakes) and a ``RuntimeError``
    (PyTorch does), so code written for either catches it.
    """

    _tinygraph = True


class DimError(ShapeError, IndexError):
    """A dim out of range for a tensor's number of dimensions: an ``IndexError`` as in
    PyTorch (``x.sum(3)`` on a 3-d tensor), and a ``ShapeError`` like tinygraph's other
    shape mistakes."""

    _tinygraph = True


class GradcheckError(RuntimeError):
    """Raised by ``tg.gradcheck`` when analytic and numerical gradients disagree."""


class ArgumentError(ValueError, RuntimeError):
    """A value an op refuses (a negative size, an arange against its step, low >= high).

    A ``ValueError`` (Python's and NumPy's convention) and a ``RuntimeError`` (what PyTorch
    raises), so code written for either catches it.
    """

    _tinygraph = True


class DtypeError(TypeError, RuntimeError):
    """A dtype an operation cannot take (``requires_grad=True`` on ints, ``~`` on floats).

    A ``TypeError`` (Python's convention) and a ``RuntimeError`` (what PyTorch raises).
    """

    _tinygraph = True


class AssertedArgumentError(ValueError, AssertionError):
    """An argument PyTorch refuses by an ``assert`` (an ``AssertionError`` there, such as
    ``MultiheadAttention``'s embed_dim not divisible by num_heads): a ``ValueError`` too."""

    _tinygraph = True


class IntegerDivisionError(ZeroDivisionError, RuntimeError):
    """Integer ``//`` or ``%`` by zero: Python's ``ZeroDivisionError``, PyTorch's
    ``RuntimeError``."""

    _tinygraph = True
