"""Write a recorded graph as ONNX nodes: the walk over the ops, the values they read, the
helpers the mappings use (``op``, ``const``, ``cast``, ``reduce``) and the model around them.

Every op node of the trace is handed to its mapping in ``table.MAPPINGS`` with the names of its
inputs; the mapping adds ONNX nodes through this builder and returns the name of the op's
output. Each value an op reads is one of: the output of an earlier op, a graph input, a
parameter (an initializer under its ``state_dict`` name), or a constant (an initializer).
"""

from __future__ import annotations

import numpy as np
from onnx import helper, numpy_helper

from ..autograd import AccumulateGrad
from .errors import ExportError, unsupported
from .names import Namer
from .table import MAPPINGS


def onnx_type(dtype) -> int:
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


class GraphBuilder:
    def __init__(self, namer: Namer, opset: int) -> None:
        self.namer = namer
        self.opset = opset
        self.nodes: list = []  # NodeProtos, in order
        self.initializers: dict[str, np.ndarray] = {}
        self.dtypes: dict[str, np.dtype] = {}  # of every value, for the casts ONNX needs
        self.made_by: dict[str, object] = {}  # ONNX node or initializer -> its tinygraph op
        self._outputs: dict[int, str] = {}  # id(op node) -> the name of its output
        self._leaves: dict[int, str] = {}  # id(leaf Tensor) -> its name
        self._arrays: dict[int, str] = {}  # id(constant array) -> its initializer
        self.current = None  # the op node being mapped
        self._prefix = ""  # of the names of its ONNX nodes: "linear_3"
        self.output_values: list[str] = []

    # -- the walk ---------------------------------------------------------------------------

    def add_inputs(self, leaves: list, names: list) -> None:
        for leaf, name in zip(leaves, names):
            self._leaves[id(leaf)] = name
            self._arrays[id(leaf._data)] = name  # an integer input enters ops as its array
            self.dtypes[name] = leaf.dtype

    def add_ops(self, nodes: list) -> None:
        for k, node in enumerate(nodes):
            mapping = MAPPINGS.get(type(node))
            if mapping is None:
                raise unsupported(node)
            if node.debug_inputs is None:
                raise ExportError(
                    f"tg.onnx.export: the op '{node.op_name()}' was recorded before the "
                    "export called the forward (a Tensor computed outside it and captured), "
                    "so its inputs are unknown; compute that Tensor inside the forward."
                )
            self.current = node
            self._prefix = f"{node.op_name()}_{k}"
            inputs = [self._input(node, i) for i in range(len(node.parents))]
            self._outputs[id(node)] = mapping(self, node, *inputs)

    def add_outputs(self, tensors: list) -> None:
        self.current = None
        self.output_values = [self.value(t) for t in tensors]

    def value(self, tensor) -> str:
        """The name of a Tensor of the trace: an op's output, a leaf or a constant."""
        if tensor.grad_fn is not None:
            return self._outputs[id(tensor.grad_fn)]
        if tensor.requires_grad:
            return self._leaf(tensor)
        return self._constant(tensor._data)

    def _input(self, node, i: int) -> str:
        parent = node.parents[i]
        if type(parent) is AccumulateGrad:
            return self._leaf(parent.leaf)
        if parent is not None:
            return self._outputs[id(parent)]
        return self._constant(node.debug_inputs[i])

    def _leaf(self, tensor) -> str:
        name = self._leaves.get(id(tensor))
        if name is None:
            base = self.namer.of_tensor.get(id(tensor)) or tensor.name or "tensor"
            name = self._leaves[id(tensor)] = self._store(base, tensor._data)
        return name

    def _constant(self, value) -> str:
        """A constant input: an integer graph input, a buffer or frozen parameter (by its
        name), an array, or a Python number (stored in the op's own dtype, as NumPy's weak
        scalars act)."""
        if not isinstance(value, np.ndarray):
            return self.const(value, self.current.dtype)
        name = self._arrays.get(id(value))
        if name is None:
            name = self._store(self.namer.of_array.get(id(value), "const"), value)
        return name

    def _store(self, base: str, array: np.ndarray) -> str:
        name = self.namer.unique(base)
        self.initializers[name] = array
        self.dtypes[name] = array.dtype
        self.made_by[name] = self.current
        self._arrays[id(array)] = name
        return name

    # -- what mappings call -------------------------------------------------------------------

    def op(self, op_type: str, *inputs: str, dtype=None, outputs: int = 1, **attrs) -> str:
        """Add one ONNX node; returns its (first) output's name. Its dtype is the op's unless
        given. ``outputs``: how many outputs the ONNX op has (the others go unused)."""
        out = self.namer.unique(self._prefix)
        rest = [f"{out}_{k}" for k in range(1, outputs)]
        node = helper.make_node(op_type, list(inputs), [out, *rest], name=out, **attrs)
        self.nodes.append(node)
        self.made_by[out] = self.current
        self.dtypes[out] = np.dtype(dtype if dtype is not None else self.current.dtype)
        return out

    def const(self, value, dtype=None) -> str:
        """A new initializer holding ``value`` (as an array of ``dtype`` when given)."""
        return self._store("const", np.array(value, dtype=dtype))

    def ints(self, values) -> str:
        """An int64 vector constant (shapes, axes, indices)."""
        return self.const(list(values), np.int64)

    def cast(self, name: str, dtype) -> str:
        """``name`` as ``dtype`` (a Cast node only when it differs)."""
        dtype = np.dtype(dtype)
        if self.dtypes[name] == dtype:
            return name
        return self.op("Cast", name, to=onnx_type(dtype), dtype=dtype)

    def reduce(self, op_type: str, x: str, axes, keepdims: bool, dtype=None) -> str:
        """A Reduce* node over ``axes`` (None: all). ReduceSum takes its axes as an input
        from opset 13, the others from opset 18; before that they are an attribute."""
        attrs = {"keepdims": int(bool(keepdims))}
        if axes is None:
            return self.op(op_type, x, dtype=dtype, **attrs)
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, x, self.ints(axes), dtype=dtype, **attrs)
        return self.op(op_type, x, dtype=dtype, axes=list(axes), **attrs)

    def input_shape(self, node, i: int) -> tuple:
        """The shape input ``i`` of ``node`` had in the trace."""
        return np.shape(node.debug_inputs[i])

    # -- the model ----------------------------------------------------------------------------

    def model(self, inputs: list, outputs: list, opset: int, producer_version: str):
        """The ModelProto. ``inputs``: (name, dtype, dims); ``outputs``: (name, value name,
        dtype, dims); dims hold an int per static axis and a name per dynamic one."""
        nodes = list(self.nodes)
        for name, value, _, _ in outputs:
            nodes.append(helper.make_node("Identity", [value], [name], name=name))
        graph = helper.make_graph(
            nodes,
            "tinygraph",
            [helper.make_tensor_value_info(n, onnx_type(t), d) for n, t, d in inputs],
            [helper.make_tensor_value_info(n, onnx_type(t), d) for n, _, t, d in outputs],
            [numpy_helper.from_array(np.asarray(a), n) for n, a in self.initializers.items()],
        )
        opsets = [helper.make_opsetid("", opset)]
        return helper.make_model(
            graph, opset_imports=opsets, producer_name="tinygraph",
            producer_version=producer_version,
            ir_version=helper.find_min_ir_version_for(opsets),
        )


def first_difference(a: GraphBuilder, b: GraphBuilder):
    """The tinygraph op whose ONNX nodes or constants differ between two builds of the same
    forward (None when the builds are the same)."""
    for node_a, node_b in zip(a.nodes, b.nodes):
        if node_a != node_b:
            return a.made_by.get(node_a.output[0]) or "an output"
    if len(a.nodes) != len(b.nodes) or a.initializers.keys() != b.initializers.keys():
        return "the sequence of ops the forward records"
    for name, array in a.initializers.items():
        other = b.initializers[name]
        if array is not other and not _same(array, other):
            return a.made_by.get(name) or "an output computed without recorded ops"
    return None


def _same(x: np.ndarray, y: np.ndarray) -> bool:
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    return bool(np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"))
