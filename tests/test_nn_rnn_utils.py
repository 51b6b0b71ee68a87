"""nn.utils.rnn against torch.nn.utils.rnn: padding, packing (sorted and not), unpacking with
total_length, the PackedSequence layout, and recurrent layers run on packed batches (each
sequence stopping at its own length): outputs, final states and gradients in float64."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg
from tinygraph.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
)

SEQUENCES = [np.array([[1.0], [2.0], [3.0]]), np.array([[4.0], [5.0]]), np.array([[6.0]])]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_as_torch(torch, batch_first, side):
    ours = pad_sequence([tg.tensor(s) for s in SEQUENCES], batch_first, -1.0, side)
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in SEQUENCES], batch_first,
                                             -1.0, side)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths, enforce_sorted", [([3, 2, 1], True), ([2, 3, 1], False)])
def test_pack_and_unpack_as_torch(torch, batch_first, lengths, enforce_sorted):
    x = np.random.default_rng(0).standard_normal((3, 3, 2))
    ours = pack_padded_sequence(tg.tensor(x), lengths, batch_first, enforce_sorted)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, batch_first,
                                                     enforce_sorted)
    assert isinstance(ours, PackedSequence) and ours._fields == theirs._fields
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    for a, b in ((ours.sorted_indices, theirs.sorted_indices),
                 (ours.unsorted_indices, theirs.unsorted_indices)):
        assert (a is None and b is None) or a.tolist() == b.tolist()
    padded, got = pad_packed_sequence(ours, batch_first, 0.5, total_length=4)
    padded_t, got_t = torch.nn.utils.rnn.pad_packed_sequence(theirs, batch_first, 0.5,
                                                             total_length=4)
    np.testing.assert_array_equal(padded.numpy(), padded_t.numpy())
    assert got.tolist() == got_t.tolist() and got.dtype == tg.int64


def test_pack_sequence_and_its_errors(torch):
    packed = pack_sequence([tg.tensor(s) for s in SEQUENCES])
    theirs = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in SEQUENCES])
    np.testing.assert_array_equal(packed.data.numpy(), theirs.data.numpy())
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        pack_padded_sequence(tg.zeros(3, 2, 1), [1, 3])
    with pytest.raises(ValueError, match="total_length"):
        pad_packed_sequence(packed, total_length=1)


@pytest.mark.parametrize("cls, kwargs", [
    ("LSTM", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("GRU", {"bidirectional": True}),
    ("RNN", {}),
], ids=["lstm", "gru", "rnn"])
def test_recurrent_layers_run_packed_batches_as_torch(torch, cls, kwargs):
    theirs = getattr(torch.nn, cls)(3, 4, **kwargs).double()
    ours = getattr(tg.nn, cls)(3, 4, **kwargs).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    first = kwargs.get("batch_first", False)
    x = np.random.default_rng(1).standard_normal((3, 5, 3) if first else (5, 3, 3))
    results = []
    for m, model in ((tg, ours), (torch, theirs)):
        inputs = m.tensor(x, requires_grad=True)
        packed = m.nn.utils.rnn.pack_padded_sequence(inputs, [3, 5, 2], batch_first=first,
                                                     enforce_sorted=False)
        output, states = model(packed)
        assert type(output).__name__ == "PackedSequence"
        padded, _ = m.nn.utils.rnn.pad_packed_sequence(output, batch_first=first)
        states = states if isinstance(states, tuple) else (states,)
        ((padded ** 2).sum() + sum((s ** 2).sum() for s in states)).backward()
        results.append([padded.detach().numpy(), inputs.grad.numpy()]
                       + [s.detach().numpy() for s in states])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
