"""tg.check_graph (SPEC "Autograd", issue 7): every node of a recorded graph checked in isolation
against finite differences; a planted wrong backward is found and named, kinks are reported as
non-differentiable, not as failures."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from optable import OPS, cases, make_inputs

import tinygraph as tg
from tinygraph import nn


def leaf(values, name=None):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True, name=name)


class BadSquare(tg.Function):
    """x**2 with a planted mistake: its backward says 3x instead of 2x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x * grad


class GoodSquare(BadSquare):
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


class Block(nn.Module):
    """A layer whose forward uses a custom Function: the fault sits two modules deep."""

    def __init__(self, function=BadSquare) -> None:
        super().__init__()
        self.inner = nn.Linear(3, 4)
        self.function = function

    def forward(self, x):
        self.line = inspect.currentframe().f_lineno + 1
        return self.function.apply(self.inner(x))


def nested_model(function=BadSquare):
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 3), nn.Tanh(), Block(function), nn.Linear(4, 1)).double()


def data():
    return tg.tensor(np.random.default_rng(0).standard_normal((5, 2)))


def test_finds_and_names_a_wrong_backward_buried_in_a_nested_module():
    model = nested_model()
    with tg.detect_anomaly():
        loss = (model(data()) ** 2).mean()
    with pytest.raises(tg.GradcheckError) as info:
        tg.check_graph(loss, params=model)
    message = str(info.value)
    assert "'BadSquare'" in message
    assert "2: Block" in message  # the module that recorded it
    assert "(5, 4) from linear" in message  # its input and where it came from
    assert "2.inner.weight" in message and "0.weight" in message  # parameters it feeds
    assert f"test_check_graph.py:{model[2].line} in forward" in message  # the creating line
    assert "backward gives" in message and "finite differences" in message
    error = info.value
    assert isinstance(error, tg.debug.GraphCheckError)
    assert error.row.op == "BadSquare" and error.row.status == "FAIL"
    assert error.row.node is loss.grad_fn.parents[0].parents[0].parents[0]  # linear->pow->mean


def test_the_same_model_with_a_correct_backward_passes():
    model = nested_model(GoodSquare)
    loss = (model(data()) ** 2).mean()
    report = tg.check_graph(loss, params=model)
    assert report and report.ok and not report.skipped
    assert [row.op for row in report] == ["linear", "tanh", "linear", "GoodSquare", "linear",
                                          "pow", "mean"]
    assert all(row.status == "pass" and row.error < 1e-6 for row in report)


def test_raise_exception_false_checks_every_node_and_returns_the_report():
    model = nested_model()
    loss = (model(data()) ** 2).mean()
    report = tg.check_graph(loss, params=model, raise_exception=False)
    assert not report and not report.ok
    assert [row.op for row in report.failures] == ["BadSquare"]
    assert len(report) == 7 and len(report.with_status("pass")) == 6
    text = str(report)
    assert "BadSquare" in text and "FAIL" in text and "2: Block" in text
    assert "6 pass, 1 FAIL" in text
    # without detect_anomaly the message says how to get the line
    with pytest.raises(tg.GradcheckError, match="unknown line.*detect_anomaly"):
        tg.check_graph(loss, params=model)


def test_graph_is_left_usable_and_gradients_untouched():
    model = nested_model(GoodSquare)
    loss = (model(data()) ** 2).mean()
    tg.check_graph(loss)
    assert all(p.grad is None for p in model.parameters())
    loss.backward()
    expected = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    (model(data()) ** 2).mean().backward()
    for p, g in zip(model.parameters(), expected):
        np.testing.assert_allclose(p.grad.numpy(), g)


@pytest.mark.parametrize("make, op", [
    (lambda x: x.relu(), "relu"),
    (lambda x: x.abs(), "abs"),
    (lambda x: x.clip(0.0, 1.0), "clip"),
    (lambda x: x.max(), "max"),
    (lambda x: tg.maximum(x, tg.tensor(np.array([0.0, 2.0, 5.0]))), "maximum"),
])
def test_kinks_are_reported_as_non_differentiable_not_failures(make, op):
    x = leaf([0.0, 2.0, 2.0])  # 0 for relu/abs/clip, a tie for max and maximum
    report = tg.check_graph(make(x).sum())
    row = report[0]
    assert row.op == op
    assert row.status == "non-differentiable", str(report)
    assert "one-sided derivatives" in row.detail
    assert report.ok and not report.failures


def test_relu_at_exactly_zero_is_named_in_the_report():
    x = leaf([-1.0, 0.0, 3.0])
    report = tg.check_graph(x.relu().sum())
    assert [r.status for r in report] == ["non-differentiable", "pass"]
    assert "input 0 element (1,)" in report[0].detail
    assert "non-differentiable" in str(report)


def test_relu_away_from_zero_passes():
    x = leaf([-1.0, 0.5, 3.0])
    assert [r.status for r in tg.check_graph(x.relu().sum())] == ["pass", "pass"]


def test_strong_curvature_is_not_mistaken_for_a_kink():
    x = leaf([8.0, 9.0, -3.0])
    report = tg.check_graph((x.exp() * x).sum() + (1 / x).sum())
    assert all(r.status == "pass" for r in report), str(report)


