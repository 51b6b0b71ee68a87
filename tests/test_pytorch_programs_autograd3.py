"""Optimisation programs from research code, run on torch 2.13 and on tinygraph imported as
torch and compared in float64: Hessian-vector products by double backward (a Newton-CG step),
DP-SGD per-sample clipping with noise by a loop and by torch.func.vmap(grad), a Lookahead
wrapper around an inner optimizer, a custom LRScheduler subclass, and add_param_group mid-run
with zero_grad(set_to_none=False)."""

from __future__ import annotations

import numpy as np

import tinygraph
from tests.twins import raises_as_torch, randomize, same_run, weights

RNG = np.random.default_rng(77)
X = RNG.standard_normal((16, 4))
Y = RNG.standard_normal((16, 1))
NOISE = RNG.standard_normal((5, 64))


def newton_cg(torch):
    """Newton-CG on a small MLP: Hessian-vector products by autograd.grad twice (grad_outputs
    given as the direction), a few conjugate-gradient iterations per step."""
    model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1))
    model = model.double()
    randomize(torch, model, 5)
    params = list(model.parameters())
    x, y = torch.tensor(X), torch.tensor(Y)
    losses, residuals = [], []
    for _ in range(3):
        loss = torch.nn.functional.mse_loss(model(x), y)
        grads = torch.autograd.grad(loss, params, create_graph=True)

        def hvp(vs, grads=grads):
            hv = torch.autograd.grad(grads, params, grad_outputs=vs, retain_graph=True)
            return [h + 0.1 * v for h, v in zip(hv, vs)]

        b = [-g.detach() for g in grads]
        d = [torch.zeros_like(p) for p in params]
        r = [bi.clone() for bi in b]
        p_dir = [ri.clone() for ri in r]
        rs = sum((ri * ri).sum() for ri in r)
        for _ in range(4):
            hp = hvp(p_dir)
            alpha = rs / sum((pi * hi).sum() for pi, hi in zip(p_dir, hp))
            d = [di + alpha * pi for di, pi in zip(d, p_dir)]
            r = [ri - alpha * hi for ri, hi in zip(r, hp)]
            new_rs = sum((ri * ri).sum() for ri in r)
            p_dir = [ri + (new_rs / rs) * pi for ri, pi in zip(r, p_dir)]
            rs = new_rs
        residuals.append(rs.sqrt().item())
        with torch.no_grad():
            for p, di in zip(params, d):
                p.add_(di, alpha=0.5)
        losses.append(loss.item())
    return losses, residuals, weights(model)


def dp_sgd(torch, vectorised):
    """DP-SGD: per-sample gradients clipped to norm C, summed, Gaussian noise added (drawn from
    NumPy so both libraries get the same), averaged, applied by SGD."""
    functional_call, grad, vmap = torch.func.functional_call, torch.func.grad, torch.func.vmap
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 1))
    model = model.double()
    randomize(torch, model, 6)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    names = [n for n, _ in model.named_parameters()]
    x, y = torch.tensor(X), torch.tensor(Y)
    clip, sigma = 0.5, 0.3
    losses, clipped = [], []

    def sample_loss(params, xi, yi):
        out = functional_call(model, params, (xi.unsqueeze(0),))
        return torch.nn.functional.mse_loss(out, yi.unsqueeze(0))

    for step in range(4):
        if vectorised:
            params = {k: v.detach() for k, v in model.named_parameters()}
            per = vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, x, y)
            per = [per[n] for n in names]
        else:
            rows = []
            for i in range(len(x)):
                model.zero_grad()
                torch.nn.functional.mse_loss(model(x[i:i + 1]), y[i:i + 1]).backward()
                rows.append([p.grad.detach().clone() for p in model.parameters()])
            per = [torch.stack([row[k] for row in rows]) for k in range(len(names))]
        norms = torch.sqrt(sum(g.reshape(len(x), -1).pow(2).sum(1) for g in per))
        factor = (clip / (norms + 1e-6)).clamp(max=1.0)
        clipped.append(int((factor < 1).sum()))
        offset = 0
        for p, g in zip(model.parameters(), per):
            total = (g * factor.reshape((-1,) + (1,) * (g.dim() - 1))).sum(0)
            n = p.numel()
            noise = torch.tensor(NOISE[step, offset:offset + n]).reshape(p.shape)
            offset += n
            p.grad = (total + sigma * clip * noise) / len(x)
        opt.step()
        with torch.no_grad():
            losses.append(torch.nn.functional.mse_loss(model(x), y).item())
    return losses, clipped, weights(model)


