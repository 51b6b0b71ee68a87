"""Redraw every picture in README.md and docs/*.md by running the code block shown above it.

    make docs-images        (or: python docs/make_images.py)

A picture, ``![...](docs/images/NAME.png)`` (or a plain link to one), belongs to the nearest
```python block before it. That block, run on its own in a scratch folder, must draw NAME.png
with ``tg.viz.render``. The picture is copied to ``docs/images/NAME.png`` and the DOT text it
was drawn from to ``docs/images/NAME.dot``: ``tests/test_docs.py`` runs every block again,
on its own, and checks that it still draws exactly that DOT text, so a picture cannot drift
from the code next to it (rerun this script when it does).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```\s*$", re.S | re.M)
PICTURE = re.compile(r"\]\((?P<path>[^)\s]+\.(?:png|svg))\)")


@dataclass
class Block:
    """A ```python block of a Markdown file, and the pictures shown after it."""

    path: Path
    line: int  # the line of its first statement in the Markdown file
    source: str
    pictures: list[Path] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


@dataclass
class Run:
    output: str  # what the block printed
    drawn: dict[str, str]  # file name -> the DOT text tg.viz.render drew it from


def blocks(path: Path) -> list[Block]:
    """The runnable ```python blocks of a Markdown file, each with the pictures that follow
    it (up to the next block). A block whose info string says ``no-run`` is skipped."""
    text = path.read_text(encoding="utf-8")
    found: list[Block] = []
    position = 0
    for match in FENCE.finditer(text):
        _attach_pictures(found, path, text[position:match.start()])
        position = match.end()
        words = match["info"].split()
        if not words or words[0] not in ("python", "py") or "no-run" in words:
            continue
        line = text.count("\n", 0, match.start("body")) + 1
        found.append(Block(path, line, match["body"]))
    _attach_pictures(found, path, text[position:])
    return found


def _attach_pictures(found: list[Block], path: Path, prose: str) -> None:
    for match in PICTURE.finditer(prose):
        picture = (path.parent / match["path"]).resolve()
        if not found:
            raise ValueError(f"{path.name}: {match['path']} has no ```python block above it "
                             "to draw it.")
        found[-1].pictures.append(picture)


def run(block: Block, folder: Path, draw: bool = True) -> Run:
    """Run ``block`` alone (a fresh namespace, ``folder`` as working directory), recording
    what it prints and the DOT text of each picture it renders. ``draw=False`` records the
    DOT text without calling Graphviz's ``dot`` (for machines without it)."""
    import tinygraph as tg

    drawn: dict[str, str] = {}
    render = tg.viz.render

    def recording_render(roots, path, format=None, **options):
        source = tg.viz.to_dot(roots, **options).source
        written = render(roots, path, format, **options) if draw else os.fspath(path)
        drawn[Path(written).name] = source
        return written

    code = compile("\n" * (block.line - 1) + block.source, str(block.path), "exec")
    output = io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    tg.viz.render = recording_render
    try:
        with contextlib.redirect_stdout(output):
            exec(code, {"__name__": "__main__"})  # noqa: S102 - running the docs is the point
    finally:
        tg.viz.render = render
        os.chdir(cwd)
    return Run(output.getvalue(), drawn)


def main() -> int:
    if shutil.which("dot") is None:
        print("make docs-images needs Graphviz's `dot` (apt-get install graphviz, "
              "brew install graphviz or conda install graphviz).", file=sys.stderr)
        return 1
    for path in DOCS:
        for block in blocks(path):
            if not block.pictures:
                continue
            with tempfile.TemporaryDirectory() as scratch:
                result = run(block, Path(scratch))
                for picture in block.pictures:
                    if picture.name not in result.drawn:
                        print(f"{block}: the picture {picture.relative_to(ROOT)} shown after "
                              f"this block is not drawn by it (it draws: "
                              f"{', '.join(result.drawn) or 'nothing'})", file=sys.stderr)
                        return 1
                    picture.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(Path(scratch) / picture.name, picture)
                    picture.with_suffix(".dot").write_text(result.drawn[picture.name],
                                                           encoding="utf-8")
                    print(f"{picture.relative_to(ROOT)}  <- {block}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
