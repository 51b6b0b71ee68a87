"""Training-loop autograd programs, each run on torch 2.13 and on tinygraph imported as torch
and compared in float64: GAN-style alternation (requires_grad_ toggles, backward(inputs=),
retain_graph reuse), tensor hooks that clip and log gradients, full backward hooks on modules,
retain_grad on intermediates, activation checkpointing (checkpoint, checkpoint_sequential),
autograd.functional jacobian/hessian with vectorize and create_graph, detect_anomaly, and grad
mode decorators on methods."""

from __future__ import annotations

import numpy as np

import tinygraph
from tests.twins import randomize, same_run, weights

RNG = np.random.default_rng(4242)
REAL = RNG.standard_normal((12, 3)) * 0.5 + 1.0
Z = RNG.standard_normal((12, 2))
X = RNG.standard_normal((10, 4))
Y = RNG.standard_normal((10, 2))


def gan_alternation(torch):
    """A tiny GAN: D is updated on real and detached fakes; G through a frozen D (requires_grad_
    off), restricted by backward(inputs=); the generator's output graph is kept (retain_graph)
    and reused for a feature-matching term; hooks clip and log gradients."""
    G = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3)).double()
    D = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()
    randomize(torch, G, 10)
    randomize(torch, D, 11)
    opt_g = torch.optim.Adam(G.parameters(), lr=0.02, betas=(0.5, 0.9))
    opt_d = torch.optim.SGD(D.parameters(), lr=0.05)
    bce = torch.nn.BCEWithLogitsLoss()
    real, z = torch.tensor(REAL), torch.tensor(Z)
    ones, zeros = torch.ones(12, 1, dtype=torch.float64), torch.zeros(12, 1, dtype=torch.float64)
    logged = []
    for p in G.parameters():
        p.register_hook(lambda g: g.clamp(-0.5, 0.5))
    D[0].weight.register_hook(lambda g: logged.append(g.norm().item()))
    losses = []
    for _ in range(5):
        fake = G(z)
        D.requires_grad_(True)
        opt_d.zero_grad()
        d_loss = bce(D(real), ones) + bce(D(fake.detach()), zeros)
        d_loss.backward()
        opt_d.step()

        D.requires_grad_(False)
        opt_g.zero_grad()
        g_loss = bce(D(fake), ones)
        g_loss.backward(retain_graph=True)
        match = ((fake.mean(0) - real.mean(0)) ** 2).sum()
        match.backward(inputs=list(G[2].parameters()))
        assert all(p.grad is None for p in D.parameters()) or D[0].weight.grad is not None
        opt_g.step()
        losses += [d_loss.item(), g_loss.item(), match.item()]
    out = {"G." + k: v for k, v in weights(G).items()}
    out.update({"D." + k: v for k, v in weights(D).items()})
    return losses, logged, out


def hooked_regression(torch):
    """Module full backward hooks that record gradient norms, retain_grad on an intermediate,
    and a tensor hook that rescales the input gradient of the last layer."""
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
    model = model.double()
    randomize(torch, model, 12)
    records = []

    def module_hook(module, grad_input, grad_output):
        records.append(grad_output[0].norm().item())
        records.append(sum(0.0 if g is None else g.norm().item() for g in grad_input))

    handles = [m.register_full_backward_hook(module_hook) for m in model
               if isinstance(m, torch.nn.Linear)]
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.tensor(X), torch.tensor(Y)
    losses = []
    for step in range(4):
        hidden = model[1](model[0](x))
        hidden.retain_grad()
        out = model[2](hidden)
        out.register_hook(lambda g: g * 0.5)
        loss = torch.nn.functional.mse_loss(out, y)
        opt.zero_grad()
        loss.backward()
        records.append(hidden.grad.abs().sum().item())
        opt.step()
        losses.append(loss.item())
        if step == 1:
            handles[0].remove()
    return losses, records, weights(model)


