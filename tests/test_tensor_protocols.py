"""A Tensor's sizes, copies and Python protocols as PyTorch's (SPEC "Tensors", "Errors"):
size()/numel()/dim(), len and iteration, one-element conversions, repr, clone/detach/
contiguous, deepcopy (pickle refused), and the "did you mean" of an unknown attribute."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn
from tinygraph.tensor_names import TORCH_ONLY

SHAPES = [(), (0,), (3,), (2, 3), (2, 0, 4), (1, 2, 3, 1)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_size_numel_dim_match_torch(shape, torch):
    x, t = tg.zeros(shape), torch.zeros(shape)
    assert x.size() == t.size() and isinstance(x.size(), tg.Size)
    assert isinstance(x.size(), tuple) and x.shape == tuple(t.shape)
    assert x.numel() == x.nelement() == tg.numel(x) == t.numel()
    assert x.dim() == x.ndimension() == x.ndim == t.dim()
    for d in range(-len(shape), len(shape)):
        assert x.size(d) == x.size(dim=d) == t.size(d)
    assert x.size().numel() == t.size().numel()


def test_size_out_of_range_is_an_index_error(torch):
    with pytest.raises(IndexError, match=r"size\(2\): dim out of range for a tensor with 2 dims"):
        tg.zeros(2, 3).size(2)
    with pytest.raises(IndexError):
        torch.zeros(2, 3).size(2)
    for d in (0, -1):
        with pytest.raises(IndexError, match="it has none"):
            tg.tensor(1.0).size(d)
        with pytest.raises(IndexError):
            torch.tensor(1.0).size(d)


def test_Size_is_a_tuple_of_ints_as_torch_Size(torch):
    s = tg.Size([2, 3])
    assert s == (2, 3) == torch.Size([2, 3]) and repr(s) == "tg.Size([2, 3])"
    assert isinstance(s[1:], tg.Size) and s[1:] == (3,) and s[0] == 2
    assert isinstance(s + (4,), tg.Size) and s + (4,) == (2, 3, 4)
    assert tg.Size([]).numel() == 1 and tg.Size([2, 0]).numel() == 0
    with pytest.raises(TypeError, match="tg.Size takes an iterable of ints"):
        tg.Size([2.5])
    assert tg.zeros(tg.Size([2, 3])).shape == (2, 3)


def test_len_and_iteration(torch):
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert len(x) == 2
    rows = list(x)
    assert all(isinstance(r, tg.Tensor) and r.grad_fn is not None for r in rows)
    sum(rows).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 2)))
    for f in (len, list):
        with pytest.raises(TypeError, match="0-d tensor"):
            f(tg.tensor(1.0))
        with pytest.raises(TypeError, match="0-d tensor"):
            f(torch.tensor(1.0))


@pytest.mark.parametrize("data", [2.5, [2.5], [[3]], True, [0]], ids=repr)
def test_one_element_tensors_convert_to_python_numbers(data, torch):
    x, t = tg.tensor(data), torch.tensor(data)
    assert x.item() == t.item() and type(x.item()) is type(t.item())
    assert float(x) == float(t) and int(x) == int(t) and bool(x) == bool(t)
    assert x.tolist() == t.tolist()


@pytest.mark.parametrize("convert, error, message", [
    (lambda x: x.item(), RuntimeError, r"item\(\): a tensor with 2 elements"),
    (bool, RuntimeError, r"Boolean value of a tensor with more than one value"),
    (float, ValueError, r"only one-element tensors can be converted"),
    (int, ValueError, r"only one-element tensors can be converted"),
], ids=["item", "bool", "float", "int"])
def test_many_element_tensors_refuse_as_torch(convert, error, message, torch):
    with pytest.raises(error, match=message):
        convert(tg.tensor([1.0, 2.0]))
    with pytest.raises(error):
        convert(torch.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="no values"):
        bool(tg.tensor([]))


def test_integer_tensors_of_one_element_are_indices(torch):
    items = ["a", "b", "c"]
    for data in (1, [1], True):
        assert items[tg.tensor(data)] == items[torch.tensor(data)]
    assert range(10)[tg.tensor(3)] == 3 and hex(tg.tensor(10)) == "0xa"
    for data in (1.0, [1, 2]):
        with pytest.raises(TypeError, match="only integer tensors of a single element"):
            items[tg.tensor(data)]
        with pytest.raises(TypeError):
            items[torch.tensor(data)]


def test_format_of_a_0d_tensor_formats_its_value(torch):
    loss = tg.tensor(0.123456, dtype=tg.float64)
    assert f"{loss:.3f}" == f"{torch.tensor(0.123456, dtype=torch.float64):.3f}" == "0.123"
    assert f"{tg.tensor(7):>4}" == "   7"
    with pytest.raises(TypeError):
        f"{tg.tensor([1.0, 2.0]):.2f}"
    assert f"{tg.tensor([1.0])}" == str(tg.tensor([1.0]))


@pytest.mark.parametrize("make, text", [
    (lambda: tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True),
     "tensor([1., 2.], dtype=tg.float64, requires_grad=True)"),
    (lambda: tg.tensor([1, 2], dtype=tg.int32), "tensor([1, 2], dtype=tg.int32)"),
    (lambda: tg.tensor([1, 2]), "tensor([1, 2])"),
    (lambda: tg.tensor([True]), "tensor([True])"),  # as torch: one width, that of True
    (lambda: tg.tensor([1.0, 2.0]), "tensor([1., 2.])"),
    (lambda: tg.zeros(0), "tensor([])"),
    (lambda: tg.zeros(0, 3), "tensor([], size=(0, 3))"),
    (lambda: tg.zeros(0, dtype=tg.int64), "tensor([], dtype=tg.int64)"),  # torch names it
    (lambda: tg.tensor([1.0], name="w"), "tensor([1.], name='w')"),
    (lambda: tg.tensor([1.0], requires_grad=True) * 2, "tensor([2.], grad_fn=<MulBackward0>)"),
], ids=range(10))
def test_repr_is_torchs_with_tinygraphs_dtype_names(make, text):
    assert repr(make()) == text


def test_repr_names_the_dtype_against_the_default(torch):
    tg.set_default_dtype(tg.float64)
    assert repr(tg.tensor([1.0])) == "tensor([1.])"
    assert repr(tg.tensor([1.0], dtype=tg.float32)) == "tensor([1.], dtype=tg.float32)"


def test_clone_is_differentiable_and_owns_its_storage(torch):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.grad_fn is not None and not y.is_leaf
    assert not np.shares_memory(y.numpy(), x.numpy())
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    assert tg.clone(x).shape == (2,)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert t.clone().grad_fn is not None


def test_detach_and_contiguous(torch):
    x = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    d = x.detach()
    assert d.is_leaf and not d.requires_grad and d.numpy() is x.numpy()
    assert x.contiguous() is x
    transposed = x.T
    c = transposed.contiguous()
    assert c is not transposed and c.numpy().flags.c_contiguous and c.grad_fn is not None
    np.testing.assert_array_equal(c.numpy(), x.numpy().T)
    c.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))


def test_leaves_grad_fn_requires_grad_(torch):
    x = tg.tensor([1.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and x.grad_fn is None and not y.is_leaf and y.grad_fn is not None
    assert tg.tensor([1.0]).is_leaf and x.long().is_leaf
    z = tg.tensor([1.0])
    assert z.requires_grad_() is z and z.requires_grad
    with pytest.raises(RuntimeError, match="non-leaf"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError):
        (torch.tensor([1.0], requires_grad=True) * 2).requires_grad_(False)


@pytest.mark.parametrize("shape", [(2, 3), (4, 2, 3), (1, 2, 3, 5)], ids=str)
def test_T_and_mT_match_torch(shape, torch):
    a = np.arange(float(np.prod(shape))).reshape(shape)
    x = tg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    np.testing.assert_array_equal(x.mT.numpy(), t.mT.detach().numpy())
    (x.mT * tg.tensor(np.arange(a.size).reshape(t.mT.shape))).sum().backward()
    (t.mT * torch.tensor(np.arange(a.size).reshape(t.mT.shape))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    if len(shape) == 2:
        np.testing.assert_array_equal(x.T.numpy(), t.T.detach().numpy())


def test_mT_of_a_vector_is_refused(torch):
    with pytest.raises(tg.ShapeError, match=r"x.mT: needs a matrix"):
        _ = tg.zeros(3).mT
    with pytest.raises(RuntimeError):
        _ = torch.zeros(3).mT


def test_numpy_is_the_storage_also_when_requiring_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert x.numpy() is x.numpy() and np.asarray(x) is x.numpy()
    assert x.numpy(force=True) is x.numpy()


def test_hash_is_by_identity():
    a, b = tg.tensor([1.0]), tg.tensor([1.0])
    assert len({a, b, a}) == 2 and {a: 1}[a] == 1


# -- copies and pickling ----------------------------------------------------------------------

def test_deepcopy_of_a_leaf_copies_values_grad_and_flags(torch):
    x = tg.tensor([1.0, 2.0], requires_grad=True, name="w")
    (x * x).sum().backward()
    c = copy.deepcopy(x)
    assert c is not x and c.requires_grad and c.is_leaf and c.name == "w"
    assert not np.shares_memory(c.numpy(), x.numpy())
    np.testing.assert_array_equal(c.grad.numpy(), x.grad.numpy())
    assert c.grad is not x.grad
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    (t * t).sum().backward()
    assert copy.deepcopy(t).grad is not None


def test_deepcopy_of_a_non_leaf_is_refused_as_torch(torch):
    with pytest.raises(RuntimeError, match="only leaf tensors"):
        copy.deepcopy(tg.tensor([1.0], requires_grad=True) * 2)
    with pytest.raises(RuntimeError):
        copy.deepcopy(torch.tensor([1.0], requires_grad=True) * 2)


def test_deepcopy_of_a_module_keeps_parameters_and_shared_storage():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    model[1].weight = nn.Parameter(model[1].weight.detach())  # a Parameter of its own
    twin = copy.deepcopy(model)
    for (name, p), (_, q) in zip(model.named_parameters(), twin.named_parameters()):
        assert type(q) is nn.Parameter and q.requires_grad, name
        assert not np.shares_memory(p.numpy(), q.numpy())
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    x = tg.tensor([1.0, 2.0])
    pair = copy.deepcopy([x, tg.Tensor(x)])  # two tensors on one storage
    assert pair[0].numpy() is pair[1].numpy() and pair[0].numpy() is not x.numpy()


def test_copy_copy_is_a_new_leaf_sharing_storage(torch):
    x = tg.tensor([1.0], requires_grad=True)
    for source in (x, x * 2):
        c = copy.copy(source)
        assert c.is_leaf and c.requires_grad and c.numpy() is source.numpy()
    assert copy.copy(torch.tensor([1.0], requires_grad=True) * 2).is_leaf


def test_pickling_is_refused_pointing_to_tg_save():
    for obj in (tg.tensor([1.0]), nn.Linear(2, 2)):
        with pytest.raises(TypeError, match=r"cannot be pickled.*tg.save"):
            pickle.dumps(obj)


# -- unknown attributes ---------------------------------------------------------------------

@pytest.mark.parametrize("name, message", [
    ("szie", r"'Tensor' object has no attribute 'szie'. Did you mean 'size'\?"),
    ("requires_gard", r"Did you mean 'requires_grad'\?"),
    ("Numpy", r"Did you mean 'numpy'\?"),
    ("ormqr", r"no attribute 'ormqr': PyTorch's Tensor.ormqr is not implemented in "
               "tinygraph"),
    ("xyzzy", r"^'Tensor' object has no attribute 'xyzzy'.$"),
    ("_repr_html_", r"^'Tensor' object has no attribute '_repr_html_'$"),
], ids=range(6))
def test_an_unknown_attribute_suggests_the_closest_name(name, message):
    with pytest.raises(AttributeError, match=message):
        getattr(tg.zeros(2), name)
    with pytest.raises(AttributeError, match=message.replace("'Tensor'", "'Parameter'")):
        getattr(nn.Parameter(tg.zeros(2)), name)


def test_rarely_set_fields_still_read_as_their_defaults():
    y = tg.tensor([1.0], requires_grad=True) * 2  # built by an op: optional slots unset
    assert y.name is None and y.grad is None and y._version == 0


def test_the_list_of_pytorch_only_names_is_honest(torch):
    theirs = {n for n in dir(torch.Tensor) if not n.startswith("_")}
    ours = {n for n in dir(tg.Tensor) if not n.startswith("_")}
    assert TORCH_ONLY <= theirs, sorted(TORCH_ONLY - theirs)
    assert theirs - ours <= TORCH_ONLY, sorted(theirs - ours - TORCH_ONLY)


REPR_CASES = [[1.0, 2.5, 3.123456], [1e-5, 1.0], [1.0, 2.0], [100000.0, 1.5], [1e10, 1.0],
              [[1.5, -2.0, float("nan")], [float("inf"), 0.0, 1.0]], [-0.25], [0.0, 0.0],
              [1e9, 2e9], [3, 4]]


@pytest.mark.parametrize("values", REPR_CASES, ids=str)
def test_repr_prints_values_as_torch(values, torch):
    """4 decimals, `1.` for whole numbers, scientific when the values span > 1e3 (torch's
    rules), so printed output reads the same after `import tinygraph as torch`."""
    ours = repr(tg.tensor(values))
    theirs = repr(torch.tensor(values))
    assert ours == theirs
