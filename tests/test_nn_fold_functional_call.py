"""Parity with PyTorch for F.unfold / F.fold (and nn.Unfold / nn.Fold), adaptive 3-D pooling,
torch.func.functional_call (and nn.utils.stateless), nn.Buffer, ChainDataset, StackDataset and
get_worker_info: values, gradients (second order included) and errors."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn

RNG = np.random.default_rng(0)


def pair(torch, array, requires_grad=True):
    return (tg.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def close(ours, theirs, rtol=1e-6):
    np.testing.assert_allclose(np.asarray(ours.detach().numpy()), theirs.detach().numpy(),
                               rtol=rtol, atol=1e-12)


def array(value):
    return value.detach().numpy() if hasattr(value, "detach") else np.asarray(value)


# -- unfold / fold -------------------------------------------------------------------------

UNFOLD_CASES = [
    ((2, 3, 5, 5), dict(kernel_size=2)),
    ((2, 3, 5, 6), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))),
    ((3, 6, 7), dict(kernel_size=3, padding=(1, 0), stride=2)),
    ((1, 1, 8, 8), dict(kernel_size=4, stride=4)),
]


@pytest.mark.parametrize("shape,kwargs", UNFOLD_CASES)
def test_unfold_values_and_gradients_match_torch(torch, shape, kwargs):
    ours, theirs = pair(torch, RNG.standard_normal(shape))
    a, b = tg.nn.functional.unfold(ours, **kwargs), torch.nn.functional.unfold(theirs, **kwargs)
    assert tuple(a.shape) == tuple(b.shape)
    close(a, b)
    weight = RNG.standard_normal(tuple(b.shape))
    (ga,) = tg.autograd.grad((a * a * tg.tensor(weight)).sum(), ours, create_graph=True)
    (gb,) = torch.autograd.grad((b * b * torch.tensor(weight)).sum(), theirs, create_graph=True)
    close(ga, gb)
    (gga,) = tg.autograd.grad((ga * ga).sum(), ours)
    (ggb,) = torch.autograd.grad((gb * gb).sum(), theirs)
    close(gga, ggb)


@pytest.mark.parametrize("shape,kwargs", UNFOLD_CASES)
def test_fold_values_and_gradients_match_torch(torch, shape, kwargs):
    cols = torch.nn.functional.unfold(torch.zeros(shape, dtype=torch.float64), **kwargs)
    ours, theirs = pair(torch, RNG.standard_normal(tuple(cols.shape)))
    size = shape[-2:]
    a = tg.nn.functional.fold(ours, size, **kwargs)
    b = torch.nn.functional.fold(theirs, size, **kwargs)
    close(a, b)
    (ga,) = tg.autograd.grad((a ** 3).sum(), ours, create_graph=True)
    (gb,) = torch.autograd.grad((b ** 3).sum(), theirs, create_graph=True)
    close(ga, gb)
    close(tg.autograd.grad(ga.sum(), ours)[0], torch.autograd.grad(gb.sum(), theirs)[0])


def test_fold_of_unfold_counts_the_overlaps_and_layers_match(torch):
    ours, theirs = pair(torch, RNG.standard_normal((2, 2, 6, 6)), requires_grad=False)
    a = nn.Fold((6, 6), 3, padding=1)(nn.Unfold(3, padding=1)(ours))
    b = torch.nn.Fold((6, 6), 3, padding=1)(torch.nn.Unfold(3, padding=1)(theirs))
    close(a, b)
    assert repr(nn.Unfold(2, stride=2)) == repr(torch.nn.Unfold(2, stride=2))
    assert repr(nn.Fold((4, 4), 2)) == repr(torch.nn.Fold((4, 4), 2))


UNFOLD_ERRORS = [
    ((1, 1, 2, 2), dict(kernel_size=3)),
    ((2, 3, 5, 5), dict(kernel_size=(2, 2, 2))),
    ((2, 3, 5, 5), dict(kernel_size=2, padding=-1)),
    ((2, 3, 5, 5), dict(kernel_size=2, dilation=0)),
    ((2, 3, 5, 5), dict(kernel_size=0)),
    ((2, 3, 5, 5), dict(kernel_size=2, stride=0)),
    ((2, 1, 3, 5, 5), dict(kernel_size=2)),
]


@pytest.mark.parametrize("shape,kwargs", UNFOLD_ERRORS)
def test_unfold_refuses_what_torch_refuses(torch, shape, kwargs):
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.unfold(torch.zeros(shape), **kwargs)
    with pytest.raises(RuntimeError) as ours:
        tg.nn.functional.unfold(tg.zeros(shape), **kwargs)
    assert str(theirs.value).split(",")[0].split(" but")[0] in str(ours.value)


FOLD_ERRORS = [
    ((2, 12, 16), dict(output_size=(6, 6), kernel_size=2)),
    ((2, 5, 16), dict(output_size=(5, 5), kernel_size=2)),
    ((2, 3, 4, 5), dict(output_size=(5, 5), kernel_size=2)),
    ((12,), dict(output_size=(5, 5), kernel_size=2)),
    ((2, 12, 16), dict(output_size=(5, 5), kernel_size=2, stride=0)),
    ((2, 4, 1), dict(output_size=(1, 1), kernel_size=2)),
]


@pytest.mark.parametrize("shape,kwargs", FOLD_ERRORS)
def test_fold_refuses_what_torch_refuses(torch, shape, kwargs):
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.fold(torch.zeros(shape), **kwargs)
    with pytest.raises(RuntimeError) as ours:
        tg.nn.functional.fold(tg.zeros(shape), **kwargs)
    assert str(theirs.value).split(",")[0].split(" but")[0].split("=")[0] in str(ours.value)


# -- adaptive 3-D pooling ------------------------------------------------------------------

@pytest.mark.parametrize("size", [2, (1, None, 3), (3, 2, 4)])
@pytest.mark.parametrize("batched", [True, False])
def test_adaptive_pool3d_matches_torch(torch, size, batched):
    shape = (2, 3, 5, 4, 7) if batched else (3, 5, 4, 7)
    data = RNG.standard_normal(shape)
    data[..., 0, 0, :2] = 9.0  # a tie: the first one wins, as PyTorch's scan
    ours, theirs = pair(torch, data)
    for name in ("AdaptiveAvgPool3d", "AdaptiveMaxPool3d"):
        a, b = getattr(nn, name)(size)(ours), getattr(torch.nn, name)(size)(theirs)
        close(a, b)
        weight = RNG.standard_normal(tuple(b.shape))
        close(tg.autograd.grad((a * tg.tensor(weight)).sum(), ours)[0],
              torch.autograd.grad((b * torch.tensor(weight)).sum(), theirs)[0])
    a, ia = tg.nn.functional.adaptive_max_pool3d(ours, size, return_indices=True)
    b, ib = torch.nn.functional.adaptive_max_pool3d(theirs, size, return_indices=True)
    assert ia.dtype == tg.int64 and np.array_equal(ia.numpy(), ib.numpy())
    _, ia = tg.nn.functional.adaptive_max_pool3d_with_indices(ours, size)
    assert np.array_equal(ia.numpy(), ib.numpy())
    assert repr(nn.AdaptiveMaxPool3d(size)) == repr(torch.nn.AdaptiveMaxPool3d(size))


def test_adaptive_pool3d_refuses_a_2d_input(torch):
    with pytest.raises(RuntimeError):
        torch.nn.functional.adaptive_avg_pool3d(torch.zeros(3, 4), 2)
    for fn in (tg.nn.functional.adaptive_avg_pool3d, tg.nn.functional.adaptive_max_pool3d):
        with pytest.raises(RuntimeError, match="adaptive_.*_pool3d: expected a 4-D or 5-D"):
            fn(tg.zeros(3, 4), 2)


# -- functional_call -----------------------------------------------------------------------

def mlp(torch):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    model.double()
    rng = np.random.default_rng(5)
    model.load_state_dict({k: torch.tensor(rng.standard_normal(tuple(v.shape)))
                           for k, v in model.state_dict().items()})
    return model


def test_functional_call_uses_the_given_tensors_and_gradients_reach_them(torch):
    x = RNG.standard_normal((5, 3))
    results = []
    for lib in (tg, torch):
        model = mlp(lib)
        before = {k: array(v).copy() for k, v in model.state_dict().items()}
        params = dict(model.named_parameters())
        fast = {k: v * 1.5 for k, v in params.items()}
        out = lib.func.functional_call(model, fast, lib.tensor(x))
        grads = lib.autograd.grad((out ** 2).sum(), list(params.values()), create_graph=True)
        second = lib.autograd.grad(sum((g ** 2).sum() for g in grads), params["0.weight"])
        assert all(np.array_equal(before[k], array(v))
                   for k, v in model.state_dict().items())
        assert model[0].weight is params["0.weight"]
        results.append([out, *grads, *second, model(lib.tensor(x))])
    for a, b in zip(*results):
        close(a, b)


def test_functional_call_partial_dicts_kwargs_and_a_sequence_of_dicts(torch):
    x = RNG.standard_normal((2, 3))
    outs = []
    for lib in (tg, torch):
        model = mlp(lib)
        weight = lib.tensor(np.ones((2, 4)))
        first = lib.func.functional_call(model, {"2.weight": weight}, (lib.tensor(x),))
        bias = {"2.bias": lib.tensor(np.arange(2.0))}
        second = lib.func.functional_call(model, ({"2.weight": weight}, bias), (),
                                          {"input": lib.tensor(x)})
        outs.append((first, second))
    for a, b in zip(*outs):
        close(a, b)


class _Counting:
    """A module class per library whose forward bumps a buffer, then fails."""

    @staticmethod
    def make(lib):
        class Counting(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("count", lib.zeros(()))

            def forward(self, x):
                self.count = self.count + 1
                raise ValueError("boom")

        return Counting()


def test_functional_call_restores_the_parameters_when_the_forward_raises(torch):
    for lib in (tg, torch):
        model = mlp(lib)
        weight = model[0].weight
        with pytest.raises(RuntimeError):
            lib.func.functional_call(model, {"0.weight": lib.zeros(4, 3, dtype=lib.float64)},
                                     lib.zeros(2, 7, dtype=lib.float64))
        assert model[0].weight is weight and model[0]._parameters["weight"] is weight
        counting, state = _Counting.make(lib), {"count": lib.tensor(3.0)}
        with pytest.raises(ValueError, match="boom"):
            lib.func.functional_call(counting, state, lib.zeros(1))
        assert state["count"].item() == 4.0 and counting.count.item() == 0.0


def test_functional_call_errors_match_torch(torch):
    cases = [
        (lambda lib, m: lib.func.functional_call(m, [{"0.bias": lib.zeros(4)},
                                                     {"0.bias": lib.zeros(4)}], ()),
         ValueError, "appeared in multiple dictionaries"),
        (lambda lib, m: lib.func.functional_call(m, 3, ()), ValueError, "Expected parameter_"),
        (lambda lib, m: lib.func.functional_call(m, [{}, 3], ()), ValueError,
         "Expected all elements"),
        (lambda lib, m: lib.func.functional_call(m, {"0.bias": lib.zeros(4), "bogus": None},
                                                 lib.zeros(1, 3), strict=True),
         RuntimeError, "Unexpected key(s): 'bogus'"),
    ]
    for call, error, text in cases:
        for lib in (tg, torch):
            with pytest.raises(error) as info:
                call(lib, mlp(lib))
            assert text in str(info.value)


def _tied_run(lib):
    class Tied(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.nn.Linear(2, 2, bias=False)
            self.b = lib.nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight
            self.register_buffer("calls", lib.zeros(()))

        def forward(self, x):
            self.calls = self.calls + 1
            return self.b(self.a(x))

    model = Tied().double()
    with lib.no_grad():
        model.a.weight.copy_(lib.tensor(np.array([[0.5, -1.0], [2.0, 0.25]])))
    w = lib.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    x = lib.tensor(np.array([[1.0, -1.0]]))
    state = {"a.weight": w, "calls": lib.tensor(5.0)}
    tied = lib.func.functional_call(model, state, x)
    untied = lib.func.functional_call(model, {"a.weight": w}, x, tie_weights=False)
    with pytest.raises(ValueError, match="which are tied"):
        lib.func.functional_call(model, {"a.weight": w, "b.weight": w * 2}, x)
    return tied, untied, state["calls"], model.calls


def test_functional_call_ties_weights_and_writes_back_reassigned_buffers(torch):
    outs = [_tied_run(tg), _tied_run(torch)]
    for a, b in zip(*outs):
        close(a, b)


def test_stateless_functional_call_warns_and_runs(torch):
    x = RNG.standard_normal((2, 3))
    outs = []
    for lib in (tg, torch):
        model = mlp(lib)
        with pytest.warns(FutureWarning, match="torch.func.functional_call"):
            outs.append(lib.nn.utils.stateless.functional_call(
                model, {"0.bias": lib.tensor(np.ones(4))}, (lib.tensor(x),)))
    close(*outs)


def test_func_transforms_are_named_as_not_implemented():
    for name in ("functionalize", "rearrange", "debug_unwrap"):
        with pytest.raises(NotImplementedError, match=f"torch.func.{name} is not implemented"):
            getattr(tg.func, name)
        assert not hasattr(tg.func, name)


# -- nn.Buffer -----------------------------------------------------------------------------

def _buffer_run(lib):
    class Counter(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.total = lib.nn.Buffer(lib.zeros(2))
            self.scratch = lib.nn.Buffer(lib.ones(1), persistent=False)
            self.plain = lib.ones(1)  # a plain Tensor stays a plain attribute

    m = Counter()
    m.scratch = lib.zeros(1)  # reassigning keeps it non-persistent
    m.total = lib.nn.Buffer(lib.ones(2), persistent=False)
    b = lib.nn.Buffer(lib.ones(2, requires_grad=True) * 2)
    assert b.requires_grad and b.grad_fn is None and b.is_leaf
    twin = copy.deepcopy(m)
    assert copy.deepcopy(m.total).persistent is False and not twin.state_dict()
    with pytest.raises(KeyError, match="already exists"):
        m.plain = lib.nn.Buffer(lib.ones(1))
    return (sorted(n for n, _ in m.named_buffers()), sorted(m.state_dict()),
            [p for p, _ in m.named_parameters()])


def test_buffer_assignment_registers_a_buffer_as_torch(torch):
    keys = [_buffer_run(tg), _buffer_run(torch)]
    assert keys[0] == keys[1] == (["scratch", "total"], [], [])


# -- utils.data ----------------------------------------------------------------------------

def _datasets_run(lib):
    data = lib.utils.data

    class Stream(data.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            assert data.get_worker_info() is None
            return iter(range(self.n))

        def __len__(self):
            return self.n

    chain = data.ChainDataset([Stream(2), Stream(3)])
    summed = Stream(1) + Stream(2)
    stacked = data.StackDataset([1, 2, 3], ["a", "b", "c"])
    named = data.StackDataset(x=[1, 2], y=[3, 4])
    batches = [{k: v.tolist() for k, v in b.items()}
               for b in data.DataLoader(named, batch_size=2)]
    for args, kwargs in (((), {}), (([1],), {"x": [1]}), (([1], [1, 2]), {})):
        with pytest.raises(ValueError):
            data.StackDataset(*args, **kwargs)
    with pytest.raises(AssertionError):
        list(data.ChainDataset([[1, 2]]))
    return (list(chain), len(chain), list(summed), stacked[1], len(stacked), named[0], batches,
            data.get_worker_info())


def test_chain_and_stack_datasets_and_worker_info_as_torch(torch):
    results = [_datasets_run(tg), _datasets_run(torch)]
    assert results[0] == results[1]


def test_names_added_here_are_no_longer_listed_missing():
    from tinygraph.names import TORCH_NAMES

    listed = set(" ".join(TORCH_NAMES.values()).split())
    for name in ("Fold", "Unfold", "Buffer", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d",
                 "stateless", "ChainDataset", "StackDataset", "get_worker_info"):
        assert name not in listed
    assert tg.nn.Fold and tg.nn.utils.stateless and tg.utils.data.get_worker_info


# -- torch.mode (found by the Siamese program's majority vote) ------------------------------

def test_mode_values_indices_and_gradient_match_torch(torch):
    data = np.array([[1, 2, 2, 1, 3], [5, 5, 4, 4, 4], [3, 1, 2, 9, 0]], dtype=np.float64)
    for dim, keepdim in ((1, False), (0, True), (-1, True)):
        ours, theirs = pair(torch, data)
        a, b = tg.mode(ours, dim, keepdim), torch.mode(theirs, dim, keepdim)
        close(a.values, b.values)
        assert np.array_equal(a.indices.numpy(), b.indices.numpy())
        a.values.sum().backward()
        b.values.sum().backward()
        close(ours.grad, theirs.grad)
    votes = np.array([[7, 3, 7], [2, 2, 5], [4, 1, 0]])
    a, b = tg.tensor(votes).mode(dim=1), torch.tensor(votes).mode(dim=1)
    assert a.values.tolist() == b.values.tolist() and a.indices.tolist() == b.indices.tolist()
    assert tg.mode(tg.tensor(3.0)).indices.item() == torch.mode(torch.tensor(3.0)).indices.item()
    with pytest.raises(IndexError):
        tg.mode(tg.zeros(0, 3), 0)
    with pytest.raises(IndexError):
        torch.mode(torch.zeros(0, 3), 0)


# -- found by the programs: Tensor.unfold (ViT patches), scatter_add_ and pdist (clustering) --

@pytest.mark.parametrize("shape,args", [((2, 1, 8, 8), (2, 4, 4)), ((7,), (0, 3, 2)),
                                        ((3, 5), (1, 2, 1)), ((2, 4), (0, 2, 1)),
                                        ((5,), (-1, 5, 3)), ((), (0, 1, 1))])
def test_tensor_unfold_values_and_gradients_match_torch(torch, shape, args):
    ours, theirs = pair(torch, RNG.standard_normal(shape))
    a, b = ours.unfold(*args), theirs.unfold(*args)
    assert tuple(a.shape) == tuple(b.shape)
    close(a, b)
    weight = RNG.standard_normal(tuple(b.shape))
    (a * a * tg.tensor(weight)).sum().backward()
    (b * b * torch.tensor(weight)).sum().backward()
    close(ours.grad, theirs.grad)


def test_tensor_unfold_patches_like_a_vit_and_refuses_as_torch(torch):
    ours, theirs = pair(torch, RNG.standard_normal((2, 3, 8, 8)), requires_grad=False)
    a = ours.unfold(2, 4, 4).unfold(3, 4, 4).contiguous().view(2, 3, 4, 16)
    close(a, theirs.unfold(2, 4, 4).unfold(3, 4, 4).contiguous().view(2, 3, 4, 16))
    for args in ((0, 9, 1), (0, 2, 0), (0, -1, 1)):
        with pytest.raises(RuntimeError):
            torch.arange(8.0).unfold(*args)
        with pytest.raises(RuntimeError):
            tg.arange(8.0).unfold(*args)
    with pytest.raises(IndexError):
        tg.arange(8.0).unfold(1, 2, 1)


def test_scatter_add_in_place_matches_torch(torch):
    index = np.array([0, 2, 1, 0, 2, 2])
    source = RNG.standard_normal((6, 4))
    results = []
    for lib in (tg, torch):
        src = lib.tensor(source, requires_grad=True)
        base = lib.zeros(3, 4, dtype=lib.float64, requires_grad=True)
        out = base * 1.0
        same = out.scatter_add_(0, lib.tensor(index)[:, None].expand(6, 4), src)
        assert same is out
        (out ** 2).sum().backward()
        results.append((out, src.grad, base.grad))
    for a, b in zip(*results):
        close(a, b)


def test_pdist_values_gradients_and_errors_match_torch(torch):
    for p in (2.0, 1.0, 3.0):
        ours, theirs = pair(torch, RNG.standard_normal((5, 3)))
        a, b = tg.pdist(ours, p), torch.nn.functional.pdist(theirs, p)
        close(a, b)
        close(tg.nn.functional.pdist(ours, p), b)
        a.sum().backward()
        b.sum().backward()
        close(ours.grad, theirs.grad)
    for bad in (tg.zeros(3), tg.zeros(2, 2, 2)):
        with pytest.raises(RuntimeError, match="pdist only supports 2D"):
            tg.pdist(bad)


def test_quantile_matches_torch_with_tensor_q_nan_keepdim_and_errors(torch):
    data = RNG.standard_normal((4, 6))
    data[1, 2] = np.nan
    for kwargs in ({"q": 0.4, "dim": 1}, {"q": [0.1, 0.5, 0.9], "dim": 0, "keepdim": True},
                   {"q": [0.25, 0.75]}, {"q": 0.5, "keepdim": True},
                   {"q": 0.35, "dim": 1, "interpolation": "nearest"}):
        ours, theirs = pair(torch, data)
        q = kwargs["q"]
        a = tg.quantile(ours, tg.tensor(q, dtype=tg.float64) if isinstance(q, list) else q,
                        **{k: v for k, v in kwargs.items() if k != "q"})
        b = torch.quantile(theirs, torch.tensor(q, dtype=torch.float64) if isinstance(q, list)
                           else q,
                           **{k: v for k, v in kwargs.items() if k != "q"})
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)
        tg.nan_to_num(a).sum().backward()
        torch.nan_to_num(b).sum().backward()
        close(tg.nan_to_num(ours.grad), torch.nan_to_num(theirs.grad))
    x = data[0]
    assert tg.tensor(x).quantile(0.5).item() == pytest.approx(torch.tensor(x).quantile(0.5).item())
    for args, kwargs in (((tg.tensor(x), 1.5), {}), ((tg.tensor([1, 2]), 0.5), {}),
                         ((tg.zeros(0), 0.5), {}), ((tg.tensor(x), tg.tensor([[0.5]])), {}),
                         ((tg.tensor(x), tg.tensor([0.5], dtype=tg.float32)), {}),
                         ((tg.tensor(x), 0.5), {"interpolation": "foo"})):
        with pytest.raises(RuntimeError, match="quantile()"):
            tg.quantile(*args, **kwargs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unfold_and_fold_export_to_onnx(dtype, tmp_path, onnx, onnxruntime):
    class Patches(nn.Module):
        def forward(self, x):
            cols = nn.functional.unfold(x, 3, dilation=(1, 2), padding=1, stride=2)
            return nn.functional.fold(cols * 2.0, (7, 6), 3, dilation=(1, 2), padding=1,
                                      stride=2)

    x = tg.tensor(RNG.standard_normal((2, 3, 7, 6)).astype(dtype))
    path = tmp_path / "patches.onnx"
    tg.onnx.export(Patches(), (x,), str(path), input_names=["x"],
                   dynamic_axes={"x": {0: "batch"}})
    session = onnxruntime.InferenceSession(str(path))
    for batch in (x, tg.tensor(RNG.standard_normal((1, 3, 7, 6)).astype(dtype))):
        (got,) = session.run(None, {"x": batch.numpy()})
        np.testing.assert_allclose(got, Patches()(batch).numpy(), rtol=1e-5, atol=1e-6)
