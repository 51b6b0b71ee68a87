"""tinygraph: a small, transparent define-by-run autograd framework on NumPy.

    import tinygraph as tg
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()            # x.grad == [2., 4.]
"""

import math as _math

from . import (
    accelerator,  # noqa: F401 - tg.accelerator.is_available() is False
    amp,  # noqa: F401 - tg.amp.GradScaler, tg.amp.autocast
    backends,  # noqa: F401 - tg.backends.cudnn.benchmark = True is accepted
    compiler,  # noqa: F401 - tg.compiler.is_compiling() is False
    cuda,  # noqa: F401 - tg.cuda.is_available() is False
    data,  # noqa: F401 - tg.data.DataLoader
    debug,  # noqa: F401 - tg.debug.check_graph, tg.debug.record_inputs
    distributed,  # noqa: F401 - tg.distributed.is_available() is False
    distributions,  # noqa: F401 - tg.distributions, as torch.distributions
    func,  # noqa: F401 - tg.func.grad/vmap/jacrev/functional_call, as torch.func
    jit,  # noqa: F401 - tg.jit.script/trace return the eager model (no TorchScript)
    linalg,  # noqa: F401 - tg.linalg, as torch.linalg
    multiprocessing,  # noqa: F401 - tg.multiprocessing.set_sharing_strategy(...), as torch's
    nn,  # noqa: F401 - `from tinygraph import nn`
    onnx,  # noqa: F401 - tg.onnx.export; the onnx package is imported only when exporting
    optim,  # noqa: F401 - `from tinygraph import optim`
    profiler,  # noqa: F401 - tg.profiler.profile / record_function, as torch.profiler
    special,  # noqa: F401 - tg.special, as torch.special
    testing,  # noqa: F401 - tg.testing.assert_close, as torch.testing
    utils,  # noqa: F401 - tg.utils.data, as torch.utils.data
    version,  # noqa: F401 - tg.version.cuda is None
    viz,  # noqa: F401 - tg.viz.to_dot/render; graphviz is imported only when drawing
)
from . import foreach as _foreach  # torch._foreach_add_, ... (private names in torch)
from . import ops as _ops  # noqa: F401 - registers the Tensor namespace with the engine
from .amp import autocast
from .autograd import (
    Function,
    backward,
    detect_anomaly,
    enable_grad,
    grad,
    gradcheck,
    gradgradcheck,
    inference_mode,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from .creation import get_default_dtype, set_default_dtype
from .debug import check_graph
from .device import device
from .dtypes import NAMES as _DTYPES
from .errors import GradcheckError, ShapeError
from .factories import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from .index_factories import tril_indices, triu_indices
from .layouts import (
    channels_last,
    channels_last_3d,
    contiguous_format,
    dtype,
    layout,
    memory_format,
    preserve_format,
    strided,
)
from .names import missing_name as _missing_name
from .ops import registry as _registry
from .random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .random_factories import (
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
)
from .runtime import (
    are_deterministic_algorithms_enabled,
    compile,
    finfo,
    get_default_device,
    get_float32_matmul_precision,
    get_num_interop_threads,
    get_num_threads,
    iinfo,
    set_default_device,
    set_float32_matmul_precision,
    set_num_interop_threads,
    set_num_threads,
    set_printoptions,
    use_deterministic_algorithms,
)
from .serialization import load, save
from .size import Size
from .tensor import Tensor, tensor
from .tensor_legacy import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from .top_level import (
    alpha_dropout,
    can_cast,
    dropout,
    empty_strided,
    feature_alpha_dropout,
    imag,
    index_put_,
    promote_types,
    real,
    resize_as_,
    result_type,
)

globals().update({name: getattr(_foreach, name) for name in _foreach.NAMES})

vmap = func.vmap  # torch.vmap is torch.func.vmap

# tg.exp, tg.sum, ...: every public op, as declared next to its class (tinygraph/ops/)
globals().update(_registry.functions)

# torch's top-level spellings of nn.functional's functions, and small helpers
from . import torch_spellings as _spellings  # noqa: E402 - after the ops it builds on

globals().update({name: getattr(_spellings, name) for name in _spellings.__all__
                  if name not in globals()})

# torch's constants (torch.pi, torch.inf, ...)
pi, e, inf, nan = _math.pi, _math.e, _math.inf, _math.nan


def is_tensor(obj) -> bool:
    """Whether ``obj`` is a tinygraph Tensor (a Parameter included)."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    """The number of elements of ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"numel: input must be a Tensor, got {type(input).__name__}.")
    return input.numel()


def is_floating_point(input: Tensor) -> bool:
    """Whether ``input`` has a floating-point dtype."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_floating_point: input must be a Tensor, got "
                        f"{type(input).__name__}.")
    return input.is_floating_point()


__version__ = version.__version__  # one place: tinygraph/version.py

__all__ = [
    "Function", "GradcheckError", "ShapeError", "Tensor", "arange", "backward", "check_graph",
    "data", "debug", "detect_anomaly", "enable_grad", "eye", "full", "get_default_dtype", "grad",
    "gradcheck", "gradgradcheck", "is_grad_enabled", "load", "manual_seed", "nn", "no_grad",
    "ones", "ones_like", "optim", "rand", "randn", "save", "set_default_dtype", "tensor", "viz",
    "zeros", "zeros_like",
]
__all__ += [  # tg.autograd's names, top-level as in torch
    "inference_mode", "is_anomaly_check_nan_enabled", "is_anomaly_enabled",
    "is_inference_mode_enabled", "set_detect_anomaly", "set_grad_enabled",
]
__all__ += sorted(_registry.functions)
# Tensors, dtypes, the device (issue 17). The dtype names stay out of __all__: `float`, `int`
# and `bool` would shadow Python's builtins in a star import.
__all__ += [
    "Generator", "Size", "accelerator", "as_tensor", "cuda", "device", "empty", "empty_like",
    "from_numpy", "full_like", "is_floating_point", "is_tensor", "linspace", "logspace",
    "normal", "numel", "rand_like", "randint", "randint_like", "randn_like", "randperm",
    "tril_indices", "triu_indices",
    "amp", "autocast", "backends", "compile", "set_float32_matmul_precision",
    "get_float32_matmul_precision", "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled", "set_num_threads", "get_num_threads",
    "set_printoptions", "finfo", "iinfo", "set_default_device", "get_default_device",
    "default_generator", "distributions", "e", "inf", "initial_seed", "nan", "pi", "seed",
    "get_rng_state", "set_rng_state", "dtype", "memory_format", "layout", "strided",
    "contiguous_format", "channels_last", "channels_last_3d", "preserve_format",
    "jit", "testing", "vmap",
    *_spellings.__all__,
    "get_num_interop_threads", "set_num_interop_threads", "compiler",
    "distributed", "version", "multiprocessing",
]
__all__ += [
    "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor",
    "IntTensor", "LongTensor", "ShortTensor", "alpha_dropout", "can_cast", "dropout",
    "empty_strided", "feature_alpha_dropout", "imag", "index_put_", "promote_types", "real",
    "resize_as_", "result_type",
]
# tg.range (deprecated in PyTorch), kept out of __all__: a star import must not shadow range
from .top_level import range  # noqa: E402, F401, A004

globals().update(_DTYPES)  # tg.float32, tg.float, tg.long, ...: last, as they shadow builtins

__getattr__ = _missing_name(__name__, globals())
