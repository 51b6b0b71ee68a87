"""Shared fixtures, and the line that says what was skipped and why.

PyTorch (the parity oracle) and Graphviz's `dot` are optional on a developer's machine, where
tests that need them are skipped, and the run ends with one line per missing tool saying how
many tests it skipped and the command that runs them too. CI installs both (see .ci/run), so
there a missing one is an error, never a silent skip.
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
SKIP_SUMMARIES = {
    TORCH_MISSING: "{n} parity tests skipped: they check tinygraph against PyTorch, which is not "
                   "installed here. `make test-all` installs it (torch==2.13.0, CPU) and runs "
                   "them too.",
    DOT_MISSING: "{n} picture tests skipped: Graphviz's `dot` is not installed here "
                 "(apt-get install graphviz, brew install graphviz or conda install graphviz).",
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
