"""The op library: op classes by theme, each declared public with ``@public``
(``registry.py``), and the Tensor namespace backwards use under ``create_graph``.

``tinygraph.ops.<name>`` is the public function of that name (``tinygraph.ops.exp``).
"""

from . import (  # noqa: F401 - they declare the ops
    activations,
    arrange,
    attention,
    binary_fns,
    clamp,
    combinations,
    combine,
    compare,
    conv_functions,
    copy,
    counting,
    einsum,
    elementwise,
    explog,
    extrema,
    gamma,
    grid_sample,
    index_more,
    index_put,
    indexing,
    linalg,
    linalg_functions,
    linalg_more,
    losses,
    math_fns,
    math_more,
    namespace,  # noqa: F401 - registers the Tensor namespace with the engine
    nanquantile,
    nn,
    norm,
    norms,
    pieces,
    pieces_more,
    pool_functions,
    products,
    reduce,
    registry,
    rounding,
    sampling,
    scan,
    scan_fns,
    scatter_reduce,
    selection,
    shape,
    sorting,
    special,
    special_ops,
    stats_more,
    strided,
    trig,
    utilities,
    values,
)


def __getattr__(name: str):
    try:
        return registry.functions[name]
    except KeyError:
        raise AttributeError(f"module 'tinygraph.ops' has no attribute {name!r}") from None
