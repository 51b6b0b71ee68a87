"""torch.func's transforms (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap,
stack_module_state): values and gradients against torch.func in float64, how they compose
(grad(grad), jacrev(jacrev), vmap(grad), ...), what reaches the outer graph, the per-sample
gradient and model-ensembling recipes run on both libraries, and torch's error types."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from twins import raises_as_torch, randomize

import tinygraph as tg

RNG = np.random.default_rng(7)
A = RNG.standard_normal(3)
B = RNG.standard_normal(3)
M = RNG.standard_normal((2, 3))
BATCH = RNG.standard_normal((4, 3))


def to_numpy(tree):
    """Results as NumPy (nested tuples/lists/dicts kept), whichever library made them."""
    if isinstance(tree, dict):
        return {k: to_numpy(v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(to_numpy(t) for t in tree)
    if hasattr(tree, "detach"):
        return tree.detach().numpy().copy()
    return tree


def assert_same(ours, theirs, where="result"):
    """Same nesting, shapes, dtypes and values (float64: rtol 1e-10)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), where
        for k in theirs:
            assert_same(ours[k], theirs[k], f"{where}[{k!r}]")
    elif isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), where
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same(o, t, f"{where}[{i}]")
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray), where
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, where
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, err_msg=where)
    else:
        assert ours == theirs, where


def parity(torch, program, *arrays):
    """``program(lib, *tensors)`` gives the same results on tinygraph and torch."""
    ours = to_numpy(program(tg, *[tg.tensor(a) for a in arrays]))
    theirs = to_numpy(program(torch, *[torch.tensor(a) for a in arrays]))
    assert_same(ours, theirs)
    return ours


def f_scalar(lib, x):
    return (lib.sin(x) * x.pow(3)).sum() + x.exp().prod()


def f_vector(lib, x):
    return lib.tanh(x) * x.sum() + x.pow(2)


# -- grad, grad_and_value -------------------------------------------------------------------

@pytest.mark.parametrize("argnums", [0, 1, -1, (0, 1), (1, 0)])
def test_grad_argnums(torch, argnums):
    def program(lib, a, b):
        def f(x, y):
            return (lib.sin(x) * y.exp()).sum() + (x * y).pow(2).sum()
        return lib.func.grad(f, argnums=argnums)(a, b)
    parity(torch, program, A, B)


def test_grad_of_pytree_arguments_and_aux(torch):
    def program(lib, a, b):
        def f(params, scale):
            out = (params["w"] * params["b"][0]).pow(2).sum() * scale.sum()
            return out, {"w2": params["w"] * 2, "n": out.detach()}
        g, aux = lib.func.grad(f, has_aux=True)({"w": a, "b": [b, a]}, b)
        value_grad = lib.func.grad_and_value(f, argnums=(0, 1), has_aux=True)(
            {"w": a, "b": [b, a]}, b)
        return g, aux, value_grad
    parity(torch, program, A, B)


def test_grad_and_value_plain(torch):
    parity(torch, lambda lib, a: lib.func.grad_and_value(lambda x: f_scalar(lib, x))(a), A)


def test_grad_of_unused_input_is_zero(torch):
    parity(torch, lambda lib, a, b: lib.func.grad(lambda x, y: x.sum(), argnums=(0, 1))(a, b),
           A, B)


# -- vjp, jvp ------------------------------------------------------------------------------

def test_vjp_several_outputs_called_twice(torch):
    def program(lib, a, b, m):
        def f(x, y):
            return {"p": lib.sin(x) * y, "q": (m @ (x * y)).exp()}
        out, fn = lib.func.vjp(f, a, b)
        cot = {"p": b * 2, "q": lib.ones(2, dtype=lib.float64)}
        return out, fn(cot), fn(cot)
    parity(torch, program, A, B, M)


def test_vjp_has_aux(torch):
    def program(lib, a):
        out, fn, aux = lib.func.vjp(lambda x: (x.exp(), x.sum()), a, has_aux=True)
        return out, fn(a), aux
    parity(torch, program, A)


@pytest.mark.parametrize("which", ["vector", "scalar", "several", "aux"])
def test_jvp(torch, which):
    def program(lib, a, b, m):
        if which == "vector":
            return lib.func.jvp(lambda x: f_vector(lib, x), (a,), (b,))
        if which == "scalar":
            return lib.func.jvp(lambda x: f_scalar(lib, x), (a,), (b,))
        if which == "several":
            return lib.func.jvp(lambda x, w: (m @ (x * w), lib.cos(w).sum()), (a, b), (b, a))
        return lib.func.jvp(lambda x: (x.pow(3), {"x": x * 2}), (a,), (b,), has_aux=True)
    parity(torch, program, A, B, M)


