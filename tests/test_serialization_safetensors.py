"""tg.save / tg.load of .safetensors files: round trips, PyTorch reading tinygraph's weights
and the reverse, refusals of what the format cannot hold, and hostile files."""

from __future__ import annotations

import json
import os
import struct
import sys
import tracemalloc

import numpy as np
import pytest
from safetensors import numpy as safetensors_numpy  # a test dependency: the dev extra
from test_serialization import sample_state

import tinygraph as tg
from tinygraph import nn, optim
from tinygraph.serialization import CheckpointError


@pytest.fixture
def state():
    """The .npz tests' arrays less strings (safetensors has no string dtype), plus float16 and
    a strided slice; "transposed" is not contiguous either."""
    state = sample_state()
    del state["labels"]
    return {**state, "half": np.array([0.5, -2.0], dtype=np.float16),
            "every_other": np.arange(10, dtype=np.int32)[::2]}


def assert_same_arrays(a: dict, b: dict):
    assert sorted(a) == sorted(b)  # the format orders names by dtype, then name
    for k in b:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_a_flat_state_dict_round_trips_with_dtypes_and_layouts(state, tmp_path):
    tg.save(state, tmp_path / "model.safetensors")
    assert_same_arrays(tg.load(tmp_path / "model.safetensors"), state)
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_the_file_is_plain_safetensors_with_tensors_and_pt_metadata(state, tmp_path):
    path = tmp_path / "model.safetensors"
    tg.save({"w": tg.tensor(state["transposed"], requires_grad=True)}, path)
    assert_same_arrays(safetensors_numpy.load_file(path), {"w": state["transposed"]})
    from safetensors import safe_open

    with safe_open(path, framework="np") as f:
        assert f.metadata() == {"format": "pt"}  # what Hugging Face's loaders check


def test_loaded_arrays_are_copies_that_outlive_the_file(state, tmp_path):
    path = tmp_path / "model.safetensors"
    tg.save(state, path)
    loaded = tg.load(path)
    path.write_bytes(b"")  # an array still mapped to the file would now fault or change
    assert_same_arrays(loaded, state)
    loaded["0.weight"][0, 0] = 1.0  # and they are writable, like state_dict() values


@pytest.mark.parametrize("obj, fix", [
    ({"model": {"w": np.ones(2)}}, "optimizer's state_dict"),
    ({"w": np.ones(2), "epoch": 3}, ".npz"),
    ({"labels": np.array(["cat", "dog"])}, ".npz"),
    ({"z": np.ones(2, dtype=np.complex128)}, ".npz"),
    ({1: np.ones(2)}, ".npz"),
    ([np.ones(2)], ".npz"),
])
def test_what_the_format_cannot_hold_is_refused_naming_npz(obj, fix, tmp_path):
    with pytest.raises(TypeError, match="tg.save") as info:
        tg.save(obj, tmp_path / "x.safetensors")
    assert fix in str(info.value)
    assert os.listdir(tmp_path) == []


def test_an_optimizer_state_dict_goes_to_npz_instead(tmp_path):
    model = nn.Linear(2, 1)
    opt = optim.Adam(model.parameters())
    model(tg.ones(3, 2)).sum().backward()
    opt.step()
    with pytest.raises(TypeError, match="need a .npz path"):
        tg.save(opt.state_dict(), tmp_path / "opt.safetensors")
    tg.save(opt.state_dict(), tmp_path / "opt.npz")
    assert tg.load(tmp_path / "opt.npz")["state"][0]["step"] == 1


def test_a_leftover_of_a_crashed_safetensors_save_is_removed(state, tmp_path):
    (tmp_path / ".model.safetensors.89abcdef.tmp").write_bytes(b"\x08\x00 half a header")
    tg.save(state, tmp_path / "model.safetensors")
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_without_the_package_both_directions_name_the_extra(state, tmp_path, monkeypatch):
    tg.save(state, tmp_path / "model.safetensors")
    monkeypatch.setitem(sys.modules, "safetensors", None)  # import safetensors fails
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    for call in (lambda: tg.save(state, tmp_path / "new.safetensors"),
                 lambda: tg.load(tmp_path / "model.safetensors")):
        with pytest.raises(ImportError, match=r"pip install 'tinygraph\[safetensors\]'"):
            call()
    tg.save(state, tmp_path / "still.npz")  # .npz needs nothing more


