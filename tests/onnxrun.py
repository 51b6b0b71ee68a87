"""Run an exported model on ONNX Runtime's CPU provider (shared by the test_onnx_* files)."""

from __future__ import annotations

import numpy as np


def run_onnx(onnxruntime, path, *arrays, names=None) -> list:
    """The model's outputs for ``arrays`` (fed to its inputs in order, or by ``names``)."""
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = names or [i.name for i in session.get_inputs()]
    return session.run(None, {n: np.asarray(a) for n, a in zip(names, arrays)})