def lookahead_run(torch):
    """Lookahead (k steps of an inner Adam, then slow weights pulled toward the fast ones) as a
    torch.optim.Optimizer subclass that shares the inner optimizer's param_groups, with a
    state dict round trip through a fresh wrapper mid-run."""

    class Lookahead(torch.optim.Optimizer):
        def __init__(self, inner, k=3, alpha=0.5):
            self.inner, self.k, self.alpha = inner, k, alpha
            self.param_groups = inner.param_groups
            self.defaults = inner.defaults
            self.state = inner.state
            self.counter = 0
            self.slow = [[p.detach().clone() for p in g["params"]] for g in self.param_groups]

        def zero_grad(self, set_to_none=True):
            self.inner.zero_grad(set_to_none=set_to_none)

        def step(self, closure=None):
            loss = self.inner.step(closure)
            self.counter += 1
            if self.counter % self.k == 0:
                with torch.no_grad():
                    for group, slows in zip(self.param_groups, self.slow):
                        for p, s in zip(group["params"], slows):
                            s.add_(p - s, alpha=self.alpha)
                            p.copy_(s)
            return loss

    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 1))
    model = model.double()
    randomize(torch, model, 7)
    opt = Lookahead(torch.optim.Adam(model.parameters(), lr=0.05))
    assert opt.param_groups is opt.inner.param_groups
    x, y = torch.tensor(X), torch.tensor(Y)
    losses, lrs = [], []
    for step in range(8):
        def closure(opt=opt):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            return loss

        losses.append(opt.step(closure).item())
        for group in opt.param_groups:
            group["lr"] *= 0.9
        lrs.append(opt.inner.param_groups[0]["lr"])
        if step == 3:
            saved = opt.inner.state_dict()
            inner = torch.optim.Adam(model.parameters(), lr=1.0)
            inner.load_state_dict(saved)
            fresh = Lookahead(inner)
            fresh.slow, fresh.counter = opt.slow, opt.counter
            opt = fresh
            lrs.append(len(opt.state))
    return losses, lrs, weights(model)


def custom_schedule(torch):
    """A warm-up-then-cosine schedule written as an LRScheduler subclass (get_lr from
    last_epoch and base_lrs), with a second parameter group added mid-training, whose grads are
    zeroed in place (set_to_none=False)."""
    import math

    class WarmupCosine(torch.optim.lr_scheduler.LRScheduler):
        def __init__(self, optimizer, warmup, total, last_epoch=-1):
            self.warmup, self.total = warmup, total
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            t = self.last_epoch
            if t < self.warmup:
                return [base * (t + 1) / self.warmup for base in self.base_lrs]
            frac = (t - self.warmup) / max(1, self.total - self.warmup)
            return [base * 0.5 * (1 + math.cos(math.pi * frac)) for base in self.base_lrs]

    body = torch.nn.Linear(4, 6).double()
    head = torch.nn.Linear(6, 1).double()
    model = torch.nn.Sequential(body, torch.nn.Tanh(), head)
    randomize(torch, model, 8)
    head.requires_grad_(False)
    opt = torch.optim.SGD(body.parameters(), lr=0.2, momentum=0.9)
    sched = WarmupCosine(opt, warmup=3, total=10)
    x, y = torch.tensor(X), torch.tensor(Y)
    losses, lrs = [], []
    for step in range(10):
        if step == 4:
            head.requires_grad_(True)
            opt.add_param_group({"params": head.parameters(), "lr": 0.05})
            assert opt.param_groups[1]["momentum"] == 0.9
            sched.base_lrs.append(0.05)
        opt.zero_grad(set_to_none=False)
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        lrs.append([g["lr"] for g in opt.param_groups])
        lrs[-1].append(sched.get_last_lr()[0])
    assert body.weight.grad is not None
    return losses, [v for row in lrs for v in row], weights(model)


def test_newton_cg_with_hessian_vector_products_as_torch(torch):
    same_run(newton_cg(tinygraph), newton_cg(torch))


def test_dp_sgd_by_a_loop_matches_torch(torch):
    same_run(dp_sgd(tinygraph, False), dp_sgd(torch, False))


def test_dp_sgd_by_vmap_matches_torch_and_the_loop(torch):
    ours = dp_sgd(tinygraph, True)
    same_run(ours, dp_sgd(torch, True))
    same_run(ours, dp_sgd(tinygraph, False))


def test_a_lookahead_wrapper_trains_the_same(torch):
    same_run(lookahead_run(tinygraph), lookahead_run(torch))


def test_a_custom_lr_scheduler_and_add_param_group_as_torch(torch):
    same_run(custom_schedule(tinygraph), custom_schedule(torch))


def test_a_scheduler_refuses_a_group_added_without_its_base_lr_as_torch(torch):
    raises_as_torch(torch, """
class Constant(torch.optim.lr_scheduler.LRScheduler):
    def get_lr(self):
        return list(self.base_lrs)
layer = torch.nn.Linear(2, 2)
opt = torch.optim.SGD(layer.parameters(), lr=0.1)
sched = Constant(opt)
opt.add_param_group({"params": [torch.zeros(2, requires_grad=True)], "lr": 0.3})
opt.step()
sched.step()
""")
    raises_as_torch(torch, """
layer = torch.nn.Linear(2, 2)
opt = torch.optim.SGD(layer.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 0.5)
opt.add_param_group({"params": [torch.zeros(2, requires_grad=True)], "lr": 0.3})
opt.step()
sched.step()
""")
