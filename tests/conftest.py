"""Shared fixtures.

PyTorch (the parity oracle), Graphviz's `dot`, onnx and ONNX Runtime are optional on a
developer's machine, where tests that need them are skipped. CI installs them all (see
.ci/run), so there a missing one is an error, never a silent skip; on the Pythons with no CPU
build of torch, CI deselects the tests marked `torch` explicitly (`-m "not torch"`, counted by
pytest as deselected).
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from hypothesis import settings

import tinygraph as tg

IN_CI = bool(os.environ.get("CI"))

settings.register_profile("tinygraph", max_examples=15, deadline=None, derandomize=True)
settings.load_profile("tinygraph")


def _unavailable(what: str):
    if IN_CI:
        pytest.fail(f"{what} is required in CI (.ci/run installs it) but is missing.")
    pytest.skip(f"{what} is not installed")


def pytest_collection_modifyitems(items):
    """Mark the tests that take the `torch` fixture `torch`, so that `-m "not torch"` leaves
    out exactly the PyTorch-parity tests (and says how many): .ci/run does so on the Pythons
    that have no CPU build of torch 2.13.0 to install."""
    for item in items:
        if "torch" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.torch)


@pytest.fixture(scope="session")
def torch():
    """The torch module (CPU, float64 parity oracle); skipped locally when absent."""
    try:
        import torch as torch_module
    except ImportError:
        _unavailable("PyTorch (pip install torch==2.13.0)")
    torch_module.set_num_threads(1)
    return torch_module


@pytest.fixture(scope="session")
def onnx():
    """The onnx package (tg.onnx.export's optional extra); skipped locally when absent."""
    try:
        import onnx as onnx_module
    except ImportError:
        _unavailable("onnx (pip install 'tinygraph[onnx]')")
    return onnx_module


@pytest.fixture(scope="session")
def onnxruntime(onnx):
    """ONNX Runtime, which runs the exported models in the tests; skipped locally when absent."""
    try:
        import onnxruntime as ort_module
    except ImportError:
        _unavailable("onnxruntime (pip install onnxruntime)")
    ort_module.set_default_logger_severity(3)  # errors only: no warnings on stderr
    return ort_module


@pytest.fixture(scope="session")
def dot():
    """Path of Graphviz's `dot` program; skipped locally when absent."""
    path = shutil.which("dot")
    if path is None:
        _unavailable("Graphviz `dot` (apt-get install graphviz)")
    return path


@pytest.fixture(autouse=True)
def _isolate_global_state():
    """Each test starts with the default dtype, grad mode on and a fixed seed."""
    tg.manual_seed(0)
    previous = tg.get_default_dtype()
    yield
    tg.set_default_dtype(previous)
    assert tg.is_grad_enabled(), "a test left grad mode disabled"


@pytest.fixture
def rng():
    return np.random.default_rng(0)
