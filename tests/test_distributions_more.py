"""The gamma-family special functions and the distributions built on them, against torch:
lgamma, digamma, polygamma, erfinv (values at poles and edges, gradients, second derivatives),
tg.special's gammaln/psi/multigammaln, Normal.icdf, and Gamma, Beta, Dirichlet, Poisson,
Exponential, Laplace with their KL divergences (values and gradients equal in float64;
draws from tinygraph's generator checked for shape, dtype, support and loose statistics)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from twins import distribution_run, randomize, same_distribution, weights

import tinygraph as tg

RNG = np.random.default_rng(7)
POS = RNG.random((3, 4)) * 3 + 0.2          # concentrations, rates, scales
POS2 = RNG.random(4) * 2 + 0.5
REAL = RNG.standard_normal((3, 4))
UNIT = RNG.random((3, 4)) * 0.9 + 0.05      # values in (0, 1)
EDGES = [0.0, -0.0, -1.0, -2.0, -2.5, 1.0, 2.0, 1e-300, 1e-8, 0.5, 10.0, 1e17, 1e300,
         math.inf, -math.inf, math.nan, 1.4616321449683623, -0.999999, 170.5]




# -- the special functions -------------------------------------------------------------------

@pytest.mark.parametrize("name", ["lgamma", "digamma", "polygamma1", "polygamma2",
                                  "polygamma3", "erfinv"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_special_values_at_poles_and_edges_are_torchs(torch, name, dtype):
    points = EDGES + [0.3, -0.3, 0.999, -1.5, 1.5, 3.0] if name != "erfinv" else [
        -1.0, 1.0, -0.0, 0.0, 0.5, -0.9, 0.999999, 1.5, -2.0, math.nan, math.inf, 1e-300]
    if dtype == "float32":  # torch computes in float32: compare away from poles and zeros
        points = [0.3, 0.7, 2.5, 7.0, 30.0, -0.4] if name != "erfinv" else [
            -1.0, 1.0, 0.0, 0.5, -0.9, 1.5, math.nan]

    def compute(lib):
        x = lib.tensor(points, dtype=getattr(lib, dtype))
        if name.startswith("polygamma"):
            return lib.polygamma(int(name[-1]), x)
        return getattr(lib, name)(x)

    ours, theirs = compute(tg), compute(torch)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6 if dtype == "float32"
                               else 1e-10, atol=0)


def test_special_functions_of_integer_tensors_are_float_as_torchs(torch):
    for name in ["lgamma", "digamma", "erfinv"]:
        ours = getattr(tg, name)(tg.tensor([1, 2, 3]) if name != "erfinv" else tg.tensor([0]))
        theirs = getattr(torch, name)(torch.tensor([1, 2, 3]) if name != "erfinv"
                                      else torch.tensor([0]))
        assert ours.dtype == tg.float32 and theirs.dtype == torch.float32
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.lgamma(x).sum(),
    lambda lib, x: x.digamma().sum(),
    lambda lib, x: lib.polygamma(2, x).sum(),
    lambda lib, x: x.polygamma(1).sum(),
    lambda lib, x: lib.special.gammaln(x).sum() + lib.special.psi(x).sum(),
    lambda lib, x: lib.special.multigammaln(x + 2, 3).sum(),
    lambda lib, x: lib.special.polygamma(3, x).sum(),
    lambda lib, x: lib.special.erfinv(x / 4).sum() + lib.erfinv(-x / 5).sum(),
], ids=["lgamma", "digamma", "polygamma", "polygamma_method", "gammaln_psi", "multigammaln",
        "special_polygamma", "erfinv"])
def test_special_functions_gradients_and_second_derivatives_are_torchs(torch, fn):
    def grads(lib):
        x = lib.tensor(POS, dtype=lib.float64, requires_grad=True)
        y = fn(lib, x)
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        return y.item(), g.detach().numpy(), h.numpy()

    for mine, want in zip(grads(tg), grads(torch)):
        np.testing.assert_allclose(mine, want, rtol=1e-9, atol=1e-12)


def test_in_place_special_functions_and_polygamma_arguments_as_torch(torch):
    for lib in (tg, torch):
        x = lib.tensor([0.5, 1.5, 2.5], dtype=lib.float64)
        a, b, c, d = x.clone(), x.clone(), x.clone(), x.clone() / 3
        a.lgamma_(), b.digamma_(), c.polygamma_(2), d.erfinv_()
        np.testing.assert_allclose(a.numpy(), lib.lgamma(x).numpy())
        np.testing.assert_allclose(b.numpy(), lib.digamma(x).numpy())
        np.testing.assert_allclose(c.numpy(), lib.polygamma(2, x).numpy())
        np.testing.assert_allclose(d.numpy(), lib.erfinv(x / 3).numpy())
        with pytest.raises(RuntimeError, match="negative n"):
            lib.polygamma(-1, x)
        assert lib.special.psi is lib.special.digamma or lib is torch
    with pytest.raises(TypeError, match="n must be an int"):
        tg.polygamma(1.5, tg.tensor([1.0]))


def test_mvlgamma_as_torch(torch):
    for lib in (tg, torch):
        x = lib.tensor([0.4, 3.0], dtype=lib.float64)
        want = [lib.special.multigammaln(x, 2), x.mvlgamma(2), lib.mvlgamma(x, p=1)]
        y = x.clone()
        y.mvlgamma_(3)
        want.append(y)
        ints = lib.mvlgamma(lib.tensor([2, 3]), 2)
        assert str(ints.dtype).endswith("float32")
        with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
            lib.mvlgamma(x, 0)
        with pytest.raises(TypeError, match="must be int"):
            x.mvlgamma(1.5)
        if lib is tg:
            ours = want + [ints]
    for mine, theirs in zip(ours, want + [ints]):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


# -- Normal.icdf -------------------------------------------------------------------------------

def test_normal_icdf_matches_torch_with_gradients(torch):
    same_distribution(torch, lambda lib, loc, scale: lib.distributions.Normal(loc, scale),
                lambda d, lib: d.icdf(lib.tensor(UNIT)), REAL, POS2)


# -- the distributions -------------------------------------------------------------------------

def _moments(d, lib):
    return d.mean * 1 + d.variance + d.stddev


DISTRIBUTIONS = {
    # name: (make, parameter arrays, a value inside the support)
    "gamma": (lambda lib, c, r: lib.distributions.Gamma(c, r), (POS, POS2), POS * 0.7 + 0.1),
    "exponential": (lambda lib, r: lib.distributions.Exponential(r), (POS,), POS2 * 0.5),
    "laplace": (lambda lib, loc, s: lib.distributions.Laplace(loc, s), (REAL, POS2), REAL[0]),
    "beta": (lambda lib, a, b: lib.distributions.Beta(a, b), (POS, POS2), UNIT),
    "dirichlet": (lambda lib, c: lib.distributions.Dirichlet(c), (POS,),
                  UNIT / UNIT.sum(-1, keepdims=True)),
    "poisson": (lambda lib, r: lib.distributions.Poisson(r), (POS,),
                np.floor(POS * 2)),
}
ENTROPY = ["gamma", "exponential", "laplace", "beta", "dirichlet"]


def _case(name, compute):
    make, arrays, _ = DISTRIBUTIONS[name]
    return make, compute, arrays


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_log_prob_matches_torch_with_gradients(torch, name):
    make, arrays, value = DISTRIBUTIONS[name]
    same_distribution(torch, make, lambda d, lib: d.log_prob(lib.tensor(value)), *arrays)


@pytest.mark.parametrize("name", ENTROPY)
def test_entropy_matches_torch_with_gradients(torch, name):
    make, arrays, _ = DISTRIBUTIONS[name]
    same_distribution(torch, make, lambda d, lib: d.entropy(), *arrays)


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_moments_and_mode_match_torch_with_gradients(torch, name):
    make, arrays, _ = DISTRIBUTIONS[name]
    same_distribution(torch, make, _moments, *arrays)
    modes = [make(lib, *[lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays])
             .mode for lib in (tg, torch)]
    np.testing.assert_allclose(modes[0].detach().numpy(), modes[1].detach().numpy(),
                               rtol=1e-6, atol=1e-12)
    assert modes[0].requires_grad == modes[1].requires_grad
    if modes[1].requires_grad:
        same_distribution(torch, make, lambda d, lib: d.mode * 1, *arrays)


@pytest.mark.parametrize("name", ["exponential", "laplace"])
def test_cdf_and_icdf_match_torch_with_gradients(torch, name):
    make, arrays, value = DISTRIBUTIONS[name]
    same_distribution(torch, make, lambda d, lib: d.cdf(lib.tensor(value))
                + d.icdf(lib.tensor(UNIT)), *arrays)


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_expand_and_shapes_are_torchs(torch, name):
    make, arrays, value = DISTRIBUTIONS[name]
    for lib in (tg, torch):
        d = make(lib, *[lib.tensor(a, dtype=lib.float64) for a in arrays])
        e = d.expand((2,) + tuple(d.batch_shape))
        assert tuple(e.batch_shape) == (2,) + tuple(d.batch_shape)
        assert tuple(e.event_shape) == tuple(d.event_shape)
        x = d.sample((5,))
        assert tuple(x.shape) == (5,) + tuple(d.batch_shape) + tuple(d.event_shape)
        assert str(x.dtype).endswith("float64")
        assert bool(d.support.check(x).all())
    same_distribution(torch, make, lambda d, lib: d.expand((2,) + tuple(d.batch_shape)).log_prob(
        lib.tensor(value)), *arrays)


def test_scalar_parameters_give_an_empty_batch_shape_as_torch(torch):
    for lib in (tg, torch):
        D = lib.distributions
        for d in [D.Gamma(2.0, 3.0), D.Exponential(1.5), D.Laplace(0.0, 1.0), D.Beta(2.0, 3.0),
                  D.Poisson(4.0)]:
            assert tuple(d.batch_shape) == () and str(d.mean.dtype).endswith("float32")
        beta = D.Beta(2.0, 3.0)
        assert tuple(beta.concentration1.shape) == ()
        with pytest.raises(ValueError, match="at least one-dimensional"):
            D.Dirichlet(lib.tensor(1.0))


def test_edges_of_the_support_and_degenerate_modes_are_torchs_without_warnings(torch):
    def compute(lib):
        D = lib.distributions
        c = lib.tensor([[0.5, 0.3, 0.9], [2.0, 0.5, 3.0]], dtype=lib.float64)
        return [D.Poisson(lib.tensor([0.0, 2.0])).log_prob(lib.tensor([0.0, 0.0])),
                D.Gamma(lib.tensor([1.0, 2.0]), lib.tensor([1.0, 1.0])).log_prob(
                    lib.tensor([0.0, 0.0])),
                D.Dirichlet(c).mode,
                D.Beta(lib.tensor([0.5, 2.0]), lib.tensor([0.7, 3.0])).mode,
                lib.xlogy(lib.tensor([0.0, 0.0]), lib.tensor([0.0, -1.0]))]

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch computes these silently
        ours = compute(tg)
    for mine, want in zip(ours, compute(torch)):
        np.testing.assert_allclose(mine.numpy(), want.numpy(), rtol=1e-6)


def test_sample_statistics_follow_the_distribution():
    tg.manual_seed(0)
    D = tg.distributions
    cases = [(D.Gamma(tg.tensor([0.5, 3.0]), tg.tensor([2.0, 1.0])), [0.25, 3.0]),
             (D.Exponential(tg.tensor([0.5, 4.0])), [2.0, 0.25]),
             (D.Laplace(tg.tensor([-1.0, 2.0]), tg.tensor([1.0, 0.5])), [-1.0, 2.0]),
             (D.Beta(tg.tensor([0.5, 3.0]), tg.tensor([0.5, 1.0])), [0.5, 0.75]),
             (D.Poisson(tg.tensor([0.5, 7.0])), [0.5, 7.0]),
             (D.Dirichlet(tg.tensor([1.0, 2.0, 5.0])), [0.125, 0.25, 0.625])]
    for d, mean in cases:
        x = d.sample((40000,))
        np.testing.assert_allclose(x.numpy().mean(0), mean, rtol=0.03, atol=0.01)
    counts = D.Poisson(tg.tensor(3.0)).sample((10,)).numpy()
    assert (counts == np.floor(counts)).all()


def test_rsample_is_differentiable_where_implemented_and_refuses_otherwise(torch):
    rate = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.distributions.Gamma(tg.tensor([2.0, 3.0]), rate).rsample((4,))
    x.sum().backward()  # x = g / rate: dx/drate = -x / rate
    np.testing.assert_allclose(rate.grad.numpy(), (-x.detach() / rate.detach()).sum(0).numpy(),
                               rtol=1e-6)
    for name in ["Exponential", "Laplace"]:
        params = [tg.tensor([1.0, 2.0], requires_grad=True) for _ in range(
            1 if name == "Exponential" else 2)]
        d = getattr(tg.distributions, name)(*params)
        d.rsample((3,)).sum().backward()
        assert all(p.grad is not None for p in params)
        assert d.has_rsample and getattr(torch.distributions, name).has_rsample
    concentration = tg.tensor([2.0, 3.0], requires_grad=True)
    for d in [tg.distributions.Gamma(concentration, 1.0),
              tg.distributions.Dirichlet(concentration),
              tg.distributions.Beta(concentration, tg.tensor([1.0, 1.0]))]:
        with pytest.raises(NotImplementedError, match="implicit reparameterization"):
            d.rsample()
        assert tuple(d.sample().shape) == tuple(d.batch_shape) + tuple(d.event_shape)
    cdf = tg.distributions.Gamma(1.0, 1.0).cdf(tg.tensor(1.0, dtype=tg.float64))
    np.testing.assert_allclose(cdf.item(), 1 - math.exp(-1.0), rtol=1e-15)  # Exp(1)


def test_validation_errors_are_torchs(torch):
    for lib in (tg, torch):
        D = lib.distributions
        with pytest.raises(ValueError, match="Expected parameter rate"):
            D.Gamma(lib.tensor([1.0]), lib.tensor([-1.0]))
        with pytest.raises(ValueError, match="Expected parameter concentration"):
            D.Dirichlet(lib.tensor([1.0, -1.0]))
        with pytest.raises(ValueError, match="IntegerGreaterThan"):
            D.Poisson(lib.tensor([1.0])).log_prob(lib.tensor([1.5]))
        with pytest.raises(ValueError, match="support"):
            D.Beta(lib.tensor([1.0]), lib.tensor([1.0])).log_prob(lib.tensor([1.5]))
        with pytest.raises(ValueError, match="GreaterThanEq"):
            D.Exponential(lib.tensor([1.0])).log_prob(lib.tensor([-0.5]))


# -- KL divergences ----------------------------------------------------------------------------

def _normal(lib, loc, scale):
    return lib.distributions.Normal(loc, scale)


def _uniform_unit(lib, low, width):
    return lib.distributions.Uniform(low * 0.3, low * 0.3 + width * 0.2)


def _uniform_real(lib, low, width):
    return lib.distributions.Uniform(low, low + width)


P_ARGS = {"gamma": (POS, POS2), "exponential": (POS,), "laplace": (REAL, POS2),
          "beta": (POS, POS2), "dirichlet": (POS,), "poisson": (POS,), "normal": (REAL, POS2),
          "uniform_unit": (UNIT, UNIT), "uniform_real": (REAL, POS2)}
MAKERS = {name: make for name, (make, _, _) in DISTRIBUTIONS.items()}
MAKERS.update(normal=_normal, uniform_unit=_uniform_unit, uniform_real=_uniform_real)
Q_ARGS = {"gamma": (POS2 + 0.3, POS[1] + 0.1), "exponential": (POS[0] + 0.5,),
          "laplace": (REAL[2], POS2 * 2), "beta": (POS2 * 1.5, POS[2] + 0.2),
          "dirichlet": (POS[::-1] + 0.1,), "poisson": (POS[::-1] + 0.3,),
          "normal": (REAL[1], POS2 + 0.7)}
KL_PAIRS = [("beta", "beta"), ("dirichlet", "dirichlet"), ("exponential", "exponential"),
            ("gamma", "gamma"), ("laplace", "laplace"), ("poisson", "poisson"),
            ("beta", "exponential"), ("beta", "gamma"), ("exponential", "gamma"),
            ("exponential", "normal"), ("gamma", "exponential"), ("gamma", "normal"),
            ("laplace", "normal"), ("uniform_unit", "beta"), ("uniform_unit", "exponential"),
            ("uniform_unit", "gamma"), ("uniform_real", "normal"), ("uniform_real", "gamma")]
INFINITE_PAIRS = [("exponential", "beta"), ("gamma", "beta"), ("laplace", "beta"),
                  ("normal", "beta"), ("exponential", "uniform_real"),
                  ("gamma", "uniform_real"), ("laplace", "uniform_real"),
                  ("normal", "uniform_real")]


@pytest.mark.parametrize("p_name, q_name", KL_PAIRS, ids=[f"{p}-{q}" for p, q in KL_PAIRS])
def test_kl_divergence_matches_torch_with_gradients(torch, p_name, q_name):
    p_args, q_args = P_ARGS[p_name], Q_ARGS[q_name]
    n = len(p_args)

    def make(lib, *leaves):
        return MAKERS[p_name](lib, *leaves[:n]), MAKERS[q_name](lib, *leaves[n:])

    def compute(pq, lib):
        return lib.distributions.kl_divergence(*pq)

    ours, our_grads = distribution_run(tg, make, compute, *p_args, *q_args)
    theirs, their_grads = distribution_run(torch, make, compute, *p_args, *q_args)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)
    for mine, want in zip(our_grads, their_grads):
        assert (mine is None) == (want is None)
        if mine is not None:
            np.testing.assert_allclose(mine, want, rtol=1e-6, atol=1e-12)


def test_kl_divergence_to_a_smaller_support_is_inf_as_torch(torch):
    for lib in (tg, torch):
        D = lib.distributions
        p = D.Uniform(lib.tensor([-0.5, 0.2]), lib.tensor([0.5, 0.4]))
        out = D.kl_divergence(p, D.Exponential(lib.tensor([1.0, 1.0]))).numpy()
        assert out[0] == math.inf and np.isfinite(out[1])
        out = D.kl_divergence(D.Normal(0.0, 1.0), D.Uniform(0.0, 1.0))
        assert out.item() == math.inf
        for p_name, q_name in INFINITE_PAIRS:
            p = MAKERS[p_name](lib, *[lib.tensor(a) for a in P_ARGS[p_name]])
            q = MAKERS[q_name](lib, *[lib.tensor(a) for a in P_ARGS.get(
                q_name, Q_ARGS.get(q_name))])
            out = D.kl_divergence(p, q)
            assert tuple(out.shape) == tuple(p.batch_shape) and (out.numpy() == math.inf).all()


# -- PyTorch programs, run on both ---------------------------------------------------------------

def _glm_program(torch):
    """A count-and-duration GLM: one net predicts a Poisson rate and a Gamma's shape and rate,
    trained by maximum likelihood with Adam."""
    nn = torch.nn
    F = nn.functional
    Gamma, Poisson = torch.distributions.Gamma, torch.distributions.Poisson

    rng = np.random.default_rng(3)
    X = torch.tensor(rng.standard_normal((64, 3)))
    counts = torch.tensor(rng.poisson(2.0, 64).astype(np.float64))
    waits = torch.tensor(rng.gamma(2.0, 0.5, 64))

    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(3, 8)
            self.out = nn.Linear(8, 3)

        def forward(self, x):
            h = torch.tanh(self.body(x))
            return F.softplus(self.out(h)) + 1e-3

    model = Head().double()
    randomize(torch, model, 11)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        params = model(X)
        rate, shape, inv_scale = params.unbind(-1)
        nll = -(Poisson(rate).log_prob(counts).mean()
                + Gamma(shape, inv_scale).log_prob(waits).mean())
        nll = nll + 0.01 * Gamma(shape, inv_scale).entropy().mean()
        nll.backward()
        opt.step()
        losses.append(nll.item())
    return losses, weights(model)


def _dirichlet_program(torch):
    """Compositional data: a net's exp output is a Dirichlet's concentration, fitted by
    likelihood with a KL pull toward the flat Dirichlet (a Dirichlet-VAE-style loss), and a
    Beta head on the first share; SGD with momentum."""
    nn = torch.nn
    D = torch.distributions

    rng = np.random.default_rng(5)
    X = torch.tensor(rng.standard_normal((32, 4)))
    shares = torch.tensor(rng.dirichlet([2.0, 1.0, 3.0], 32))
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 5)).double()
    randomize(torch, model, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(12):
        opt.zero_grad()
        out = model(X)
        alpha = out[:, :3].exp()
        posterior = D.Dirichlet(alpha)
        prior = D.Dirichlet(torch.ones_like(alpha))
        beta = D.Beta(out[:, 3].exp(), out[:, 4].exp())
        loss = (-posterior.log_prob(shares).mean()
                + 0.1 * D.kl_divergence(posterior, prior).mean()
                - beta.log_prob(shares[:, 0]).mean()
                + 0.05 * D.kl_divergence(beta, D.Beta(torch.tensor(2.0, dtype=torch.float64),
                                                      torch.tensor(5.0, dtype=torch.float64)))
                .mean())
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, weights(model)


def _student_t_program(torch):
    """A robust regression with a hand-written Student-t likelihood (lgamma, as such code
    writes it), a Laplace alternative, a Normal quantile (icdf) penalty and torch.special."""
    nn = torch.nn
    D = torch.distributions

    rng = np.random.default_rng(9)
    X = torch.tensor(rng.standard_normal((48, 2)))
    y = torch.tensor(rng.standard_t(3.0, 48) + X.numpy() @ np.array([1.5, -0.5]))
    model = nn.Linear(2, 1).double()
    randomize(torch, model, 4)
    log_nu = nn.Parameter(torch.tensor(0.5, dtype=torch.float64))
    log_sigma = nn.Parameter(torch.tensor(0.0, dtype=torch.float64))
    opt = torch.optim.Adam(list(model.parameters()) + [log_nu, log_sigma], lr=0.05)
    quantiles = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        nu, sigma = log_nu.exp(), log_sigma.exp()
        z = (y - model(X).squeeze(-1)) / sigma
        log_t = (torch.lgamma((nu + 1) / 2) - torch.special.gammaln(nu / 2)
                 - 0.5 * torch.log(nu * math.pi) - torch.log(sigma)
                 - (nu + 1) / 2 * torch.log1p(z * z / nu))
        laplace = D.Laplace(model(X).squeeze(-1), sigma).log_prob(y)
        spread = D.Normal(0.0, sigma).icdf(quantiles)
        loss = (-log_t.mean() - 0.1 * laplace.mean() + 0.01 * spread.pow(2).sum()
                + 0.001 * torch.special.digamma(nu) ** 2
                + 0.001 * torch.special.polygamma(1, nu))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, {**weights(model), "log_nu": log_nu.detach().numpy(),
                    "log_sigma": log_sigma.detach().numpy()}


@pytest.mark.parametrize("program", [_glm_program, _dirichlet_program, _student_t_program],
                         ids=["poisson_gamma_glm", "dirichlet_beta", "student_t"])
def test_program_gives_the_same_numbers_on_both(torch, program):
    ours, theirs = program(tg), program(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    assert list(ours[1]) == list(theirs[1])
    for name in ours[1]:
        np.testing.assert_allclose(ours[1][name], theirs[1][name], rtol=1e-6, atol=1e-12,
                                   err_msg=name)
