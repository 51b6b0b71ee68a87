"""torch.nn.utils.parametrize and torch.nn.utils.parametrizations (weight_norm, spectral_norm,
orthogonal) against PyTorch: the same code run on torch and on tinygraph passed in as torch,
with equal float64 values, gradients of the originals, state_dict keys and repr."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph


def arrays(tensors):
    return [np.array(t.detach().numpy(), dtype=np.float64) for t in tensors]


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-12)


def state(model):
    return {k: np.array(v.numpy() if hasattr(v, "numpy") else v) for k, v in
            model.state_dict().items()}


def load(torch, model, values):
    model.load_state_dict({k: torch.tensor(v) for k, v in values.items()})


def seeded_linear(torch, n_in, n_out, seed=0):
    rng = np.random.default_rng(seed)
    layer = torch.nn.Linear(n_in, n_out).double()
    load(torch, layer, {"weight": rng.standard_normal((n_out, n_in)),
                        "bias": rng.standard_normal(n_out)})
    return layer


def symmetric_program(torch):
    nn, P = torch.nn, torch.nn.utils.parametrize

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(0, 1)

        def right_inverse(self, A):
            return A.triu()

    class Scale(nn.Module):
        def forward(self, X):
            return 2.0 * X

        def right_inverse(self, X):
            return X / 2.0

    layer = seeded_linear(torch, 3, 3)
    before = P.is_parametrized(layer)
    P.register_parametrization(layer, "weight", Symmetric())
    P.register_parametrization(layer, "weight", Scale())
    x = torch.tensor(np.linspace(-1, 1, 6).reshape(2, 3))
    layer(x).pow(2).sum().backward()
    out = [layer.weight, layer(x), layer.parametrizations.weight.original.grad, layer.bias.grad]
    layer.weight = torch.tensor(np.diag([2.0, 4.0, 6.0]))  # through both right_inverses
    out.append(layer.parametrizations.weight.original)
    info = (before, P.is_parametrized(layer), P.is_parametrized(layer, "weight"),
            P.is_parametrized(layer, "bias"), type(layer).__name__,
            P.type_before_parametrizations(layer).__name__, list(layer.state_dict()),
            [name for name, _ in layer.named_parameters()], repr(layer))
    return arrays(out), info


def test_register_parametrization_chained_with_right_inverse_matches_torch(torch):
    (ours, our_info), (theirs, their_info) = symmetric_program(tinygraph), symmetric_program(
        torch)
    assert_same(ours, theirs)
    assert our_info == their_info
    assert our_info[-2] == ["bias", "parametrizations.weight.original"]


def remove_program(torch, leave):
    P = torch.nn.utils.parametrize

    class Square(torch.nn.Module):
        def forward(self, X):
            return X * X

    layer = seeded_linear(torch, 3, 2, seed=1)
    P.register_parametrization(layer, "weight", Square())
    original = layer.parametrizations.weight.original
    P.remove_parametrizations(layer, "weight", leave_parametrized=leave)
    assert layer.weight is original and isinstance(layer.weight, torch.nn.Parameter)
    return arrays([layer.weight]), (type(layer).__name__, list(layer.state_dict()),
                                    hasattr(layer, "parametrizations"), repr(layer))


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations_keeps_the_parameter_and_restores_the_class(torch, leave):
    ours, theirs = remove_program(tinygraph, leave), remove_program(torch, leave)
    assert_same(ours[0], theirs[0])
    assert ours[1] == theirs[1]


def test_cached_computes_the_parametrized_tensor_once(torch):
    def run(torch):
        P = torch.nn.utils.parametrize

        class Double(torch.nn.Module):
            def forward(self, X):
                return X + X

        layer = seeded_linear(torch, 2, 2, seed=2)
        P.register_parametrization(layer, "weight", Double())
        with P.cached():
            same = layer.weight is layer.weight
            x = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
            layer(layer(x)).sum().backward()
        return same, layer.weight is layer.weight, arrays(
            [layer.parametrizations.weight.original.grad])

    ours, theirs = run(tinygraph), run(torch)
    assert ours[:2] == theirs[:2] == (True, False)
    assert_same(ours[2], theirs[2])


def test_parametrize_errors_match_torch(torch):
    def run(torch):
        nn, P = torch.nn, torch.nn.utils.parametrize

        class Row(nn.Module):
            def forward(self, X):
                return X[0]

        class Pair(nn.Module):
            def forward(self, a, b):
                return a * b

            def right_inverse(self, X):
                return X, torch.ones_like(X)

        errors = []
        for action in (
                lambda: P.register_parametrization(nn.Linear(2, 2), "nope", Row()),
                lambda: P.register_parametrization(nn.Linear(2, 2), "weight", Row()),
                lambda: P.remove_parametrizations(nn.Linear(2, 2), "weight"),
                lambda: P.remove_parametrizations(
                    P.register_parametrization(nn.Linear(2, 2), "weight", Pair()), "weight",
                    leave_parametrized=False)):
            with pytest.raises(Exception) as info:
                action()
            errors.append(type(info.value))
        layer = P.register_parametrization(nn.Linear(2, 2), "weight", Row(), unsafe=True)
        return errors, tuple(layer.weight.shape), list(layer.state_dict())

    ours, theirs = run(tinygraph), run(torch)
    assert ours == theirs
    assert ours[0] == [ValueError] * 4


def weight_norm_program(torch, dim):
    nn = torch.nn
    rng = np.random.default_rng(3)
    conv = nn.Conv2d(2, 3, 2).double()
    load(torch, conv, {"weight": rng.standard_normal((3, 2, 2, 2)),
                       "bias": rng.standard_normal(3)})
    conv = nn.utils.parametrizations.weight_norm(conv, dim=dim)
    x = torch.tensor(rng.standard_normal((2, 2, 4, 4)))
    y = conv(x)
    (y * y).mean().backward()
    ps = conv.parametrizations.weight
    values = arrays([y, ps.original0, ps.original1, ps.original0.grad, ps.original1.grad])
    return values, (list(conv.state_dict()), repr(conv)), state(conv)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(torch, dim):
    (ours, our_info, our_state), (theirs, their_info, their_state) = (
        weight_norm_program(tinygraph, dim), weight_norm_program(torch, dim))
    assert_same(ours, theirs)
    assert our_info == their_info
    assert our_info[0] == ["bias", "parametrizations.weight.original0",
                           "parametrizations.weight.original1"]
    fresh = tinygraph.nn.utils.parametrizations.weight_norm(
        tinygraph.nn.Conv2d(2, 3, 2).double(), dim=dim)
    fresh.load_state_dict(their_state)  # torch's checkpoint loads as is
    assert_same(list(state(fresh).values()), list(our_state.values()))


def spectral_norm_program(torch, values=None, transposed=False):
    nn = torch.nn
    rng = np.random.default_rng(4)
    layer = (nn.ConvTranspose2d(3, 2, 2) if transposed else nn.Linear(4, 3)).double()
    load(torch, layer, {"weight": rng.standard_normal(tuple(layer.weight.shape)),
                        "bias": rng.standard_normal(tuple(layer.bias.shape))})
    layer = nn.utils.parametrizations.spectral_norm(layer)
    if values is not None:
        load(torch, layer, values)  # torch's random u and v
    x = torch.tensor(rng.standard_normal((2, 3, 3, 3) if transposed else (2, 4)))
    outs = [layer(x), layer(x)]  # one power iteration per training forward
    layer.eval()
    outs.append(layer(x))
    outs[-1].sum().backward()
    ps = layer.parametrizations.weight
    return arrays(outs + [ps.original.grad, ps[0]._u, ps[0]._v]), list(layer.state_dict()), \
        state(layer)


@pytest.mark.parametrize("transposed", [False, True])
def test_spectral_norm_matches_torch_with_its_u_and_v(torch, transposed):
    theirs, their_keys, their_state = spectral_norm_program(torch, transposed=transposed)
    start = spectral_norm_program(torch, transposed=transposed)[2]  # before any forward
    torch.manual_seed(0)
    ours, our_keys, _ = spectral_norm_program(tinygraph, start, transposed)
    torch.manual_seed(0)
    again, _, _ = spectral_norm_program(torch, start, transposed)
    assert_same(ours, again)
    assert our_keys == their_keys == ["bias", "parametrizations.weight.original",
                                      "parametrizations.weight.0._u",
                                      "parametrizations.weight.0._v"]


def orthogonal_program(torch, n_out, n_in, orthogonal_map, base=None):
    nn = torch.nn
    layer = seeded_linear(torch, n_in, n_out, seed=5)
    layer = nn.utils.parametrizations.orthogonal(layer, orthogonal_map=orthogonal_map)
    if base is not None:
        layer.parametrizations.weight[0].base = torch.tensor(base)
    ps = layer.parametrizations.weight
    noise = np.random.default_rng(6).standard_normal((n_out, n_in)) * 0.3
    np.fill_diagonal(noise, 0.0)  # householder reads the diagonal's signs (-1 here)
    with torch.no_grad():
        ps.original.add_(torch.tensor(noise))
    W = layer.weight
    x = torch.tensor(np.linspace(-1, 1, 2 * n_in).reshape(2, n_in))
    layer(x).pow(2).sum().backward()
    gram = W @ W.mT if n_out <= n_in else W.mT @ W
    return (arrays([W, gram, ps.original.grad, ps[0].base]), list(layer.state_dict()),
            repr(layer))


@pytest.mark.parametrize("shape,orthogonal_map", [((4, 4), None), ((4, 4), "cayley"),
                                                  ((5, 3), None), ((3, 5), None),
                                                  ((4, 4), "householder")])
def test_orthogonal_matches_torch(torch, shape, orthogonal_map):
    theirs, their_keys, their_repr = orthogonal_program(torch, *shape, orthogonal_map)
    base = theirs[3]  # random for a non-square matrix: use torch's
    ours, our_keys, our_repr = orthogonal_program(tinygraph, *shape, orthogonal_map, base)
    assert_same(ours, theirs)
    np.testing.assert_allclose(ours[1], np.eye(min(shape)), atol=1e-12)
    assert (our_keys, our_repr) == (their_keys, their_repr)


def test_orthogonal_without_trivialization_matches_torch(torch):
    def run(torch):
        layer = torch.nn.utils.parametrizations.orthogonal(
            seeded_linear(torch, 3, 5, seed=7), orthogonal_map="householder",
            use_trivialization=False)
        return arrays([layer.weight, layer.parametrizations.weight.original]), \
            list(layer.state_dict())

    ours, theirs = run(tinygraph), run(torch)
    assert_same(ours[0], theirs[0])
    assert ours[1] == theirs[1]


def test_matrix_exp_and_householder_product_match_torch(torch):
    rng = np.random.default_rng(8)
    for scale in (0.1, 1.0, 6.0):
        a = rng.standard_normal((2, 4, 4)) * scale
        ours, theirs = tinygraph.tensor(a, requires_grad=True), torch.tensor(
            a, requires_grad=True)
        g = rng.standard_normal(a.shape)
        (tinygraph.linalg.matrix_exp(ours) * tinygraph.tensor(g)).sum().backward()
        (torch.linalg.matrix_exp(theirs) * torch.tensor(g)).sum().backward()
        assert_same(arrays([tinygraph.linalg.matrix_exp(ours), ours.grad]),
                    arrays([torch.linalg.matrix_exp(theirs), theirs.grad]))
    a, tau = rng.standard_normal((5, 3)), rng.standard_normal(3)
    results = []
    for lib in (tinygraph, torch):
        A, t = lib.tensor(a, requires_grad=True), lib.tensor(tau, requires_grad=True)
        Q = lib.linalg.householder_product(A, t)
        Q.pow(3).sum().backward()
        results.append(arrays([Q, A.grad, t.grad]))
    assert_same(*results)


def test_assigning_a_parameter_over_a_parametrized_name_raises_key_error(torch):
    for lib in (tinygraph, torch):
        layer = lib.nn.utils.parametrize.register_parametrization(
            lib.nn.Linear(2, 2), "weight", lib.nn.Identity())
        with pytest.raises(KeyError, match="attribute 'weight' already exists"):
            layer.weight = lib.nn.Parameter(lib.zeros(2, 2))
        assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original"]


def test_weight_norm_loads_checkpoints_of_the_old_weight_norm(torch):
    def run(torch):
        with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
            old = torch.nn.utils.weight_norm(seeded_linear(torch, 3, 2, seed=9))
        new = torch.nn.utils.parametrizations.weight_norm(seeded_linear(torch, 3, 2, seed=10))
        checkpoint = old.state_dict()
        result = new.load_state_dict(checkpoint)
        return (list(checkpoint), repr(result)), arrays([new.weight, old.weight])

    ours, theirs = run(tinygraph), run(torch)
    assert ours[0] == theirs[0]
    assert ours[0][0] == ["bias", "weight_g", "weight_v"]
    assert_same(ours[1], theirs[1])


def test_load_state_dict_pre_hooks_see_a_copy_with_each_modules_prefix(torch):
    def run(torch):
        model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
        seen = []

        def rename(module, state_dict, prefix, local_metadata, strict, missing, unexpected,
                   errors):
            seen.append((type(module).__name__, prefix, strict))
            if prefix + "w" in state_dict:
                state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")

        handle = model[1].register_load_state_dict_pre_hook(rename)
        source = {k: v for k, v in model.state_dict().items()}
        source["1.w"] = source.pop("1.weight")
        result = model.load_state_dict(source)
        handle.remove()
        with pytest.raises(RuntimeError):
            model.load_state_dict(source)
        return seen, repr(result), sorted(source)

    assert run(tinygraph) == run(torch)


def test_parametrized_rnn_kernel_buffer_and_1d_weight_match_torch(torch):
    def run(torch):
        nn, P = torch.nn, torch.nn.utils.parametrize
        rng = np.random.default_rng(11)
        rnn = nn.RNN(3, 4).double()
        load(torch, rnn, {k: rng.standard_normal(tuple(v.shape))
                          for k, v in rnn.state_dict().items()})
        nn.utils.parametrizations.orthogonal(rnn, "weight_hh_l0")
        x = torch.tensor(rng.standard_normal((5, 2, 3)))
        with P.cached():
            out, _ = rnn(x)
        out.sum().backward()

        class PlusOne(nn.Module):
            def forward(self, X):
                return X + 1

        bn = P.register_parametrization(nn.BatchNorm1d(3).double(), "running_mean", PlusOne())
        norm = nn.utils.parametrizations.spectral_norm(nn.LayerNorm(3).double())
        values = arrays([out, rnn.parametrizations.weight_hh_l0.original.grad,
                         bn.running_mean, norm.weight])
        keys = [list(m.state_dict()) for m in (rnn, bn, norm)]
        return values, keys, [n for n, _ in bn.named_buffers()]

    ours, theirs = run(tinygraph), run(torch)
    assert_same(ours[0], theirs[0])
    assert ours[1:] == theirs[1:]


def test_matrix_exp_and_householder_product_second_derivatives():
    rng = np.random.default_rng(12)
    a = tinygraph.tensor(rng.standard_normal((3, 3)), requires_grad=True)
    assert tinygraph.gradgradcheck(tinygraph.linalg.matrix_exp, (a,))
    v = tinygraph.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    tau = tinygraph.tensor(rng.standard_normal(2), requires_grad=True)
    assert tinygraph.gradgradcheck(tinygraph.linalg.householder_product, (v, tau))
