"""IEEE infinities and NaNs come silently, as in PyTorch: NumPy's floating-point warnings raised
inside tinygraph's ops are filtered (tinygraph/backend.py); the user's own NumPy code keeps its
warnings, and ``np.errstate(all="raise")`` still raises.

The filter is installed when tinygraph is imported; pytest restores the warning filters after
collecting (when the tests imported tinygraph), so the silence is checked in a fresh
interpreter, as a user's program runs.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import tinygraph as tg

PROGRAM = """
x = torch.tensor([0.0, 1.0, -1.0], requires_grad=True)
y = torch.log(x) + torch.sqrt(x) + 1 / x + torch.exp(x * 1000) + torch.acos(x * 2)
y.sum().backward()
z = torch.tensor([1.0, 0.0]).div_(0.0)
p = torch.tensor([0.0, 1.0])
entropy = -(p * p.log()).sum()
r = [y.tolist(), x.grad.tolist(), z.tolist(), entropy.item()]
"""


def _run(lib):
    env = {"torch": lib}
    exec(PROGRAM, env)
    return env["r"]


def test_same_infinities_and_nans_as_torch(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # pytest dropped the filter: see above
        ours, theirs = _run(tg), _run(torch)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                                   rtol=1e-6)


def test_a_program_gets_no_warning_from_tinygraph():
    code = ("import warnings, numpy as np, tinygraph as torch\n"
            "with warnings.catch_warnings(record=True) as caught:\n"
            f"{chr(10).join('    ' + line for line in PROGRAM.strip().splitlines())}\n"
            "    np.log(np.zeros(1))  # the user's own NumPy: still warned\n"
            "print([str(w.message) for w in caught])\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "['divide by zero encountered in log']", result.stdout


def test_the_users_own_numpy_keeps_its_warnings():
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        np.log(np.zeros(1))


def test_errstate_raise_still_raises():
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):
        tg.log(tg.zeros(1))
