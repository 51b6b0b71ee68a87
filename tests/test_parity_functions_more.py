"""PyTorch functions and behaviours real programs use: ``broadcast_tensors`` and
``broadcast_shapes``, ``linalg.cholesky`` (and the deprecated ``cholesky``),
``linalg.solve_triangular``, ``triangular_solve``, ``cholesky_solve``, ``matrix_exp`` as a
function and a method, ``scatter_reduce`` with its five reductions, layers' forward arguments
under PyTorch's names, and ``copy.copy`` of tensors; and two programs that use them. Each is
checked against torch 2.13: values, dtypes, shapes, gradients (second ones where torch has
them) and error types."""

from __future__ import annotations

import copy
import inspect
import math

import numpy as np
import pytest
from twins import raises_as_torch, randomize, run_code, same_as_torch, same_run, weights

import tinygraph
import tinygraph as tg

RTOL = 1e-6


def _grads(lib, code: str, names: tuple[str, ...]):
    """Run ``code`` (which sets ``r``, a scalar) with ``torch`` bound to ``lib``; the first and
    second derivatives of ``r`` with respect to the named leaves, as NumPy arrays
    (None for a second derivative that is zero because the first does not depend on them)."""
    env = {"torch": lib, "np": np}
    exec(code, env)
    leaves = [env[n] for n in names]
    firsts = lib.autograd.grad(env["r"], leaves, create_graph=True)
    total = sum((g * g).sum() for g in firsts)
    seconds = [None] * len(leaves)
    if total.requires_grad:
        seconds = lib.autograd.grad(total, leaves, allow_unused=True)
    arrays = [np.asarray(g.detach().numpy()) for g in firsts]
    arrays += [None if g is None else np.asarray(g.numpy()) for g in seconds]
    return env["r"].item(), arrays


def same_grads_as_torch(torch, code: str, names: tuple[str, ...]) -> None:
    (want_r, want), (got_r, got) = _grads(torch, code, names), _grads(tg, code, names)
    np.testing.assert_allclose(got_r, want_r, rtol=RTOL, err_msg=code)
    for w, g in zip(want, got, strict=True):
        if w is None or g is None:
            assert w is None or not np.any(w), code
            assert g is None or not np.any(g), code
        else:
            np.testing.assert_allclose(g, w, rtol=RTOL, atol=1e-12, err_msg=code)


# -- broadcast_shapes, broadcast_tensors -----------------------------------------------------

@pytest.mark.parametrize("shapes", [((2, 1), (3,)), (2, (1,)), (), ((1, 4), (3, 1), (2, 1, 1)),
                                    ((0,), (1,)), ((5,),)])
def test_broadcast_shapes_as_torch(torch, shapes):
    got = tg.broadcast_shapes(*shapes)
    assert isinstance(got, tg.Size)
    assert tuple(got) == tuple(torch.broadcast_shapes(*shapes))


@pytest.mark.parametrize("code", [
    "torch.broadcast_shapes((2,), (3,))",
    "torch.broadcast_shapes((2, 3), (4, 3))",
    "torch.broadcast_shapes((-1,), (2,))",
    "torch.broadcast_tensors(torch.ones(2), torch.ones(3))",
])
def test_broadcast_errors_as_torch(torch, code):
    raises_as_torch(torch, code)


def test_broadcast_tensors_values_dtypes_and_gradients(torch):
    code = ("a = torch.tensor([[1.0], [2.0]], dtype=torch.float64, requires_grad=True)\n"
            "b = torch.tensor([3.0, 4.0, 5.0], dtype=torch.float64, requires_grad=True)\n"
            "x, y = torch.broadcast_tensors(a, b)\n"
            "r = (x * y * y).sum()")
    same_grads_as_torch(torch, code, ("a", "b"))
    for lib in (torch, tg):
        out = lib.broadcast_tensors(lib.ones(2, 1), lib.ones(3, dtype=lib.int64))
        assert isinstance(out, tuple) and [tuple(t.shape) for t in out] == [(2, 3), (2, 3)]
        assert [t.dtype for t in out] == [lib.float32, lib.int64]
        assert lib.broadcast_tensors() == ()
        assert len(lib.broadcast_tensors(lib.ones(2))) == 1
    same_as_torch(torch, "r = torch.broadcast_tensors(torch.arange(3.0), torch.ones(2, 1))[0]")
    same_as_torch(torch, "r = torch.arange(3.0).broadcast_to((2, 3))")


