"""Whole models exported to ONNX and run on ONNX Runtime at another batch size.

The models: a Sequential MLP with every layer an MLP uses (eval-mode Dropout and BatchNorm1d
included) and the digits example's model after a few training steps; then small functions
whose ops must keep a dynamic batch axis free (slices, reshapes, reductions over the batch),
and functions the export must refuse because their graph holds values computed from the
inputs' values.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
from onnxrun import run_onnx

import tinygraph as tg
import tinygraph.nn.functional as F
from tinygraph import nn, optim

ROOT = Path(__file__).resolve().parent.parent


class LogSoftmax(nn.Module):
    def forward(self, x):
        return F.log_softmax(x, dim=1)


def mlp() -> nn.Sequential:
    """Every layer an MLP uses, with BatchNorm1d's running statistics moved off their start."""
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(12, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.3),
        nn.Dense(32, 16, activation="tanh"), nn.Linear(16, 16), nn.Sigmoid(),
        nn.Dense(16, 8, activation="relu"), nn.Linear(8, 6), nn.Softmax(dim=1),
        nn.Linear(6, 5), LogSoftmax(),
    )
    for _ in range(3):
        model(tg.randn(16, 3, 4))  # training mode: updates the running statistics
    return model


def digits_model() -> nn.Sequential:
    """examples/digits.py's model, trained a few Adam steps on random pixels."""
    spec = importlib.util.spec_from_file_location("digits_example", ROOT / "examples/digits.py")
    digits = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(digits)
    model = digits.build_model()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(5):
        labels = tg.tensor(np.arange(32) % 10)
        loss = nn.CrossEntropyLoss()(model(tg.rand(32, 64)), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


def cnn_digits_model() -> nn.Sequential:
    """examples/cnn_digits.py's CNN (conv, batch norm, max pool blocks), trained a few steps
    on random pixels so that its batch statistics moved, plus a strided, grouped convolution,
    a transposed one, average pooling and padding: every conv-family op in one float32 model."""
    spec = importlib.util.spec_from_file_location("cnn_example", ROOT / "examples/cnn_digits.py")
    cnn = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cnn)
    model = cnn.build_model()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(3):
        labels = tg.tensor(np.arange(32) % 10)
        loss = nn.CrossEntropyLoss()(model(tg.rand(32, 1, 8, 8)), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    extras = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, padding_mode="reflect"), nn.ReLU(),
        nn.Conv2d(4, 4, 3, stride=2, padding=1, groups=2),
        nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
        nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
        nn.Conv2d(2, 1, 1),
    )
    return nn.Sequential(extras, model)


def _predict(model, x: np.ndarray) -> np.ndarray:
    model.eval()
    with tg.no_grad():
        return model(tg.tensor(x)).numpy()


@pytest.mark.parametrize("build, shape", [(mlp, (3, 4)), (digits_model, (64,)),
                                          (cnn_digits_model, (1, 8, 8))],
                         ids=["mlp", "digits", "cnn_digits"])
def test_model_runs_on_onnxruntime_at_another_batch_size(build, shape, tmp_path, rng, onnx,
                                                         onnxruntime):
    model = build()
    path = tmp_path / "model.onnx"
    tg.onnx.export(model, tg.randn(8, *shape), path, input_names=["x"],
                   output_names=["scores"], dynamic_axes={"x": {0: "batch"}})
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    for batch in (1, 5, 33):
        x = rng.standard_normal((batch, *shape)).astype(np.float32)
        (got,) = run_onnx(onnxruntime, path, x)
        expected = _predict(model, x)
        assert got.dtype == np.float32 and got.shape == expected.shape
        # float32 sums in another order (ONNX Runtime's kernels, its threads): an output near
        # zero is off by the rounding of the terms it sums, not of itself
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())


def test_digits_model_file_is_its_parameters_and_little_more(tmp_path, onnx):
    model = digits_model()
    path = tmp_path / "digits.onnx"
    tg.onnx.export(model, tg.randn(4, 64), path, dynamic_axes={"input_0": [0]})
    params = sum(p.numpy().nbytes for p in model.parameters())
    ratio = os.path.getsize(path) / params
    assert 1.0 < ratio < 1.02, f"file of {os.path.getsize(path)} bytes for {params} bytes"
    stored = {t.name: onnx.numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}
    assert stored.keys() == model.state_dict().keys()  # no buffers: Dropout, Linear, ReLU
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(stored[name], value)


def test_output_axes_that_follow_the_batch_are_named_after_it(tmp_path, onnx):
    path = tmp_path / "model.onnx"
    tg.onnx.export(nn.Linear(3, 2), tg.randn(4, 3), path, dynamic_axes={"input_0": {0: "n"}})
    (output,) = onnx.load(str(path)).graph.output
    dims = output.type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ["n", 2]


