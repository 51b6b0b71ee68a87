"""tg.save / tg.load: round trips, atomic replace, and clear errors on bad files."""

from __future__ import annotations

import io
import os
import pickle
import signal
import struct
import subprocess
import sys
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygraph as tg
from tinygraph import serialization
from tinygraph.serialization import CheckpointError


@pytest.fixture
def state():
    return sample_state()


def sample_state() -> dict:
    """A state dict with every kind of array a checkpoint meets."""
    rng = np.random.default_rng(0)
    return {"0.weight": rng.standard_normal((3, 2)).astype(np.float32),
            "0.bias": np.zeros(2, dtype=np.float32),
            "1.running_mean": rng.standard_normal(4),
            "steps": np.array(7, dtype=np.int64),
            "mask": np.array([True, False]),
            "labels": np.array(["cat", "dog"]),
            "transposed": np.arange(6.0).reshape(2, 3).T,
            "empty": np.zeros((0, 3))}


def assert_same_arrays(a: dict, b: dict):
    assert list(a) == list(b)
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
        np.testing.assert_array_equal(a[k], b[k])


# -- round trips -------------------------------------------------------------------------------


def test_flat_state_dict_round_trips_with_dtypes_and_order(state, tmp_path):
    tg.save(state, tmp_path / "model.npz")
    assert_same_arrays(tg.load(tmp_path / "model.npz"), state)


ARRAYS = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64, np.int8, np.int64, np.bool_, np.complex64]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
)
NAMES = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1,
                max_size=12).filter(lambda k: k != "__tinygraph__")


@given(state=st.dictionaries(NAMES, ARRAYS, max_size=5))
def test_any_flat_dict_of_arrays_round_trips(state, tmp_path_factory):
    path = tmp_path_factory.mktemp("hyp") / "state.npz"
    tg.save(state, path)
    loaded = tg.load(path)
    assert list(loaded) == list(state)
    for k in state:
        assert loaded[k].dtype == state[k].dtype and loaded[k].shape == state[k].shape
        np.testing.assert_array_equal(loaded[k], state[k])


def test_the_file_is_a_plain_npz_that_numpy_reads_without_pickle(state, tmp_path):
    tg.save(state, tmp_path / "model.npz")
    with np.load(tmp_path / "model.npz", allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["0.weight"], state["0.weight"])


def test_plain_npz_files_from_numpy_load_as_dicts(state, tmp_path):
    np.savez(tmp_path / "plain.npz", **state)
    assert_same_arrays(tg.load(tmp_path / "plain.npz"), state)


def test_any_key_works_even_numpy_savez_keyword_names(tmp_path):
    state = {"file": np.ones(2), "allow_pickle": np.zeros(1), "a/b c": np.arange(3)}
    tg.save(state, tmp_path / "keys.npz")
    assert_same_arrays(tg.load(tmp_path / "keys.npz"), state)


def test_saving_into_a_missing_directory_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        tg.save({"a": np.ones(1)}, tmp_path / "nowhere" / "x.npz")


def test_tensors_are_saved_as_their_arrays(tmp_path):
    w = tg.tensor(np.ones((2, 2)), requires_grad=True)
    tg.save({"w": w}, str(tmp_path / "t.npz"))
    loaded = tg.load(str(tmp_path / "t.npz"))["w"]
    assert isinstance(loaded, np.ndarray) and loaded.dtype == np.float64


def test_nested_checkpoints_keep_structure_int_keys_tuples_and_scalars(state, tmp_path):
    checkpoint = {"model": state, "epoch": 3, "note": "best", "best": None, "lr": 1e-3,
                  "betas": (0.9, 0.999), "history": [0.5, float("inf")],
                  "optimizer": {"state": {0: {"step": 2, "exp_avg": np.ones(3)}}}}
    tg.save(checkpoint, tmp_path / "ck.npz")
    loaded = tg.load(tmp_path / "ck.npz")
    assert_same_arrays(loaded["model"], state)
    assert [loaded[k] for k in ("epoch", "note", "best", "lr")] == [3, "best", None, 1e-3]
    assert loaded["betas"] == (0.9, 0.999) and loaded["history"] == [0.5, float("inf")]
    assert list(loaded["optimizer"]["state"]) == [0]
    np.testing.assert_array_equal(loaded["optimizer"]["state"][0]["exp_avg"], np.ones(3))


