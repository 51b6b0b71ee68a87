"""`make test` without the optional tools says, in one line each, what it skipped and why."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import DOT_MISSING, TORCH_MISSING, skip_summary

ROOT = Path(__file__).resolve().parent.parent


def test_skips_are_counted_per_missing_tool_with_the_command_that_runs_them():
    lines = skip_summary([f"Skipped: {TORCH_MISSING}"] * 3 + [DOT_MISSING, "other reason"])
    assert lines[0].startswith("3 parity tests skipped: they check tinygraph against PyTorch")
    assert "`make test-all`" in lines[0]
    assert lines[1].startswith("1 picture tests skipped") and "apt-get install graphviz" in lines[1]
    assert skip_summary(["unrelated"]) == []


def test_a_run_without_pytorch_ends_with_the_parity_line(tmp_path):
    hidden = tmp_path / "no_torch"
    hidden.mkdir()
    (hidden / "torch.py").write_text("raise ImportError('PyTorch hidden for this test')\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}  # in CI a missing torch fails
    env["PYTHONPATH"] = os.pathsep.join([str(hidden), str(ROOT)])
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
         str(ROOT / "tests" / "test_lr_scheduler.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    skipped = int(re.search(r"(\d+) skipped", output).group(1))
    assert f"{skipped} parity tests skipped: they check tinygraph against PyTorch" in output
