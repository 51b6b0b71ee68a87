"""tg.save / tg.load take torch.save / torch.load's arguments, as PyTorch programs pass them:
``torch.load(PATH, map_location=device, weights_only=True)`` loads; a device other than the CPU
and a pickle module are refused, saying why."""

from __future__ import annotations

import pytest

import tinygraph as tg


def test_torchs_save_and_load_arguments_are_accepted(tmp_path):
    path = tmp_path / "model.pt"
    model = tg.nn.Linear(2, 3)
    tg.save({"model": model.state_dict(), "epoch": 3}, path, pickle_protocol=4,
            _use_new_zipfile_serialization=True)
    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")
    for map_location in (None, "cpu", device, {"cuda:0": "cpu"}, lambda storage, loc: storage):
        checkpoint = tg.load(path, map_location=map_location, weights_only=True)
        assert checkpoint["epoch"] == 3
        model.load_state_dict(checkpoint["model"])
    assert tg.load(path, weights_only=False, mmap=None)["epoch"] == 3


def test_a_gpu_map_location_and_a_pickle_module_are_refused(tmp_path):
    path = tmp_path / "model.pt"
    tg.save({"w": tg.ones(2).numpy()}, path)
    with pytest.raises(RuntimeError, match="CPU only"):
        tg.load(path, map_location="cuda")
    import pickle

    with pytest.raises(ValueError, match="never pickles"):
        tg.load(path, pickle_module=pickle)
    with pytest.raises(ValueError, match="never pickles"):
        tg.save({"w": 1}, path, pickle_module=pickle)


def test_saving_a_whole_model_says_to_save_its_state_dict(tmp_path):
    with pytest.raises(TypeError, match=r"state_dict\(\) instead"):
        tg.save(tg.nn.Linear(2, 3), tmp_path / "model.pt")


def test_a_file_object_takes_a_checkpoint_as_torch_save_does():
    """``torch.save(state, buffer)``: programs keep the best weights in memory this way."""
    import io

    import numpy as np

    model = tg.nn.Linear(2, 3)
    optimizer = tg.optim.Adam(model.parameters())
    model(tg.ones(1, 2)).sum().backward()
    optimizer.step()
    buffer = io.BytesIO()
    tg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3},
            buffer)
    buffer.seek(0)
    checkpoint = tg.load(buffer, map_location="cpu")
    assert checkpoint["epoch"] == 3
    fresh = tg.nn.Linear(2, 3)
    fresh.load_state_dict(checkpoint["model"])
    np.testing.assert_array_equal(fresh.weight.numpy(), model.weight.numpy())
    tg.optim.Adam(fresh.parameters()).load_state_dict(checkpoint["optimizer"])


def test_a_damaged_file_object_is_refused_by_name():
    import io

    buffer = io.BytesIO()
    tg.save({"w": tg.ones(2)}, buffer)
    with pytest.raises(tg.serialization.CheckpointError, match="<file object>.*damaged"):
        tg.load(io.BytesIO(buffer.getvalue()[:100]))
    with pytest.raises(tg.serialization.CheckpointError, match="not a zip header"):
        tg.load(io.BytesIO(b"not a checkpoint"))
