"""tinygraph.utils.data against torch.utils.data: collation, batches, splits and errors."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import tinygraph as tg
from tinygraph.utils.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)

Point = namedtuple("Point", "x y")


def plain(value):
    """Tensors as (dtype name, values); structures kept, so both libraries compare equal."""
    if hasattr(value, "numpy") and hasattr(value, "dtype"):
        array = value.detach().numpy() if hasattr(value, "detach") else value.numpy()
        return (str(array.dtype), array.tolist())
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [plain(v) for v in value])
    return value


BATCHES = [
    [1.5, 2.0],
    [1, 2, 3],
    [True, False],
    [np.float32(1), np.float32(2)],
    [np.int32(1), np.int32(5)],
    [np.zeros(2, np.float32), np.ones(2, np.float32)],
    [np.array(1.5), np.array(2.0)],
    [(1, 2.0), (3, 4.0)],
    [[1, 2.0], [3, 4.0]],
    [{"a": 1, "b": np.zeros(2)}, {"a": 2, "b": np.ones(2)}],
    [Point(1, 2.0), Point(3, 4.0)],
    ["cat", "dog"],
]


@pytest.mark.parametrize("batch", BATCHES, ids=range(len(BATCHES)))
def test_default_collate_equals_torch(torch, batch):
    from torch.utils.data import default_collate as torch_collate

    assert plain(default_collate(batch)) == plain(torch_collate(batch))


def test_default_collate_of_tensors_stacks_them_keeping_dtype(torch):
    batch = [tg.tensor(np.arange(3)), tg.tensor(np.arange(3, 6))]
    out = default_collate(batch)
    assert out.dtype == np.int64 and out.numpy().tolist() == [[0, 1, 2], [3, 4, 5]]


@pytest.mark.parametrize("batch, error", [
    ([object(), object()], TypeError),
    ([np.array(["a"]), np.array(["b"])], TypeError),
    ([[1, 2], [3]], RuntimeError),
])
def test_default_collate_refuses_what_torch_refuses(torch, batch, error):
    from torch.utils.data import default_collate as torch_collate

    for collate in (default_collate, torch_collate):
        with pytest.raises(error):
            collate(batch)


def twin_datasets(torch):
    X = np.arange(14.0).reshape(7, 2)
    Y = np.arange(7)
    return (TensorDataset(tg.tensor(X), tg.tensor(Y)),
            torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(Y)))


@pytest.mark.parametrize("options", [dict(), dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                     dict(batch_size=None), dict(batch_size=7)])
def test_batches_in_order_equal_torch(torch, options):
    ours, theirs = twin_datasets(torch)
    loader, tloader = DataLoader(ours, **options), torch.utils.data.DataLoader(theirs, **options)
    assert len(loader) == len(tloader)
    assert [plain(b) for b in loader] == [plain(b) for b in tloader]


def test_a_list_dataset_and_a_custom_dataset_with_dict_samples(torch):
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": float(i), "y": np.array([i * i])}

    for dataset, tdataset in (([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]), (Squares(), Squares())):
        ours = [plain(b) for b in DataLoader(dataset, batch_size=2)]
        theirs = [plain(b) for b in torch.utils.data.DataLoader(tdataset, batch_size=2)]
        assert ours == theirs


def test_shuffle_visits_every_sample_once_reproducibly_and_collate_fn_is_used(torch):
    dataset, _ = twin_datasets(torch)
    tg.manual_seed(3)
    first = [y for _, y in DataLoader(dataset, batch_size=2, shuffle=True) for y in y.tolist()]
    second = [y for _, y in DataLoader(dataset, batch_size=2, shuffle=True) for y in y.tolist()]
    assert sorted(first) == list(range(7)) and first != list(range(7)) and first != second
    tg.manual_seed(3)
    again = [y for _, y in DataLoader(dataset, batch_size=2, shuffle=True) for y in y.tolist()]
    assert again == first
    gen = [y for _, y in DataLoader(dataset, batch_size=7, shuffle=True,
                                    generator=np.random.default_rng(0)) for y in y.tolist()]
    assert gen == np.random.default_rng(0).permutation(7).tolist()
    sizes = list(DataLoader(dataset, batch_size=3, collate_fn=len))
    assert sizes == [3, 3, 1]


def test_samplers_choose_the_order(torch):
    dataset, tdataset = twin_datasets(torch)
    for options in (dict(sampler=[6, 0, 3], batch_size=2), dict(batch_sampler=[[1, 2], [5]])):
        ours = [plain(b) for b in DataLoader(dataset, **options)]
        assert ours == [plain(b) for b in torch.utils.data.DataLoader(tdataset, **options)]


@pytest.mark.parametrize("make, error, match", [
    (lambda d: DataLoader(d, batch_size=0), ValueError, "batch_size=0"),
    (lambda d: DataLoader(d, batch_size=-1), ValueError, "batch_size=-1"),
    (lambda d: DataLoader(d, batch_size=1.5), ValueError, "positive integer"),
    (lambda d: DataLoader(d, sampler=[0], shuffle=True), ValueError, "mutually exclusive"),
    (lambda d: DataLoader(d, num_workers=-1), ValueError, "non-negative"),
    (lambda d: DataLoader(d, shuffle=True, generator=3), TypeError, "numpy.random.Generator"),
    (lambda d: DataLoader(iter([1, 2])), TypeError, "map-style"),
])
def test_bad_loader_arguments_raise(make, error, match):
    with pytest.raises(error, match=match):
        make(TensorDataset(tg.zeros(3)))


def test_tensor_dataset_sizes_must_match_and_samples_are_rows():
    with pytest.raises(ValueError, match=r"tensor 0: \(3,\), tensor 1: \(4, 2\)"):
        TensorDataset(tg.zeros(3), tg.zeros(4, 2))
    with pytest.raises(ValueError, match="scalar"):
        TensorDataset(tg.tensor(1.0))
    x, y = TensorDataset(np.arange(6).reshape(3, 2), tg.tensor([7, 8, 9]))[1]
    assert x.numpy().tolist() == [2, 3] and y.item() == 8 and len(TensorDataset(tg.zeros(3))) == 3


def test_random_split_lengths_and_fractions_as_torch(torch):
    for lengths in ([3, 7], [0.3, 0.7], [0.33, 0.33, 0.34], [0.5, 0.5, 0.0]):
        ours = random_split(range(10), lengths, generator=np.random.default_rng(0))
        theirs = torch.utils.data.random_split(range(10), lengths)
        assert [len(s) for s in ours] == [len(s) for s in theirs]
        assert sorted(i for s in ours for i in s) == list(range(10))
    with pytest.raises(ValueError, match=r"\(7, from \[3, 4\]\).*\(10\)"):
        random_split(range(10), [3, 4])
    with pytest.raises(ValueError, match="negative"):
        random_split(range(10), [-1, 11])
    tg.manual_seed(2)
    a = [list(s) for s in random_split(range(6), [0.5, 0.5])]
    tg.manual_seed(2)
    assert [list(s) for s in random_split(range(6), [0.5, 0.5])] == a


def test_subset_indexes_into_its_dataset():
    subset = Subset([10, 11, 12, 13], [3, 1])
    assert len(subset) == 2 and subset[0] == 13 and subset[[1, 0]] == [11, 13]


def test_torch_spelling_resolves_through_the_package():
    import tinygraph as torch

    assert torch.utils.data.DataLoader is DataLoader
    assert torch.utils.data.TensorDataset is TensorDataset
    with pytest.raises(AttributeError, match="torch.utils.data.DistributedSampler is not"):
        _ = torch.utils.data.DistributedSampler
