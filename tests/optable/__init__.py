"""The one op table that drives the op tests (test_ops_*.py), one module per family of ops.

See spec.py for what an entry (:class:`OpSpec`) says and how the tests use it. Adding an op is
one entry appended to the ``OPS`` list of its family's module here.
"""

from __future__ import annotations

from . import (
    arrange,
    contract,
    conv,
    decompositions,
    elementwise,
    functions_more,
    gamma,
    indexing,
    math_elementwise,
    math_fns,
    more,
    nn,
    reduce,
    reduce_more,
    sequence,
    shape,
    tensor,
    transformer,
    util,
    utilities,
    vision,
)
from .spec import (  # noqa: F401 - the helpers tests use
    BINARY_SHAPES,
    DEFAULT_DOMAIN,
    REDUCE_SHAPES,
    UNARY_SHAPES,
    OpSpec,
    cases,
    iter_cases,
    make_inputs,
)

OPS: list[OpSpec] = [*elementwise.OPS, *math_elementwise.OPS, *reduce.OPS, *reduce_more.OPS,
                     *shape.OPS, *arrange.OPS, *nn.OPS, *tensor.OPS, *indexing.OPS,
                     *contract.OPS, *transformer.OPS, *conv.OPS, *more.OPS, *util.OPS,
                     *functions_more.OPS, *gamma.OPS, *sequence.OPS, *math_fns.OPS,
                     *vision.OPS, *decompositions.OPS, *utilities.OPS,
                     *functions_more.LATE_OPS]
BY_NAME = {spec.name: spec for spec in OPS}
