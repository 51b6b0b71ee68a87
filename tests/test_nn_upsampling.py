"""F.interpolate and nn.Upsample against PyTorch: nearest, nearest-exact, linear and bilinear
(align_corners both ways), by size and by scale factor, values and gradients in float64,
second derivatives, reprs, errors and an ONNX export at another batch size."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

CASES = [
    ((2, 3, 5, 4), {"scale_factor": 2, "mode": "nearest"}),
    ((2, 3, 5, 4), {"size": (7, 3), "mode": "nearest"}),
    ((2, 3, 5, 4), {"size": (7, 9), "mode": "nearest-exact"}),
    ((2, 3, 5, 4), {"scale_factor": 1.7, "mode": "bilinear"}),
    ((2, 3, 5, 4), {"size": (8, 3), "mode": "bilinear", "align_corners": True}),
    ((2, 3, 5, 4), {"size": (8, 3), "mode": "bilinear", "align_corners": False}),
    ((2, 3, 5, 4), {"scale_factor": (1.5, 2.3), "mode": "bilinear",
                    "recompute_scale_factor": True}),
    ((1, 1, 3, 3), {"scale_factor": 0.5, "mode": "bilinear"}),
    ((1, 2, 3, 3), {"size": (1, 1), "mode": "bilinear", "align_corners": True}),
    ((2, 3, 6), {"scale_factor": 2.5, "mode": "linear"}),
    ((2, 3, 6), {"size": 4, "mode": "nearest"}),
]


@pytest.mark.parametrize("shape, kwargs", CASES, ids=[str(k) for _, k in CASES])
def test_interpolate_matches_torch_values_and_gradients(torch, shape, kwargs):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    ours, theirs = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = tg.nn.functional.interpolate(ours, **kwargs)
    y_t = torch.nn.functional.interpolate(theirs, **kwargs)
    assert y.shape == tuple(y_t.shape)
    np.testing.assert_allclose(y.detach().numpy(), y_t.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    w = rng.standard_normal(y.shape)
    (y * tg.tensor(w)).sum().backward()
    (y_t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_bilinear_has_second_derivatives():
    x = tg.tensor(np.random.default_rng(1).standard_normal((1, 1, 3, 4)), requires_grad=True)
    assert tg.gradgradcheck(
        lambda v: tg.nn.functional.interpolate(v, scale_factor=1.5, mode="bilinear") ** 2, (x,))


@pytest.mark.parametrize("make", [
    lambda nn: nn.Upsample(scale_factor=2),
    lambda nn: nn.Upsample(size=(4, 6), mode="bilinear", align_corners=False),
    lambda nn: nn.UpsamplingNearest2d(scale_factor=3),
    lambda nn: nn.UpsamplingBilinear2d(size=5),
])
def test_upsample_modules_print_and_compute_as_torch(torch, make):
    ours, theirs = make(tg.nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 5))
    np.testing.assert_allclose(ours(tg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                               rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("call", [
    lambda m: m.nn.functional.interpolate(m.ones(1, 1, 4, 4)),
    lambda m: m.nn.functional.interpolate(m.ones(1, 1, 4, 4), size=2, scale_factor=2.0),
    lambda m: m.nn.functional.interpolate(m.ones(1, 1, 4, 4), size=(2, 2, 2)),
    lambda m: m.nn.functional.interpolate(m.ones(1, 1, 4, 4), size=2, align_corners=True),
    lambda m: m.nn.functional.interpolate(m.ones(1, 1, 4, 4), size=2, mode="linear"),
])
def test_bad_arguments_raise_torchs_error_types(torch, call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(theirs.type):
        call(tg)


def test_an_exported_upsampling_model_runs_at_another_batch_size(onnxruntime, tmp_path):
    model = tg.nn.Sequential(tg.nn.Upsample(scale_factor=2), tg.nn.Conv2d(2, 3, 3),
                             tg.nn.Upsample(size=(5, 7), mode="bilinear"))
    path = str(tmp_path / "model.onnx")
    tg.onnx.export(model, (tg.randn(2, 2, 4, 4),), path, input_names=["x"],
                   dynamic_axes={"x": {0: "batch"}})
    x = np.random.default_rng(3).standard_normal((3, 2, 4, 4)).astype(np.float32)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"x": x})
    np.testing.assert_allclose(got, model(tg.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