def test_jvp_of_output_that_ignores_inputs(torch):
    parity(torch, lambda lib, a, b: lib.func.jvp(lambda x: (x * 0).sum() + 1.0, (a,), (b,)),
           A, B)


# -- jacrev, jacfwd, hessian ---------------------------------------------------------------

@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_jacobians(torch, transform):
    def program(lib, a, b, m):
        jac = getattr(lib.func, transform)
        return (jac(lambda x: f_vector(lib, x))(a),
                jac(lambda x: f_scalar(lib, x))(a),
                jac(lambda x, w: (m @ (x * w), x.sum()), argnums=(0, 1))(a, b),
                jac(lambda d: {"o": d["a"] ** 2, "p": d["b"].sum()})({"a": a, "b": b}),
                jac(lambda x: (x.sin(), x.cos()), has_aux=True)(a),
                jac(lambda x: m * x.sum())(a))
    parity(torch, program, A, B, M)


def test_hessian(torch):
    def program(lib, a, b):
        return (lib.func.hessian(lambda x: f_scalar(lib, x))(a),
                lib.func.hessian(lambda x, w: (x.pow(2) * w.exp()).sum(), argnums=(0, 1))(a, b))
    parity(torch, program, A, B)


# -- composition ---------------------------------------------------------------------------

def test_transforms_compose(torch):
    def program(lib, a, b, batch):
        func = lib.func
        return {
            "grad_grad": func.grad(lambda x: func.grad(lambda y: f_scalar(lib, y))(x).sum())(a),
            "grad_grad_0d": func.grad(func.grad(lib.sin))(a[0]),
            "jacrev_jacrev": func.jacrev(func.jacrev(lambda x: f_vector(lib, x)))(a),
            "vmap_jacrev": func.vmap(func.jacrev(lambda x: f_vector(lib, x)))(batch),
            "vmap_grad": func.vmap(func.grad(lambda x: f_scalar(lib, x)))(batch),
            "grad_vmap": func.grad(lambda x: func.vmap(lambda r: (r * x).sum())(batch).pow(2)
                                   .sum())(a),
            "hvp": func.jvp(func.grad(lambda x: f_scalar(lib, x)), (a,), (b,))[1],
            "vmap_vjp": func.vmap(lambda r: func.vjp(lib.sin, r)[1](r)[0])(batch),
            "vmap_vmap": func.vmap(func.vmap(lambda s: s.exp() * 2))(batch),
        }
    parity(torch, program, A, B, BATCH)


def test_closed_over_parameter_gets_gradients(torch):
    """grad/vjp/jvp of a function using an outer tensor that requires grad: the result stays
    differentiable in it (and in inputs that require grad), as torch's."""
    def program(lib, a, b):
        w = b.clone().requires_grad_()
        x = a.clone().requires_grad_()

        def f(v):
            return (lib.sin(v) * w).sum() * v.pow(2).sum()
        g = lib.func.grad(f)(a)
        flags = [g.requires_grad]
        g.sum().backward()
        out, fn = lib.func.vjp(lambda v: v.exp() * w, x)
        (gv,) = fn(lib.ones(3, dtype=lib.float64))
        _, jv = lib.func.jvp(lambda v: v.exp() * w, (x,), (lib.ones(3, dtype=lib.float64),))
        flags += [out.requires_grad, gv.requires_grad, jv.requires_grad]
        (gv.sum() + jv.sum()).backward()
        return g, w.grad, x.grad, flags
    parity(torch, program, A, B)


def test_plain_inputs_give_plain_results(torch):
    def program(lib, a):
        g = lib.func.grad(lambda x: f_scalar(lib, x))(a)
        out, fn = lib.func.vjp(lib.exp, a)
        j = lib.func.jacrev(lib.exp)(a)
        with lib.no_grad():
            g_off = lib.func.grad(lambda x: f_scalar(lib, x))(a)
        return g, g_off, [t.requires_grad for t in (g, out, fn(a)[0], j, g_off)]
    parity(torch, program, A)


def test_input_requiring_grad_gives_second_derivatives(torch):
    def program(lib, a):
        x = a.clone().requires_grad_()
        g = lib.func.grad(lambda v: f_scalar(lib, v))(x)
        (g * lib.arange(3, dtype=lib.float64)).sum().backward()
        return g, x.grad
    parity(torch, program, A)