def test_unsaveable_values_and_colliding_names_raise(tmp_path):
    with pytest.raises(TypeError, match="cannot save a set"):
        tg.save({"a": {1, 2}}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="Python objects"):
        tg.save({"a": np.array([{}], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(ValueError, match="NUL"):
        tg.save({"a\x00b": np.ones(1)}, tmp_path / "x.npz")
    with pytest.raises(ValueError, match="'a.b'"):
        tg.save({"a.b": np.ones(1), "a": {"b": np.ones(1)}}, tmp_path / "x.npz")
    assert not os.listdir(tmp_path)


# -- atomic replace ----------------------------------------------------------------------------


def crash_mid_write(f, arrays):
    f.write(b"PK\x03\x04 half a zip")
    raise KeyboardInterrupt("power cut")


def test_a_crash_mid_write_leaves_the_old_file_intact(state, tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    tg.save(state, path)
    before = path.read_bytes()
    monkeypatch.setattr(serialization.npz, "write", crash_mid_write)
    with pytest.raises(KeyboardInterrupt):
        tg.save({"other": np.zeros(1)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary file left behind
    assert_same_arrays(tg.load(path), state)


def test_a_crash_on_first_save_creates_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(serialization.npz, "write", crash_mid_write)
    with pytest.raises(KeyboardInterrupt):
        tg.save({"a": np.zeros(1)}, tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []


KILLED_SAVE = """
import os, signal, sys
import numpy as np
import tinygraph as tg
from tinygraph import serialization

def killed_mid_write(f, arrays):
    f.write(b"PK\\x03\\x04 half a zip")
    f.flush()
    os.kill(os.getpid(), signal.SIGKILL)

serialization.npz.write = killed_mid_write
tg.save({"w": np.ones(1000)}, sys.argv[1])
"""


def leftovers(directory) -> list[str]:
    return [name for name in os.listdir(directory) if name.endswith(".tmp")]


def test_a_killed_save_leaves_one_temp_file_and_the_next_save_removes_it(state, tmp_path):
    path = tmp_path / "model.npz"
    tg.save(state, path)
    for _ in range(2):  # the second killed save removes the first one's leftover
        done = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(path)])
        assert done.returncode == -signal.SIGKILL
        assert len(leftovers(tmp_path)) == 1
    assert_same_arrays(tg.load(path), state)  # the old file is intact
    tg.save(state, path)
    assert os.listdir(tmp_path) == ["model.npz"]


def test_the_next_save_removes_a_leftover_of_the_same_target_only(tmp_path):
    crashed = [".model.npz.0123abcd.tmp", ".model.npz.bak.0123abcd.tmp", ".other.0123abcd.tmp",
               "model.npz.0123abcd.tmp"]  # only the first is a leftover of model.npz
    for name in crashed:
        (tmp_path / name).write_bytes(b"PK\x03\x04 half a zip")
    tg.save({"a": np.ones(1)}, tmp_path / "model.npz")
    assert sorted(os.listdir(tmp_path)) == sorted(crashed[1:] + ["model.npz"])


def test_a_save_in_progress_keeps_its_temp_file_while_another_save_runs(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    write = serialization.npz.write

    def write_while_another_save_runs(f, arrays):
        monkeypatch.setattr(serialization.npz, "write", write)
        tg.save({"second": np.ones(1)}, path)  # finds this save's temp file, locked: kept
        write(f, arrays)

    monkeypatch.setattr(serialization.npz, "write", write_while_another_save_runs)
    tg.save({"first": np.zeros(1)}, path)
    assert list(tg.load(path)) == ["first"]  # the save that finished last wins
    assert os.listdir(tmp_path) == ["model.npz"]


def test_save_replaces_an_existing_file_and_gives_it_normal_permissions(state, tmp_path):
    path = tmp_path / "model.npz"
    tg.save({"old": np.zeros(1)}, path)
    tg.save(state, path)
    assert list(tg.load(path)) == list(state)
    assert os.stat(path).st_mode & 0o044  # readable by others, as open() would make it


# -- damaged and foreign files -----------------------------------------------------------------


def saved_bytes(state, tmp_path):
    tg.save(state, tmp_path / "good.npz")
    return (tmp_path / "good.npz").read_bytes()


def load_error(path) -> str:
    with pytest.raises(CheckpointError) as info:
        tg.load(path)
    message = str(info.value)
    assert str(path) in message
    assert not isinstance(info.value.__cause__, Exception)  # no raw traceback chained
    return message


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.9, 0.99])
def test_truncated_files_raise_a_clear_error(state, tmp_path, fraction):
    data = saved_bytes(state, tmp_path)
    path = tmp_path / "cut.npz"
    path.write_bytes(data[: int(len(data) * fraction)])
    assert any(word in load_error(path) for word in ("empty", "damaged", "truncated"))


def test_flipped_bytes_in_an_array_are_caught_by_the_checksum(state, tmp_path):
    data = bytearray(saved_bytes(state, tmp_path))
    offset = bytes(data).index(state["0.weight"].tobytes()[:8])
    data[offset + 3] ^= 0xFF
    path = tmp_path / "flipped.npz"
    path.write_bytes(bytes(data))
    assert "damaged" in load_error(path)


def test_a_text_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("weights: 1 2 3\n")
    assert "not a checkpoint" in load_error(path)


def test_pickles_are_never_loaded(tmp_path):
    np.savez(tmp_path / "objects.npz", a=np.array([{"x": 1}], dtype=object))
    assert "pickled" in load_error(tmp_path / "objects.npz")
    (tmp_path / "raw.pkl").write_bytes(pickle.dumps({"w": np.ones(2)}))
    assert "not a checkpoint" in load_error(tmp_path / "raw.pkl")


def test_other_foreign_files_raise_the_same_error(tmp_path):
    np.save(tmp_path / "single.npy", np.ones(3))
    load_error(tmp_path / "single.npy")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z:
        z.writestr("readme.txt", "hello")
    assert "not a NumPy array" in load_error(tmp_path / "other.zip")
    np.savez(tmp_path / "meta.npz", __tinygraph__=np.array("{not json"), a=np.ones(1))
    assert "structure" in load_error(tmp_path / "meta.npz")


# -- hostile files: nothing large is allocated before the sizes are checked ---------------------


def npy_header(shape: tuple, dtype=np.uint8) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                 "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def zip_declaring(path, payload: bytes, declared: int, compression=zipfile.ZIP_DEFLATED):
    """A one-member .npz holding ``payload`` whose zip directory says it expands to
    ``declared`` bytes (as a zip bomb's does, truthfully or not)."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("a.npy", payload)
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)  # uncompressed size, central directory
    struct.pack_into("<I", data, 22, declared)  # and in the member's local header
    path.write_bytes(bytes(data))


def refused_without_allocating(path) -> str:
    tracemalloc.start()
    try:
        message = load_error(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20, f"load allocated {peak / 2**20:.0f} MB before refusing"
    return message


def test_a_3_mb_npz_declaring_3_gb_is_refused_before_anything_is_expanded(tmp_path):
    declared = 3 * 2**30
    header = npy_header((declared - len(npy_header((declared,))),))
    noise = np.random.default_rng(0).bytes(3 * 2**20)  # incompressible: the file is 3 MB
    path = tmp_path / "bomb.npz"
    zip_declaring(path, header + noise, declared)
    assert 3 * 2**20 < path.stat().st_size < 4 * 2**20
    message = refused_without_allocating(path)
    assert "3,072.0 MB" in message and "decompression bomb" in message


def test_an_npy_header_declaring_more_than_its_member_holds_is_refused(tmp_path):
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.npy", npy_header((10**9,), np.float64) + bytes(80))
    message = refused_without_allocating(path)
    assert "'a.npy'" in message and "(1000000000,)" in message and "float64" in message


def test_a_stored_member_declaring_more_bytes_than_it_stores_is_refused(tmp_path):
    path = tmp_path / "stored.npz"
    zip_declaring(path, npy_header((8,)) + bytes(8), 3 * 2**30, zipfile.ZIP_STORED)
    assert "stored uncompressed" in refused_without_allocating(path)


def test_compressed_npz_files_of_plausible_size_still_load(tmp_path):
    state = {"zeros": np.zeros((1000, 100)), "w": np.random.default_rng(0).random((50, 4))}
    np.savez_compressed(tmp_path / "small.npz", **state)  # zeros: about 1000x smaller
    assert_same_arrays(tg.load(tmp_path / "small.npz"), state)


@pytest.mark.parametrize("depth", [serialization.errors.MAX_DEPTH + 1, 100_000])
def test_a_structure_entry_nested_too_deep_is_refused_clearly(tmp_path, depth):
    tree = "[" * depth + "]" * depth
    meta = f'{{"format": "tinygraph-checkpoint/1", "tree": {tree}}}'
    np.savez(tmp_path / "deep.npz", __tinygraph__=np.array(meta))
    assert "nests more than 100" in load_error(tmp_path / "deep.npz")


def test_structure_up_to_the_depth_limit_round_trips_and_deeper_is_refused_on_save(tmp_path):
    deepest = leaf = {}
    for _ in range(serialization.errors.MAX_DEPTH - 1):
        leaf["x"] = leaf = {}
    leaf["w"] = np.ones(2)
    tg.save(deepest, tmp_path / "deep.npz")
    loaded = tg.load(tmp_path / "deep.npz")
    for _ in range(serialization.errors.MAX_DEPTH - 1):
        loaded = loaded["x"]
    np.testing.assert_array_equal(loaded["w"], np.ones(2))
    leaf["x"] = {}
    with pytest.raises(ValueError, match="nests more than 100"):
        tg.save(deepest, tmp_path / "deeper.npz")


def test_saving_a_list_that_contains_itself_is_refused_clearly(tmp_path):
    loop = [np.ones(1)]
    loop.append(loop)
    with pytest.raises(ValueError, match="contain itself"):
        tg.save({"loop": loop}, tmp_path / "loop.npz")
    assert os.listdir(tmp_path) == []


def test_errors_are_value_errors_and_a_missing_file_is_file_not_found(tmp_path):
    assert issubclass(CheckpointError, ValueError) and issubclass(CheckpointError, OSError)
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        tg.load(tmp_path / "missing.npz")


# -- with nn and optim -------------------------------------------------------------------------


def test_a_model_and_optimizer_checkpoint_resumes_training_identically(tmp_path):
    from tinygraph import nn, optim

    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))

    def make():
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        return model, optim.Adam(model.parameters(), lr=0.01)

    def train(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            nn.functional.mse_loss(model(tg.tensor(X)), tg.tensor(Y)).backward()
            opt.step()

    tg.set_default_dtype(np.float64)
    model, opt = make()
    train(model, opt, 3)
    tg.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": 3},
            tmp_path / "ck.npz")
    train(model, opt, 3)

    resumed, resumed_opt = make()
    checkpoint = tg.load(tmp_path / "ck.npz")
    resumed.load_state_dict(checkpoint["model"])
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    train(resumed, resumed_opt, 3)
    for (name, a), b in zip(model.state_dict().items(), resumed.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)
