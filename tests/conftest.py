"""Shared fixtures, and the line that says what was skipped and why.

PyTorch (the parity oracle), Graphviz's `dot`, onnx and ONNX Runtime are optional on a
developer's machine, where tests that need them are skipped, and the run ends with one line
per missing tool saying how many tests it skipped and the command that runs them too. CI
installs them all (see .ci/run), so there a missing one is an error, never a silent skip; on
the Pythons with no CPU build of torch, CI deselects the tests marked `torch` explicitly
(`-m "not torch"`, counted by pytest as deselected).
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from hypothesis import settings

import tinygraph as tg

IN_CI = bool(os.environ.get("CI"))

# What each optional tool's skip says, and the line that sums those skips up at the end.
TORCH_MISSING = "PyTorch (pip install torch==2.13.0) is not installed"
DOT_MISSING = "Graphviz `dot` (apt-get install graphviz) is not installed"
ONNX_MISSING = "onnx or ONNX Runtime (pip install 'tinygraph[onnx]' onnxruntime) is not installed"
SKIP_SUMMARIES = {
    TORCH_MISSING: "{n} parity tests skipped: they check tinygraph against PyTorch, which is not "
                   "installed here. `make test-all` installs it (torch==2.13.0, CPU) and runs "
                   "them too.",
    DOT_MISSING: "{n} picture tests skipped: Graphviz's `dot` is not installed here "
                 "(apt-get install graphviz, brew install graphviz or conda install graphviz).",
    ONNX_MISSING: "{n} export tests skipped: they run exported models on ONNX Runtime, which "
                  "is not installed here (pip install 'tinygraph[onnx]' onnxruntime).",
}

settings.register_profile("tinygraph", max_examples=15, deadline=None, derandomize=True)
settings.load_profile("tinygraph")


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} but CI requires it (.ci/run installs it).")
    pytest.skip(reason)


def skip_summary(reasons) -> list[str]:
    """One line per optional tool whose absence skipped tests: how many, why, what to run."""
    counts = dict.fromkeys(SKIP_SUMMARIES, 0)
    for reason in reasons:
        for known in counts:
            if known in reason:
                counts[known] += 1
    return [SKIP_SUMMARIES[known].format(n=n) for known, n in counts.items() if n]


def pytest_terminal_summary(terminalreporter):
    reasons = []
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reasons.append(longrepr[2] if isinstance(longrepr, tuple) else str(longrepr))
    for line in skip_summary(reasons):
        terminalreporter.write_line(line, yellow=True, bold=True)


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
        _unavailable(TORCH_MISSING)
    torch_module.set_num_threads(1)
    return torch_module


@pytest.fixture(scope="session")
def onnx():
    """The onnx package (tg.onnx.export's optional extra); skipped locally when absent."""
    try:
        import onnx as onnx_module
    except ImportError:
        _unavailable(ONNX_MISSING)
    return onnx_module


@pytest.fixture(scope="session")
def onnxruntime(onnx):
    """ONNX Runtime, which runs the exported models in the tests; skipped locally when absent."""
    try:
        import onnxruntime as ort_module
    except ImportError:
        _unavailable(ONNX_MISSING)
    ort_module.set_default_logger_severity(3)  # errors only: no warnings on stderr
    return ort_module


@pytest.fixture(scope="session")
def dot():
    """Path of Graphviz's `dot` program; skipped locally when absent."""
    path = shutil.which("dot")
    if path is None:
        _unavailable(DOT_MISSING)
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
