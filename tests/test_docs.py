"""Every ```python block in README.md and docs/*.md runs on its own, prints what it claims, and
draws the pictures shown after it, so the docs cannot drift from the code.

Each block runs alone, in a fresh namespace and a temporary working directory, as a reader
pasting just that block would run it (README blocks also in a fresh interpreter, and typed
line by line into an interactive prompt). A line ending in ``# -> text`` claims that the
block prints ``text``. A picture after a block must be drawn by it from exactly the DOT text
kept beside the picture (``docs/images/NAME.dot``, written by ``make docs-images``). A block
whose info string says ``python no-run`` is skipped (none so far). Tracebacks point at the
Markdown file and line.
"""

from __future__ import annotations

import code
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_images", ROOT / "docs" / "make_images.py")
docs = sys.modules["make_images"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs)

BLOCKS = [block for path in docs.DOCS for block in docs.blocks(path)]
README = [block for block in BLOCKS if block.path.name == "README.md"]


def params(blocks) -> list:
    """The blocks as test parameters; one that imports PyTorch (to show a model continuing
    there) is marked `torch`, as the tests that take the `torch` fixture are, so the Pythons
    CI runs without torch deselect it rather than fail on it."""
    return [pytest.param(block, id=str(block),
                         marks=[pytest.mark.torch] if "import torch" in block.source
                         or "safetensors.torch" in block.source else [])
            for block in blocks]


def require_tools(block, request) -> None:
    """The optional tools a block imports, as the fixtures that provide them: skipped where
    they are absent on a developer's machine, failing in CI (which installs them)."""
    if "import torch" in block.source or "safetensors.torch" in block.source:
        request.getfixturevalue("torch")
    if "onnx" in block.source:
        request.getfixturevalue("onnxruntime")


def claims(block) -> list[str]:
    """The texts a block says it prints: what follows ``# -> `` at the end of a line."""
    return [line.split("# -> ", 1)[1].strip() for line in block.source.splitlines()
            if "# -> " in line]


@pytest.mark.parametrize("block", params(BLOCKS))
def test_each_block_runs_on_its_own_and_draws_its_pictures(block, tmp_path, monkeypatch,
                                                            request):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    try:
        result = docs.run(block, tmp_path, draw=shutil.which("dot") is not None)
    except ImportError as exc:  # "Taking a model out" needs the optional tools
        if exc.name in ("onnx", "onnxruntime"):
            request.getfixturevalue("onnxruntime")  # skips where it is absent (fails in CI)
        if exc.name == "torch":
            request.getfixturevalue("torch")
        raise
    for text in claims(block):
        assert text in result.output, f"{block} claims to print {text!r}; it printed:\n" \
                                      f"{result.output}"
    for picture in block.pictures:
        shown = picture.relative_to(ROOT)
        assert picture.is_file(), f"{shown} is missing: run `make docs-images`"
        assert picture.name in result.drawn, f"{block} does not draw {shown}"
        kept = picture.with_suffix(".dot").read_text(encoding="utf-8")
        assert result.drawn[picture.name] == kept, (
            f"{shown} is no longer what the code above it draws: run `make docs-images`")


def test_every_picture_in_docs_images_is_shown_and_drawn_by_a_block():
    shown = {picture for block in BLOCKS for picture in block.pictures}
    kept = set((ROOT / "docs" / "images").glob("*.png"))
    assert kept <= shown, f"pictures no page shows (delete them): {sorted(kept - shown)}"
    dots = {p.with_suffix(".png") for p in (ROOT / "docs" / "images").glob("*.dot")}
    assert dots == kept, "each picture keeps the DOT text it was drawn from (make docs-images)"


def test_docs_have_python_blocks():
    assert README, "README.md lost its quickstart"
    assert claims(README[0]), "the quickstart says what it prints"


@pytest.mark.parametrize("block", params(README))
def test_readme_block_runs_in_a_fresh_interpreter(block, tmp_path, request):
    """As a new user runs it: `python` started anywhere, the block pasted in whole."""
    require_tools(block, request)
    env = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-"], input=block.source, cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{block} fails on its own:\n{result.stderr}"
    for text in claims(block):
        assert text in result.stdout


@pytest.mark.parametrize("block", params(README))
def test_readme_block_pastes_into_a_python_prompt(block, tmp_path, monkeypatch, capsys,
                                                  request):
    """Typed line by line into the interactive interpreter, the block works too.

    A prompt ends an indented block at the first blank line, so code that runs as a script
    can still fail when pasted; this catches that.
    """
    require_tools(block, request)
    monkeypatch.chdir(tmp_path)
    errors = []

    class Console(code.InteractiveConsole):
        def showtraceback(self):
            errors.append("traceback")
            super().showtraceback()

        def showsyntaxerror(self, filename=None, **kwargs):
            errors.append("syntax error")
            super().showsyntaxerror(filename, **kwargs)

    console = Console()
    for source_line in block.source.splitlines():
        console.push(source_line)
    console.push("")
    assert not errors, f"{block} fails when pasted into a prompt:\n{capsys.readouterr().err}"
