"""LogNormal, StudentT, Cauchy, HalfNormal, HalfCauchy, Gumbel, Binomial, Geometric, Chi2,
RelaxedBernoulli and RelaxedOneHotCategorical against torch in float64: log_prob, cdf, icdf,
entropy and moments with their gradients in the parameters (rtol 1e-10), gradients through
rsample, expand, validation errors, the KL divergences torch registers for them; draws from
tinygraph's generator checked for shape, support and statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from twins import raises_as_torch

import tinygraph as tg

RNG = np.random.default_rng(11)
POS = RNG.random((3, 4)) * 3 + 0.3
POS_B = RNG.random((3, 4)) * 2 + 0.5
REAL = RNG.standard_normal((3, 4))
UNIT = RNG.random((3, 4)) * 0.9 + 0.05
COUNTS = RNG.integers(0, 5, (3, 4)).astype(np.float64)   # values of Binomial(6) and Geometric
SIMPLEX = RNG.dirichlet(np.ones(4), size=3)
PROBS = RNG.dirichlet(np.ones(4) * 2, size=3)
TEMPS = RNG.random(3) + 0.3

# name: (make(D, *leaves), parameter arrays, a value in the support, methods torch has)
BASIC = ("log_prob", "mean", "variance", "stddev")
FAMILIES = {
    "LogNormal": (lambda D, a, b: D.LogNormal(a, b), [REAL, POS], POS_B,
                  BASIC + ("mode", "entropy", "cdf", "icdf")),
    "StudentT": (lambda D, df, a, b: D.StudentT(df, a, b), [POS * 2, REAL, POS], REAL * 2,
                 BASIC + ("mode", "entropy")),
    "Cauchy": (lambda D, a, b: D.Cauchy(a, b), [REAL, POS], REAL * 3,
               ("log_prob", "mode", "entropy", "cdf", "icdf")),
    "HalfNormal": (lambda D, s: D.HalfNormal(s), [POS], POS_B,
                   BASIC + ("mode", "entropy", "cdf", "icdf")),
    "HalfCauchy": (lambda D, s: D.HalfCauchy(s), [POS], POS_B,
                   ("log_prob", "mode", "entropy", "cdf", "icdf")),
    "Gumbel": (lambda D, a, b: D.Gumbel(a, b), [REAL, POS], REAL * 2,
               BASIC + ("mode", "entropy", "cdf", "icdf")),
    "Binomial": (lambda D, p: D.Binomial(6, probs=p), [UNIT], COUNTS,
                 BASIC + ("mode", "entropy")),
    "BinomialLogits": (lambda D, lg: D.Binomial(D_tensor(D, np.full((3, 4), 6.0)), logits=lg),
                       [REAL], COUNTS, BASIC + ("mode", "entropy")),
    "Geometric": (lambda D, p: D.Geometric(p), [UNIT], COUNTS, BASIC + ("mode", "entropy")),
    "GeometricLogits": (lambda D, lg: D.Geometric(logits=lg), [REAL], COUNTS,
                        BASIC + ("entropy",)),
    "Chi2": (lambda D, df: D.Chi2(df), [POS], POS_B, BASIC + ("mode", "entropy")),
    "RelaxedBernoulli": (lambda D, t, p: D.RelaxedBernoulli(t, probs=p), [POS[:, :1], UNIT],
                         UNIT[::-1].copy(), ("log_prob",)),
    "RelaxedBernoulliLogits": (lambda D, t, lg: D.RelaxedBernoulli(t, logits=lg),
                               [POS[0, 0], REAL], UNIT, ("log_prob",)),
    "RelaxedOneHotCategorical": (lambda D, t, p: D.RelaxedOneHotCategorical(t, probs=p),
                                 [TEMPS[0], PROBS], SIMPLEX, ("log_prob",)),
}


def D_tensor(D, array):  # a constant tensor of the library whose distributions D are
    lib = tg if D is tg.distributions else __import__("torch")
    return lib.tensor(array, dtype=lib.float64)


def _run(lib, name, method, grad=True):
    make, arrays, value, _ = FAMILIES[name]
    leaves = [lib.tensor(a, dtype=lib.float64, requires_grad=grad) for a in arrays]
    d = make(lib.distributions, *leaves)
    if method in ("log_prob", "cdf"):
        out = getattr(d, method)(lib.tensor(value, dtype=lib.float64))
    elif method == "icdf":
        out = d.icdf(lib.tensor(UNIT, dtype=lib.float64))
    elif method == "entropy":
        out = d.entropy()
    else:
        out = getattr(d, method)
    if grad and out.requires_grad:
        out.sum().backward()
    grads = [None if leaf.grad is None else leaf.grad.numpy().copy() for leaf in leaves]
    return out.detach().numpy().copy(), grads


CASES = [(name, method) for name, spec in FAMILIES.items() for method in spec[3]]


@pytest.mark.parametrize("name,method", CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_values_and_parameter_gradients_are_torchs(torch, name, method):
    ours, our_grads = _run(tg, name, method)
    theirs, their_grads = _run(torch, name, method)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)
    for mine, want in zip(our_grads, their_grads):
        assert (mine is None) == (want is None)
        if mine is not None:
            np.testing.assert_allclose(mine, want, rtol=1e-9, atol=1e-12)


def test_chi2_and_gamma_cdf_are_torchs_and_refuse_the_shape_gradient(torch):
    for lib in (tg, torch):
        df = lib.tensor(POS, dtype=lib.float64, requires_grad=True)
        with pytest.raises(NotImplementedError):
            lib.distributions.Chi2(df).cdf(lib.tensor(POS_B)).sum().backward()
    ours, our_grads = _run(tg, "Chi2", "cdf", grad=False)
    theirs, _ = _run(torch, "Chi2", "cdf", grad=False)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)

    def gamma_cdf(lib):
        rate = lib.tensor(POS_B, dtype=lib.float64, requires_grad=True)
        x = lib.tensor(POS, dtype=lib.float64, requires_grad=True)
        out = lib.distributions.Gamma(lib.tensor(POS * 2), rate).cdf(x)
        out.sum().backward()
        return out.detach().numpy(), rate.grad.numpy(), x.grad.numpy()

    for mine, want in zip(gamma_cdf(tg), gamma_cdf(torch)):
        np.testing.assert_allclose(mine, want, rtol=1e-10)


RSAMPLED = ["LogNormal", "StudentT", "Cauchy", "HalfNormal", "HalfCauchy", "Gumbel",
            "RelaxedBernoulli", "RelaxedOneHotCategorical"]


@pytest.mark.parametrize("name", RSAMPLED)
def test_rsample_is_differentiable_with_the_shapes_torch_gives(torch, name):
    make, arrays, _, _ = FAMILIES[name]
    tg.manual_seed(0)
    leaves = [tg.tensor(a, requires_grad=name != "StudentT" or i > 0)
              for i, a in enumerate(arrays)]
    d = make(tg.distributions, *leaves)
    x = d.rsample((5,))
    theirs = make(torch.distributions, *[torch.tensor(a) for a in arrays])
    assert d.has_rsample and theirs.has_rsample
    assert tuple(x.shape) == tuple(theirs.rsample((5,)).shape)
    assert x.dtype == tg.float64
    d.log_prob(x).sum().backward()  # through the draw and the density
    for leaf in leaves:
        if leaf.requires_grad:
            assert leaf.grad is not None and np.isfinite(leaf.grad.numpy()).all()
    assert bool(d.support.check(x.detach()).all())


def test_rsample_gradient_is_the_reparameterization(torch):
    # d/dloc of loc + scale * eps is 1, d/dscale is eps = (x - loc) / scale
    tg.manual_seed(3)
    for make in (lambda a, b: tg.distributions.Cauchy(a, b),
                 lambda a, b: tg.distributions.Gumbel(a, b),
                 lambda a, b: tg.distributions.StudentT(tg.tensor(POS), a, b)):
        loc = tg.tensor(REAL, requires_grad=True)
        scale = tg.tensor(POS, requires_grad=True)
        x = make(loc, scale).rsample()
        x.sum().backward()
        np.testing.assert_allclose(loc.grad.numpy(), np.ones_like(REAL), rtol=1e-12)
        np.testing.assert_allclose(scale.grad.numpy(), (x.detach().numpy() - REAL) / POS,
                                   rtol=1e-9)
    loc = tg.tensor(REAL, requires_grad=True)
    x = tg.distributions.LogNormal(loc, tg.tensor(POS)).rsample()
    x.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), x.detach().numpy(), rtol=1e-12)


# (make on torch or tinygraph, statistic of the draws, its exact value, tolerance)
STATS = [
    (lambda D: D.LogNormal(0.3, 0.5), np.mean, math.exp(0.3 + 0.125), 0.02),
    (lambda D: D.StudentT(5.0, 1.0, 2.0), np.var, 4 * 5 / 3, 0.1),
    (lambda D: D.Cauchy(1.0, 2.0), np.median, 1.0, 0.05),
    (lambda D: D.HalfNormal(2.0), np.mean, 2 * math.sqrt(2 / math.pi), 0.02),
    (lambda D: D.HalfCauchy(2.0), np.median, 2.0, 0.05),
    (lambda D: D.Gumbel(1.0, 2.0), np.mean, 1 + 2 * 0.5772156649, 0.03),
    (lambda D: D.Binomial(10, probs=0.3), np.mean, 3.0, 0.02),
    (lambda D: D.Binomial(10, probs=0.3), np.var, 2.1, 0.05),
    (lambda D: D.Geometric(0.25), np.mean, 3.0, 0.03),
    (lambda D: D.Chi2(3.0), np.mean, 3.0, 0.03),
    (lambda D: D.RelaxedBernoulli(0.5, probs=0.3), lambda x: np.mean(x > 0.5), 0.3, 0.05),
]


@pytest.mark.parametrize("k", range(len(STATS)))
def test_draws_have_the_distributions_statistics(k):
    make, statistic, exact, tolerance = STATS[k]
    tg.manual_seed(k)
    d = make(tg.distributions)
    x = d.sample((40000,))
    assert tuple(x.shape) == (40000,)
    assert bool(d.support.check(x).all())
    assert abs(statistic(x.numpy()) - exact) <= tolerance * max(1.0, abs(exact))


def test_relaxed_one_hot_draws_follow_the_categorical_argmax():
    tg.manual_seed(5)
    probs = tg.tensor([0.1, 0.2, 0.7], dtype=tg.float64)
    d = tg.distributions.RelaxedOneHotCategorical(tg.tensor(0.1, dtype=tg.float64), probs=probs)
    x = d.sample((20000,))
    np.testing.assert_allclose(x.numpy().sum(-1), 1.0, rtol=1e-12)
    counts = np.bincount(x.numpy().argmax(-1), minlength=3) / 20000
    np.testing.assert_allclose(counts, probs.numpy(), atol=0.015)


def test_samples_follow_the_generator_seed_and_sample_shape(torch):
    for name in ["Binomial", "Geometric", "LogNormal", "Gumbel"]:
        make, arrays, _, _ = FAMILIES[name]
        d = make(tg.distributions, *[tg.tensor(a) for a in arrays])
        tg.manual_seed(1)
        first = d.sample((2, 3))
        tg.manual_seed(1)
        np.testing.assert_array_equal(first.numpy(), d.sample((2, 3)).numpy())
        assert tuple(first.shape) == (2, 3, 3, 4) and not first.requires_grad


@pytest.mark.parametrize("name", list(FAMILIES))
def test_expand_keeps_the_parameters_and_the_shapes_of_torch(torch, name):
    make, arrays, value, _ = FAMILIES[name]
    ours = make(tg.distributions, *[tg.tensor(a) for a in arrays])
    theirs = make(torch.distributions, *[torch.tensor(a) for a in arrays])
    shape = (2,) + tuple(theirs.batch_shape)
    ours_e, theirs_e = ours.expand(shape), theirs.expand(shape)
    assert type(ours_e).__name__ == type(theirs_e).__name__
    assert tuple(ours_e.batch_shape) == tuple(theirs_e.batch_shape)
    assert tuple(ours_e.event_shape) == tuple(theirs_e.event_shape)
    np.testing.assert_allclose(ours_e.log_prob(tg.tensor(value)).numpy(),
                               theirs_e.log_prob(torch.tensor(value)).numpy(), rtol=1e-10)
    assert repr(ours.arg_constraints) == repr(theirs.arg_constraints)
    assert repr(ours.support).replace("tg.", "torch.") == repr(theirs.support)


KLS = [
    ("LogNormal", "LogNormal"), ("Gumbel", "Gumbel"), ("Geometric", "Geometric"),
    ("Binomial", "Binomial"), ("HalfNormal", "HalfNormal"), ("Cauchy", "Cauchy"),
    ("Exponential", "Gumbel"), ("Gamma", "Gumbel"), ("Normal", "Gumbel"), ("Uniform", "Gumbel"),
    ("Gumbel", "Normal"), ("Gumbel", "Exponential"), ("Gumbel", "Uniform"),
    ("Gumbel", "Beta"), ("Gumbel", "Gamma"), ("Poisson", "Binomial"),
]
KL_MAKE = {
    "LogNormal": lambda D, a, b: D.LogNormal(a - 0.5, b),
    "Gumbel": lambda D, a, b: D.Gumbel(a, b),
    "Geometric": lambda D, a, b: D.Geometric(b / 4),
    "Binomial": lambda D, a, b: D.Binomial(5, probs=b / 4),
    "HalfNormal": lambda D, a, b: D.HalfNormal(b),
    "Cauchy": lambda D, a, b: D.Cauchy(a, b),
    "Exponential": lambda D, a, b: D.Exponential(b),
    "Gamma": lambda D, a, b: D.Gamma(b + 0.5, a.abs() + 0.5),
    "Normal": lambda D, a, b: D.Normal(a, b),
    "Uniform": lambda D, a, b: D.Uniform(a - b, a + b),
    "Beta": lambda D, a, b: D.Beta(b, a.abs() + 0.2),
    "Poisson": lambda D, a, b: D.Poisson(b),
}


@pytest.mark.parametrize("p,q", KLS, ids=[f"{p}-{q}" for p, q in KLS])
def test_kl_divergences_are_torchs(torch, p, q):
    def run(lib):
        leaves = [lib.tensor(a, dtype=lib.float64, requires_grad=True)
                  for a in (REAL, UNIT * 3 + 0.2, REAL[::-1].copy(), POS)]
        D = lib.distributions
        kl = D.kl_divergence(KL_MAKE[p](D, *leaves[:2]), KL_MAKE[q](D, *leaves[2:]))
        if kl.requires_grad:
            kl.sum().backward()
        return kl.detach().numpy(), [leaf.grad for leaf in leaves]

    (ours, our_grads), (theirs, their_grads) = run(tg), run(torch)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)
    for mine, want in zip(our_grads, their_grads):
        assert (mine is None) == (want is None)
        if mine is not None:
            np.testing.assert_allclose(mine.numpy(), want.numpy(), rtol=1e-9, atol=1e-12)


REFUSALS = [
    "torch.distributions.LogNormal(0.0, -1.0)",
    "torch.distributions.HalfNormal(torch.tensor([1.0, -1.0]))",
    "torch.distributions.HalfCauchy(0.0)",
    "torch.distributions.StudentT(torch.tensor([-1.0]))",
    "torch.distributions.Cauchy(0.0, 0.0)",
    "torch.distributions.Gumbel(float('nan'), 1.0)",
    "torch.distributions.Binomial(2.5, probs=torch.tensor(0.5))",
    "torch.distributions.Binomial(3, probs=torch.tensor(1.5))",
    "torch.distributions.Binomial(3, probs=torch.tensor(0.5), logits=torch.tensor(0.0))",
    "torch.distributions.Binomial(3)",
    "torch.distributions.Geometric(torch.tensor([0.0, 0.5]))",
    "torch.distributions.Chi2(torch.tensor([0.0]))",
    "torch.distributions.RelaxedBernoulli(torch.tensor(1.0), probs=torch.tensor(2.0))",
    "torch.distributions.RelaxedOneHotCategorical(torch.tensor(1.0), "
    "probs=torch.tensor([-0.5, 1.5]))",
    "torch.distributions.LogNormal(0.0, 1.0).log_prob(torch.tensor(-1.0))",
    "torch.distributions.HalfNormal(1.0).log_prob(torch.tensor([-1.0]))",
    "torch.distributions.Binomial(3, probs=torch.tensor(0.5)).log_prob(torch.tensor(4.0))",
    "torch.distributions.Geometric(torch.tensor(0.5)).log_prob(torch.tensor(0.5))",
    "torch.distributions.Binomial(torch.tensor([2.0, 3.0]), "
    "probs=torch.tensor(0.5)).entropy()",
    "torch.distributions.kl_divergence(torch.distributions.Binomial(2, probs=torch.tensor(0.5)),"
    " torch.distributions.Binomial(3, probs=torch.tensor(0.5)))",
    "torch.distributions.kl_divergence(torch.distributions.Gumbel(0.0, 1.0), "
    "torch.distributions.Cauchy(0.0, 1.0))",
    "torch.distributions.StudentT(torch.tensor(2.0)).cdf(torch.tensor(0.0))",
    "torch.distributions.Binomial(3, probs=torch.tensor(0.5)).rsample()",
]


@pytest.mark.parametrize("code", REFUSALS)
def test_refusals_have_torchs_error_types(torch, code):
    raises_as_torch(torch, code)


def test_validation_message_names_the_parameter_constraint_and_distribution():
    # as torch's: the base Normal refuses first
    with pytest.raises(ValueError, match=r"Expected parameter scale .* of distribution "
                       r"Normal\(.*\) to satisfy the constraint GreaterThan\(lower_bound=0.0\)"):
        tg.distributions.LogNormal(tg.tensor([0.0]), tg.tensor([-1.0]))
    with pytest.raises(ValueError, match="to satisfy the constraint GreaterThan"):
        tg.distributions.Geometric(tg.tensor([0.0]))


def test_binomial_enumerate_support_and_mode_are_torchs(torch):
    for lib in (tg, torch):
        d = lib.distributions.Binomial(3, probs=lib.tensor([0.2, 0.5, 0.9]))
        values = d.enumerate_support()
        assert tuple(values.shape) == (4, 3)
        assert tuple(d.enumerate_support(False).shape) == (4, 1)
    np.testing.assert_array_equal(
        tg.distributions.Binomial(4, probs=tg.tensor([0.1, 0.5, 1.0])).mode.numpy(),
        torch.distributions.Binomial(4, probs=torch.tensor([0.1, 0.5, 1.0])).mode.numpy())
    sure = tg.distributions.Geometric(tg.tensor([1.0]))
    assert sure.log_prob(tg.tensor([0.0])).item() == 0.0


# -- without torch: finite differences and closed forms ----------------------------------------

GRADCHECKED = [(name, method) for name, method in CASES
               if method in ("log_prob", "cdf", "icdf", "entropy") and name != "Chi2"]


@pytest.mark.parametrize("name,method", GRADCHECKED,
                         ids=[f"{n}-{m}" for n, m in GRADCHECKED])
def test_parameter_gradients_pass_gradcheck(name, method):
    make, arrays, value, _ = FAMILIES[name]
    leaves = [tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in arrays]

    def fn(*params):
        d = make(tg.distributions, *params)
        if method == "entropy":
            return d.entropy()
        return getattr(d, method)(tg.tensor(UNIT if method == "icdf" else value))

    assert tg.gradcheck(fn, leaves)


def test_closed_forms_without_torch():
    D = tg.distributions
    x = tg.tensor(POS_B)
    # LogNormal(mu, s) at x is Normal(mu, s) at log x, divided by x
    np.testing.assert_allclose(D.LogNormal(tg.tensor(REAL), tg.tensor(POS)).log_prob(x).numpy(),
                               (D.Normal(tg.tensor(REAL), tg.tensor(POS)).log_prob(x.log())
                                - x.log()).numpy(), rtol=1e-13)
    # Chi2(k) is Gamma(k / 2, 1 / 2); its cdf at x for k = 2 is 1 - exp(-x / 2)
    np.testing.assert_allclose(D.Chi2(tg.full((3, 4), 2.0, dtype=tg.float64)).cdf(x).numpy(),
                               -np.expm1(-POS_B / 2), rtol=1e-13)
    # StudentT(1) is Cauchy; HalfNormal is twice a Normal on the positive half
    np.testing.assert_allclose(D.StudentT(1.0, tg.tensor(REAL), tg.tensor(POS)).log_prob(x)
                               .numpy(), D.Cauchy(tg.tensor(REAL), tg.tensor(POS)).log_prob(x)
                               .numpy(), rtol=1e-12)
    np.testing.assert_allclose(D.HalfNormal(tg.tensor(POS)).log_prob(x).numpy(),
                               (D.Normal(0.0, tg.tensor(POS)).log_prob(x) + math.log(2)).numpy(),
                               rtol=1e-13)
    # Binomial(n, p) sums to 1 over 0..n; Geometric's pmf is (1 - p)^k p
    b = D.Binomial(5, probs=tg.tensor(UNIT))
    np.testing.assert_allclose(b.log_prob(b.enumerate_support()).exp().sum(0).numpy(), 1.0,
                               rtol=1e-13)
    np.testing.assert_allclose(D.Geometric(tg.tensor(UNIT)).log_prob(tg.tensor(COUNTS)).numpy(),
                               COUNTS * np.log1p(-UNIT) + np.log(UNIT), rtol=1e-13)
    # icdf inverts cdf
    for d in (D.Gumbel(tg.tensor(REAL), tg.tensor(POS)), D.Cauchy(tg.tensor(REAL), tg.tensor(POS)),
              D.HalfCauchy(tg.tensor(POS)), D.LogNormal(tg.tensor(REAL), tg.tensor(POS))):
        np.testing.assert_allclose(d.cdf(d.icdf(tg.tensor(UNIT))).numpy(), UNIT, rtol=1e-12)
    # KL(p || p) = 0
    for p in (D.Gumbel(tg.tensor(REAL), tg.tensor(POS)), D.Geometric(tg.tensor(UNIT)),
              D.Binomial(4, probs=tg.tensor(UNIT)), D.LogNormal(tg.tensor(REAL), tg.tensor(POS)),
              D.HalfNormal(tg.tensor(POS)), D.Cauchy(tg.tensor(REAL), tg.tensor(POS))):
        np.testing.assert_allclose(D.kl_divergence(p, p).numpy(), 0.0, atol=1e-12)


def test_torchs_module_paths_resolve(torch):
    import importlib

    for module, names in [("log_normal", ["LogNormal"]), ("gumbel", ["Gumbel"]),
                          ("chi2", ["Chi2"]), ("cauchy", ["Cauchy"]),
                          ("half_normal", ["HalfNormal"]), ("half_cauchy", ["HalfCauchy"]),
                          ("binomial", ["Binomial"]), ("geometric", ["Geometric"]),
                          ("studentT", ["StudentT"]),
                          ("relaxed_bernoulli", ["LogitRelaxedBernoulli", "RelaxedBernoulli"]),
                          ("relaxed_categorical", ["ExpRelaxedCategorical",
                                                   "RelaxedOneHotCategorical"]),
                          ("transformed_distribution", ["TransformedDistribution"]),
                          ("constraint_registry", ["biject_to", "transform_to"]),
                          ("transforms", ["ComposeTransform", "identity_transform"])]:
        ours = importlib.import_module(f"tinygraph.distributions.{module}")
        theirs = importlib.import_module(f"torch.distributions.{module}")
        for name in names:
            assert hasattr(ours, name) and hasattr(theirs, name), (module, name)


@pytest.mark.parametrize("name", ["LogNormal", "StudentT", "Gumbel", "Binomial", "Geometric",
                                  "HalfCauchy", "RelaxedOneHotCategorical"])
def test_second_derivatives_of_log_prob_are_torchs(torch, name):
    make, arrays, value, _ = FAMILIES[name]

    def run(lib):
        leaves = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
        out = make(lib.distributions, *leaves).log_prob(lib.tensor(value)).sum()
        grads = lib.autograd.grad(out, leaves, create_graph=True)
        second = lib.autograd.grad(sum((g * g).sum() for g in grads), leaves)
        return [g.detach().numpy() for g in second]

    for mine, want in zip(run(tg), run(torch)):
        np.testing.assert_allclose(mine, want, rtol=1e-9, atol=1e-12)
