"""tg.viz.render: real files from Graphviz's `dot` (skipped locally without it, required in CI),
and the fallback when `dot` is missing."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tinygraph as tg

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def model_loss():
    x = tg.tensor(np.ones((4, 3), np.float32))
    w = tg.tensor(np.full((3, 2), 0.1, np.float32), requires_grad=True, name="weight")
    return ((x @ w).tanh() ** 2).mean(), w


def test_render_svg_is_xml_that_names_the_parameter(dot, tmp_path):
    loss, _ = model_loss()
    path = tg.viz.render(loss, tmp_path / "graph.svg")
    assert path == str(tmp_path / "graph.svg")
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    text = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "weight" in text and "(3, 2) float32" in text and "tanh" in text


def test_render_png_has_the_signature_and_a_sensible_size(dot, tmp_path):
    loss, _ = model_loss()
    loss.backward()
    path = tg.viz.render(loss, tmp_path / "grads", format="png", show_grad=True)
    assert path == str(tmp_path / "grads.png")
    data = open(path, "rb").read()
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert 100 < width < 5000 and 100 < height < 5000
    assert len(data) > 1000


def test_render_pdf(dot, tmp_path):
    loss, _ = model_loss()
    path = tg.viz.render(loss, tmp_path / "out" / "graph.pdf")  # missing folders are made
    assert open(path, "rb").read(5) == b"%PDF-"


def test_without_dot_the_source_is_written_and_the_error_says_how_to_install(
        tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` anywhere on PATH
    loss, _ = model_loss()
    with pytest.raises(tg.viz.DotNotFoundError) as info:
        tg.viz.render(loss, tmp_path / "graph.png")
    message = str(info.value)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz",
                 str(tmp_path / "graph.dot")):
        assert hint in message
    source = (tmp_path / "graph.dot").read_text()
    assert source.startswith("digraph") and "weight" in source
    assert not (tmp_path / "graph.png").exists()


HOSTILE_NAMES = ["esc\x1b[31m", "nul\x00byte", "form\x0cfeed", "\t", "new\nline",
                 'quote" <b>&amp; back\\', "lone \ud800 surrogate", "trailing\\"]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
def test_any_name_renders_with_dot(dot, tmp_path, name):
    """Control characters, quotes, markup and backslashes in any name the user chose (a
    parameter, an input, a retained tensor, the output, a module) still make a valid picture."""
    x = tg.tensor(np.ones((2, 3), np.float32), name=name)
    w = tg.tensor(np.full((3, 2), 0.1, np.float32), requires_grad=True, name=name)
    h = (x @ w).tanh()
    h.retain_grad()
    h.name = name
    loss = h.sum()
    loss.name = name
    loss.backward(retain_graph=True)
    for fmt in ("svg", "png"):
        path = tg.viz.render(loss, tmp_path / f"graph.{fmt}", params={name: w},
                             inputs={name: x}, show_grad=True)
        assert open(path, "rb").read(4) in (b"<?xm", b"\x89PNG")
    text = " ".join(t.text or "" for t in ET.parse(tmp_path / "graph.svg").getroot().iter())
    assert tg.viz.dot.printable(name) in text  # drawn as visible escapes, e.g. esc\x1b[31m


def test_printable_writes_what_graphviz_cannot_take_as_python_escapes():
    from tinygraph.viz.dot import printable

    assert printable("esc\x1b[31m") == "esc\\x1b[31m"
    assert printable("\t") == "\\t" and printable("\x00\x0c") == "\\x00\\x0c"
    assert printable("\ud800") == "\\ud800"
    assert printable("0.weight → x_1 ünïcode") == "0.weight → x_1 ünïcode"  # unchanged
