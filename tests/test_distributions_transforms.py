"""tinygraph.distributions.transforms, TransformedDistribution and biject_to/transform_to
against torch in float64: each transform's values, inverse, log|det J| (rtol 1e-10) and their
gradients, sign, domain/codomain, event dims, caching and equality; densities with event
dims, cdf/icdf through monotone transforms; and two small programs (a flow-like fit by
maximum likelihood, a variational fit with a LogNormal guide) with equal losses."""

from __future__ import annotations

import numpy as np
import pytest
from twins import raises_as_torch, run_code

import tinygraph as tg

RNG = np.random.default_rng(5)
REAL = RNG.standard_normal((3, 4))
POS = RNG.random((3, 4)) * 2 + 0.2
UNIT = RNG.random((3, 4)) * 0.9 + 0.05
SIMPLEX = RNG.dirichlet(np.ones(5), size=3)

# name: (make(T, lib), input x in the domain)
TRANSFORMS = {
    "Exp": (lambda T, lib: T.ExpTransform(), REAL),
    "Sigmoid": (lambda T, lib: T.SigmoidTransform(), REAL * 3),
    "Tanh": (lambda T, lib: T.TanhTransform(), REAL),
    "Power": (lambda T, lib: T.PowerTransform(lib.tensor(1.7, dtype=lib.float64)), POS),
    "PowerNegative": (lambda T, lib: T.PowerTransform(lib.tensor([-0.5, 2.0, 1.0, 3.0],
                                                                 dtype=lib.float64)), POS),
    "AffineNumbers": (lambda T, lib: T.AffineTransform(1.5, -2.0), REAL),
    "AffineTensors": (lambda T, lib: T.AffineTransform(lib.tensor(REAL[0]),
                                                       lib.tensor(POS[1] - 1.0)), REAL),
    "AffineEvent": (lambda T, lib: T.AffineTransform(lib.tensor(REAL[0]), lib.tensor(POS[1]),
                                                     event_dim=1), REAL),
    "StickBreaking": (lambda T, lib: T.StickBreakingTransform(), REAL),
    "Compose": (lambda T, lib: T.ComposeTransform([T.AffineTransform(0.5, 2.0),
                                                   T.TanhTransform(),
                                                   T.AffineTransform(1.0, 3.0)]), REAL),
    "ComposeEvent": (lambda T, lib: T.ComposeTransform([T.ExpTransform().inv.inv,
                                                        T.AffineTransform(0.0, 2.0, event_dim=1),
                                                        T.StickBreakingTransform()]), REAL),
    "Independent": (lambda T, lib: T.IndependentTransform(T.SigmoidTransform(), 1), REAL),
    "InverseExp": (lambda T, lib: T.ExpTransform().inv, POS),
    "Identity": (lambda T, lib: T.identity_transform, REAL),
    "Softplus": (lambda T, lib: T.SoftplusTransform(), REAL * 3),
    "Reshape": (lambda T, lib: T.ReshapeTransform((4,), (2, 2)), REAL),
    "NormalCdf": (lambda T, lib: T.CumulativeDistributionTransform(
        lib.distributions.Normal(lib.tensor(0.5, dtype=lib.float64), 2.0)), REAL),
    "GumbelCdf": (lambda T, lib: T.CumulativeDistributionTransform(
        lib.distributions.Gumbel(lib.tensor(0.5, dtype=lib.float64), 2.0)), REAL),
}


def _transform_run(lib, name):
    make, x = TRANSFORMS[name]
    t = make(lib.distributions.transforms, lib)
    leaf = lib.tensor(x, dtype=lib.float64, requires_grad=True)
    y = t(leaf)
    x_again = t.inv(y)
    ladj = t.log_abs_det_jacobian(leaf, y)
    (y.sum() + (ladj * 0.7).sum()).backward()
    return t, [y.detach().numpy(), x_again.detach().numpy(), ladj.detach().numpy(),
               leaf.grad.numpy()]


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_transform_values_inverse_jacobian_and_gradients_are_torchs(torch, name):
    ours, our_values = _transform_run(tg, name)
    theirs, their_values = _transform_run(torch, name)
    for mine, want in zip(our_values, their_values):
        assert mine.shape == want.shape
        np.testing.assert_allclose(mine, want, rtol=1e-10, atol=1e-13)
    assert ours.bijective == theirs.bijective
    assert repr(ours.domain) == repr(theirs.domain)
    assert repr(ours.codomain) == repr(theirs.codomain)
    assert ours.domain.event_dim == theirs.domain.event_dim
    assert ours.codomain.event_dim == theirs.codomain.event_dim
    assert repr(ours) == repr(theirs)
    assert ours == ours and ours.inv.inv == ours
    shape = tuple(TRANSFORMS[name][1].shape)
    assert tuple(ours.forward_shape(shape)) == tuple(theirs.forward_shape(shape))
    assert (tuple(ours.inverse_shape(ours.forward_shape(shape)))
            == tuple(theirs.inverse_shape(theirs.forward_shape(shape))))


