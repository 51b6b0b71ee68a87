"""tg.autograd.functional as torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp
give PyTorch's values in PyTorch's structure (single Tensor or tuples, nested as PyTorch
nests them), create_graph results that differentiate again, and strict errors where PyTorch
raises them."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg
from tinygraph.autograd import functional as F

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((4, 2))
V = RNG.standard_normal(3)


# Functions written once, run by both libraries (only methods and operators both have).
def rows(x):
    return (x.exp() * x.tanh()).sum(1)


def pair(x, w):
    return (x @ w).tanh(), (x * x).sum()


def scaled(x):
    return x.sigmoid() * 3


def cubic(x):
    return (x ** 3).sum() + (x.exp() * x).sum()


def coupled(x, w):
    return ((x @ w).tanh() ** 2).sum() + (w * w * w).sum()


def inputs(lib, *arrays, requires_grad=False):
    made = tuple(lib.tensor(a, requires_grad=requires_grad) for a in arrays)
    return made if len(made) > 1 else made[0]


def assert_same(got, want, create_graph=False):
    """Same nesting (tuples where torch has tuples), same values and requires_grad."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w, create_graph)
        return
    assert isinstance(got, tg.Tensor), type(got)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-6, atol=1e-12)
    assert got.requires_grad == want.requires_grad


CASES = [  # (name, function, arrays, v for vjp, v for jvp)
    ("rows", rows, (A,), V, A * 0.5),
    ("pair", pair, (A, B), (RNG.standard_normal((3, 2)), np.array(0.7)), (A, B)),
    ("scaled", scaled, (V,), V * 2, V),
    ("scalar_in", scaled, (np.array(0.3),), None, None),
]


@pytest.mark.parametrize("name, func, arrays, v_out, v_in", CASES, ids=[c[0] for c in CASES])
def test_jacobian_vjp_and_jvp_match_torch_in_value_and_structure(torch, name, func, arrays,
                                                                  v_out, v_in):
    ours, theirs = inputs(tg, *arrays), inputs(torch, *arrays)
    assert_same(F.jacobian(func, ours), torch.autograd.functional.jacobian(func, theirs))

    def vector(lib, v):
        if v is None:
            return None
        return tuple(lib.tensor(a) for a in v) if isinstance(v, tuple) else lib.tensor(v)

    for fn, v in [("vjp", v_out), ("jvp", v_in)]:
        got = getattr(F, fn)(func, ours, vector(tg, v))
        want = getattr(torch.autograd.functional, fn)(func, theirs, vector(torch, v))
        assert_same(got, want)


SCALAR_CASES = [("cubic", cubic, (A,)), ("coupled", coupled, (A, B)),
                ("cubic_0d", cubic, (np.array(0.4),))]


