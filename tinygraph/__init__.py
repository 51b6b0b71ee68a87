"""tinygraph: a small, transparent define-by-run autograd framework on NumPy.

    import tinygraph as tg
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()            # x.grad == [2., 4.]
"""

from . import (
    data,  # noqa: F401 - tg._data.DataLoader
    debug,  # noqa: F401 - tg.debug.check_graph, tg.debug.record_inputs
    nn,  # noqa: F401 - `from tinygraph import nn`
    onnx,  # noqa: F401 - tg.onnx.export; the onnx package is imported only when exporting
    optim,  # noqa: F401 - `from tinygraph import optim`
    viz,  # noqa: F401 - tg.viz.to_dot/render; graphviz is imported only when drawing
)
from . import ops as _ops  # noqa: F401 - registers the Tensor namespace with the engine
from .autograd import (
    Function,
    backward,
    detect_anomaly,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
)
from .debug import check_graph
from .errors import GradcheckError, ShapeError
from .factories import arange, eye, full, ones, ones_like, rand, randn, zeros, zeros_like
from .gradcheck import gradcheck, gradgradcheck
from .ops.functions import (
    abs,
    add,
    astype,
    broadcast_to,
    cat,
    clip,
    concatenate,
    div,
    exp,
    flatten,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    pow,
    relu,
    reshape,
    sigmoid,
    softmax,
    sqrt,
    squeeze,
    stack,
    sub,
    sum,
    swapaxes,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)
from .random import manual_seed
from .serialization import load, save
from .tensor import Tensor, get_default_dtype, set_default_dtype, tensor

__version__ = "0.1.0"

__all__ = [
    "Function", "GradcheckError", "ShapeError", "Tensor", "abs", "add", "arange", "astype",
    "backward", "broadcast_to", "cat", "check_graph", "clip", "concatenate", "data", "debug",
    "detect_anomaly", "div", "enable_grad", "exp", "eye", "flatten", "full", "get_default_dtype",
    "grad", "gradcheck", "gradgradcheck", "is_grad_enabled", "load", "log", "log_softmax",
    "logsumexp", "manual_seed", "matmul", "max", "maximum", "mean", "min", "minimum", "mul", "neg",
    "nn", "no_grad", "ones", "ones_like", "optim", "pow", "rand", "randn", "relu", "reshape",
    "save", "set_default_dtype", "sigmoid", "softmax", "sqrt", "squeeze", "stack", "sub", "sum",
    "swapaxes", "tanh", "tensor", "transpose", "unsqueeze", "var", "viz", "where", "zeros",
    "zeros_like",
]
