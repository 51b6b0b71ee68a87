"""tg.onnx.export's contract: torch.onnx.export's arguments, names, constants, errors, and a
model left exactly as it was."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from onnxrun import run_onnx

import tinygraph as tg
from tinygraph import nn


def _graph(onnx, path):
    return onnx.load(str(path)).graph


def _model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Dropout(0.5),
                         nn.Linear(4, 2))


def test_export_leaves_the_model_as_it_was(tmp_path, onnx):
    model = _model()
    model(tg.randn(5, 3)).sum().backward()  # gradients and moved running statistics
    model[1].eval()  # mixed modes: each module must get its own flag back
    model[4].bias.requires_grad_(False)
    before = {k: v.copy() for k, v in model.state_dict().items()}
    params = dict(model.named_parameters())
    grads = {k: None if p.grad is None else p.grad.numpy().copy() for k, p in params.items()}
    flags = [(m.training, m) for m in model.modules()]
    versions = {k: p._version for k, p in params.items()}

    tg.onnx.export(model, tg.randn(6, 3), tmp_path / "m.onnx")

    assert dict(model.named_parameters()) == params  # the same Parameter objects
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    for k, p in params.items():
        assert (p.grad is None) == (grads[k] is None)
        if p.grad is not None:
            np.testing.assert_array_equal(p.grad.numpy(), grads[k])
        assert p._version == versions[k]
    assert [m.training for _, m in flags] == [t for t, _ in flags]
    assert model[0].weight.requires_grad and not model[4].bias.requires_grad


def test_parameters_are_initializers_under_their_state_dict_names(tmp_path, onnx):
    model = _model()
    model[4].bias.requires_grad_(False)  # a frozen parameter enters the graph as a constant
    tg.onnx.export(model, tg.randn(6, 3), tmp_path / "m.onnx")
    names = {t.name for t in _graph(onnx, tmp_path / "m.onnx").initializer}
    assert {name for name, _ in model.named_parameters()} <= names


def test_names_of_inputs_and_outputs_and_keyword_arguments(tmp_path, onnx, onnxruntime):
    def fn(a, b, scale, shift=None):
        return a * scale + shift, (a - b).sum(1)

    a, b, shift = tg.randn(2, 3), tg.randn(2, 3), tg.randn(3)
    path = tmp_path / "fn.onnx"
    tg.onnx.export(fn, (a, b, 2.5, {"shift": shift}), path, input_names=["a"],
                   output_names=["y"])
    graph = _graph(onnx, path)
    assert [i.name for i in graph.input] == ["a", "input_1", "input_2"]
    assert [o.name for o in graph.output] == ["y", "output_1"]
    got = run_onnx(onnxruntime, path, a, b, shift)
    for g, e in zip(got, fn(a, b, 2.5, shift=shift)):
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-5, atol=0)


def test_dynamic_axes_as_a_list_name_the_axes_as_torch_does(tmp_path, onnx):
    tg.onnx.export(lambda x: x * 2, tg.randn(2, 3), tmp_path / "fn.onnx", input_names=["x"],
                   dynamic_axes={"x": [0, 1]})
    (x,) = _graph(onnx, tmp_path / "fn.onnx").input
    assert [d.dim_param for d in x.type.tensor_type.shape.dim] == ["x_dynamic_axes_1",
                                                                    "x_dynamic_axes_2"]


def test_constants_numbers_arrays_and_integer_inputs(tmp_path, onnxruntime, rng):
    def fn(x, k):
        return (x * 2 + np.arange(3.0)) * k  # float32 * Python number stays float32

    x, k = tg.randn(2, 3), tg.tensor(np.array([1, 2, 3]))
    path = tmp_path / "fn.onnx"
    tg.onnx.export(fn, (x, k), path, dynamic_axes={"input_0": [0]})
    other_x = rng.standard_normal((4, 3)).astype(np.float32)
    other_k = np.array([5, -1, 0])
    (got,) = run_onnx(onnxruntime, path, other_x, other_k)
    expected = fn(tg.tensor(other_x), tg.tensor(other_k)).numpy()
    assert got.dtype == expected.dtype == np.float64  # float32 * int64 array: NumPy's float64
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=0)


def test_outputs_that_are_inputs_or_constants(tmp_path, onnxruntime):
    path = tmp_path / "fn.onnx"
    x = tg.randn(2, 3)
    tg.onnx.export(lambda x, unused: (x, tg.ones(2)), (x, tg.randn(1)), path)
    got = run_onnx(onnxruntime, path, x, np.zeros(1, np.float32))
    np.testing.assert_array_equal(got[0], x.numpy())
    np.testing.assert_array_equal(got[1], np.ones(2, np.float32))


@pytest.mark.parametrize("opset", [13, 17, 18])
def test_reductions_in_each_opset_form(opset, tmp_path, onnxruntime, rng):
    def fn(x):
        return tg.logsumexp(x, 1) + x.max(1).values - x.mean(1) * tg.var(x, 1) + x.min(1)[0]

    x = rng.standard_normal((4, 5))
    path = tmp_path / "fn.onnx"
    tg.onnx.export(fn, tg.tensor(x), path, opset_version=opset)
    np.testing.assert_allclose(run_onnx(onnxruntime, path, x)[0], fn(tg.tensor(x)).numpy(),
                               rtol=1e-5, atol=0)


class Cube(tg.Function):
    @staticmethod
    def forward(ctx, x):
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


def test_a_user_function_is_refused_by_name(tmp_path, onnx):
    with pytest.raises(tg.onnx.UnsupportedOpError, match=r"'Cube' \(a tg.Function, created at "
                                                         r".*test_onnx_export.py"):
        tg.onnx.export(lambda x: Cube.apply(x) + 1, tg.randn(3), tmp_path / "fn.onnx")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("kwargs, error, match", [
    ({"dynamic_axes": {"y": [0]}}, ValueError, r"'y', which is not an input or output name.*"
                                               r"\['input_0', 'output_0'\]"),
    ({"dynamic_axes": {"input_0": [2]}}, ValueError, r"axis 2, but 'input_0' has shape"),
    ({"input_names": ["a", "b"]}, ValueError, r"2 input_names given"),
    ({"input_names": ["a"], "output_names": ["a"]}, ValueError, r"'a' is used twice"),
    ({"opset_version": 11}, ValueError, r"opset_version must be an int from 13"),
])
def test_bad_arguments_are_refused(kwargs, error, match, tmp_path, onnx):
    with pytest.raises(error, match=match):
        tg.onnx.export(lambda x: x + 1, tg.randn(2, 3), tmp_path / "fn.onnx", **kwargs)


def test_bad_args_and_outputs_are_refused(tmp_path, onnx):
    with pytest.raises(TypeError, match="args must be a Tensor or a tuple"):
        tg.onnx.export(lambda x: x, 3.0, tmp_path / "fn.onnx")
    with pytest.raises(TypeError, match="output 0 is a ndarray"):
        tg.onnx.export(lambda x: x.numpy(), tg.randn(2), tmp_path / "fn.onnx")
    with pytest.raises(TypeError, match="a list, tuple or dict holding Tensors"):
        tg.onnx.export(lambda xs: xs[0] + xs[1], ([tg.randn(2), tg.randn(2)],),
                       tmp_path / "fn.onnx")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tg.onnx.export(lambda x: x + 1, tg.randn(2), tmp_path / "missing" / "fn.onnx")


def test_writes_atomically_and_into_file_objects(tmp_path, onnx):
    path = tmp_path / "fn.onnx"
    path.write_bytes(b"old")
    with pytest.raises(tg.onnx.UnsupportedOpError):
        tg.onnx.export(Cube.apply, tg.randn(2), path)
    assert path.read_bytes() == b"old"
    tg.onnx.export(lambda x: x + 1, tg.randn(2), path)
    assert [p.name for p in tmp_path.iterdir()] == ["fn.onnx"]
    buffer = io.BytesIO()
    tg.onnx.export(lambda x: x + 1, tg.randn(2), buffer)
    assert buffer.getvalue() == path.read_bytes()
    onnx.checker.check_model(onnx.load_from_string(buffer.getvalue()))


def test_without_onnx_the_error_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'tinygraph\[onnx\]'"):
        tg.onnx.export(lambda x: x, tg.randn(2), tmp_path / "fn.onnx")


def test_importing_tinygraph_does_not_import_onnx():
    code = "import sys, tinygraph; assert tinygraph.onnx.export; print('onnx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