# -- linalg.cholesky, cholesky, solve_triangular ---------------------------------------------

SPD = ("m = torch.tensor(np.random.default_rng(0).normal(size=(2, 3, 3)), requires_grad=True)\n"
       "a = m @ m.mT + 3 * torch.eye(3, dtype=torch.float64)\n")


@pytest.mark.parametrize("call", ["torch.linalg.cholesky(a)",
                                  "torch.linalg.cholesky(a, upper=True)",
                                  "torch.cholesky(a)", "torch.cholesky(a, upper=True)",
                                  "a.cholesky()", "a.cholesky(upper=True)"])
def test_cholesky_values_and_two_derivatives_as_torch(torch, call):
    same_as_torch(torch, SPD + f"r = {call}")
    weights = "w = torch.tensor(np.random.default_rng(1).normal(size=(2, 3, 3)))\n"
    same_grads_as_torch(torch, SPD + weights + f"r = ({call} * w).sum()", ("m",))


def test_cholesky_reads_the_lower_triangle_and_gives_torch_gradient(torch):
    # an asymmetric input: only its lower triangle is read; the gradient is symmetric
    code = ("a = torch.tensor([[4.0, 5.0], [1.0, 3.0]], dtype=torch.float64, "
            "requires_grad=True)\n"
            "r = (torch.linalg.cholesky(a) * torch.tensor([[1.0, 0.0], [2.0, 3.0]], "
            "dtype=torch.float64)).sum()")
    same_grads_as_torch(torch, code, ("a",))
    same_as_torch(torch, "r = torch.linalg.cholesky(torch.tensor([[4.0, 5.0], [1.0, 3.0]]))")
    # upper=True reads the upper triangle
    same_as_torch(torch, "r = torch.linalg.cholesky(torch.tensor([[4.0, 1.0], [1.5, 3.0]]), "
                  "upper=True)")
    same_as_torch(torch, "r = torch.cholesky(torch.tensor([[4.0, 1.0], [1.5, 3.0]]), True)")


def test_check_graph_passes_cholesky_whose_gradient_is_for_symmetric_changes():
    # the finite differences move one element at a time; the forward reads one triangle
    for upper in (False, True):
        m = tg.tensor(np.random.default_rng(8).normal(size=(3, 3)), requires_grad=True)
        with tg.debug.record_inputs():
            out = (tg.linalg.cholesky(m @ m.mT + 3 * tg.eye(3, dtype=tg.float64),
                                      upper=upper) ** 2).sum()
        report = tg.check_graph(out, raise_exception=False)
        assert [row.status for row in report] == ["pass"] * len(report)


