"""Losses against torch.nn in float64 (values and gradients), target-shape errors, the
penalty functions, and gradients of composed losses against finite differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn
from tinygraph.nn import functional as F
from tinygraph.ops import nn as nn_ops


@pytest.fixture(autouse=True)
def _float64():
    tg.set_default_dtype(np.float64)


def _compare(torch, ours_fn, theirs_fn, pred, target, target_grad=False):
    """Loss value and prediction gradient (and target gradient) in both libraries."""
    p = tg.tensor(pred, requires_grad=True)
    pt = torch.tensor(pred, requires_grad=True)
    t = tg.tensor(target, requires_grad=target_grad) if target_grad else target
    tt = torch.tensor(target, requires_grad=target_grad)
    loss, expected = ours_fn(p, t), theirs_fn(pt, tt)
    assert loss.shape == ()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    loss.backward()
    expected.backward()
    np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), rtol=1e-10, atol=1e-14)
    if target_grad:
        np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("ours, name", [
    (nn.MSELoss(), "MSELoss"), (nn.MSE(), "MSELoss"), (nn.L1Loss(), "L1Loss"),
    (nn.BCEWithLogitsLoss(), "BCEWithLogitsLoss")], ids=lambda v: str(v))
@pytest.mark.parametrize("shape", [(6, 1), (4, 3), (5,)])
def test_regression_and_logit_losses_match_torch(torch, rng, ours, name, shape):
    pred = rng.standard_normal(shape) * 3
    target = rng.random(shape)
    _compare(torch, ours, getattr(torch.nn, name)(), pred, target, target_grad=True)


def test_bce_matches_torch_including_clamped_logs(torch, rng):
    pred = rng.uniform(0.05, 0.95, (6, 2))
    target = rng.integers(0, 2, (6, 2)).astype(float)
    _compare(torch, nn.BCELoss(), torch.nn.BCELoss(), pred, target)
    edge = np.array([0.0, 1.0, 0.5, 1e-30])
    _compare(torch, nn.BCELoss(), torch.nn.BCELoss(), edge, np.array([1.0, 0.0, 1.0, 1.0]))


def test_bce_rejects_values_outside_zero_one():
    with pytest.raises(ValueError, match=r"\[0, 1\].*sigmoid"):
        nn.BCELoss()(tg.tensor([0.5, 1.5]), np.array([0.0, 1.0]))


def test_bce_with_logits_is_stable_for_huge_logits():
    x = tg.tensor([1000.0, -1000.0], requires_grad=True)
    loss = nn.BCEWithLogitsLoss()(x, np.array([0.0, 1.0]))
    np.testing.assert_allclose(loss.item(), 1000.0)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, -0.5])


@pytest.mark.parametrize("shape", [(5, 4), (4,), (3, 4, 2)])
def test_cross_entropy_with_integer_labels_matches_torch(torch, rng, shape):
    logits = rng.standard_normal(shape) * 3
    label_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    labels = rng.integers(0, shape[1] if len(shape) > 1 else shape[0], label_shape)
    p = tg.tensor(logits, requires_grad=True)
    pt = torch.tensor(logits, requires_grad=True)
    loss = nn.CrossEntropyLoss()(p, labels)
    expected = torch.nn.CrossEntropyLoss()(pt, torch.tensor(labels))
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    loss.backward()
    expected.backward()
    np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_with_probability_and_one_hot_targets_matches_torch(torch, rng):
    logits = rng.standard_normal((5, 3))
    probs = rng.dirichlet(np.ones(3), size=5)
    _compare(torch, nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), logits, probs,
             target_grad=True)
    labels = np.array([0, 2, 1, 1, 0])
    one_hot = np.eye(3)[labels]
    a = nn.CrossEntropyLoss()(tg.tensor(logits), one_hot).item()
    b = nn.CrossEntropyLoss()(tg.tensor(logits), labels).item()
    np.testing.assert_allclose(a, b, rtol=1e-14)
    assert nn.CrossEntropyLoss()(tg.tensor(logits), tg.tensor(labels)).item() == b
    int_one_hot = np.eye(3, dtype=np.int64)[labels]
    assert nn.CrossEntropyLoss()(tg.tensor(logits), int_one_hot).item() == a


def test_cross_entropy_is_stable_for_huge_logits():
    x = tg.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    loss = F.cross_entropy(x, np.array([2]))
    np.testing.assert_allclose(loss.item(), 2000.0)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1.0, 0.0, -1.0]], atol=1e-12)


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss, F.binary_cross_entropy_with_logits])
def test_loss_shape_mismatch_names_both_shapes(fn):
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        fn(tg.zeros(4, 1), np.zeros(4))
    with pytest.raises(RuntimeError, match=r"\(3, 2\).*\(2, 3\)"):
        fn(tg.zeros(3, 2), np.zeros((2, 3)))


def test_cross_entropy_bad_targets_are_explained():
    logits = tg.zeros(4, 3)
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4,\).*\(4, 2\)"):
        F.cross_entropy(logits, np.zeros((4, 2)))
    with pytest.raises(IndexError, match=r"\[0, 2\]"):
        F.cross_entropy(logits, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="whole numbers"):
        F.cross_entropy(logits, np.array([0.5, 1, 2, 0]))
    with pytest.raises(TypeError, match="must be integers"):
        F.cross_entropy(logits, np.array(["0", "1", "2", "0"]))


@pytest.mark.parametrize(("dtype", "bad"), [
    (np.int64, -1), (np.int64, 3), (np.int64, np.iinfo(np.int64).min), (np.int32, -7),
    (np.int8, 100), (np.int8, -128), (np.uint8, 255), (np.uint64, np.iinfo(np.uint64).max),
])
def test_labels_outside_the_classes_raise_from_the_op_itself(dtype, bad):
    # A negative label must not pick from the end of the row, as NumPy's indexing would.
    labels = np.array([0, 2, bad, 0], dtype=dtype)
    logits = tg.zeros(4, 3, requires_grad=True)
    with pytest.raises(IndexError, match=rf"\[0, 2\] for 3 classes, got values from .*{bad}"):
        nn_ops.softmax_cross_entropy_labels(logits, labels)
    with pytest.raises(IndexError, match=r"\[0, 2\]"):
        F.cross_entropy(logits, labels, reduction="none")


def test_the_labels_op_rejects_labels_that_are_not_one_integer_per_row():
    logits = tg.zeros(4, 3)
    with pytest.raises(tg.ShapeError, match=r"\(4, 3\).*one class label per row.*\(3,\)"):
        nn_ops.softmax_cross_entropy_labels(logits, np.array([0, 1, 2]))
    for labels in (np.array([0.0, 1.0, 2.0, 0.0]), np.array([True, False, True, True])):
        with pytest.raises(TypeError, match="must be integers"):
            nn_ops.softmax_cross_entropy_labels(logits, labels)


def test_reductions_and_unknown_names():
    pred, target = tg.tensor([1.0, 2.0, 4.0]), np.array([1.0, 1.0, 1.0])
    assert nn.MSELoss(reduction="sum")(pred, target).item() == 10.0
    np.testing.assert_array_equal(nn.L1Loss(reduction="none")(pred, target).numpy(), [0, 1, 3])
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="'mse'"):
        nn.get_loss("hinge")


def test_integer_targets_are_cast_to_the_prediction_dtype():
    tg.set_default_dtype(np.float32)
    loss = nn.MSELoss()(tg.zeros(3), np.array([1, 2, 3]))
    assert loss.dtype == np.float32 and loss.item() == pytest.approx(14 / 3)


# -- penalties ----------------------------------------------------------------------------


def test_penalties_follow_the_keras_convention(rng):
    w = tg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    a = w.numpy()
    np.testing.assert_allclose(F.l1_penalty(w, 0.3).item(), 0.3 * np.abs(a).sum())
    np.testing.assert_allclose(F.l2_penalty(w, 0.3).item(), 0.3 * (a**2).sum())
    net = F.elastic_net_penalty(w, 0.1, 0.2)
    np.testing.assert_allclose(net.item(), 0.1 * np.abs(a).sum() + 0.2 * (a**2).sum())
    net.backward()
    np.testing.assert_allclose(w.grad.numpy(), 0.1 * np.sign(a) + 0.4 * a)
    assert F.l1_penalty(w, 0.1).grad_fn.op_name() == "l1_penalty"
    assert F.l2_penalty(w, 0.1).grad_fn.op_name() == "l2_penalty"
    assert F.elastic_net_penalty(w).item() == 0.0


def test_composed_losses_pass_gradcheck(rng):
    x = tg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    labels = np.array([0, 2, 1, 2])
    assert tg.gradcheck(lambda t: F.cross_entropy(t, labels), [x])
    assert tg.gradgradcheck(lambda t: F.cross_entropy(t, labels), [x])
    y = rng.random((4, 3))
    assert tg.gradcheck(lambda t: F.mse_loss(t, y) + F.l1_loss(t, y), [x])
    layer = nn.Dense(3, 2, "tanh", l1_lambda=0.1, l2_lambda=0.2)
    assert tg.gradcheck(lambda t: F.mse_loss(layer(t), np.zeros((4, 2)))
                        + layer.regularization_loss(), [x])


def test_penalties_accept_a_list_or_a_module_and_skip_biases():
    model = nn.Sequential(nn.Dense(2, 3), nn.Dense(3, 1))
    weights = [model[0].weight, model[1].weight]
    expected = sum(0.1 * np.abs(w.numpy()).sum() + 0.2 * (w.numpy() ** 2).sum() for w in weights)
    np.testing.assert_allclose(F.elastic_net_penalty(weights, 0.1, 0.2).item(), expected)
    np.testing.assert_allclose(F.elastic_net_penalty(model, 0.1, 0.2).item(), expected)


def test_cross_entropy_without_reduction_keeps_the_label_shape(torch, rng):
    logits, labels = rng.standard_normal((2, 3, 4)), rng.integers(0, 3, (2, 4))
    ours = F.cross_entropy(logits, labels, reduction="none")
    theirs = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels),
                                               reduction="none")
    assert ours.shape == (2, 4)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    assert F.cross_entropy(logits[0, :, 0], labels[0, 0], reduction="none").shape == ()


# -- cross entropy with integer labels: one fused node ------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(6, 4), (5,), (3, 4, 2)])
def test_cross_entropy_with_labels_matches_torch_for_every_reduction(torch, rng, shape,
                                                                      reduction):
    logits = rng.standard_normal(shape) * 3
    label_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    labels = rng.integers(0, shape[1] if len(shape) > 1 else shape[0], label_shape)
    x, xt = tg.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, labels, reduction=reduction)
    expected = torch.nn.functional.cross_entropy(xt, torch.tensor(labels), reduction=reduction)
    assert loss.shape == tuple(expected.shape)
    np.testing.assert_allclose(loss.numpy(), expected.detach().numpy(), rtol=1e-12)
    upstream = rng.standard_normal(loss.shape)
    loss.backward(tg.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert tg.gradgradcheck(lambda t: F.cross_entropy(t, labels, reduction=reduction), [x])


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_with_labels_is_one_node_reduction_included(rng, reduction):
    x = tg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    loss = F.cross_entropy(x, np.array([0, 2, 1, 2]), reduction=reduction)
    assert loss.grad_fn.op_name() == "cross_entropy"
    # the labels are no input (no gradient), and no mean node follows
    assert loss.grad_fn.parents == (tg.autograd.grad_accumulator(x),)


def test_cross_entropy_with_no_samples_follows_torch_without_warnings(torch):
    logits = np.zeros((0, 3))
    for reduction in ("mean", "sum", "none"):
        x = tg.tensor(logits, requires_grad=True)
        xt = torch.tensor(logits, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loss = F.cross_entropy(x, np.zeros(0, dtype=np.int64), reduction=reduction)
            loss.backward(tg.ones_like(loss))
        expected = torch.nn.functional.cross_entropy(
            xt, torch.zeros(0, dtype=torch.long), reduction=reduction)
        np.testing.assert_array_equal(loss.numpy(), expected.detach().numpy())  # mean: nan
        assert x.grad.shape == (0, 3)


def test_cross_entropy_label_dtypes():
    logits = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    x = tg.tensor(logits, requires_grad=True)
    as_ints = F.cross_entropy(x, np.array([0, 1, 1, 2]))
    assert as_ints.dtype == np.float32
    as_ints.backward()
    assert x.grad.dtype == np.float32
    for labels in (np.array([0.0, 1.0, 1.0, 2.0]), np.array([0, 1, 1, 2], dtype=np.uint8),
                   np.array([0, 1, 1, 2], dtype=np.int32), tg.tensor(np.array([0, 1, 1, 2]))):
        # (intp labels take a shortcut to the fused op; the others are converted first)
        y = tg.tensor(logits, requires_grad=True)
        loss = F.cross_entropy(y, labels)
        assert loss.item() == as_ints.item()
        loss.backward()
        np.testing.assert_array_equal(y.grad.numpy(), x.grad.numpy())
    # booleans are the classes 0 and 1, never a mask
    as_bools = F.cross_entropy(x, np.array([False, True, True, False]))
    assert as_bools.item() == F.cross_entropy(x, np.array([0, 1, 1, 0])).item()
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, np.array([0, 1, 1, 2]), reduction="avg")
