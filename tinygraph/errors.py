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