@pytest.mark.parametrize("name", ["Exp", "Sigmoid", "Tanh", "AffineNumbers", "AffineTensors",
                                  "Power", "PowerNegative", "Compose", "InverseExp", "Softplus",
                                  "NormalCdf"])
def test_sign_is_torchs(torch, name):
    ours = TRANSFORMS[name][0](tg.distributions.transforms, tg).sign
    theirs = TRANSFORMS[name][0](torch.distributions.transforms, torch).sign
    np.testing.assert_array_equal(np.asarray(ours.numpy() if hasattr(ours, "numpy") else ours),
                                  np.asarray(theirs.numpy() if hasattr(theirs, "numpy")
                                             else theirs))


def test_abs_and_softmax_transforms_are_torchs_and_not_bijective(torch):
    for name, x in (("AbsTransform", REAL), ("SoftmaxTransform", REAL)):
        ours = getattr(tg.distributions.transforms, name)()
        theirs = getattr(torch.distributions.transforms, name)()
        y = ours(tg.tensor(x))
        np.testing.assert_allclose(y.numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.inv(y).numpy(), theirs.inv(torch.tensor(y.numpy()))
                                   .numpy(), rtol=1e-12)
        assert not ours.bijective and not theirs.bijective
        assert repr(ours.codomain) == repr(theirs.codomain)


def test_cache_returns_the_same_tensor_and_sizes_other_than_0_or_1_are_refused(torch):
    t = tg.distributions.transforms.ExpTransform(cache_size=1)
    x = tg.tensor(REAL)
    y = t(x)
    assert t.inv(y) is x and t(x) is y
    uncached = tg.distributions.transforms.ExpTransform()
    assert uncached.inv(uncached(x)) is not x
    assert t.with_cache(1) is t and uncached.with_cache(1)._cache_size == 1
    compose = tg.distributions.transforms.ComposeTransform(
        [tg.distributions.transforms.AffineTransform(1.0, 2.0)], cache_size=1)
    assert compose.parts[0]._cache_size == 1
    raises_as_torch(torch, "torch.distributions.transforms.ExpTransform(cache_size=2)")
    raises_as_torch(torch, "torch.distributions.transforms.AbsTransform().sign")
    raises_as_torch(torch, "torch.distributions.transforms.ReshapeTransform((4,), (3,))")
    raises_as_torch(torch, "torch.distributions.transforms.ReshapeTransform((4,), (2, 2))"
                    ".forward_shape((3, 5))")
    with pytest.raises(NotImplementedError, match="CatTransform is not implemented"):
        _ = tg.distributions.transforms.CatTransform


def test_equality_follows_torch(torch):
    for lib in (tg, torch):
        T = lib.distributions.transforms
        assert T.ExpTransform() == T.ExpTransform()
        assert T.ExpTransform() != T.SigmoidTransform()
        assert T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0)
        assert T.AffineTransform(1.0, 2.0) != T.AffineTransform(1.0, 3.0)
        assert T.ExpTransform().inv == T.ExpTransform().inv
        assert [T.ExpTransform()] == [T.ExpTransform()]
        assert T.ComposeTransform([T.ExpTransform()]) == T.ComposeTransform([T.ExpTransform()])


# (make(D, lib, *leaves), parameter arrays, a value in the support)
TRANSFORMED = {
    "AffineTanh": (lambda D, lib, a, b: D.TransformedDistribution(
        D.Normal(a, b), [D.transforms.AffineTransform(0.3, 0.5), D.transforms.TanhTransform()]),
        [REAL, POS], UNIT * 1.8 - 0.9),
    "NegativeAffine": (lambda D, lib, a, b: D.TransformedDistribution(
        D.Normal(a, b), D.transforms.AffineTransform(1.0, -2.0)), [REAL, POS], REAL),
    "EventAffine": (lambda D, lib, a, b: D.TransformedDistribution(
        D.Normal(a, b), [D.transforms.AffineTransform(a[0].detach(), b[1].detach(),
                                                      event_dim=1)]), [REAL, POS], REAL),
    "StickBreaking": (lambda D, lib, a, b: D.TransformedDistribution(
        D.Normal(a, b), D.transforms.StickBreakingTransform()), [REAL, POS], SIMPLEX),
    "IndependentBase": (lambda D, lib, a, b: D.TransformedDistribution(
        D.Independent(D.Normal(a, b), 1), D.transforms.ExpTransform()), [REAL, POS], POS),
    "BroadcastingAffine": (lambda D, lib, a, b: D.TransformedDistribution(
        D.Normal(a[0, 0], b[0, 0]), D.transforms.AffineTransform(a, b)), [REAL, POS], REAL),
}