# Functions of an (N, 4) input whose export must leave N free: exported at N = 3, run at
# N = 1, 6 and 7.
BATCH_FREE = {
    "flatten": lambda x: tg.flatten(x.reshape(x.shape[0], 2, 2), 1),
    "reshape_by_batch": lambda x: x.reshape(x.shape[0], 2, 2).reshape(x.shape[0], -1),
    "merge_batch": lambda x: x.reshape(-1),
    "unsqueeze_squeeze": lambda x: tg.squeeze(tg.unsqueeze(x, 1), 1),
    "slice": lambda x: x[:, 1:3],
    "reversed_step": lambda x: x[::-1, ::-2],
    "last_column": lambda x: x[..., -1],
    "new_axis": lambda x: x[:, None, 2],
    "columns": lambda x: x[:, np.array([3, 0, 0])],
    "column_mask": lambda x: x[:, np.array([True, False, True, True])],
    "broadcast": lambda x: tg.broadcast_to(x[:, :1], (x.shape[0], 4)),
    "mean_over_batch": lambda x: x.mean(0),
    "var_over_batch": lambda x: tg.var(x, 0),
    "var_all": lambda x: tg.var(x),
    "sum_all": lambda x: x.sum(),
    "softmax": lambda x: tg.softmax(x, 1),
    "cat_stack": lambda x: tg.stack([tg.cat([x, x * 2], axis=1), tg.cat([x, -x], 1)], 1),
    "constant_mask": lambda x: tg.where(np.array([True, False, True, False]), x, 0.5),
    "matmul": lambda x: x @ np.arange(8.0).reshape(4, 2),
    "transpose": lambda x: x.T @ x,
}


@pytest.mark.parametrize("fn", BATCH_FREE.values(), ids=BATCH_FREE.keys())
def test_batch_axis_stays_free(fn, tmp_path, rng, onnxruntime):
    path = tmp_path / "fn.onnx"
    tg.onnx.export(fn, tg.tensor(rng.standard_normal((3, 4))), path,
                   dynamic_axes={"input_0": {0: "batch"}})
    for batch in (1, 6, 7):
        x = rng.standard_normal((batch, 4))
        (got,) = run_onnx(onnxruntime, path, x)
        expected = fn(tg.tensor(x)).numpy()
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=0)


# Functions whose graph holds a value computed from the inputs outside the recorded graph:
# the exported model would be wrong on other inputs, so the export refuses, naming the op.
# (fn, number of inputs, what the error names); every input's axis 0 is dynamic.
DEPENDS_ON_INPUTS = {
    "leaky_relu": (lambda x: F.leaky_relu(x), 1, "'where'"),
    "mask_from_values": (lambda x: x[x > 0], 1, "'getitem'"),
    "python_number": (lambda x: x - x[0, 0].item(), 1, "'sub'"),
    "argmax_output": (lambda x: tg.tensor(x.numpy().argmax(1)), 1, "an output computed without"),
    "batch_size": (lambda x: x.sum(0) / x.shape[0], 1, "'div'.* or the sizes of their dynamic"),
    "labels_input": (lambda x, y: F.cross_entropy(x, y), 2, "'cross_entropy'"),
}


@pytest.mark.parametrize("fn, inputs, names", DEPENDS_ON_INPUTS.values(),
                         ids=DEPENDS_ON_INPUTS.keys())
def test_values_computed_outside_the_graph_are_refused(fn, inputs, names, tmp_path, rng, onnx):
    args = (tg.tensor(rng.standard_normal((3, 4))), tg.tensor(np.array([0, 3, 1])))[:inputs]
    dynamic = {f"input_{i}": [0] for i in range(inputs)}
    with pytest.raises(tg.onnx.ExportError, match=names):
        tg.onnx.export(fn, args, tmp_path / "fn.onnx", dynamic_axes=dynamic)
    assert not list(tmp_path.iterdir())


def test_a_forward_that_needs_its_batch_size_is_refused_as_dynamic(tmp_path, onnx):
    with pytest.raises(tg.onnx.ExportError, match="'input_0' axis 0.*leave it out"):
        tg.onnx.export(lambda x: x.reshape(3, 2, 2), tg.randn(3, 4), tmp_path / "fn.onnx",
                       dynamic_axes={"input_0": {0: "batch"}})
    tg.onnx.export(lambda x: x.reshape(3, 2, 2), tg.randn(3, 4), tmp_path / "fn.onnx")


def test_char_transformer_example_runs_on_onnxruntime_at_another_batch_size(tmp_path, rng,
                                                                            onnx, onnxruntime):
    """examples/char_transformer.py's model (embeddings, two causal pre-norm encoder layers,
    a head), trained a few steps, exported at batch 2 and run at batches 1, 5 and 9."""
    spec = importlib.util.spec_from_file_location("char_example",
                                                  ROOT / "examples/char_transformer.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    tg.manual_seed(0)
    model = example.CharTransformer(vocab=20)
    optimizer = optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(3):
        idx = tg.tensor(rng.integers(0, 20, (4, example.CONTEXT)))
        loss = example.loss_of(model, idx, idx)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    path = tmp_path / "char.onnx"
    tg.onnx.export(model, (tg.tensor(rng.integers(0, 20, (2, example.CONTEXT))),), path,
                   input_names=["idx"], output_names=["logits"],
                   dynamic_axes={"idx": {0: "batch"}})
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    for batch in (1, 5, 9):
        idx = rng.integers(0, 20, (batch, example.CONTEXT))
        (got,) = run_onnx(onnxruntime, path, idx)
        expected = _predict(model, idx)
        assert got.dtype == np.float32 and got.shape == expected.shape == (batch, 32, 20)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
