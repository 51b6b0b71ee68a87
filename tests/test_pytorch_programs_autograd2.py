"""Research-style autograd programs, each written once and run twice (on torch 2.13 and on
tinygraph imported as torch), compared in float64: custom autograd.Function classes as papers'
code writes them (gradient reversal, straight-through binarisation, surrogate gradients,
needs_input_grad with non-tensor arguments, non-tensor ctx attributes, non-differentiable
argmax outputs) and an implicit fixed-point layer whose adjoint is solved in a backward hook."""

from __future__ import annotations

import numpy as np

import tinygraph
from tests.twins import randomize, same_run, weights

RNG = np.random.default_rng(2026)
X = RNG.standard_normal((24, 6))
DOMAIN = (RNG.uniform(size=24) > 0.5).astype(np.int64)
LABELS = RNG.integers(0, 3, 24)


def domain_adaptation(torch):
    """A feature extractor trained on a label head and, through a gradient reversal layer, a
    domain head (DANN): the extractor climbs the domain loss while the head descends it."""

    class GradReverse(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, lambd):
            ctx.lambd = lambd
            return x.view_as(x)

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output.neg() * ctx.lambd, None

    torch.manual_seed(0)
    features = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh()).double()
    label_head = torch.nn.Linear(8, 3).double()
    domain_head = torch.nn.Linear(8, 2).double()
    model = torch.nn.ModuleDict({"f": features, "c": label_head, "d": domain_head})
    randomize(torch, model, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    x, y, d = torch.tensor(X), torch.tensor(LABELS), torch.tensor(DOMAIN)
    losses, norms = [], []
    for step in range(6):
        lambd = 2.0 / (1.0 + np.exp(-step)) - 1.0
        h = features(x)
        class_loss = torch.nn.functional.cross_entropy(label_head(h), y)
        domain_loss = torch.nn.functional.cross_entropy(domain_head(GradReverse.apply(h, lambd)), d)
        loss = class_loss + domain_loss
        opt.zero_grad()
        loss.backward()
        norms.append(features[0].weight.grad.norm().item())
        opt.step()
        losses.append(loss.item())
    return losses, norms, weights(model)


def binarised_net(torch):
    """Binary weights by a straight-through estimator (sign forward, clipped identity back) and
    a clamp whose backward is a sigmoid-derivative surrogate with a saved non-tensor slope."""

    class BinarizeSTE(torch.autograd.Function):
        @staticmethod
        def forward(ctx, w):
            ctx.save_for_backward(w)
            return torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))

        @staticmethod
        def backward(ctx, g):
            (w,) = ctx.saved_tensors
            return g * (w.abs() <= 1).to(g.dtype)

    class SurrogateClamp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, slope=4.0):
            ctx.save_for_backward(x)
            ctx.slope = slope
            return x.clamp(0.0, 1.0)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            s = torch.sigmoid(ctx.slope * (x - 0.5))
            return g * ctx.slope * s * (1 - s), None

    w1 = torch.nn.Parameter(torch.tensor(RNG_W1.copy()))
    w2 = torch.nn.Parameter(torch.tensor(RNG_W2.copy()))
    opt = torch.optim.Adam([w1, w2], lr=0.05)
    x, y = torch.tensor(X), torch.tensor(LABELS)
    losses, grads = [], []
    for _ in range(6):
        h = SurrogateClamp.apply(x @ BinarizeSTE.apply(w1) * 0.3, 3.0)
        loss = torch.nn.functional.cross_entropy(h @ w2, y)
        opt.zero_grad()
        loss.backward()
        grads.append(w1.grad.abs().sum().item())
        opt.step()
        losses.append(loss.item())
    return losses, grads, {"w1": w1.detach().numpy().copy(), "w2": w2.detach().numpy().copy()}