def _transformed_run(lib, name, method):
    make, arrays, value = TRANSFORMED[name]
    leaves = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    d = make(lib.distributions, lib, *leaves)
    arg = lib.tensor(UNIT if method == "icdf" else value, dtype=lib.float64)
    out = getattr(d, method)(arg)
    out.sum().backward()
    return d, out.detach().numpy(), [leaf.grad.numpy() for leaf in leaves]


CASES = [(n, m) for n in TRANSFORMED for m in ("log_prob", "cdf", "icdf")
         if m == "log_prob" or n in ("AffineTanh", "NegativeAffine", "BroadcastingAffine")]


@pytest.mark.parametrize("name,method", CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_transformed_distribution_is_torchs(torch, name, method):
    ours, out, grads = _transformed_run(tg, name, method)
    theirs, want, their_grads = _transformed_run(torch, name, method)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    assert repr(ours.support) == repr(theirs.support)
    assert out.shape == want.shape
    np.testing.assert_allclose(out, want, rtol=1e-10, atol=1e-13)
    for mine, expected in zip(grads, their_grads):
        np.testing.assert_allclose(mine, expected, rtol=1e-9, atol=1e-12)
    tg.manual_seed(0)
    x = ours.rsample((2,))
    assert tuple(x.shape) == (2,) + tuple(theirs.batch_shape + theirs.event_shape)
    assert bool(ours.support.check(x.detach()).all())
    assert ours.has_rsample
    expanded = ours.expand((2,) + tuple(ours.batch_shape))
    assert tuple(expanded.batch_shape) == (2,) + tuple(theirs.batch_shape)


def test_transformed_distribution_refusals_are_torchs(torch):
    raises_as_torch(torch, "torch.distributions.TransformedDistribution("
                    "torch.distributions.Normal(0.0, 1.0), 'exp')")
    raises_as_torch(torch, "torch.distributions.TransformedDistribution("
                    "torch.distributions.Normal(0.0, 1.0), [torch.exp])")
    raises_as_torch(torch, "torch.distributions.TransformedDistribution("
                    "torch.distributions.Normal(0.0, 1.0), "
                    "torch.distributions.transforms.StickBreakingTransform())")
    raises_as_torch(torch, "torch.distributions.TransformedDistribution("
                    "torch.distributions.Normal(0.0, 1.0), "
                    "torch.distributions.transforms.ExpTransform()).log_prob(torch.tensor(-1.0))")
    raises_as_torch(torch, "torch.distributions.kl_divergence(torch.distributions."
                    "TransformedDistribution(torch.distributions.Normal(0.0, 1.0), "
                    "torch.distributions.transforms.ExpTransform()), torch.distributions."
                    "TransformedDistribution(torch.distributions.Normal(0.0, 1.0), "
                    "torch.distributions.transforms.SigmoidTransform()))")


CONSTRAINTS = ["real", "positive", "nonnegative", "greater_than(2.0)", "greater_than_eq(-1.0)",
               "less_than(1.0)", "unit_interval", "interval(-1.0, 3.0)",
               "half_open_interval(0.0, 2.0)", "simplex", "real_vector",
               "independent(constraints.positive, 1)"]


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_biject_to_and_transform_to_are_torchs(torch, registry, constraint):
    code = ("constraints = torch.distributions.constraints\n"
            f"t = torch.distributions.{registry}(constraints.{constraint})\n"
            "x = torch.tensor(np.random.default_rng(0).standard_normal((3, 4)))\n"
            "y = t(x)\n"
            "assert bool(constraints.%s.check(y).all())\n"
            "r = (y, t.inv(y), t.log_abs_det_jacobian(x, y) if t.bijective else y, repr(t))"
            % constraint)
    ours, theirs = run_code(tg, code), run_code(torch, code)
    assert ours[3] == theirs[3]
    for mine, want in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(mine.numpy(), want.numpy(), rtol=1e-10, atol=1e-13)


def test_an_unregistered_constraint_is_refused_as_torch(torch):
    raises_as_torch(torch, "torch.distributions.biject_to("
                    "torch.distributions.constraints.boolean)")
    raises_as_torch(torch, "torch.distributions.transform_to(3)")


FLOW = """
data = torch.tensor(np.tanh(np.random.default_rng(1).standard_normal((64, 2)) * 0.8 + 0.3)
                    * 0.8 + 0.05)
loc = torch.zeros(2, dtype=torch.float64, requires_grad=True)
log_scale = torch.zeros(2, dtype=torch.float64, requires_grad=True)
opt = torch.optim.Adam([loc, log_scale], lr=0.05)
D = torch.distributions
losses = []
for step in range(40):
    flow = D.TransformedDistribution(
        D.Independent(D.Normal(torch.zeros(2, dtype=torch.float64),
                               torch.ones(2, dtype=torch.float64)), 1),
        [D.transforms.AffineTransform(loc, log_scale.exp()), D.transforms.TanhTransform(),
         D.transforms.AffineTransform(0.05, 1.5)])
    loss = -flow.log_prob(data).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
r = (losses, [loc.detach().numpy(), log_scale.detach().numpy()])
"""

VARIATIONAL = """
eps = torch.tensor(np.random.default_rng(2).standard_normal((32, 3)))
mu = torch.zeros(3, dtype=torch.float64, requires_grad=True)
log_sigma = torch.full((3,), -1.0, dtype=torch.float64, requires_grad=True)
prior = torch.distributions.Gamma(torch.tensor([2.0, 3.0, 5.0], dtype=torch.float64),
                                  torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64))
opt = torch.optim.Adam([mu, log_sigma], lr=0.05)
losses = []
for step in range(40):
    guide = torch.distributions.LogNormal(mu, log_sigma.exp())
    z = (mu + log_sigma.exp() * eps).exp()          # the guide's draws, fixed noise
    elbo = (prior.log_prob(z) - guide.log_prob(z)).mean(0).sum()
    kl = torch.distributions.kl_divergence(guide, torch.distributions.LogNormal(
        torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64))).sum()
    loss = -elbo + 0.01 * kl + 0.01 * guide.entropy().sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
r = (losses, [mu.detach().numpy(), log_sigma.detach().numpy()])
"""


@pytest.mark.parametrize("program", [FLOW, VARIATIONAL], ids=["flow", "variational"])
def test_a_fit_through_transformed_distributions_matches_torch(torch, program):
    ours, theirs = run_code(tg, program), run_code(torch, program)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-9)
    assert ours[0][-1] < ours[0][0]
    for mine, want in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(mine, want, rtol=1e-8, atol=1e-11)