@pytest.mark.parametrize("name, func, arrays", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_hessian_hvp_and_vhp_match_torch(torch, name, func, arrays):
    ours, theirs = inputs(tg, *arrays), inputs(torch, *arrays)
    assert_same(F.hessian(func, ours), torch.autograd.functional.hessian(func, theirs))
    vs = [RNG.standard_normal(a.shape) for a in arrays]
    v_tg = tuple(tg.tensor(v) for v in vs) if len(vs) > 1 else tg.tensor(vs[0])
    v_th = tuple(torch.tensor(v) for v in vs) if len(vs) > 1 else torch.tensor(vs[0])
    for fn in ("hvp", "vhp"):
        got = getattr(F, fn)(func, ours, v_tg)
        want = getattr(torch.autograd.functional, fn)(func, theirs, v_th)
        assert_same(got, want)


def test_jacobian_nesting_is_outputs_then_inputs(torch):
    J = F.jacobian(pair, inputs(tg, A, B))
    assert J[0][1].shape == (3, 2, 4, 2)  # d tanh(x @ w) / d w: output shape + input shape
    assert J[1][0].shape == (3, 4)  # d sum(x * x) / d x: () + x's shape
    H = F.hessian(coupled, inputs(tg, A, B))
    assert H[0][1].shape == (3, 4, 4, 2)  # d^2 f / dx dw
    np.testing.assert_allclose(H[0][1].numpy(), H[1][0].numpy().transpose(2, 3, 0, 1),
                               rtol=1e-10)


@pytest.mark.parametrize("fn", ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"])
def test_create_graph_results_differentiate_again_as_torch(torch, fn):
    func = {"jacobian": scaled, "jvp": scaled, "vjp": scaled}.get(fn, cubic)
    args = {"hessian": (), "jacobian": ()}.get(fn, (V,))
    results = []
    for lib in (tg, torch):
        x = lib.tensor(V, requires_grad=True)
        extra = tuple(lib.tensor(a) for a in args)
        out = getattr(lib.autograd.functional, fn)(func, x, *extra, create_graph=True)
        result = out if fn in ("jacobian", "hessian") else out[1]
        assert result.requires_grad
        (result * result).sum().backward()
        results.append(x.grad.detach().numpy() if lib is torch else x.grad.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_results_are_detached_without_create_graph():
    x = tg.tensor(V, requires_grad=True)
    out, g = F.vjp(scaled, x, tg.tensor(V))
    assert not out.requires_grad and not g.requires_grad
    assert not F.jacobian(scaled, x).requires_grad
    assert x.grad is None


def test_an_unused_input_gives_zeros_and_strict_raises_as_torch(torch):
    def first_only(x, y):
        return x * 2

    for lib in (tg, torch):
        xy = inputs(lib, V, V)
        zeros = lib.autograd.functional.jacobian(first_only, xy)[1]
        np.testing.assert_array_equal(np.asarray(zeros.tolist()), np.zeros((3, 3)))
        with pytest.raises(RuntimeError, match=r"(?i)output 0 .* independent of input 1"):
            lib.autograd.functional.jacobian(first_only, xy, strict=True)
        with pytest.raises(RuntimeError, match=r"(?i)independent of input 1"):
            lib.autograd.functional.vjp(first_only, xy, lib.tensor(V), strict=True)


def test_strict_refuses_constant_outputs_and_linear_hessians_as_torch(torch):
    for lib in (tg, torch):
        x = lib.tensor(V)
        constant = lib.tensor(V)
        with pytest.raises(RuntimeError, match=r"(?i)output 0 .*does not require grad"):
            lib.autograd.functional.jacobian(lambda t, c=constant: c * 2, x, strict=True)
        with pytest.raises(RuntimeError, match=r"(?i)jacobian .* independent"):
            lib.autograd.functional.hessian(lambda t: (t * 2).sum(), x, strict=True)
        zero = lib.autograd.functional.hessian(lambda t: (t * 2).sum(), x)
        assert float(abs(zero).sum()) == 0.0


def test_bad_arguments_raise_as_torch(torch):
    for lib in (tg, torch):
        x = lib.tensor(V)
        fns = lib.autograd.functional
        with pytest.raises(TypeError, match="(?i)tuple of Tensors"):
            fns.jacobian(scaled, [x])  # a list is not a tuple, as in PyTorch
        with pytest.raises(TypeError, match="(?i)tuple of Tensors"):
            fns.jacobian(lambda t: [t], x)
        with pytest.raises(RuntimeError, match="(?i)v"):
            fns.vjp(scaled, x)  # v needed: the output has three elements
        with pytest.raises(RuntimeError, match=r"(?i)(should be|shape).*3"):
            fns.vjp(scaled, x, lib.tensor(np.ones(4)))
        with pytest.raises(RuntimeError, match="(?i)single"):
            fns.vjp(scaled, x, (lib.tensor(V), lib.tensor(V)))
        with pytest.raises(RuntimeError, match="(?i)single element"):
            fns.hvp(scaled, x, lib.tensor(V))
        with pytest.raises(RuntimeError, match="(?i)strict"):
            fns.jacobian(scaled, x, strict=True, vectorize=True)
        with pytest.raises(NotImplementedError):
            fns.jacobian(scaled, x, strategy="forward-mode")


def test_vectorize_and_forward_mode_give_the_same_values(torch):
    x = tg.tensor(V)
    plain = F.jacobian(scaled, x).numpy()
    for kwargs in [{"vectorize": True}, {"vectorize": True, "strategy": "forward-mode"}]:
        np.testing.assert_array_equal(F.jacobian(scaled, x, **kwargs).numpy(), plain)
    np.testing.assert_array_equal(
        F.hessian(cubic, x, vectorize=True, outer_jacobian_strategy="forward-mode").numpy(),
        F.hessian(cubic, x).numpy())


def test_an_output_with_no_elements_has_an_empty_jacobian():
    J = F.jacobian(lambda t: t[:0] * 2, tg.tensor(V))
    assert J.shape == (0, 3)


def test_integer_inputs_are_refused_naming_the_function():
    with pytest.raises(TypeError, match="jacobian: only Tensors of floating point dtype"):
        F.jacobian(lambda t: t * 2, tg.tensor(np.array([1, 2], dtype=np.int64)))


def test_functional_is_reachable_as_torch_spells_it():
    import tinygraph.autograd.functional as functional

    assert tg.autograd.functional is functional
    assert functional.jacobian is F.jacobian