def checkpointed(torch, use_checkpoint):
    """A deep tanh stack trained with activation checkpointing (per block, non-reentrant, and
    by checkpoint_sequential in segments) or without it: the same numbers either way."""
    from_blocks = [torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh()) for _ in range(4)]
    model = torch.nn.Sequential(*from_blocks, torch.nn.Linear(4, 2)).double()
    randomize(torch, model, 13, scale=0.6)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = torch.tensor(X), torch.tensor(Y)
    losses = []
    for step in range(4):
        if not use_checkpoint:
            out = model(x)
        elif step % 2 == 0:
            h = x
            for block in model[:4]:
                h = torch.utils.checkpoint.checkpoint(block, h, use_reentrant=False)
            out = model[4](h)
        else:
            out = torch.utils.checkpoint.checkpoint_sequential(model, 2, x, use_reentrant=False)
        loss = torch.nn.functional.mse_loss(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [], weights(model)


def functional_derivatives(torch):
    """Input Jacobians and Hessians by autograd.functional with vectorize=True, one kept in the
    graph (create_graph=True) and penalised, so its gradient reaches the weights."""
    model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    model = model.double()
    randomize(torch, model, 14)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x, y = torch.tensor(X), torch.tensor(Y)
    losses, values = [], []
    F = torch.autograd.functional
    for _ in range(3):
        jac = F.jacobian(lambda inp: model(inp), x[:3], create_graph=True, vectorize=True)
        penalty = (jac ** 2).sum()
        hess = F.hessian(lambda inp: model(inp).pow(2).sum(), x[0], create_graph=True,
                         vectorize=True)
        loss = torch.nn.functional.mse_loss(model(x), y) + 0.01 * penalty + 0.01 * hess.trace()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        values += [jac.detach().numpy().ravel(), hess.detach().numpy().ravel()]
    plain = F.jacobian(lambda inp: model(inp).sum(0), x[:2], vectorize=True)
    values.append(plain.numpy().ravel())
    assert not plain.requires_grad
    return losses, np.concatenate(values), weights(model)


def guarded_trainer(torch):
    """A trainer class whose methods carry grad-mode decorators (nested no_grad / enable_grad /
    set_grad_enabled) and whose step runs under detect_anomaly."""

    class Trainer:
        def __init__(self):
            self.model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(),
                                             torch.nn.Linear(3, 2)).double()
            randomize(torch, self.model, 15)
            self.opt = torch.optim.Adam(self.model.parameters(), lr=0.05)

        @torch.no_grad()
        def evaluate(self, x, y):
            assert not torch.is_grad_enabled()
            return torch.nn.functional.mse_loss(self.model(x), y).item(), self.probe(x)

        @torch.enable_grad()
        def probe(self, x):
            xr = x.clone().requires_grad_(True)
            (g,) = torch.autograd.grad(self.model(xr).sum(), xr)
            return g.abs().mean().item()

        @torch.set_grad_enabled(False)
        def frozen_output(self, x):
            return self.model(x)

        def step(self, x, y):
            with torch.autograd.detect_anomaly():
                loss = torch.nn.functional.mse_loss(self.model(x), y)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
            return loss.item()

    trainer = Trainer()
    x, y = torch.tensor(X), torch.tensor(Y)
    losses, metrics = [], []
    for _ in range(4):
        losses.append(trainer.step(x, y))
        metrics += list(trainer.evaluate(x, y))
        out = trainer.frozen_output(x)
        assert not out.requires_grad and torch.is_grad_enabled()
    with torch.no_grad():
        with torch.enable_grad():
            assert trainer.model(x).requires_grad
        with torch.set_grad_enabled(True):
            metrics.append(float(trainer.model(x).requires_grad))
    return losses, metrics, weights(trainer.model)


def test_gan_alternation_with_hooks_and_restricted_backward_as_torch(torch):
    same_run(gan_alternation(tinygraph), gan_alternation(torch))


def test_module_and_tensor_hooks_and_retain_grad_as_torch(torch):
    same_run(hooked_regression(tinygraph), hooked_regression(torch))


def test_checkpointing_changes_nothing_on_either_library(torch):
    ours = checkpointed(tinygraph, True)
    same_run(ours, checkpointed(torch, True))
    same_run(ours, checkpointed(tinygraph, False))


def test_functional_jacobian_and_hessian_penalties_as_torch(torch):
    same_run(functional_derivatives(tinygraph), functional_derivatives(torch))


def test_grad_mode_decorators_and_detect_anomaly_as_torch(torch):
    same_run(guarded_trainer(tinygraph), guarded_trainer(torch))


def nonleaf_inputs(torch):
    """backward(inputs=[h]) on a non-leaf h, with and without retain_grad(), then backward on
    everything: the non-leaf's grad is stored once per run and kept from then on."""
    out = []
    for retain in (False, True):
        x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
        h = x * 3
        if retain:
            h.retain_grad()
        h.register_hook(lambda g: g * 2)
        y = (h ** 2).sum()
        y.backward(inputs=[h], retain_graph=True)
        out += [h.grad.numpy().copy(), float(x.grad is None), float(h.retains_grad)]
        y.backward(inputs=[h, x], retain_graph=True)
        out += [h.grad.numpy().copy(), x.grad.numpy().copy()]
        y.backward()
        out += [h.grad.numpy().copy(), x.grad.numpy().copy()]
    return out


def test_backward_into_a_non_leaf_accumulates_once_as_torch(torch):
    for mine, want in zip(nonleaf_inputs(tinygraph), nonleaf_inputs(torch), strict=True):
        np.testing.assert_array_equal(mine, want)
