"""adaptive_avg_pool1d, adaptive_max_pool1d/2d and their Modules against PyTorch: values,
gradients (ties go to the first largest element, as PyTorch's), indices, reprs, errors and an
ONNX export at another batch size."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

CASES = [("adaptive_avg_pool1d", (2, 3, 7), (3,)), ("adaptive_avg_pool1d", (3, 8), (8,)),
         ("adaptive_max_pool1d", (2, 3, 7), (3,)), ("adaptive_max_pool1d", (3, 10), (4,)),
         ("adaptive_max_pool2d", (2, 3, 7, 5), ((3, 2),)), ("adaptive_max_pool2d", (3, 6, 9), (4,)),
         ("adaptive_max_pool2d", (1, 2, 5, 5), ((None, 3),)),
         ("adaptive_max_pool2d", (1, 1, 4, 4), (1,))]


@pytest.mark.parametrize("name, shape, args", CASES, ids=[f"{n}-{s}" for n, s, _ in CASES])
def test_adaptive_pooling_matches_torch(torch, name, shape, args):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    x[..., 0] = x[..., 1]  # ties: the gradient goes to the first of them
    ours, theirs = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = getattr(tg.nn.functional, name)(ours, *args)
    y_t = getattr(torch.nn.functional, name)(theirs, *args)
    np.testing.assert_allclose(y.detach().numpy(), y_t.detach().numpy(), rtol=1e-12)
    w = rng.standard_normal(tuple(y_t.shape))
    (y * tg.tensor(w)).sum().backward()
    (y_t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-15)
    if "max" in name:
        _, index = getattr(tg.nn.functional, name)(ours, *args, return_indices=True)
        _, index_t = getattr(torch.nn.functional, name)(theirs, *args, return_indices=True)
        np.testing.assert_array_equal(index.numpy(), index_t.numpy())
        assert index.dtype == tg.int64


@pytest.mark.parametrize("make", [lambda nn: nn.AdaptiveAvgPool1d(3),
                                  lambda nn: nn.AdaptiveMaxPool1d(2),
                                  lambda nn: nn.AdaptiveMaxPool2d((3, 2))])
def test_modules_print_and_pool_as_torch(torch, make):
    ours, theirs = make(tg.nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 7) if "2d" in repr(ours) else
                                                 (2, 3, 7))
    np.testing.assert_allclose(ours(tg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                               rtol=1e-12)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="output_size"):
        tg.nn.functional.adaptive_max_pool2d(tg.ones(1, 1, 4, 4), 0)
    with pytest.raises(RuntimeError, match="adaptive_max_pool1d"):
        tg.nn.functional.adaptive_max_pool1d(tg.ones(4), 2)


def test_an_exported_adaptive_pooling_model_runs_at_another_batch_size(onnxruntime, tmp_path):
    model = tg.nn.Sequential(tg.nn.Conv2d(1, 2, 3), tg.nn.AdaptiveMaxPool2d((2, 3)),
                             tg.nn.Flatten())
    path = str(tmp_path / "model.onnx")
    tg.onnx.export(model, (tg.randn(2, 1, 8, 9),), path, input_names=["x"],
                   dynamic_axes={"x": {0: "batch"}})
    x = np.random.default_rng(2).standard_normal((3, 1, 8, 9)).astype(np.float32)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"x": x})[0],
                               model(tg.tensor(x)).detach().numpy(), rtol=1e-6)