def needs_grad_function(torch):
    """A scaled-matmul Function that skips what ctx.needs_input_grad says nobody needs, takes a
    Python float and a string among its inputs, and marks its argmax output non-differentiable."""
    skipped = []

    class ScaledMatmul(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, scale, mode):
            ctx.save_for_backward(a, b)
            ctx.scale, ctx.mode = scale, mode
            out = a @ b * scale
            idx = out.argmax(dim=1)
            ctx.mark_non_differentiable(idx)
            return out, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            a, b = ctx.saved_tensors
            assert g_idx is None or not g_idx.any()
            ga = gb = None
            if ctx.needs_input_grad[0]:
                ga = g @ b.t() * ctx.scale
            else:
                skipped.append("a")
            if ctx.needs_input_grad[1]:
                gb = a.t() @ g * ctx.scale
            assert ctx.needs_input_grad[2:] == (False, False)
            return ga, gb, None, None

    x = torch.tensor(X)
    w = torch.tensor(RNG_W1.copy(), requires_grad=True)
    out, idx = ScaledMatmul.apply(x, w, 0.5, "plain")
    assert not idx.requires_grad and idx.dtype == torch.int64
    assert out.requires_grad
    loss = (out ** 2).sum() + out.gather(1, idx[:, None]).sum()
    loss.backward()
    a = torch.tensor(X[:3], requires_grad=True)
    out2, _ = ScaledMatmul.apply(a, w.detach(), 2.0, "other")
    (ga,) = torch.autograd.grad(out2.sum(), a)
    return [loss.item()], [idx.numpy().astype(float), ga.numpy(), skipped == ["a"]], {
        "w": w.grad.numpy().copy()}


def fixed_point_layer(torch):
    """A deep-equilibrium layer z = tanh(W z + x): the forward solves to convergence without a
    graph, re-attaches by one step, and a hook on the output solves the adjoint by iteration."""

    class DEQ(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(6, 6, bias=False).double()
            self.inp = torch.nn.Linear(6, 6).double()

        def f(self, z, x):
            return torch.tanh(self.lin(z) + self.inp(x))

        def forward(self, x):
            with torch.no_grad():
                z = torch.zeros_like(x)
                for _ in range(80):
                    z = self.f(z, x)
            z = self.f(z, x)
            z0 = z.clone().detach().requires_grad_()
            f0 = self.f(z0, x)

            def backward_hook(grad):
                g = grad
                for _ in range(80):
                    g = torch.autograd.grad(f0, z0, g, retain_graph=True)[0] + grad
                return g

            if z.requires_grad:
                z.register_hook(backward_hook)
            return z

    model = DEQ()
    randomize(torch, model, 3, scale=0.2)
    head = torch.nn.Linear(6, 3).double()
    randomize(torch, head, 4)
    opt = torch.optim.SGD(list(model.parameters()) + list(head.parameters()), lr=0.2)
    x, y = torch.tensor(X), torch.tensor(LABELS)
    losses, norms = [], []
    for _ in range(4):
        loss = torch.nn.functional.cross_entropy(head(model(x)), y)
        opt.zero_grad()
        loss.backward()
        norms.append(model.lin.weight.grad.norm().item())
        opt.step()
        losses.append(loss.item())
    out = weights(model)
    out.update({"head." + k: v for k, v in weights(head).items()})
    return losses, norms, out


RNG_W1 = RNG.standard_normal((6, 5))
RNG_W2 = RNG.standard_normal((5, 3))


def test_a_gradient_reversal_layer_trains_the_same(torch):
    same_run(domain_adaptation(tinygraph), domain_adaptation(torch))


def test_straight_through_and_surrogate_gradients_train_the_same(torch):
    same_run(binarised_net(tinygraph), binarised_net(torch))


def test_needs_input_grad_and_non_differentiable_outputs_as_torch(torch):
    ours, theirs = needs_grad_function(tinygraph), needs_grad_function(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(ours[2]["w"], theirs[2]["w"], rtol=1e-12)


def test_an_implicit_fixed_point_layer_trains_the_same(torch):
    same_run(fixed_point_layer(tinygraph), fixed_point_layer(torch))