# -- vmap ----------------------------------------------------------------------------------

def test_vmap_in_dims_and_out_dims(torch):
    def program(lib, a, m, batch):
        vmap = lib.vmap
        return {
            "dot": vmap(lib.dot)(batch, batch),
            "none": vmap(lambda r, w: r * w, in_dims=(0, None))(batch, a),
            "dim1": vmap(lambda c: c.sum(), in_dims=1)(m),
            "neg": vmap(lambda c: c * 2, in_dims=-1, out_dims=-1)(m),
            "nested_in": vmap(lambda p: p[0] * p[1][0] + p[1][1], in_dims=((0, [None, 1]),))(
                (batch, [a, batch.t()])),
            "dict": vmap(lambda d: d["u"] + d["v"], in_dims=({"u": 0, "v": None},))(
                {"u": batch, "v": a}),
            "list": vmap(lambda ps: ps[0] - ps[1], in_dims=([0, 1],))([batch, batch.t()]),
            "outs": vmap(lambda r: (r.sum(), {"e": r.exp()}), out_dims=(0, {"e": 1}))(batch),
            "out_none": vmap(lambda r: (r * 2, a), out_dims=(0, None))(batch),
            "number": vmap(lambda r, k: r * k, in_dims=(0, None))(batch, 3.0),
            "kwargs": vmap(lambda r, scale=None: r * scale)(batch, scale=a),
            "nested": vmap(vmap(lambda s, t: s * t, in_dims=(0, None)), in_dims=(0, None))(
                batch, a[0]),
            "empty": tuple(vmap(lambda r: r.exp())(lib.zeros(0, 3, dtype=lib.float64)).shape),
            "chunk": vmap(lambda r: r.exp(), chunk_size=2)(batch),
        }
    ours = parity(torch, program, A, M, BATCH)
    assert ours["empty"] == (0, 3)


def test_vmap_gradients_flow_to_mapped_and_shared_inputs(torch):
    def program(lib, a, batch):
        x = batch.clone().requires_grad_()
        w = a.clone().requires_grad_()
        out = lib.vmap(lambda r: (lib.sin(r) * w).sum() * r.pow(2).sum())(x)
        (out * lib.arange(4, dtype=lib.float64)).sum().backward()
        return out, x.grad, w.grad
    parity(torch, program, A, BATCH)


def _randomness(lib):
    x = lib.ones(4, 3, dtype=lib.float64)
    with pytest.raises(RuntimeError, match="randomness"):
        lib.vmap(lambda r: r * lib.rand(3, dtype=lib.float64))(x)
    with pytest.raises(RuntimeError, match="randomness"):
        lib.vmap(lambda r: lib.nn.functional.dropout(r, 0.5))(x)
    assert lib.vmap(lambda r: lib.nn.functional.dropout(r, 0.5, training=False))(
        x).shape == (4, 3)
    same = lib.vmap(lambda r: r * lib.rand(3, dtype=lib.float64), randomness="same")(x)
    assert bool((same == same[0]).all())
    different = lib.vmap(lambda r: r * lib.randn_like(r), randomness="different")(x)
    assert not bool((different == different[0]).all())
    assert lib.rand(2).shape == (2,)  # the generator works again after the refusals


def test_vmap_randomness(torch):
    _randomness(torch)
    _randomness(tg)


# -- the recipes (torch.func tutorials), run on both libraries ------------------------------