def test_a_wrong_backward_at_a_kink_still_fails():
    class BadRelu(tg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.relu()

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 5.0 * (x.numpy() >= 0)

    report = tg.check_graph(BadRelu.apply(leaf([0.0, 1.0])).sum(), raise_exception=False)
    assert report[0].status == "FAIL"


def test_wrong_gradient_shape_or_count_or_raising_backward_fails():
    class WrongShape(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.sum(axis=0)

    class TwoGrads(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2, grad

    class Raises(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            raise KeyError("oops")

    x = leaf(np.ones((3, 2)))
    with pytest.raises(tg.GradcheckError, match="its backward raised KeyError"):
        tg.check_graph(Raises.apply(x).sum())
    with pytest.raises(tg.GradcheckError, match="shape"):
        tg.check_graph(WrongShape.apply(x).sum())
    with pytest.raises(tg.GradcheckError, match="2 gradients for 1 inputs"):
        tg.check_graph(TwoGrads.apply(x).sum())


def test_large_inputs_are_sampled_and_a_random_direction_catches_the_rest():
    class WrongAtOneElement(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad):
            g = grad.numpy().copy()
            g[37] += 1.0  # wrong by 1 at one element of 400
            return tg.tensor(g)

    x = leaf(np.linspace(-1, 1, 400))
    report = tg.check_graph(WrongAtOneElement.apply(x).sum(), max_elements=10,
                            raise_exception=False)
    assert report[0].status == "FAIL"
    assert "random direction" in report[0].detail or "element (37,)" in report[0].detail


def test_float32_model_with_batchnorm_dropout_and_cross_entropy_passes():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Dropout(0.3),
                          nn.Linear(5, 3))
    x = tg.tensor(np.random.default_rng(1).standard_normal((8, 6)).astype(np.float32))
    y = np.arange(8) % 3
    with tg.debug.record_inputs():
        loss = nn.CrossEntropyLoss()(model(x), y) + 0.1 * sum(
            (p ** 2).sum() for p in model.parameters())
        loss = loss.astype(np.float64)
    report = tg.check_graph(loss, params=model)
    assert report.ok and not report.skipped, str(report)
    assert {"linear", "var", "sqrt", "div", "mul", "cross_entropy", "astype"} <= {
        r.op for r in report}


def test_many_ops_pass():
    z = leaf(np.random.default_rng(2).standard_normal((3, 4)))
    with tg.debug.record_inputs():  # (z * z + 1): no node keeps the constant 1
        total = ((z.softmax() * z.log_softmax(axis=0)).sum() + z.logsumexp(axis=1).sum() + z.var()
             + tg.where(z.numpy() > 0, z, z * 2).sum() + tg.cat([z, z[:, :2]], axis=1).sum()
                 + tg.stack([z, z]).mean() + z.T.reshape(12)[3] + (z @ z.T).tanh().sum()
                 + z.sigmoid().mean(axis=0).sum() + (z * z + 1).sqrt().log().sum())
    report = tg.check_graph(total)
    assert all(r.status == "pass" for r in report), str(report)


def test_every_op_of_the_op_table_passes_and_so_do_their_double_backward_graphs(rng):
    checked = 0
    for case in cases(OPS):
        spec, shapes, kwargs = case.values
        xs = [tg.tensor(a, requires_grad=True) for a in make_inputs(spec, shapes, rng)]
        with tg.debug.record_inputs():
            out = spec.fn(*xs, **kwargs)
            out = (out * tg.tensor(rng.standard_normal(out.shape))).sum()
            if spec.second_order:
                grads = tg.grad(out, xs, create_graph=True, allow_unused=True)
                out = out + sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
        report = tg.check_graph(out, raise_exception=False)
        assert all(row.status == "pass" for row in report), (case.id, str(report))
        checked += len(report)
    assert checked > 1000


def test_names_come_from_params_dict_or_tensor_name():
    w = leaf(np.ones((2, 2)), name="w")
    b = leaf(np.ones(2))
    out = (w @ tg.tensor(np.ones(2)) + b).sum()
    report = tg.check_graph(out, params={"bias": b})
    assert report[0].params == ["w"]
    assert report[1].params == ["bias"]


def test_plain_graph_recovers_inputs_from_saved_values_and_reports_what_it_cannot():
    w = leaf([1.0, -2.0, 3.0])
    loss = ((w * 2.0 + 1.0) ** 2).sum()  # add's constant 1.0 is kept by no node
    report = tg.check_graph(loss)
    statuses = {r.op: r.status for r in report}
    assert statuses["mul"] == "pass" and statuses["pow"] == "pass"
    # the pow saved its input, so the add's output is known, but not the add's own constant
    assert statuses["add"] == "skipped"
    assert "detect_anomaly" in str(report)
    with tg.debug.record_inputs():
        loss = ((w * 2.0 + 1.0) ** 2).sum()
    assert all(r.status == "pass" for r in tg.check_graph(loss))


def test_after_backward_with_retain_graph_and_with_recorded_inputs():
    w = leaf([1.0, -2.0, 3.0])
    x = tg.tensor(np.array([0.5, 0.25, 2.0]))
    loss = (w * x).exp().sum()
    loss.backward(retain_graph=True)
    assert all(r.status == "pass" for r in tg.check_graph(loss))
    loss.backward()  # frees the saved values: mul's constant x is gone
    report = tg.check_graph(loss)
    assert report[0].status == "skipped" and "freed by backward" in report[0].detail
    with tg.detect_anomaly():
        loss = (w * x).exp().sum()
    loss.backward()
    assert all(r.status == "pass" for r in tg.check_graph(loss))


def test_record_inputs_restores_the_mode_and_records_nothing_outside():
    from tinygraph.autograd.mode import state

    w = leaf([1.0])
    assert (w * 2).grad_fn.debug_inputs is None and (w * 2).grad_fn.site is None
    with tg.debug.record_inputs():
        with tg.detect_anomaly():
            pass
        assert state.debug and not state.anomaly
        node = (w * 2).grad_fn
    assert not state.debug
    assert node.debug_inputs[1] == 2.0 and "test_check_graph.py" in node.site


def test_leaf_root_gives_an_empty_report():
    report = tg.check_graph(leaf([1.0]))
    assert len(report) == 0 and report.ok
    assert "0 nodes" in str(report)
