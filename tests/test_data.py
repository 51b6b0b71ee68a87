"""DataLoader: coverage, batch sizes, drop_last, seeded shuffling, input checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygraph as tg
from tinygraph.data import DataLoader


def rows(n, width=2):
    return np.arange(n * width, dtype=np.float64).reshape(n, width)


def test_batches_are_tuples_of_tensors_in_order_without_shuffle():
    X, y = rows(5), np.arange(5)
    batches = list(DataLoader(X, y, batch_size=2))
    assert [len(b) for b in batches] == [2, 2, 2]
    assert all(isinstance(t, tg.Tensor) for b in batches for t in b)
    assert [xb.shape for xb, _ in batches] == [(2, 2), (2, 2), (1, 2)]
    np.testing.assert_array_equal(np.concatenate([xb.numpy() for xb, _ in batches]), X)
    np.testing.assert_array_equal(np.concatenate([yb.numpy() for _, yb in batches]), y)
    assert batches[0][1].dtype == y.dtype and batches[0][0].dtype == np.float64


@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), drop_last=st.booleans())
def test_every_sample_once_per_epoch_and_len_counts_batches(n, batch_size, drop_last):
    ids = np.arange(n)
    loader = DataLoader(ids, batch_size=batch_size, shuffle=True, drop_last=drop_last)
    for _epoch in range(2):
        seen = [b.numpy() for (b,) in loader]
        assert len(seen) == len(loader)
        assert all(len(b) == batch_size for b in seen[:-1])
        flat = np.concatenate(seen) if seen else np.array([], dtype=int)
        if drop_last:
            assert len(loader) == n // batch_size and all(len(b) == batch_size for b in seen)
            assert len(np.unique(flat)) == len(flat) == len(loader) * batch_size
        else:
            assert len(loader) == -(-n // batch_size)
            np.testing.assert_array_equal(np.sort(flat), ids)


def test_rows_stay_paired_across_arrays_when_shuffled():
    X = rows(10)
    y = X[:, 0] * 10
    for xb, yb in DataLoader(X, y, batch_size=3, shuffle=True):
        np.testing.assert_array_equal(xb.numpy()[:, 0] * 10, yb.numpy())


def test_shuffling_is_reproducible_with_manual_seed_and_differs_between_epochs():
    loader = DataLoader(np.arange(50), batch_size=50, shuffle=True)
    tg.manual_seed(7)
    first, second = (b.numpy().copy() for (b,) in [next(iter(loader)), next(iter(loader))])
    tg.manual_seed(7)
    again = next(iter(loader))[0].numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)


def test_drop_last_skips_the_short_batch():
    loader = DataLoader(rows(7), batch_size=3, drop_last=True)
    assert len(loader) == 2 and [xb.shape[0] for (xb,) in loader] == [3, 3]


def test_batch_size_none_is_one_full_batch():
    (batch,) = list(DataLoader(rows(6), batch_size=None))
    assert batch[0].shape == (6, 2)


def test_accepts_tensors_and_lists_and_batches_do_not_alias_the_input():
    X = tg.tensor(rows(4), requires_grad=True)
    (xb, yb), = DataLoader(X, [1.0, 2.0, 3.0, 4.0], batch_size=4)
    assert not xb.requires_grad and yb.dtype == tg.get_default_dtype()
    xb.data[...] = -1
    np.testing.assert_array_equal(X.numpy(), rows(4))


def test_length_mismatch_names_the_shapes():
    with pytest.raises(ValueError, match=r"same length.*\(5, 2\).*\(4,\)"):
        DataLoader(rows(5), np.zeros(4))


@pytest.mark.parametrize("args, kwargs, match", [
    ((), {}, "at least one array"),
    ((np.float64(3.0),), {}, "scalar"),
    ((np.zeros(3),), {"batch_size": 0}, "batch_size"),
    ((np.zeros(3),), {"batch_size": 2.5}, "batch_size"),
])
def test_bad_arguments_raise_value_error(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(*args, **kwargs)


def test_data_module_is_reachable_from_the_package():
    import tinygraph

    assert tinygraph.data.DataLoader is DataLoader
