"""F.affine_grid and F.grid_sample against torch 2.13: values, gradients in the input, the
grid and theta (second derivatives too), every mode, padding mode and align_corners, 4-D and
5-D, the align_corners=None warning, and the errors torch raises for wrong arguments. (The op
table checks the ops themselves: tests/optable/vision.py.)"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from twins import raises_as_torch

import tinygraph as tg
from tinygraph.nn import functional as F

CASES = [(nd, mode, pad, align)
         for nd, mode, pad, align in itertools.product(
             (2, 3), ("bilinear", "nearest", "bicubic"), ("zeros", "border", "reflection"),
             (False, True))
         if not (nd == 3 and mode == "bicubic")]


def _arrays(nd, seed=0):
    rng = np.random.default_rng(seed)
    if nd == 2:
        return rng.standard_normal((2, 3, 5, 4)), rng.uniform(-1.7, 1.7, (2, 3, 4, 2))
    return rng.standard_normal((2, 2, 3, 4, 3)), rng.uniform(-1.7, 1.7, (2, 2, 3, 2, 3))


def _run(lib, F_, x, grid, weight, **kwargs):
    xs = lib.tensor(x, requires_grad=True)
    gs = lib.tensor(grid, requires_grad=True)
    y = F_.grid_sample(xs, gs, **kwargs)
    (y * lib.tensor(weight)).sum().backward()
    return y.detach().numpy(), xs.grad.numpy(), gs.grad.numpy()


@pytest.mark.parametrize("nd, mode, padding_mode, align_corners", CASES)
def test_grid_sample_values_and_gradients_match_torch(torch, nd, mode, padding_mode,
                                                      align_corners):
    x, grid = _arrays(nd)
    kwargs = {"mode": mode, "padding_mode": padding_mode, "align_corners": align_corners}
    weight = np.random.default_rng(1).standard_normal(x.shape[:2] + grid.shape[1:-1])
    ours = _run(tg, F, x, grid, weight, **kwargs)
    theirs = _run(torch, torch.nn.functional, x, grid, weight, **kwargs)
    for got, want in zip(ours, theirs):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    if mode == "nearest":  # a zero grid gradient, not None, as torch
        assert not ours[2].any()


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_second_derivatives_match_torch(torch, mode):
    x, grid = _arrays(2, seed=3)

    def second(lib, F_):
        xs = lib.tensor(x, requires_grad=True)
        gs = lib.tensor(grid, requires_grad=True)
        y = F_.grid_sample(xs, gs, mode=mode, padding_mode="reflection", align_corners=False)
        gx, gg = lib.autograd.grad((y * y).sum(), (xs, gs), create_graph=True)
        hx = lib.autograd.grad((gx * gx).sum() + gg.sum(), (xs, gs), allow_unused=True)
        return [None if h is None else h.detach().numpy() for h in hx]

    for got, want in zip(second(tg, F), second(torch, torch.nn.functional)):
        if want is None or got is None:
            assert want is None or not want.any()
            continue
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11)


def test_grid_sample_float32_stays_float32_and_matches_torch(torch):
    x, grid = _arrays(2)
    got = F.grid_sample(tg.tensor(x, dtype=tg.float32), tg.tensor(grid, dtype=tg.float32),
                        align_corners=False)
    want = torch.nn.functional.grid_sample(torch.tensor(x, dtype=torch.float32),
                                           torch.tensor(grid, dtype=torch.float32),
                                           align_corners=False)
    assert got.dtype == tg.float32
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_grid_sample_empty_batch_channels_and_grid(torch):
    for xs, gs in [((0, 1, 3, 3), (0, 2, 2, 2)), ((2, 0, 3, 3), (2, 2, 2, 2)),
                   ((2, 1, 3, 3), (2, 0, 2, 2))]:
        x = tg.zeros(xs, requires_grad=True)
        g = tg.zeros(gs, requires_grad=True)
        y = F.grid_sample(x, g, align_corners=False)
        want = torch.nn.functional.grid_sample(torch.zeros(xs), torch.zeros(gs),
                                               align_corners=False)
        assert tuple(y.shape) == tuple(want.shape)
        y.sum().backward()
        assert x.grad.shape == x.shape and g.grad.shape == g.shape


@pytest.mark.parametrize("size, theta_shape, align_corners", [
    ((2, 3, 4, 5), (2, 2, 3), False), ((2, 3, 4, 5), (2, 2, 3), True),
    ((2, 1, 1, 5), (2, 2, 3), False), ((2, 1, 3, 4, 2), (2, 3, 4), False),
    ((2, 1, 3, 4, 2), (2, 3, 4), True),
])
def test_affine_grid_values_and_gradient_match_torch(torch, size, theta_shape,
                                                     align_corners):
    theta = np.random.default_rng(2).standard_normal(theta_shape)
    weight = np.random.default_rng(3).standard_normal((size[0],) + size[2:] + (len(size) - 2,))

    def run(lib, F_):
        t = lib.tensor(theta, requires_grad=True)
        grid = F_.affine_grid(t, size, align_corners=align_corners)
        (grid * lib.tensor(weight)).sum().backward()
        return grid.detach().numpy(), t.grad.numpy()

    for got, want in zip(run(tg, F), run(torch, torch.nn.functional)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_affine_grid_is_differentiable_twice_through_grid_sample(torch):
    x, _ = _arrays(2)
    theta = np.array([[[0.93, 0.21, 0.107], [-0.13, 1.07, 0.051]]] * 2)  # off the kinks

    def run(lib, F_):
        t = lib.tensor(theta, requires_grad=True)
        y = F_.grid_sample(lib.tensor(x), F_.affine_grid(t, (2, 3, 4, 4), align_corners=False),
                           align_corners=False)
        (g,) = lib.autograd.grad((y ** 2).sum(), t, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), t)
        return g.detach().numpy(), h.numpy()

    for got, want in zip(run(tg, F), run(torch, torch.nn.functional)):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("call", [
    "F.affine_grid(torch.zeros(1, 2, 3, dtype=torch.float64), (1, 1, 2, 2))",
    "F.grid_sample(torch.zeros(1, 1, 2, 2), torch.zeros(1, 2, 2, 2))",
])
def test_align_corners_none_warns_as_torch(torch, call):
    for lib in (torch, tg):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            exec(call, {"torch": lib, "F": lib.nn.functional})
        assert len(caught) == 1 and caught[0].category is UserWarning
        assert "align_corners=False since 1.3.0" in str(caught[0].message)


def test_affine_grid_unit_size_with_align_corners_warns(torch):
    for lib in (torch, tg):
        with pytest.warns(UserWarning, match="unit-size grids"):
            lib.nn.functional.affine_grid(lib.zeros(1, 2, 3), (1, 1, 1, 3), align_corners=True)


@pytest.mark.parametrize("code", [
    "F.affine_grid(torch.zeros(2, 2, 3), (2, 1, 3), align_corners=False)",
    "F.affine_grid(torch.zeros(2, 2, 3, dtype=torch.int64), (2, 1, 3, 4), align_corners=False)",
    "F.affine_grid(torch.zeros(2, 3), (2, 1, 3, 4), align_corners=False)",
    "F.affine_grid(torch.zeros(2, 2, 3), (2, 1, 3, 4, 5), align_corners=False)",
    "F.affine_grid(torch.zeros(2, 2, 3), (2, 1, 0, 4), align_corners=False)",
    "F.affine_grid(torch.zeros(2, 2, 3), (3, 1, 3, 4), align_corners=False)",
    "F.grid_sample(torch.zeros(2, 1, 3, 3), torch.zeros(2, 2, 2, 2), mode='area')",
    "F.grid_sample(torch.zeros(2, 1, 3, 3), torch.zeros(2, 2, 2, 2), padding_mode='wrap')",
    "F.grid_sample(torch.zeros(2, 1, 3, 3), torch.zeros(1, 2, 2, 2), align_corners=False)",
    "F.grid_sample(torch.zeros(2, 1, 3, 3), torch.zeros(2, 2, 2, 3), align_corners=False)",
    "F.grid_sample(torch.zeros(2, 1, 3, 3), torch.zeros(2, 2, 2), align_corners=False)",
    "F.grid_sample(torch.zeros(2, 1, 3), torch.zeros(2, 2, 1), align_corners=False)",
    "F.grid_sample(torch.zeros(2, 1, 3, 3, 3), torch.zeros(2, 2, 2, 2, 3), mode='bicubic',"
    " align_corners=False)",
    "F.grid_sample(torch.zeros(2, 1, 0, 3), torch.zeros(2, 2, 2, 2), align_corners=False)",
    "F.grid_sample(torch.zeros(2, 1, 3, 3), torch.zeros(2, 2, 2, 2, dtype=torch.float64),"
    " align_corners=False)",
    "F.grid_sample(torch.zeros(2, 1, 3, 3, dtype=torch.int64), torch.zeros(2, 2, 2, 2,"
    " dtype=torch.int64), align_corners=False)",
])
def test_wrong_arguments_raise_as_torch(torch, code):
    raises_as_torch(torch, "F = torch.nn.functional\n" + code)


def test_grid_sample_exports_to_onnx_in_float32(tmp_path, onnxruntime):
    from onnxrun import run_onnx

    x, grid = _arrays(2)
    x, grid = x.astype(np.float32), grid.astype(np.float32)
    for mode, pad in [("bilinear", "zeros"), ("nearest", "border"), ("bicubic", "reflection")]:
        def fn(a, g, mode=mode, pad=pad):
            return F.grid_sample(a, g, mode=mode, padding_mode=pad, align_corners=False)

        path = tmp_path / f"{mode}.onnx"
        tg.onnx.export(fn, (tg.tensor(x), tg.tensor(grid)), path)
        (got,) = run_onnx(onnxruntime, path, x, grid)
        want = fn(tg.tensor(x), tg.tensor(grid)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_grid_sample_export_refuses_float64_by_name(onnx, tmp_path):
    x, grid = _arrays(2)
    with pytest.raises(tg.onnx.ExportError, match="grid_sampler.*no float64 kernel"):
        tg.onnx.export(lambda a, g: F.grid_sample(a, g, align_corners=False),
                       (tg.tensor(x), tg.tensor(grid)), tmp_path / "m.onnx")


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_non_finite_grid_points_read_as_torch(torch, mode, padding_mode):
    """NaN and infinite points: border and reflection clip NaN to the first pixel, as torch."""
    x = np.arange(1.0, 13.0).reshape(1, 1, 3, 4)
    grid = np.array([[[[np.nan, 0.0], [np.inf, 0.0], [-np.inf, 0.5], [0.2, np.nan]]]])
    kwargs = {"mode": mode, "padding_mode": padding_mode, "align_corners": False}
    got = F.grid_sample(tg.tensor(x), tg.tensor(grid), **kwargs).numpy()
    want = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(grid), **kwargs)
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-12)