def _net(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = lib.nn.Linear(4, 5)
            self.fc2 = lib.nn.Linear(5, 3)

        def forward(self, x):
            return self.fc2(lib.tanh(self.fc1(x)))
    return Net().double()


def _load(lib, model, rng):
    model.load_state_dict({k: lib.tensor(rng.standard_normal(tuple(v.shape)))
                           for k, v in model.state_dict().items()})
    return model


def per_sample_gradients(lib):
    rng = np.random.default_rng(3)
    model = _load(lib, _net(lib), rng)
    data = lib.tensor(rng.standard_normal((6, 4)))
    targets = lib.tensor(rng.integers(0, 3, 6))
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss(params, buffers, sample, target):
        batch, labels = sample.unsqueeze(0), target.unsqueeze(0)
        predictions = lib.func.functional_call(model, (params, buffers), (batch,))
        return lib.nn.functional.cross_entropy(predictions, labels)

    ft_compute_grad = lib.func.grad(compute_loss)
    ft_compute_sample_grad = lib.vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
    per_sample = ft_compute_sample_grad(params, buffers, data, targets)
    # the same, one sample at a time with ordinary autograd
    loop = []
    for i in range(6):
        model.zero_grad()
        lib.nn.functional.cross_entropy(model(data[i:i + 1]), targets[i:i + 1]).backward()
        loop.append({k: p.grad.detach().clone() for k, p in model.named_parameters()})
    return per_sample, {k: lib.stack([g[k] for g in loop]) for k in per_sample}


def test_per_sample_gradients_recipe(torch):
    ours, theirs = to_numpy(per_sample_gradients(tg)), to_numpy(per_sample_gradients(torch))
    assert_same(ours, theirs)
    assert_same(ours[0], ours[1])
    assert ours[0]["fc1.weight"].shape == (6, 5, 4)


def ensemble(lib):
    rng = np.random.default_rng(5)
    models = [_load(lib, _net(lib), rng)]
    models += [_load(lib, type(models[0])().double(), rng) for _ in range(2)]
    minibatch = lib.tensor(rng.standard_normal((6, 4)))
    params, buffers = lib.func.stack_module_state(models)
    base_model = copy.deepcopy(models[0])  # the tutorial moves it to 'meta': no such device here

    def fmodel(params, buffers, x):
        return lib.func.functional_call(base_model, (params, buffers), (x,))

    predictions = lib.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)
    same_minibatch = lib.vmap(fmodel)(params, buffers, minibatch.expand(3, 6, 4))
    predictions.pow(2).sum().backward()
    loop = lib.stack([m(minibatch) for m in models])
    return (predictions, same_minibatch, loop, params["fc1.weight"].grad,
            [params["fc1.bias"].is_leaf, params["fc1.bias"].requires_grad])


def test_model_ensembling_recipe(torch):
    ours, theirs = to_numpy(ensemble(tg)), to_numpy(ensemble(torch))
    assert_same(ours, theirs)
    assert_same(ours[0], ours[2])


def test_stack_module_state_checks(torch):
    for lib in (tg, torch):
        with pytest.raises(RuntimeError, match="at least one model"):
            lib.func.stack_module_state([])
        with pytest.raises(RuntimeError, match="same class"):
            lib.func.stack_module_state([lib.nn.Linear(2, 2), lib.nn.ReLU()])
        with pytest.raises(RuntimeError, match="training/eval"):
            lib.func.stack_module_state([lib.nn.Linear(2, 2), lib.nn.Linear(2, 2).eval()])
        _, buffers = lib.func.stack_module_state([lib.nn.BatchNorm1d(2), lib.nn.BatchNorm1d(2)])
        assert tuple(buffers["running_var"].shape) == (2, 2)


# -- errors --------------------------------------------------------------------------------

X = "x = torch.tensor([1., 2., 3.], dtype=torch.float64)\nf = torch.func\n"


@pytest.mark.parametrize("code", [
    "f.grad(lambda a: a ** 2)(x)",
    "f.grad(lambda a: a.sum(), argnums=1)(x)",
    "f.grad(lambda a: a.sum(), argnums=1.0)(x)",
    "f.grad(lambda a, b: a.sum(), argnums=(0, 0))(x, x)",
    "f.grad(lambda a, b: a.sum(), argnums=())(x, x)",
    "f.grad(lambda a: a.sum(), has_aux=True)(x)",
    "f.grad(lambda a: (a.sum(), 1), has_aux=True)(x)",
    "f.grad(lambda a: a.sum())(3.0)",
    "f.grad(lambda a: a.sum())(torch.tensor([1, 2]))",
    "f.grad(lambda a: 3)(x)",
    "f.vjp(lambda a: 3, x)",
    "f.vjp(lambda a: a, x)[1](torch.ones(2))",
    "f.vjp(lambda a: a, x)[1]((x,))",
    "f.vjp(lambda a: a, x, has_aux=True)",
    "f.jvp(lambda a: a, x, x)",
    "f.jvp(lambda a: a, (x,), (x, x))",
    "f.jvp(lambda a: a, (x,), (torch.ones(2),))",
    "f.jacrev(lambda a: a, argnums=5)(x)",
    "f.jacrev(lambda a: a, chunk_size=0)(x)",
    "f.vmap(lambda a: a, in_dims=1)(x)",
    "f.vmap(lambda a: a, in_dims=None)(x)",
    "f.vmap(lambda a: a, in_dims=(0, 0))(x)",
    "f.vmap(lambda a, n: a)(x, 3)",
    "f.vmap(lambda a: a, in_dims=(None,))(x)",
    "f.vmap(lambda a, b: a + b)(x, torch.ones(4))",
    "f.vmap(lambda a: 3)(x)",
    "f.vmap(lambda a: a, out_dims=None)(x)",
    "f.vmap(lambda a: a, out_dims=(0, 1))(x)",
    "f.vmap(lambda a: a, out_dims=2)(x)",
    "f.vmap(lambda a: a)()",
    "f.vmap(lambda a: a, chunk_size=0)(x)",
    "f.vmap(lambda a: a, randomness='sometimes')(x)",
    "f.vmap(lambda a: a)(torch.tensor(1.))",
    "f.vmap(lambda a: a['u'], in_dims=({'u': 0},))({'u': x, 'v': x})",
    "f.vmap(lambda a: a, in_dims=((0, None),))([x, x])",
])
def test_errors_as_torch(torch, code):
    raises_as_torch(torch, X + code)


