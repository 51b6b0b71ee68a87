"""Every example runs in its quick mode and prints what it promises, so none can rot.

Each ``examples/*.py`` is run as a user would run it (``python examples/NAME.py --quick``) in
a fresh process whose working directory is a temporary folder; examples that write files get
``--out`` pointing there too. Expected output lines are listed below for the examples that
exist; an example without an entry is still run and must exit 0.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))

# Substrings each example's output must contain (stdout and stderr together).
EXPECTED = {
    "quickstart.py": ["epoch", "loss"],
    "gradcheck.py": [
        "gradcheck(Softplus)       -> True",
        "raised GradcheckError",
        "gradient mismatch for input 0",
        "raise_exception=False) -> False",
    ],
    "higher_order.py": ["max |difference|", "minimum is at (1, 1): reached"],
    # --quick is too short to converge: the example must say so, and try once more
    "xor.py": ["attempt 1 did not converge", "starting again from a new random",
               "NOT converged after 2 attempt(s)", "predictions", "accuracy"],
    "regression_elastic_net.py": ["near-zero weights", "with penalty", "without penalty"],
    "digits.py": ["held-out accuracy", "wrote"],
    "cnn_digits.py": ["epoch  2: training loss", "held-out accuracy", "wrote"],
    "pytorch_style.py": ["epoch", "test accuracy"],
    "char_transformer.py": ["vocabulary of", "step   40  loss", "trained 40 steps", "sample:",
                            "wrote"],
    "visualize.py": ["mlp_forward"],
    "export.py": ["exported in", "initializers: 0.weight, 0.bias, 3.weight, 3.bias",
                  "max |difference| from tinygraph", "same predicted digit for 100%"],
}

# Examples that train a model: they accept --epochs.
TRAINS = {"quickstart.py", "xor.py", "regression_elastic_net.py", "digits.py", "pytorch_style.py",
          "export.py", "cnn_digits.py"}

# Files an example must leave in its --out folder (glob patterns).
EXPECTED_FILES = {
    "digits.py": ["*.png", "*.npz"],
    "export.py": ["digits.onnx"],
    "cnn_digits.py": ["cnn_digits_graph.*", "cnn_digits_blocks.*"],
    "char_transformer.py": ["char_transformer_graph.*"],
}

# Optional packages an example needs: the conftest fixture of that name (skips locally when
# the package is absent, fails in CI).
NEEDS = {
    "export.py": ["onnxruntime"],
}


def _run(script: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    args = [sys.executable, str(script), "--quick"]
    if '"--out"' in script.read_text():
        args += ["--out", str(tmp_path / "out")]
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    return subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_in_quick_mode(script, tmp_path, request):
    for fixture in NEEDS.get(script.name, []):
        request.getfixturevalue(fixture)
    result = _run(script, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{script.name} exited {result.returncode}:\n{output}"
    assert "Traceback" not in output, output
    for expected in EXPECTED.get(script.name, []):
        assert expected in output, f"{script.name}: {expected!r} missing from:\n{output}"
    for pattern in EXPECTED_FILES.get(script.name, []):
        assert list((tmp_path / "out").glob(pattern)), (
            f"{script.name} wrote no {pattern} in --out:\n{output}")


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_says_what_it_teaches_and_takes_quick(script):
    source = script.read_text()
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring, f"{script.name} has no module docstring saying what it teaches"
    assert '"--quick"' in source, f"{script.name} must accept --quick"
    if script.name in TRAINS:
        assert '"--epochs"' in source, f"{script.name} trains, so it must accept --epochs"


def test_digits_default_run_reaches_95_percent(tmp_path):
    """What `make demo` promises: at least 95% held-out accuracy, and every file it lists."""
    script = ROOT / "examples" / "digits.py"
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, str(script), "--out", str(tmp_path / "out")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    match = re.search(r"after \d+ epochs: .*held-out accuracy ([\d.]+)%", output)
    assert match, output
    assert float(match[1]) >= 95.0, output
    listed = re.findall(r"^  (\S+)$", output.split("wrote:")[-1], re.M)
    assert listed and all(Path(p).is_file() for p in listed), output


def test_xor_default_run_converges_and_its_table_lines_up(tmp_path):
    """What the first seed's example promises: with its defaults it learns XOR (restarting
    when a run gets stuck, as it says), and its table's columns line up."""
    script = ROOT / "examples" / "xor.py"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"converged on attempt \d+: final loss 0\.000\d+", output), output
    assert "predictions: [0, 1, 1, 0], accuracy 100%" in output
    lines = output.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("input")))
    header, rows = lines[start], lines[start + 1:start + 5]
    ends = [m.end() for m in re.finditer(r"\S+", header)]  # right edge of each heading
    for row in rows:
        cells = [m.end() for m in re.finditer(r"\S+", row)]
        assert cells[-3:] == ends[-3:], f"misaligned:\n{header}\n{row}"
