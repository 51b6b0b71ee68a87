"""Exceptions tinygraph raises for user mistakes, each with a message that names the fix."""


class ShapeError(ValueError, RuntimeError):
    """Shapes that do not fit an op (broadcasting, matmul, a layer's input width, a loss).

    It is both a ``ValueError`` (NumPy raises that for shape mistakes) and a ``RuntimeError``
    (PyTorch does), so code written for either catches it.
    """

    _tinygraph = True


class GradcheckError(RuntimeError):
    """Raised by ``tg.gradcheck`` when analytic and numerical gradients disagree."""


class DtypeError(TypeError, RuntimeError):
    """A dtype that cannot do what was asked (an int tensor that should require grad).

    A ``TypeError`` (what Python and NumPy raise for a wrong type) and a ``RuntimeError``
    (what PyTorch raises), so code written for either catches it.
    """