def test_error_messages_say_what_to_do():
    x = tg.tensor([1.0, 2.0], dtype=tg.float64)
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor"):
        tg.func.grad(lambda a: a * 2)(x)
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype"):
        tg.func.grad(lambda a: a.sum())(tg.tensor([1, 2]))
    with pytest.raises(ValueError, match="use None as the respective in_dim"):
        tg.vmap(lambda a, n: a)(x, 3)
    with pytest.raises(NotImplementedError, match="functionalize is not implemented"):
        tg.func.functionalize  # noqa: B018 - the attribute access is the test


# -- without torch: against tinygraph's own autograd ---------------------------------------

def test_transforms_match_autograd_functional():
    x = tg.tensor(A)
    v = tg.tensor(B)
    jac = tg.autograd.functional.jacobian(lambda t: f_vector(tg, t), x)
    np.testing.assert_allclose(tg.func.jacrev(lambda t: f_vector(tg, t))(x).numpy(),
                               jac.numpy(), rtol=1e-12)
    np.testing.assert_allclose(tg.func.jvp(lambda t: f_vector(tg, t), (x,), (v,))[1].numpy(),
                               jac.numpy() @ B, rtol=1e-12)
    hess = tg.autograd.functional.hessian(lambda t: f_scalar(tg, t), x)
    np.testing.assert_allclose(tg.func.hessian(lambda t: f_scalar(tg, t))(x).numpy(),
                               hess.numpy(), rtol=1e-12)
    rows = tg.vmap(tg.func.grad(lambda t: f_scalar(tg, t)))(tg.tensor(BATCH)).numpy()
    for row, sample in zip(rows, BATCH):
        s = tg.tensor(sample, requires_grad=True)
        (g,) = tg.autograd.grad(f_scalar(tg, s), s)
        np.testing.assert_allclose(row, g.numpy(), rtol=1e-12)
    assert tg.vmap is tg.func.vmap


def test_linearize(torch):
    def program(lib, a, b, m):
        out, jvp_fn = lib.func.linearize(lambda x, w: (m @ (x.sin() * w), (x * w).sum()), a, b)
        w = b.clone().requires_grad_()
        out2, jvp_fn2 = lib.func.linearize(lambda x: x.exp() * w, a)
        jv2 = jvp_fn2(b)  # (torch's linearize traces w as a constant: w.grad stays None there)
        return out, jvp_fn(b, a), jvp_fn(a, a), jv2, [out2.requires_grad, jv2.requires_grad]
    parity(torch, program, A, B, M)
    raises_as_torch(torch, X + "out, fn = f.linearize(lambda a, b: a * b, x, x)\nfn(x)")
    raises_as_torch(torch, X + "out, fn = f.linearize(lambda a: a * 2, x)\n"
                                "fn(torch.ones(2, dtype=torch.float64))")


def test_replace_all_batch_norm_modules_then_vmap(torch):
    def program(lib, batch):
        rng = np.random.default_rng(0)
        model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4),
                                  lib.nn.ReLU()).double()
        randomize(lib, model, seed=2)
        same = lib.func.replace_all_batch_norm_modules_(model) is model
        bn = model[1]
        state = [same, bn.running_mean is None, bn.track_running_stats,
                 list(dict(model.named_buffers()))]
        x = lib.tensor(rng.standard_normal((3, 5, 3)))
        train = lib.vmap(model)(x)
        model.eval()
        return train, lib.vmap(model)(x), state
    parity(torch, program, BATCH)
