"""tinygraph.distributions against torch.distributions: log_prob, entropy, moments and KL
divergences and their gradients equal in float64; sample shapes and dtypes as torch's, sample
statistics loosely (draws come from tinygraph's generator, seeded); validation errors with
torch's messages."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from twins import same_distribution

import tinygraph as tg

RNG = np.random.default_rng(0)
LOC = RNG.standard_normal((3, 4))
SCALE = RNG.random(4) + 0.5
LOGITS = RNG.standard_normal((2, 3, 5))
PROBS = RNG.random((2, 5)) + 0.1




def normal(lib, loc, scale):
    return lib.distributions.Normal(loc, scale)


VALUE = RNG.standard_normal((2, 3, 4))


@pytest.mark.parametrize("compute", [
    lambda d, lib: d.log_prob(lib.tensor(VALUE)),
    lambda d, lib: d.entropy(),
    lambda d, lib: d.cdf(lib.tensor(VALUE)),
    lambda d, lib: d.mean * 1 + d.mode + d.variance + d.stddev,
    lambda d, lib: d.perplexity(),
    lambda d, lib: d.expand((5, 3, 4)).log_prob(lib.tensor(VALUE[0])),
], ids=["log_prob", "entropy", "cdf", "moments", "perplexity", "expand"])
def test_normal_matches_torch_with_gradients(torch, compute):
    same_distribution(torch, normal, compute, LOC, SCALE)


def test_normal_of_numbers_has_an_empty_batch_shape_and_the_default_dtype(torch):
    for lib in (tg, torch):
        d = lib.distributions.Normal(0.5, 2.0)
        assert tuple(d.batch_shape) == () and d.loc.dtype == lib.float32
        assert tuple(d.sample((4, 2)).shape) == (4, 2)
        mixed = lib.distributions.Normal(lib.zeros(3, dtype=lib.float64), 1.0)
        assert mixed.scale.dtype == lib.float64 and tuple(mixed.scale.shape) == (3,)


def test_normal_rsample_is_differentiable_and_sample_is_not(torch):
    loc = tg.tensor(LOC, requires_grad=True)
    scale = tg.tensor(SCALE, requires_grad=True)
    d = tg.distributions.Normal(loc, scale)
    tg.manual_seed(3)
    x = d.rsample((2,))
    assert tuple(x.shape) == (2, 3, 4) and x.dtype == tg.float64 and x.requires_grad
    x.sum().backward()
    eps = (x.detach().numpy() - LOC) / SCALE
    np.testing.assert_allclose(loc.grad.numpy(), np.full(LOC.shape, 2.0))
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(axis=(0, 1)), rtol=1e-12)
    tg.manual_seed(3)
    again = d.sample((2,))
    assert not again.requires_grad
    np.testing.assert_array_equal(again.numpy(), x.detach().numpy())  # same seed, same draw
    big = tg.distributions.Normal(tg.tensor(1.5, dtype=tg.float64), 2.0).sample((20000,))
    assert abs(big.mean().item() - 1.5) < 0.05 and abs(big.std().item() - 2.0) < 0.05
    assert torch.distributions.Normal.has_rsample and tg.distributions.Normal.has_rsample


def categorical(lib, logits):
    return lib.distributions.Categorical(logits=logits)


def categorical_probs(lib, probs):
    return lib.distributions.Categorical(probs=probs)


ACTIONS = RNG.integers(0, 5, (4, 2, 3))


@pytest.mark.parametrize("make,array", [(categorical, LOGITS), (categorical_probs, PROBS)],
                         ids=["logits", "probs"])
@pytest.mark.parametrize("compute", [
    lambda d, lib: d.log_prob(lib.tensor(ACTIONS[..., : d.batch_shape[-1]])),
    lambda d, lib: d.entropy(),
    lambda d, lib: d.probs * 1 + d.logits,
    lambda d, lib: d.expand((4,) + tuple(d.batch_shape)).entropy(),
], ids=["log_prob", "entropy", "probs_logits", "expand"])
def test_categorical_matches_torch_with_gradients(torch, make, array, compute):
    same_distribution(torch, make, compute, array)


def test_categorical_shapes_and_statistics_as_torch(torch):
    for lib in (tg, torch):
        d = lib.distributions.Categorical(logits=lib.tensor(LOGITS))
        assert tuple(d.batch_shape) == (2, 3) and tuple(d.event_shape) == ()
        assert d.sample().dtype == lib.int64
        for shape in [(), (7,), (2, 4)]:
            assert tuple(d.sample(shape).shape) == shape + (2, 3)
        assert tuple(d.enumerate_support().shape) == (5, 2, 3)
        assert tuple(d.enumerate_support(expand=False).shape) == (5, 1, 1)
        assert tuple(d.mode.shape) == (2, 3) and np.isnan(d.mean.numpy()).all()
        assert tuple(d.param_shape) == (2, 3, 5)
        one = lib.distributions.Categorical(probs=lib.tensor([0.2, 0.3, 0.5]))
        assert tuple(one.sample().shape) == () and tuple(one.batch_shape) == ()
    draws = tg.distributions.Categorical(probs=tg.tensor([0.2, 0.3, 0.5])).sample((20000,))
    freq = np.bincount(draws.numpy(), minlength=3) / 20000
    np.testing.assert_allclose(freq, [0.2, 0.3, 0.5], atol=0.02)


def bernoulli_logits(lib, logits):
    return lib.distributions.Bernoulli(logits=logits)


def bernoulli_probs(lib, probs):
    return lib.distributions.Bernoulli(probs=probs)


BITS = RNG.integers(0, 2, (3, 4)).astype(np.float64)


@pytest.mark.parametrize("make,array", [(bernoulli_logits, LOC), (bernoulli_probs,
                                                                   RNG.random((3, 4)))],
                         ids=["logits", "probs"])
@pytest.mark.parametrize("compute", [
    lambda d, lib: d.log_prob(lib.tensor(BITS)),
    lambda d, lib: d.entropy(),
    lambda d, lib: d.mean * 1 + d.variance + d.stddev + d.logits + d.probs,
    lambda d, lib: d.expand((2, 3, 4)).log_prob(lib.tensor(BITS)),
], ids=["log_prob", "entropy", "moments", "expand"])
def test_bernoulli_matches_torch_with_gradients(torch, make, array, compute):
    same_distribution(torch, make, compute, array)


def test_bernoulli_samples_and_mode_as_torch(torch):
    probs = np.array([0.1, 0.5, 0.9])
    for lib in (tg, torch):
        d = lib.distributions.Bernoulli(probs=lib.tensor(probs))
        x = d.sample((4,))
        assert tuple(x.shape) == (4, 3) and x.dtype == lib.float64
        np.testing.assert_array_equal(d.mode.numpy(), [0.0, np.nan, 1.0])
        assert tuple(d.enumerate_support().shape) == (2, 3)
        scalar = lib.distributions.Bernoulli(0.3)
        assert tuple(scalar.batch_shape) == () and scalar.probs.dtype == lib.float32
    draws = tg.distributions.Bernoulli(probs=tg.tensor(probs)).sample((20000,))
    np.testing.assert_allclose(draws.numpy().mean(0), probs, atol=0.02)


def uniform(lib, low, high):
    return lib.distributions.Uniform(low, high)


LOW, HIGH = RNG.standard_normal(4) - 2, RNG.random((3, 4)) + 1
INSIDE = LOW + (HIGH - LOW) * RNG.random((3, 4))


@pytest.mark.parametrize("compute", [
    lambda d, lib: d.log_prob(lib.tensor(INSIDE)),
    lambda d, lib: d.entropy(),
    lambda d, lib: d.cdf(lib.tensor(INSIDE)) + d.icdf(lib.tensor(np.full((3, 4), 0.3))),
    lambda d, lib: d.mean * 1 + d.variance + d.stddev,
], ids=["log_prob", "entropy", "cdf_icdf", "moments"])
def test_uniform_matches_torch_with_gradients(torch, compute):
    same_distribution(torch, uniform, compute, LOW, HIGH)


def test_uniform_log_prob_outside_is_minus_inf_and_rsample_stays_inside(torch):
    for lib in (tg, torch):
        d = lib.distributions.Uniform(lib.tensor([0.0, 0.0]), lib.tensor([1.0, 2.0]),
                                      validate_args=False)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # -inf outside the support, without a warning
            out = d.log_prob(lib.tensor([1.5, 1.5])).numpy()
        assert out[0] == -np.inf and out[1] == pytest.approx(-math.log(2.0))
    low = tg.tensor([0.0, -1.0], requires_grad=True)
    high = tg.tensor([1.0, 3.0], requires_grad=True)
    x = tg.distributions.Uniform(low, high).rsample((5000,))
    assert tuple(x.shape) == (5000, 2) and x.dtype == tg.float32
    assert (x.numpy() >= [0.0, -1.0]).all() and (x.numpy() < [1.0, 3.0]).all()
    x.sum().backward()
    np.testing.assert_allclose(low.grad.numpy() + high.grad.numpy(), [5000.0, 5000.0],
                               rtol=1e-5)


def independent(lib, loc, scale):
    return lib.distributions.Independent(lib.distributions.Normal(loc, scale), 1)


@pytest.mark.parametrize("compute", [
    lambda d, lib: d.log_prob(lib.tensor(VALUE)),
    lambda d, lib: d.entropy(),
    lambda d, lib: d.expand((2, 3)).entropy(),
], ids=["log_prob", "entropy", "expand"])
def test_independent_matches_torch_with_gradients(torch, compute):
    same_distribution(torch, independent, compute, LOC, SCALE)


def test_independent_shapes_as_torch(torch):
    for lib in (tg, torch):
        base = lib.distributions.Normal(lib.zeros(2, 3, 4), lib.ones(2, 3, 4))
        d = lib.distributions.Independent(base, 2)
        assert tuple(d.batch_shape) == (2,) and tuple(d.event_shape) == (3, 4)
        assert tuple(d.sample((5,)).shape) == (5, 2, 3, 4) and d.has_rsample
        with pytest.raises(ValueError, match="reinterpreted_batch_ndims <= "):
            lib.distributions.Independent(base, 4)


MVN_VALUE = RNG.standard_normal((5, 2, 3))


def mvn(lib, loc, tril):
    return lib.distributions.MultivariateNormal(loc, scale_tril=tril)


@pytest.mark.parametrize("compute", [
    lambda d, lib: d.log_prob(lib.tensor(MVN_VALUE)),
    lambda d, lib: d.entropy(),
    lambda d, lib: d.variance * 1 + d.mean,
    lambda d, lib: d.covariance_matrix * 1,
], ids=["log_prob", "entropy", "moments", "covariance"])
def test_multivariate_normal_with_scale_tril_matches_torch(torch, compute):
    tril = np.tril(RNG.standard_normal((3, 3)) * 0.3) + np.diag([2.0, 1.5, 1.0])
    same_distribution(torch, mvn, compute, RNG.standard_normal((2, 3)), tril)


FACTOR = RNG.standard_normal((2, 3, 3))
SPD = FACTOR @ FACTOR.transpose(0, 2, 1) + np.eye(3)


def mvn_covariance(lib, loc, matrix):
    # a user's covariance: symmetric by construction from the leaf
    return lib.distributions.MultivariateNormal(loc, covariance_matrix=matrix @ matrix.mT)


def mvn_precision(lib, loc, matrix):
    return lib.distributions.MultivariateNormal(loc, precision_matrix=matrix @ matrix.mT)


@pytest.mark.parametrize("make", [mvn_covariance, mvn_precision])
@pytest.mark.parametrize("compute", [
    lambda d, lib: d.log_prob(lib.tensor(MVN_VALUE)),
    lambda d, lib: d.entropy() + d.variance.sum(-1),
    lambda d, lib: d.scale_tril * 1,
    lambda d, lib: d.precision_matrix + d.covariance_matrix,
], ids=["log_prob", "entropy", "scale_tril", "matrices"])
def test_multivariate_normal_from_covariance_or_precision_matches_torch(torch, make, compute):
    same_distribution(torch, make, compute, RNG.standard_normal(3), SPD + np.eye(3))


def test_multivariate_normal_leaf_covariance_gets_torch_s_symmetric_gradient(torch):
    def make(lib, loc, cov):
        return lib.distributions.MultivariateNormal(loc, cov, validate_args=False)

    same_distribution(torch, make, lambda d, lib: d.log_prob(lib.tensor(MVN_VALUE)),
                RNG.standard_normal(3), SPD[0])


def test_multivariate_normal_shapes_and_samples_as_torch(torch):
    for lib in (tg, torch):
        d = lib.distributions.MultivariateNormal(lib.zeros(4, 1, 3, dtype=lib.float64),
                                                 lib.tensor(SPD))
        assert tuple(d.batch_shape) == (4, 2) and tuple(d.event_shape) == (3,)
        assert tuple(d.rsample((5,)).shape) == (5, 4, 2, 3)
        assert tuple(d.expand((6, 4, 2)).log_prob(lib.zeros(3)).shape) == (6, 4, 2)
    tg.manual_seed(1)
    x = tg.distributions.MultivariateNormal(tg.zeros(3, dtype=tg.float64),
                                            tg.tensor(SPD[0])).sample((40000,)).numpy()
    np.testing.assert_allclose(np.cov(x.T), SPD[0], atol=0.15)


def kl(lib, first, second, kind):
    D = lib.distributions
    if kind == "normal":
        p, q = D.Normal(first[0], first[1].exp()), D.Normal(second[0], second[1].exp())
    elif kind == "categorical":
        p, q = D.Categorical(logits=first), D.Categorical(logits=second)
    elif kind == "bernoulli":
        p, q = D.Bernoulli(logits=first), D.Bernoulli(logits=second)
    elif kind == "uniform":
        p, q = D.Uniform(first[0], first[0] + 1), D.Uniform(second[0] - 1, second[0] + 2)
    else:
        p = D.Independent(D.Normal(first[0], first[1].exp()), 1)
        q = D.Independent(D.Normal(second[0], second[1].exp()), 1)
    return D.kl_divergence(p, q)


@pytest.mark.parametrize("kind", ["normal", "categorical", "bernoulli", "uniform",
                                  "independent"])
def test_kl_divergence_matches_torch_with_gradients(torch, kind):
    first, second = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 3, 4))
    if kind == "uniform":
        second[0] = first[0] + 0.5 * RNG.random((3, 4))  # q covers p: a finite KL

    def make(lib, a, b):
        return a, b

    same_distribution(torch, make, lambda pair, lib: kl(lib, *pair, kind), first, second)


def test_kl_with_zero_probabilities_is_inf_or_zero_as_torch(torch):
    for lib in (tg, torch):
        D = lib.distributions
        p = D.Categorical(probs=lib.tensor([[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]]))
        q = D.Categorical(probs=lib.tensor([[0.2, 0.8, 0.0], [0.3, 0.3, 0.4]]))
        assert D.kl_divergence(p, q).numpy()[0] == np.inf
        b = D.kl_divergence(D.Bernoulli(lib.tensor([0.0, 1.0, 0.3])),
                            D.Bernoulli(lib.tensor([0.0, 0.5, 1.0])))
        np.testing.assert_allclose(b.numpy()[:2], [0.0, math.log(2.0)], rtol=1e-6)
        assert b.numpy()[2] == np.inf
    ours = tg.distributions.kl_divergence(
        tg.distributions.Uniform(0.0, 2.0), tg.distributions.Uniform(0.5, 1.0))
    assert ours.item() == np.inf


def test_register_kl_dispatches_to_the_most_specific_pair_and_unknown_pairs_raise(torch):
    for lib in (tg, torch):
        D = lib.distributions

        class Wide(D.Normal):
            pass

        @D.register_kl(Wide, D.Normal)
        def _kl_wide_normal(p, q):
            return p.loc * 0 + 42.0

        assert D.kl_divergence(Wide(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 42.0
        assert D.kl_divergence(D.Normal(0.0, 1.0), Wide(0.0, 1.0)).item() == 0.0
        with pytest.raises(NotImplementedError) as err:
            D.kl_divergence(D.Normal(0.0, 1.0), D.Categorical(logits=lib.zeros(2)))
        assert str(err.value) == ("No KL(p || q) is implemented for p type Normal and q type "
                                  "Categorical")
        with pytest.raises(NotImplementedError, match="different exponential families"):
            D.kl_divergence(D.Normal(0.0, 1.0), D.Bernoulli(0.5))
    with pytest.raises(TypeError, match="Distribution subclass"):  # torch's check never fires
        tg.distributions.register_kl(int, tg.distributions.Normal)


def first_line(err) -> str:
    line = (str(err.value).splitlines() or [""])[0]
    return line.replace("torch.Size", "Size").replace("tg.Size", "Size")


@pytest.mark.parametrize("build", [
    lambda lib: lib.distributions.Normal(lib.zeros(2), lib.tensor([1.0, -1.0])),
    lambda lib: lib.distributions.Normal(lib.tensor([0.0, float("nan")]), lib.ones(2)),
    lambda lib: lib.distributions.Bernoulli(probs=lib.tensor([0.5, 1.5])),
    lambda lib: lib.distributions.Categorical(probs=lib.tensor([0.5, -0.5, 0.2])),
    lambda lib: lib.distributions.Categorical(probs=lib.tensor([[0.5, 0.5]]), logits=lib.ones(2)),
    lambda lib: lib.distributions.Bernoulli(),
    lambda lib: lib.distributions.Categorical(logits=lib.tensor(1.0)),
    lambda lib: lib.distributions.Uniform(lib.tensor([0.0, 2.0]), lib.tensor([1.0, 1.0])),
    lambda lib: lib.distributions.Normal(0.0, 1.0).log_prob(0.5),
    lambda lib: lib.distributions.Normal(lib.zeros(3), 1.0).log_prob(lib.zeros(2)),
    lambda lib: lib.distributions.Bernoulli(lib.tensor([0.5])).log_prob(lib.tensor([0.5])),
    lambda lib: lib.distributions.Categorical(logits=lib.zeros(3)).log_prob(lib.tensor(3)),
    lambda lib: lib.distributions.Uniform(0.0, 1.0).log_prob(lib.tensor(2.0)),
    lambda lib: lib.distributions.Independent(
        lib.distributions.Normal(lib.zeros(3), 1.0), 1).log_prob(lib.zeros(2)),
    lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), scale_tril=lib.tensor([[1.0, 0.0], [0.5, -1.0]])),
    lambda lib: lib.distributions.Distribution.set_default_validate_args(3),
    lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), precision_matrix=lib.tensor([[1.0, 0.5], [0.0, 1.0]])),
    lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), lib.eye(2), lib.eye(2)),
    lambda lib: lib.distributions.MultivariateNormal(lib.tensor(0.0), lib.eye(2)),
    lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), lib.ones(2)),
], ids=["scale", "loc_nan", "bernoulli_probs", "simplex", "both", "neither", "0d_logits",
        "uniform_order", "not_a_tensor", "event_shape", "boolean", "integer", "interval",
        "broadcast", "lower_cholesky", "set_default", "not_positive_definite", "not_symmetric",
        "two_matrices", "0d_loc", "1d_covariance"])
def test_invalid_parameters_and_values_raise_torch_s_value_error(torch, build):
    with pytest.raises(ValueError) as ours:
        build(tg)
    with pytest.raises(ValueError) as theirs:
        build(torch)
    assert first_line(ours) == first_line(theirs)


def test_validation_can_be_turned_off_per_distribution_and_by_default(torch):
    for lib in (tg, torch):
        D = lib.distributions
        d = D.Normal(lib.zeros(2), lib.tensor([1.0, -1.0]), validate_args=False)
        assert np.isnan(d.log_prob(lib.zeros(2)).numpy()[1])
        D.Distribution.set_default_validate_args(False)
        try:
            D.Bernoulli(probs=lib.tensor([1.5])).log_prob(lib.tensor([0.5]))
        finally:
            D.Distribution.set_default_validate_args(True)
        with pytest.raises(ValueError):
            D.Bernoulli(probs=lib.tensor([1.5]))


def test_repr_and_constraints_as_torch(torch):
    def norm(text):
        return text.replace("torch.Size", "Size").replace("tg.Size", "Size")

    for build in [lambda lib: lib.distributions.Normal(lib.zeros(3), lib.ones(3)),
                  lambda lib: lib.distributions.Bernoulli(0.25),
                  lambda lib: lib.distributions.Independent(
                      lib.distributions.Categorical(logits=lib.zeros(2, 3)), 1)]:
        assert norm(repr(build(tg))) == norm(repr(build(torch)))
    C, TC = tg.distributions.constraints, torch.distributions.constraints
    for name in ["real", "positive", "unit_interval", "simplex", "boolean", "real_vector"]:
        assert repr(getattr(C, name)) == repr(getattr(TC, name))
    assert repr(C.integer_interval(0, 4)) == repr(TC.integer_interval(0, 4))
    assert C.is_dependent(tg.distributions.Uniform.support)


def test_manual_seed_returns_the_default_generator_and_constants_are_torch_s(torch):
    g = tg.manual_seed(7)
    assert isinstance(g, tg.Generator) and g is tg.default_generator
    assert g.initial_seed() == 7 == torch.manual_seed(7).initial_seed()
    first = tg.randn(3).numpy()
    g.manual_seed(7)
    np.testing.assert_array_equal(tg.randn(3).numpy(), first)
    assert tg.initial_seed() == 7 == torch.initial_seed()
    fresh = tg.seed()
    assert isinstance(fresh, int) and tg.initial_seed() == fresh
    for name in ["pi", "e", "inf"]:
        assert getattr(tg, name) == getattr(torch, name)
    assert math.isnan(tg.nan) and math.isnan(torch.nan)


def test_sample_shape_must_be_a_tuple_and_broadcast_all_refuses_lists():
    d = tg.distributions.Normal(0.0, 1.0)
    with pytest.raises(TypeError, match=r"\(5,\)"):
        d.sample(5)
    with pytest.raises(ValueError, match="numbers.Number"):
        tg.distributions.Normal([0.0], 1.0)


def test_torch_s_module_paths_resolve_and_missing_distributions_say_so(torch):
    from tinygraph.distributions.categorical import Categorical
    from tinygraph.distributions.kl import kl_divergence, register_kl
    from tinygraph.distributions.normal import Normal
    from tinygraph.distributions.utils import broadcast_all, logits_to_probs, probs_to_logits

    assert Categorical is tg.distributions.Categorical and Normal is tg.distributions.Normal
    assert kl_divergence is tg.distributions.kl_divergence and callable(register_kl)
    for name in ["bernoulli", "uniform", "independent", "multivariate_normal", "exp_family",
                 "distribution", "constraints"]:
        assert hasattr(getattr(tg.distributions, name), "__all__")
        assert hasattr(torch.distributions, name)
    loc, scale = broadcast_all(tg.zeros(2, 1, dtype=tg.float64), 1)
    assert tuple(scale.shape) == (2, 1) and scale.dtype == tg.float64
    p = tg.tensor([0.2, 0.8], dtype=tg.float64)
    np.testing.assert_allclose(logits_to_probs(probs_to_logits(p)).numpy(), p.numpy())
    with pytest.raises(AttributeError, match="PyTorch's torch.distributions.Pareto is not "
                                             "implemented in tinygraph"):
        tg.distributions.Pareto  # noqa: B018
    with pytest.raises(AttributeError, match="Did you mean 'Normal'"):
        tg.distributions.Normall  # noqa: B018


def mixture(lib, weights, means, stds):
    D = lib.distributions
    return D.MixtureSameFamily(D.Categorical(logits=weights),
                               D.Independent(D.Normal(means, stds.exp()), 1))


MIX_VALUE = RNG.standard_normal((5, 2, 3))


@pytest.mark.parametrize("compute", [
    lambda d, lib: d.log_prob(lib.tensor(MIX_VALUE)),
    lambda d, lib: d.mean * 1 + d.variance,
    lambda d, lib: d.expand((4, 2)).log_prob(lib.tensor(MIX_VALUE[0])),
], ids=["log_prob", "moments", "expand"])
def test_mixture_same_family_matches_torch_with_gradients(torch, compute):
    same_distribution(torch, mixture, compute, RNG.standard_normal((2, 4)),
                RNG.standard_normal((2, 4, 3)), RNG.standard_normal((2, 4, 3)) * 0.3)


def test_mixture_same_family_shapes_samples_and_errors_as_torch(torch):
    for lib in (tg, torch):
        D = lib.distributions
        gmm = D.MixtureSameFamily(D.Categorical(probs=lib.tensor([0.3, 0.7])),
                                  D.Normal(lib.tensor([-2.0, 2.0]), lib.tensor([0.5, 0.5])))
        assert tuple(gmm.batch_shape) == () and tuple(gmm.event_shape) == ()
        assert tuple(gmm.sample((6,)).shape) == (6,)
        phi = [0.5 * (1 + math.erf(z / math.sqrt(2))) for z in (4.0, -4.0)]
        np.testing.assert_allclose(gmm.cdf(lib.tensor([0.0])).numpy(),
                                   [0.3 * phi[0] + 0.7 * phi[1]], rtol=1e-6)
        with pytest.raises(ValueError) as err:
            D.MixtureSameFamily(D.Categorical(logits=lib.zeros(3)), D.Normal(lib.zeros(2), 1.0))
        assert "does not equal `component_distribution.batch_shape[-1]` (2)" in str(err.value)
        with pytest.raises(ValueError, match="needs to be an"):
            D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(lib.zeros(2), 1.0))
    tg.manual_seed(2)
    draws = tg.distributions.MixtureSameFamily(
        tg.distributions.Categorical(probs=tg.tensor([0.3, 0.7])),
        tg.distributions.Normal(tg.tensor([-2.0, 2.0]), tg.tensor([0.5, 0.5]))).sample((20000,))
    assert abs((draws.numpy() < 0).mean() - 0.3) < 0.02


def one_hot(lib, logits):
    return lib.distributions.OneHotCategoricalStraightThrough(logits=logits)


ONE_HOT_VALUE = np.eye(5)[RNG.integers(0, 5, (4, 2, 3))]


@pytest.mark.parametrize("compute", [
    lambda d, lib: d.log_prob(lib.tensor(ONE_HOT_VALUE)),
    lambda d, lib: d.entropy() + d.variance.sum(-1) + d.mean.sum(-1) + d.mode.sum(-1),
    lambda d, lib: lib.distributions.kl_divergence(
        d, lib.distributions.OneHotCategorical(probs=lib.tensor(np.full((2, 3, 5), 0.2)))),
    lambda d, lib: d.expand((4, 2, 3)).log_prob(lib.tensor(ONE_HOT_VALUE)),
], ids=["log_prob", "moments", "kl", "expand"])
def test_one_hot_categorical_matches_torch_with_gradients(torch, compute):
    same_distribution(torch, one_hot, compute, LOGITS)


def test_one_hot_straight_through_rsample_passes_the_probs_gradient(torch):
    grads = []
    for lib in (tg, torch):
        logits = lib.tensor(LOGITS, requires_grad=True)
        d = lib.distributions.OneHotCategoricalStraightThrough(logits=logits)
        x = d.rsample((7,))
        assert tuple(x.shape) == (7, 2, 3, 5) and x.dtype == lib.float64 and d.has_rsample
        np.testing.assert_allclose(x.detach().numpy().sum(-1), 1.0)
        assert set(np.unique(x.detach().numpy())) <= {0.0, 1.0}
        assert tuple(d.enumerate_support().shape) == (5, 2, 3, 5)
        (x * lib.tensor(np.arange(5.0))).sum().backward()  # the draw itself adds no gradient
        grads.append(logits.grad.numpy().copy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6, atol=1e-12)
