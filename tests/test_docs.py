"""Every ```python block in README.md and docs/*.md runs, so the docs cannot drift from the code.

The blocks of one file run in order in one shared namespace (a later block may use names an
earlier one defined), in a temporary working directory. A block whose info string says
``python no-run`` is skipped: use it only for code that cannot run here (so far the README's
safetensors lines, until ``tg.save`` writes ``.safetensors``).
Tracebacks point at the Markdown file and line.
"""

from __future__ import annotations

import code
import os
import re
from pathlib import Path

import pytest

import tinygraph as tg

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```\s*$", re.S | re.M)


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """(first line number, source) of each runnable ```python block of a Markdown file."""
    text = path.read_text()
    blocks = []
    for match in FENCE.finditer(text):
        words = match["info"].split()
        if not words or words[0] not in ("python", "py") or "no-run" in words:
            continue
        line = text.count("\n", 0, match.start("body")) + 1
        blocks.append((line, match["body"]))
    return blocks


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_blocks_run(path, tmp_path, monkeypatch, request):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "__doc_snippet__"}
    for line, body in python_blocks(path):
        # Pad with blank lines so line numbers in a traceback are the Markdown file's.
        compiled = compile("\n" * (line - 1) + body, str(path), "exec")
        try:
            exec(compiled, namespace)  # noqa: S102 - running the docs is the point
        except tg.viz.DotNotFoundError:
            request.getfixturevalue("dot")  # skips where Graphviz is absent (fails in CI)
            raise
        except ImportError as exc:
            if exc.name in ("onnx", "onnxruntime"):  # "Taking a model out"
                request.getfixturevalue(exc.name)  # skips where it is absent (fails in CI)
            raise


def test_docs_have_python_blocks():
    assert python_blocks(ROOT / "README.md"), "README.md lost its quickstart"


def test_readme_quickstart_pastes_into_a_python_prompt():
    """The first README block, typed line by line into the interactive interpreter, works.

    A REPL ends an indented block at the first blank line, so code that runs as a script can
    still fail when pasted; this catches that.
    """
    (_, body), *_ = python_blocks(ROOT / "README.md")
    errors = []

    class Console(code.InteractiveConsole):
        def showtraceback(self):
            errors.append("traceback")
            super().showtraceback()

        def showsyntaxerror(self, filename=None, **kwargs):
            errors.append("syntax error")
            super().showsyntaxerror(filename, **kwargs)

    console = Console()
    cwd = os.getcwd()
    try:
        for source_line in body.splitlines():
            console.push(source_line)
        console.push("")
    finally:
        os.chdir(cwd)
    assert not errors, f"the README quickstart fails when pasted into a prompt: {errors}"