def test_cholesky_of_a_non_positive_definite_matrix_raises_linalg_error(torch):
    batch = "torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]])"
    for lib, error in ((torch, torch.linalg.LinAlgError), (tg, tg.linalg.LinAlgError)):
        with pytest.raises(error) as caught:
            run_code(lib, f"r = torch.linalg.cholesky({batch})")
        assert "(Batch element 1)" in str(caught.value)
        assert "leading minor of order 2 is not positive-definite" in str(caught.value)
        with pytest.raises(error, match="^cholesky: "):
            run_code(lib, "r = torch.cholesky(torch.tensor([[-1.0]]))")
    assert issubclass(tg.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize("code", ["torch.linalg.cholesky(torch.ones(2, 3))",
                                  "torch.linalg.cholesky(torch.ones(3))",
                                  "torch.linalg.cholesky(torch.eye(2, dtype=torch.long))"])
def test_cholesky_argument_errors_as_torch(torch, code):
    raises_as_torch(torch, code)


@pytest.mark.parametrize("kwargs", ["upper=True", "upper=False", "upper=False, left=False",
                                    "upper=True, unitriangular=True",
                                    "upper=False, left=False, unitriangular=True"])
def test_solve_triangular_as_torch(torch, kwargs):
    code = ("g = np.random.default_rng(2)\n"
            "a = torch.tensor(g.normal(size=(2, 3, 3)) + 3 * np.eye(3), requires_grad=True)\n"
            "b = torch.tensor(g.normal(size=(2, 3, 3)), requires_grad=True)\n"
            f"x = torch.linalg.solve_triangular(a, b, {kwargs})\n")
    same_as_torch(torch, code + "r = x")
    same_grads_as_torch(torch, code + "r = (x * x).sum()", ("a", "b"))


@pytest.mark.parametrize("kwargs", ["", "upper=False", "transpose=True",
                                    "upper=False, unitriangular=True"])
def test_deprecated_triangular_solve_as_torch(torch, kwargs):
    code = ("g = np.random.default_rng(6)\n"
            "a = torch.tensor(g.normal(size=(2, 3, 3)) + 3 * np.eye(3), requires_grad=True)\n"
            "b = torch.tensor(g.normal(size=(3, 2)), requires_grad=True)\n"
            f"x, c = torch.triangular_solve(b, a, {kwargs})\n")
    same_as_torch(torch, code + "r = x")
    same_as_torch(torch, code + "r = c")
    same_grads_as_torch(torch, code + "r = (x * x).sum() + (c * c).sum()", ("a", "b"))
    for lib in (torch, tg):
        out = run_code(lib, code + f"r = b.triangular_solve(a, {kwargs})")
        assert type(out).__name__ == "triangular_solve"
        assert tuple(out.solution.shape) == (2, 3, 2) and out.cloned_coefficient is not None


@pytest.mark.parametrize("call", ["torch.cholesky_solve(b, l)", "b.cholesky_solve(l)",
                                  "torch.cholesky_solve(b, l.mT, upper=True)"])
def test_cholesky_solve_as_torch(torch, call):
    # the factor as a leaf: torch's gradient for it is that of the full matrix (L L^T)
    code = (SPD + "l = torch.linalg.cholesky(a).detach().requires_grad_()\n"
            "b = torch.tensor(np.random.default_rng(7).normal(size=(3, 2)), "
            "requires_grad=True)\n"
            f"x = {call}\n")
    same_as_torch(torch, code + "r = x")
    same_grads_as_torch(torch, code + "r = (x * x).sum()", ("l", "b"))


@pytest.mark.parametrize("code", ["torch.cholesky_solve(torch.ones(3), torch.eye(3))",
                                  "torch.cholesky_solve(torch.ones(2, 1), torch.eye(3))"])
def test_cholesky_solve_errors_as_torch(torch, code):
    raises_as_torch(torch, code)


@pytest.mark.parametrize("code", [
    "torch.cholesky(torch.eye(2))", "torch.eye(2).cholesky(upper=True)",
    "torch.triangular_solve(torch.ones(2, 1), torch.eye(2))"])
def test_deprecated_forms_warn_as_torch(torch, code):
    # torch warns once per process (TORCH_WARN_ONCE), so only its message is compared here
    with pytest.warns(UserWarning, match="is deprecated in favor of torch.linalg"):
        run_code(tg, f"r = {code}")


def test_multivariate_normal_from_a_covariance_uses_cholesky_as_torch(torch):
    code = (SPD + "mvn = torch.distributions.MultivariateNormal(torch.zeros(3, "
            "dtype=torch.float64), covariance_matrix=a)\n"
            "r = mvn.log_prob(torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float64)).sum()")
    same_grads_as_torch(torch, code, ("m",))
    same_as_torch(torch, SPD + "r = torch.distributions.MultivariateNormal(torch.zeros(3, "
                  "dtype=torch.float64), precision_matrix=a).scale_tril")


# -- matrix_exp ------------------------------------------------------------------------------

@pytest.mark.parametrize("call", ["torch.matrix_exp(a)", "a.matrix_exp()",
                                  "torch.linalg.matrix_exp(a)"])
def test_matrix_exp_function_and_method_as_torch(torch, call):
    code = ("a = torch.tensor(np.random.default_rng(3).normal(size=(2, 3, 3)), "
            "requires_grad=True)\n")
    same_as_torch(torch, code + f"r = {call}")
    same_grads_as_torch(torch, code + f"r = ({call} ** 2).sum()", ("a",))
    assert tg.Tensor.matrix_exp is tg.matrix_exp


# -- scatter_reduce --------------------------------------------------------------------------

# repeated indices, a position no index names, and ties (src 2, 2 at the input's 2)
SCATTER = ("x = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64, requires_grad=True)\n"
           "src = torch.tensor([5.0, 2.0, 2.0, 7.0, 3.0, 1.0], dtype=torch.float64, "
           "requires_grad=True)\n"
           "index = torch.tensor([0, 1, 1, 2, 2, 2])\n"
           "w = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)\n")
REDUCE_CASES = [(r, s) for r in ("sum", "prod", "mean", "amax", "amin") for s in (True, False)]


@pytest.mark.parametrize(("reduce", "include_self"), REDUCE_CASES)
def test_scatter_reduce_values_and_gradients_as_torch(torch, reduce, include_self):
    call = f"x.scatter_reduce(0, index, src, {reduce!r}, include_self={include_self})"
    same_as_torch(torch, SCATTER + f"r = {call}")
    same_as_torch(torch, SCATTER + f"r = torch.scatter_reduce(x, 0, index, src, {reduce!r}, "
                  f"include_self={include_self})")
    same_grads_as_torch(torch, SCATTER + f"r = ({call} * w).sum()", ("x", "src"))


@pytest.mark.parametrize(("reduce", "include_self"), REDUCE_CASES)
def test_scatter_reduce_along_dim_1_with_a_smaller_index_as_torch(torch, reduce, include_self):
    code = ("x = torch.tensor(np.random.default_rng(4).normal(size=(2, 3)), requires_grad=True)\n"
            "src = torch.tensor(np.random.default_rng(5).normal(size=({})), "
            "requires_grad=True)\n"
            f"y = x.scatter_reduce(1, torch.tensor([[0, 0], [2, 0]]), src, {reduce!r}, "
            f"include_self={include_self})\n")
    same_as_torch(torch, code.format("3, 4") + "r = y")  # src larger than the index
    # (torch's backward refuses that src: gradients with one of the index's shape)
    same_grads_as_torch(torch, code.format("2, 2") + "r = (y * y).sum()", ("x", "src"))


def test_scatter_reduce_prod_with_zeros_has_torch_gradients(torch):
    code = ("x = torch.tensor([0.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)\n"
            "src = torch.tensor([0.5, 0.0, 2.0, 0.0], dtype=torch.float64, requires_grad=True)\n"
            "y = torch.scatter_reduce(x, 0, torch.tensor([0, 1, 1, 2]), src, 'prod')\n"
            "r = (y * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum()")
    same_grads_as_torch(torch, code, ("x", "src"))


@pytest.mark.parametrize("code", [
    "r = torch.tensor([1, 2, 3, 4]).scatter_reduce(0, torch.tensor([0, 1, 1, 2, 2, 2]), "
    "torch.tensor([5, 2, 2, 7, 3, 1]), 'mean')",
    "r = torch.tensor([-1, 2]).scatter_reduce(0, torch.tensor([0, 0]), torch.tensor([-4, 0]), "
    "'mean', include_self=False)",
    "r = torch.tensor([1, 5]).scatter_reduce(0, torch.tensor([0, 0]), torch.tensor([3, 4]), "
    "'amin', include_self=False)",
    "r = torch.tensor(2.0).scatter_reduce(0, torch.tensor([0, 0]), torch.tensor([3.0, 4.0]), "
    "'prod')",
    "r = torch.tensor([1.0, 2.0], dtype=torch.float32).scatter_reduce(0, torch.tensor([1]), "
    "torch.tensor([5.0]), 'amax')",
    "r = torch.tensor([1.0, 2.0]); r.scatter_reduce_(0, torch.tensor([0, 0]), "
    "torch.tensor([3.0, 4.0]), 'sum')",
    "r = torch.tensor([1.0, 2.0]).scatter_reduce_(0, torch.tensor([1, 1]), "
    "torch.tensor([3.0, 4.0]), 'mean', include_self=False)",
])
def test_scatter_reduce_dtypes_0d_and_in_place_as_torch(torch, code):
    same_as_torch(torch, code)


def test_scatter_reduce_in_place_is_recorded_as_torch(torch):
    code = ("x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)\n"
            "src = torch.tensor([4.0, 0.5, 6.0], dtype=torch.float64, requires_grad=True)\n"
            "y = x * 1\n"
            "y.scatter_reduce_(0, torch.tensor([0, 0, 2]), src, 'prod')\n"
            "r = (y * y).sum()")
    same_grads_as_torch(torch, code, ("x", "src"))


@pytest.mark.parametrize("code", [
    "torch.ones(2).scatter_reduce(0, torch.tensor([0]), torch.ones(1), 'max_')",
    "torch.ones(2).scatter_reduce(0, torch.tensor([0]), torch.ones(1, dtype=torch.float64), "
    "'sum')",
    "torch.ones(2).scatter_reduce(0, torch.tensor([5]), torch.ones(1), 'sum')",
    "torch.ones(2).scatter_reduce(0, torch.tensor([0.0]), torch.ones(1), 'sum')",
])
def test_scatter_reduce_errors_as_torch(torch, code):
    raises_as_torch(torch, code)


# -- layers' forward arguments ---------------------------------------------------------------

def _shared_layer_classes():
    import torch
    from torch.nn.modules.module import _forward_unimplemented

    return sorted(name for name in dir(torch.nn)
                  if isinstance(getattr(torch.nn, name), type)
                  and issubclass(getattr(torch.nn, name), torch.nn.Module)
                  and getattr(torch.nn, name).forward is not _forward_unimplemented
                  and isinstance(getattr(tg.nn, name, None), type))


def _layer_names():
    try:
        return _shared_layer_classes()
    except ImportError:  # torch absent: the torch fixture skips the one placeholder case
        return ["Linear"]


@pytest.mark.parametrize("name", _layer_names())
def test_forward_argument_names_are_torchs(torch, name):
    want = list(inspect.signature(getattr(torch.nn, name).forward).parameters)
    got = list(inspect.signature(getattr(tg.nn, name).forward).parameters)
    assert got == want


def test_layers_take_their_input_by_keyword_as_in_torch(torch):
    code = ("torch.manual_seed(0)\n"
            "lin = torch.nn.Linear(3, 2, dtype=torch.float64)\n"
            "with torch.no_grad():\n"
            "    lin.weight.copy_(torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]]))\n"
            "    lin.bias.copy_(torch.tensor([0.5, -0.5]))\n"
            "x = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)\n"
            "h = torch.nn.ReLU()(input=lin(input=x))\n"
            "bil = torch.nn.Bilinear(2, 2, 1, bias=False, dtype=torch.float64)\n"
            "with torch.no_grad():\n"
            "    bil.weight.fill_(0.25)\n"
            "r = bil(input1=h, input2=torch.nn.Dropout(0.0)(input=h))")
    same_as_torch(torch, code)


# -- copy.copy -------------------------------------------------------------------------------

def _copies(lib):
    t = lib.tensor([1.0, 2.0], requires_grad=True)
    t.grad = lib.ones(2)
    c = copy.copy(t)
    c.data[0] = 5.0  # shares the storage
    p = lib.nn.Parameter(lib.ones(2))
    p.tag = ["no_decay"]
    cp = copy.copy(p)

    class Sub(lib.Tensor):
        pass

    s = Sub([1.0, 2.0])
    s.info = {"unit": "m"}
    cs = copy.copy(s)
    n = copy.copy(t * 2)
    return [c is t, c.requires_grad, c.is_leaf, c.grad is None, t[0].item(),
            type(cp).__name__, cp is p, cp.requires_grad, cp.tag is p.tag,
            type(cs).__name__, cs.info is s.info, cs.tolist(),
            n.grad_fn is None, n.requires_grad]


def test_copy_copy_of_tensors_parameters_and_subclasses_as_torch(torch):
    assert _copies(tg) == _copies(torch)


# -- programs ---------------------------------------------------------------------------------

def graph_network(torch):
    """Node classification on a random graph: mean message passing with scatter_reduce
    (include_self=False), a per-graph amax readout, layers called with ``input=``, Adam."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(10)
    nodes = torch.tensor(rng.normal(size=(12, 5)))
    edges = torch.tensor(rng.integers(0, 12, size=(2, 30)))
    graph_of = torch.tensor([0] * 7 + [1] * 5)
    labels = torch.tensor(rng.integers(0, 3, size=12))

    class MeanConv(nn.Module):
        def __init__(self, features, out):
            super().__init__()
            self.message = nn.Linear(features, out)
            self.root = nn.Linear(features, out, bias=False)

        def forward(self, x, edge_index):
            source, target = edge_index
            m = self.message(input=x[source])
            slots = target.unsqueeze(-1).expand_as(m)
            total = torch.zeros(x.shape[0], m.shape[1], dtype=m.dtype)
            mean = total.scatter_reduce(0, slots, m, reduce="mean", include_self=False)
            return mean + self.root(input=x)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = MeanConv(5, 8), MeanConv(8, 8)
            self.norm = nn.LayerNorm(8)
            self.head = nn.Linear(8, 3)

        def forward(self, x, edge_index, graph_of):
            h = F.relu(self.conv1(x, edge_index))
            h = self.norm(input=self.conv2(h, edge_index))
            slots = graph_of.unsqueeze(-1).expand_as(h)
            pooled = torch.zeros(2, 8, dtype=h.dtype).scatter_reduce(0, slots, h, "amax",
                                                                     include_self=False)
            return self.head(input=h + pooled[graph_of])

    model = Net().double()
    randomize(torch, model, 12)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(8):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(nodes, edges, graph_of), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        out = model(nodes, edges, graph_of).numpy()
    return losses, out, weights(model)


def gaussian_process(torch):
    """GP regression with a learned rotation (matrix_exp of a skew matrix) of the inputs:
    the marginal likelihood through linalg.cholesky and cholesky_solve, checked against
    MultivariateNormal's log_prob; predictions through linalg.solve_triangular."""
    nn = torch.nn
    rng = np.random.default_rng(13)
    X = torch.tensor(rng.uniform(-2, 2, size=(16, 2)))
    y = torch.sin(X[:, 0]) * torch.cos(X[:, 1]) + 0.05 * torch.tensor(rng.normal(size=16))
    Xs = torch.tensor(rng.uniform(-2, 2, size=(5, 2)))

    class GP(nn.Module):
        def __init__(self):
            super().__init__()
            self.log_scales = nn.Parameter(torch.zeros(2, dtype=torch.float64))
            self.skew = nn.Parameter(torch.zeros(2, 2, dtype=torch.float64))
            self.log_var = nn.Parameter(torch.tensor(0.0, dtype=torch.float64))
            self.log_noise = nn.Parameter(torch.tensor(-2.0, dtype=torch.float64))

        def features(self, x):
            rotation = torch.matrix_exp(self.skew - self.skew.mT)
            return (x @ rotation) / self.log_scales.exp()

        def kernel(self, a, b):
            d = (self.features(a).unsqueeze(1) - self.features(b).unsqueeze(0)).pow(2).sum(-1)
            return self.log_var.exp() * torch.exp(-0.5 * d)

        def covariance(self, x):
            eye = torch.eye(x.shape[0], dtype=x.dtype)
            return self.kernel(x, x) + (self.log_noise.exp() + 1e-6) * eye

        def forward(self, x, targets):
            L = torch.linalg.cholesky(self.covariance(x))
            alpha = torch.cholesky_solve(targets.unsqueeze(-1), L)
            fit = 0.5 * (targets.unsqueeze(-1) * alpha).sum()
            return fit + L.diagonal().log().sum() + 0.5 * len(targets) * math.log(2 * math.pi)

        def predict(self, x, targets, new):
            L = torch.linalg.cholesky(self.covariance(x))
            cross = self.kernel(new, x)
            alpha = torch.cholesky_solve(targets.unsqueeze(-1), L)
            v = torch.linalg.solve_triangular(L, cross.mT, upper=False)
            return (cross @ alpha).squeeze(-1), self.log_var.exp() - (v * v).sum(0)

    model = GP()
    with torch.no_grad():
        model.skew.copy_(torch.tensor([[0.0, 0.3], [-0.1, 0.0]]))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(12):
        optimizer.zero_grad()
        nll = model(X, y)
        nll.backward()
        optimizer.step()
        losses.append(nll.item())
    with torch.no_grad():
        mvn = torch.distributions.MultivariateNormal(torch.zeros(16, dtype=torch.float64),
                                                     covariance_matrix=model.covariance(X))
        assert abs(mvn.log_prob(y).item() + model(X, y).item()) < 1e-9
        mean, var = model.predict(X, y, Xs)
    return losses, np.concatenate([mean.numpy(), var.numpy()]), weights(model)


@pytest.mark.parametrize("program", [graph_network, gaussian_process])
def test_program_gives_the_same_numbers_on_both(torch, program):
    ours = program(tinygraph)
    theirs = program(torch)
    # float64 throughout; the GP's predictive variance is 1 minus a sum near 1 (a 16x16 kernel
    # matrix conditioned to about 1e3): rounding differences of 1e-15 in the solves and in
    # matrix_exp (scaling and squaring against torch's Pade) grow to about 1e-7 relative there
    same_run(ours, theirs, rtol=RTOL, weights_rtol=RTOL, weights_atol=1e-12)
