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