# -- hostile and foreign files -----------------------------------------------------------------


def crafted(path, header, data: bytes = b"", header_size: int | None = None):
    text = json.dumps(header).encode()
    size = len(text) if header_size is None else header_size
    path.write_bytes(struct.pack("<Q", size) + text + data)
    return path


HOSTILE = {
    "shape far larger than the data": ({"a": {"dtype": "F32", "shape": [10**6, 10**4],
                                               "data_offsets": [0, 8]}}, bytes(8), None),
    "offsets past the end": ({"a": {"dtype": "F32", "shape": [2],
                                    "data_offsets": [0, 4 * 10**9]}}, bytes(8), None),
    "header length of 2**62": ({}, b"", 2**62),
    "shape product overflows": ({"a": {"dtype": "F64", "shape": [2**40, 2**40],
                                       "data_offsets": [0, 0]}}, b"", None),
    "empty tensor of absurd shape": ({"a": {"dtype": "F32", "shape": [0, 2**62],
                                            "data_offsets": [0, 0]}}, b"", None),
    "overlapping tensors": ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                             "b": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}},
                            bytes(8), None),
    "truncated data": ({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}},
                       bytes(8), None),
    "metadata that is not text": ({"__metadata__": {"format": 3}}, b"", None),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_files_are_refused_without_allocating(case, tmp_path):
    path = crafted(tmp_path / "evil.safetensors", *HOSTILE[case])
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match="damaged, truncated") as info:
            tg.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(path) in str(info.value) and "safetensors" in str(info.value)
    assert peak < 32 * 2**20


@pytest.mark.parametrize("content", [b"", b"weights: 1 2 3\n", b"PK\x03\x04" + bytes(60),
                                     struct.pack("<Q", 5) + b"[1,2]"])
def test_foreign_files_named_safetensors_raise_a_clear_error(content, tmp_path):
    path = tmp_path / "other.safetensors"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="not a .safetensors file written by tg.save"):
        tg.load(path)


def test_bfloat16_tensors_say_to_convert_them_in_pytorch(tmp_path):
    path = crafted(tmp_path / "bf16.safetensors",
                   {"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, bytes(4))
    with pytest.raises(CheckpointError, match=r"bfloat16.*\.float\(\)"):
        tg.load(path)


# -- the way out: PyTorch reads tinygraph's weights, and the reverse ---------------------------


def tinygraph_mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                         nn.Linear(8, 3))


def torch_mlp(torch):
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8),
                               torch.nn.ReLU(), torch.nn.Linear(8, 3))


def test_a_trained_model_loads_in_pytorch_with_the_same_outputs(torch, tmp_path):
    from safetensors.torch import load_file

    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 4)).astype(np.float32)
    Y = rng.integers(0, 3, 16)
    model = tinygraph_mlp()
    opt = optim.Adam(model.parameters(), lr=0.01)
    for _ in range(5):
        opt.zero_grad()
        nn.functional.cross_entropy(model(tg.tensor(X)), tg.tensor(Y)).backward()
        opt.step()
    tg.save(model.state_dict(), tmp_path / "mlp.safetensors")

    twin = torch_mlp(torch)
    twin.load_state_dict(load_file(tmp_path / "mlp.safetensors"))  # strict: every key matches
    with torch.no_grad():
        expected = twin(torch.from_numpy(X)).numpy()
    actual = model(tg.tensor(X)).numpy()
    assert actual.dtype == expected.dtype == np.float32
    np.testing.assert_allclose(actual, expected, rtol=1e-6)


def test_a_pytorch_model_loads_in_tinygraph_with_the_same_outputs(torch, tmp_path):
    from safetensors.torch import save_file

    torch.manual_seed(0)
    original = torch_mlp(torch)
    save_file(original.state_dict(), tmp_path / "torch.safetensors")

    model = tinygraph_mlp()
    model.load_state_dict(tg.load(tmp_path / "torch.safetensors"))
    X = np.random.default_rng(1).standard_normal((16, 4)).astype(np.float32)
    with torch.no_grad():
        expected = original(torch.from_numpy(X)).numpy()
    # float32 products in another BLAS: an output near zero is off by the rounding of the
    # terms it sums, not of itself
    np.testing.assert_allclose(model(tg.tensor(X)).numpy(), expected, rtol=1e-6,
                               atol=1e-6 * np.abs(expected).max())