# -- without torch -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Exp", "Sigmoid", "Tanh", "Power", "PowerNegative",
                                  "AffineNumbers", "AffineTensors", "Compose", "InverseExp",
                                  "Softplus", "NormalCdf", "GumbelCdf"])
def test_elementwise_log_abs_det_jacobian_is_the_log_derivative(name):
    make, x = TRANSFORMS[name]
    t = make(tg.distributions.transforms, tg)
    leaf = tg.tensor(x, requires_grad=True)
    y = t(leaf)
    (dy,) = tg.autograd.grad(y.sum(), leaf)
    np.testing.assert_allclose(t.log_abs_det_jacobian(leaf, y).detach().numpy(),
                               np.log(np.abs(dy.numpy())), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(t.inv(y).detach().numpy(), x, rtol=1e-9, atol=1e-12)


def test_stick_breaking_maps_onto_the_simplex_and_back():
    t = tg.distributions.transforms.StickBreakingTransform()
    x = tg.tensor(REAL)
    y = t(x)
    assert tuple(y.shape) == (3, 5)
    assert bool(tg.distributions.constraints.simplex.check(y).all())
    np.testing.assert_allclose(t.inv(y).numpy(), REAL, rtol=1e-10, atol=1e-12)
    assert tg.gradcheck(lambda v: t.log_abs_det_jacobian(v, t(v)),
                        [tg.tensor(REAL, requires_grad=True)])


def test_transformed_log_prob_integrates_to_one():
    D = tg.distributions
    d = D.TransformedDistribution(D.Normal(0.3, 0.8), [D.transforms.AffineTransform(0.1, 0.5),
                                                       D.transforms.TanhTransform()])
    grid = np.linspace(-1 + 1e-9, 1 - 1e-9, 200001)
    density = d.log_prob(tg.tensor(grid)).exp().numpy()
    def trapezoid(f, t):
        return float(((f[1:] + f[:-1]) / 2 * np.diff(t)).sum())

    assert abs(trapezoid(density, grid) - 1.0) < 1e-7
    cdf = d.cdf(tg.tensor([0.25])).item()
    inside = grid <= 0.25
    assert abs(trapezoid(density[inside], grid[inside]) - cdf) < 1e-7
