"""Run an exported model on ONNX Runtime's CPU provider (shared by the test_onnx_* files)."""

from __future__ import annotations

import numpy as np


def run_onnx(onnxruntime, path, *arrays, names=None) -> list:
    """The model's outputs for ``arrays`` (fed to its inputs in order, or by ``names``)."""
    options = onnxruntime.SessionOptions()
    # The basic graph optimizations only: the tests check the exported graph, and the extended
    # ones of ONNX Runtime 1.23 (the last for Python 3.10) fuse float64 MatMul + Transpose and
    # x * sigmoid(x) into kernels it has only in float32 (FusedMatMul, QuickGelu), and fail.
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
    session = onnxruntime.InferenceSession(str(path), options,
                                           providers=["CPUExecutionProvider"])
    names = names or [i.name for i in session.get_inputs()]
    return session.run(None, {n: np.asarray(a) for n, a in zip(names, arrays)})
