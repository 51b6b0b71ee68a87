"""Creation sites (issue 7): under tg.detect_anomaly() every node records the line of user code
that created it, and errors raised in backward, NaN/Inf reports and the viz show that line.
Outside anomaly mode nothing is recorded."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tinygraph as tg
from tinygraph.autograd.mode import state


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def here(offset: int = 1) -> str:
    """'test_creation_sites.py:N' for the caller's line plus ``offset``."""
    return f"test_creation_sites.py:{inspect.currentframe().f_back.f_lineno + offset}"


def test_nan_in_backward_is_traced_to_the_line_that_created_the_op():
    x = leaf([4.0, 0.0, 1.0])
    with tg.detect_anomaly():
        h = x * 2
        line = here()
        y = h.sqrt()  # d sqrt(h) / dh at h = 0 is inf
        loss = y.sum() * 3
        with pytest.raises(RuntimeError, match="NaN or Inf") as info:
            loss.backward()
    message = str(info.value)
    assert "'sqrt'" in message and line in message
    assert info.value.node is y.grad_fn
    assert y.grad_fn.anomaly is True


def test_nan_node_is_drawn_red_with_its_site_as_tooltip_and_optional_label():
    x = leaf([0.0, 1.0])
    with tg.detect_anomaly():
        line = here()
        y = x.sqrt()
        with pytest.raises(RuntimeError):
            (y * 2).sum().backward(retain_graph=True)
    source = tg.viz.to_dot(y, legend=False).source
    node_line = next(s for s in source.splitlines() if "<B>sqrt</B>" in s)
    assert "#ff5c5c" in node_line  # the alarm colour
    assert f"tooltip=\"created at {__file__}:{line.split(':')[1]}" in node_line
    labelled = tg.viz.to_dot(y, legend=False, show_sites=True).source
    assert f"at {line} in test_nan_node" in labelled
    assert "site=" not in labelled and "anomaly" not in labelled  # not shown as attributes


def test_in_place_change_of_a_saved_tensor_names_op_versions_and_site():
    w = leaf([1.0, 2.0])
    with tg.detect_anomaly():
        line = here()
        loss = (w * w).sum()
        with tg.no_grad():
            w += 1.0  # the optimizer-style update is allowed (no_grad) but mul saved w
        with pytest.raises(RuntimeError, match="in-place") as info:
            loss.backward()
    message = str(info.value)
    assert "'mul'" in message and "version 1" in message and "version 0" in message
    assert line in message


def test_second_backward_through_a_freed_graph_names_the_site():
    x = leaf([1.0, 2.0])
    with tg.detect_anomaly():
        line = here()
        y = x.exp()
        y.backward(tg.ones_like(y))
        with pytest.raises(RuntimeError, match="retain_graph=True") as info:
            y.backward(tg.ones_like(y))
    assert line in str(info.value) and "'exp'" in str(info.value)


def test_wrong_gradient_shape_from_a_custom_backward_names_the_site():
    class BadShape(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return tg.tensor(np.ones((5, 5)))

    x = leaf(np.ones(3))
    with tg.detect_anomaly():
        line = here()
        y = BadShape.apply(x).sum()
        with pytest.raises(tg.ShapeError) as info:
            y.backward()
    assert "BadShape" in str(info.value) and line in str(info.value)


def test_any_exception_in_a_backward_gets_a_note_with_the_op_and_site():
    class Broken(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("bug in my backward")

    x = leaf([1.0])
    with tg.detect_anomaly():
        line = here()
        y = Broken.apply(x).sum()
        with pytest.raises(ValueError, match="bug in my backward") as info:
            y.backward()
    # 3.11+ attaches a note (exc.add_note); 3.10, which has no notes, extends the message.
    notes = "\n".join(getattr(info.value, "__notes__", [])) or str(info.value)
    assert "'Broken'" in notes and line in notes


def test_outside_anomaly_mode_nothing_is_recorded_and_errors_carry_no_site():
    x = leaf([0.0, 1.0])
    y = x.sqrt()
    node = y.grad_fn
    assert node.site is None and node.debug_inputs is None and "site" not in node.__dict__
    assert not state.debug and not state.anomaly
    y.sum().backward()
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert "created at" not in str(info.value)


def test_site_points_at_user_code_not_at_library_internals():
    from tinygraph import nn

    tg.manual_seed(0)
    layer = nn.Linear(2, 2)
    with tg.detect_anomaly():
        line = here()
        out = layer(tg.ones(1, 2))
    assert line in out.grad_fn.site  # the call in user code, not nn/layers.py


def test_detect_anomaly_restores_both_modes_when_nested():
    with tg.detect_anomaly():
        with tg.detect_anomaly():
            pass
        assert state.anomaly and state.debug
    assert not state.anomaly and not state.debug
