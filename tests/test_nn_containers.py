"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict: torch's semantics, each
sequence of operations run on both libraries and compared by names, reprs and errors."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn


def keys(module):
    return list(module.state_dict())


def both(torch, build):
    """``build(lib)`` for tinygraph and for torch."""
    return build(tg), build(torch)


def test_sequential_from_an_ordered_dict_keeps_names_through_slices(torch):
    def build(lib):
        layers = OrderedDict(a=lib.nn.Linear(2, 3), b=lib.nn.ReLU(), c=lib.nn.Linear(3, 1))
        return lib.nn.Sequential(layers)

    ours, theirs = both(torch, build)
    assert keys(ours) == keys(theirs) == ["a.weight", "a.bias", "c.weight", "c.bias"]
    assert keys(ours[1:]) == keys(theirs[1:]) == ["c.weight", "c.bias"]
    assert repr(ours[1:]) == repr(theirs[1:])
    assert isinstance(ours[-1], nn.Linear) and ours[-1] is ours.c


@pytest.mark.parametrize("edit", [
    lambda s, nn: s.append(nn.Tanh()),
    lambda s, nn: s.insert(1, nn.Linear(3, 3)),
    lambda s, nn: s.insert(-1, nn.Tanh()),
    lambda s, nn: s.extend([nn.Tanh(), nn.Linear(1, 2)]),
    lambda s, nn: s.__delitem__(0),
    lambda s, nn: s.__delitem__(slice(0, 2)),
    lambda s, nn: s.pop(1),
    lambda s, nn: s.__setitem__(-1, nn.Linear(3, 5)),
])
def test_sequential_edits_renumber_as_torch(torch, edit):
    def build(lib):
        s = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))
        edit(s, lib.nn)
        return s

    ours, theirs = both(torch, build)
    assert repr(ours) == repr(theirs)
    assert keys(ours) == keys(theirs)


def test_sequential_index_errors_and_type_errors(torch):
    for lib in (tg, torch):
        s = lib.nn.Sequential(lib.nn.ReLU())
        with pytest.raises(IndexError, match="out of range"):
            s[3]
        with pytest.raises(TypeError):
            s[0] = 3
    with pytest.raises(TypeError, match="expected a Module"):
        nn.Sequential(nn.ReLU(), 3)


def test_module_list_registers_indexes_slices_and_prints_like_torch(torch):
    def build(lib):
        m = lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)])
        m.append(lib.nn.ReLU())
        m += [lib.nn.Linear(2, 1)]
        m.insert(0, lib.nn.Tanh())
        del m[2]
        m[0] = lib.nn.Sigmoid()
        return m

    ours, theirs = both(torch, build)
    assert len(ours) == len(theirs) == 5
    assert keys(ours) == keys(theirs)
    assert repr(ours) == repr(theirs)  # runs of equal modules print as "(1-2): 2 x ..."
    assert repr(ours[1:3]) == repr(theirs[1:3])
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    assert type(ours.pop(0)).__name__ == "Sigmoid" and len(ours) == 4
    with pytest.raises(IndexError, match="out of range"):
        ours[9]
    with pytest.raises(TypeError, match="iterable"):
        ours.extend(nn.Linear(1, 1))
    with pytest.raises(NotImplementedError, match="forward"):
        ours(tg.ones(1))


def test_module_dict_behaves_as_an_ordered_dict_of_children(torch):
    def build(lib):
        d = lib.nn.ModuleDict({"enc": lib.nn.Linear(2, 3)})
        d["dec"] = lib.nn.Linear(3, 2)
        d.update([("act", lib.nn.ReLU())])
        d.update({"enc": lib.nn.Linear(2, 4)})  # replacing keeps the position
        return d

    ours, theirs = both(torch, build)
    assert list(ours) == list(theirs) == ["enc", "dec", "act"]
    assert keys(ours) == keys(theirs) and repr(ours) == repr(theirs)
    assert "dec" in ours and ours["enc"].out_features == 4
    assert isinstance(ours.pop("act"), nn.ReLU) and list(ours.keys()) == ["enc", "dec"]
    del ours["dec"]
    assert keys(ours) == ["enc.weight", "enc.bias"]
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []
    with pytest.raises(TypeError):
        nn.ModuleDict(3)


def test_parameter_list_makes_tensors_parameters_and_registers_them(torch):
    def build(lib):
        values = [lib.nn.Parameter(lib.zeros(3)), lib.ones(2, 2)]
        plist = lib.nn.ParameterList(values)
        plist.append(lib.zeros(1))
        return plist

    ours, theirs = both(torch, build)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert all(isinstance(p, nn.Parameter) for p in ours) and len(ours) == 3
    assert ours[-1].shape == (1,) and len(ours[:2]) == 2
    ours[0] = tg.full((3,), 2.0)
    assert isinstance(ours[0], nn.Parameter) and ours[0].numpy().tolist() == [2.0, 2.0, 2.0]
    line = "    (0): Parameter containing: [tinygraph.float32 of size 3]"
    assert repr(ours).splitlines()[1] == line


def test_parameter_dict_registers_under_its_keys(torch):
    def build(lib):
        pdict = lib.nn.ParameterDict({"scale": lib.nn.Parameter(lib.ones(2))})
        pdict["shift"] = lib.zeros(2)
        pdict.update([("gain", lib.ones(1))])
        return pdict

    ours, theirs = both(torch, build)
    assert list(ours) == list(theirs) == ["scale", "shift", "gain"]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert isinstance(ours["shift"], nn.Parameter) and "gain" in ours
    assert ours.get("nope") is None
    with pytest.raises(KeyError):
        ours["nope"]
    ours.pop("gain")
    assert keys(ours) == ["scale", "shift"]


def test_containers_train_together_inside_a_model():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
            self.gains = nn.ParameterDict({"out": nn.Parameter(tg.ones(2))})

        def forward(self, x):
            for block in self.blocks:
                x = block(x).tanh()
            return x * self.gains["out"]

    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias", "gains.out"]
    net(tg.tensor(np.ones((3, 2), np.float32))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
