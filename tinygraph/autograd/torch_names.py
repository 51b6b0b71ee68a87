"""PyTorch's names for graph nodes: ``y.grad_fn.name()`` and ``repr(y)`` say ``MulBackward0``.

A built-in op is named ``<Class>Backward0`` unless PyTorch's node for it is called otherwise
(below); a user ``Function`` ``<Class>Backward``, as in PyTorch. Pictures and error messages
keep the short op labels (``mul``).
"""

from __future__ import annotations

import numpy as np

_RENAMED = {
    "Cast": "ToCopyBackward0",
    "Clip": "ClampBackward1",
    "Max": "MaxBackward1",
    "Min": "MinBackward1",
    "MaxDim": "MaxBackward0",
    "MinDim": "MinBackward0",
    "ReLU": "ReluBackward0",
    "Reshape": "ViewBackward0",
    "Flatten": "ViewBackward0",
    "Unflatten": "ViewBackward0",
    "BroadcastTo": "ExpandBackward0",
    "Concatenate": "CatBackward0",
    "Square": "PowBackward0",
    "CumSum": "CumsumBackward0",
    "CumProd": "CumprodBackward0",
    "LogSumExp": "LogsumexpBackward0",
    "Log1p": "Log1PBackward0",
    "Norm": "LinalgVectorNormBackward0",
    "ScatterAddAlong": "ScatterAddBackward0",
    "Linear": "AddmmBackward0",
    "Conv": "ConvolutionBackward0",
    "ConvTranspose": "ConvolutionBackward0",
    "MaxPool": "MaxPool2DWithIndicesBackward0",
    "AvgPool": "AvgPool2DBackward0",
    "Pad": "ConstantPadNdBackward0",
    "LayerNorm": "NativeLayerNormBackward0",
    "SoftmaxCrossEntropy": "NllLossBackward0",
    "SoftmaxCrossEntropyLabels": "NllLossBackward0",
    "SetItem": "CopySlices",
    "CopySlices": "CopySlices",
}
_MATMUL = {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (2, 2): "MmBackward0"}


def torch_name(node) -> str:
    """The name PyTorch gives the node of this op (``MulBackward0``)."""
    from .function import Op  # a user Function is a Function but not an Op

    cls = type(node)
    if not isinstance(node, Op):
        return f"{cls.__name__}Backward"
    name = cls.__name__
    if name in ("Sum", "Mean"):  # a reduction over given dims is overload 1 in PyTorch
        return f"{name}Backward{0 if getattr(node, 'axis', None) is None else 1}"
    if name == "Pow" and node.saved:  # overloads: pow(x, 2), pow(x, y), pow(2, x)
        base, exponent = node.saved[:2]
        if not hasattr(base, "shape"):
            return "PowBackward2"
        return "PowBackward1" if hasattr(exponent, "shape") else "PowBackward0"
    if name == "GetItem":
        return _getitem_name(node.index)
    if name == "MatMul" and node.saved:
        ndims = tuple(np.ndim(value) for value in node.saved[:2])
        return _MATMUL.get(ndims, "BmmBackward0" if ndims == (3, 3) else "UnsafeViewBackward0")
    return _RENAMED.get(name, f"{name}Backward0")


def _getitem_name(index) -> str:
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(p, (np.ndarray, list)) for p in parts):
        return "IndexBackward0"
    if all(isinstance(p, (int, np.integer)) for p in parts):
        return "SelectBackward0"
    return "SliceBackward0"
