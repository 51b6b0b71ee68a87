"""Programs of common research practice run on torch and on tinygraph imported as torch,
with equal float64 numbers: knowledge distillation (KLDivLoss batchmean with a temperature),
SimCLR's NT-Xent contrastive loss, a top-k routed mixture of experts, PixelCNN's masked
convolution (a Conv2d subclass with a mask buffer), a RealNVP flow with a
MultivariateNormal prior, a neural ODE integrated by a hand-written RK4, and Reptile over
deep-copied models."""

from __future__ import annotations

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def distillation(torch):
    """A small student learns from a frozen teacher: soft targets at temperature T through
    KLDivLoss(reduction='batchmean') scaled by T^2, plus hard-label cross entropy."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(70)
    X = torch.tensor(rng.standard_normal((32, 6)))
    y = torch.tensor(rng.integers(0, 4, 32))
    teacher = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 4)).double()
    student = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 4)).double()
    randomize(torch, teacher, 71, scale=0.6)
    randomize(torch, student, 72)
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad = False
    kl = nn.KLDivLoss(reduction="batchmean")
    optimizer = torch.optim.Adam(student.parameters(), lr=0.02)
    T, alpha, losses = 3.0, 0.7, []
    for _ in range(6):
        for i in range(0, 32, 8):
            xb, yb = X[i:i + 8], y[i:i + 8]
            with torch.no_grad():
                teacher_logits = teacher(xb)
            student_logits = student(xb)
            soft = kl(F.log_softmax(student_logits / T, dim=1),
                      F.softmax(teacher_logits / T, dim=1)) * (T * T)
            loss = alpha * soft + (1 - alpha) * F.cross_entropy(student_logits, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    with torch.no_grad():
        agree = (student(X).argmax(1) == teacher(X).argmax(1)).float().mean().item()
    return losses, [agree], weights(student)


def simclr(torch):
    """NT-Xent: two "views" per sample through an encoder and projection head, normalised,
    a (2N, 2N) similarity matrix with its diagonal masked out, positives at i <-> i + N."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(73)
    base = rng.standard_normal((8, 5))
    view1 = torch.tensor(base + 0.1 * rng.standard_normal((8, 5)))
    view2 = torch.tensor(base + 0.1 * rng.standard_normal((8, 5)))
    encoder = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 4))
    encoder = encoder.double()
    randomize(torch, encoder, 74)
    optimizer = torch.optim.SGD(encoder.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)

    def nt_xent(z1, z2, temperature=0.5):
        n = z1.shape[0]
        z = F.normalize(torch.cat([z1, z2], dim=0), dim=1)
        sim = torch.mm(z, z.t()) / temperature
        mask = torch.eye(2 * n, dtype=torch.bool)
        sim = sim.masked_fill(mask, -9e15)
        targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
        return F.cross_entropy(sim, targets)

    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = nt_xent(encoder(view1), encoder(view2))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    encoder.eval()
    with torch.no_grad():
        z1 = F.normalize(encoder(view1), dim=1)
        z2 = F.normalize(encoder(view2), dim=1)
        top1 = (z1 @ z2.T).argmax(1).eq(torch.arange(8)).sum().item()
    return losses, [top1], weights(encoder)


def mixture_of_experts(torch):
    """Top-2 routing: a gate's softmax, topk of its probabilities renormalised, each expert
    run on the tokens routed to it (nonzero / index_select), weighted outputs scattered back
    with index_add_, plus a load-balancing auxiliary loss."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(75)
    X = torch.tensor(rng.standard_normal((24, 4)))
    Y = torch.tensor(np.tanh(rng.standard_normal((24, 4))))

    class MoE(nn.Module):
        def __init__(self, dim, n_experts=4, k=2):
            super().__init__()
            self.gate = nn.Linear(dim, n_experts, bias=False)
            self.experts = nn.ModuleList([nn.Sequential(nn.Linear(dim, 6), nn.GELU(),
                                                        nn.Linear(6, dim))
                                          for _ in range(n_experts)])
            self.k = k

        def forward(self, x):
            probs = F.softmax(self.gate(x), dim=-1)
            weights_k, index_k = probs.topk(self.k, dim=-1)
            weights_k = weights_k / weights_k.sum(-1, keepdim=True)
            out = torch.zeros_like(x)
            for e, expert in enumerate(self.experts):
                token, slot = (index_k == e).nonzero(as_tuple=True)
                if token.numel() == 0:
                    continue
                y = expert(x.index_select(0, token)) * weights_k[token, slot].unsqueeze(-1)
                out.index_add_(0, token, y)
            load = F.one_hot(index_k[:, 0], len(self.experts)).double().mean(0)
            aux = len(self.experts) * (load * probs.mean(0)).sum()
            return out, aux

    model = MoE(4).double()
    randomize(torch, model, 76)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01)
    losses = []
    for _ in range(6):
        out, aux = model(X)
        loss = F.mse_loss(out, Y) + 0.01 * aux
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses += [loss.item(), aux.item()]
    return losses, [], weights(model)


def pixelcnn(torch):
    """PixelCNN's masked convolution: a Conv2d subclass holding a mask buffer (zeros right of
    and below the centre), applied to weight.data before calling super().forward."""
    nn, F = torch.nn, torch.nn.functional

    class MaskedConv2d(nn.Conv2d):
        def __init__(self, mask_type, *args, **kwargs):
            super().__init__(*args, **kwargs)
            assert mask_type in {"A", "B"}
            self.register_buffer("mask", self.weight.data.clone())
            _, _, kH, kW = self.weight.size()
            self.mask.fill_(1)
            self.mask[:, :, kH // 2, kW // 2 + (mask_type == "B"):] = 0
            self.mask[:, :, kH // 2 + 1:] = 0

        def forward(self, x):
            self.weight.data *= self.mask
            return super().forward(x)

    net = nn.Sequential(MaskedConv2d("A", 1, 8, 5, 1, 2, bias=False), nn.BatchNorm2d(8),
                        nn.ReLU(True), MaskedConv2d("B", 8, 8, 3, 1, 1, bias=False),
                        nn.BatchNorm2d(8), nn.ReLU(True), nn.Conv2d(8, 4, 1)).double()
    randomize(torch, net, 77)
    rng = np.random.default_rng(78)
    images = torch.tensor(rng.integers(0, 4, (6, 1, 6, 6)))
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    losses = []
    for _ in range(4):
        logits = net(images.double() / 3.0)
        loss = F.cross_entropy(logits, images[:, 0])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert isinstance(net[0], nn.Conv2d) and not isinstance(net[0], nn.Conv1d)
    return losses, [], weights(net)


def realnvp(torch):
    """A RealNVP flow on 2-D points: affine coupling layers with alternating binary masks,
    s = tanh(...) scale nets, log-determinants summed, a MultivariateNormal prior's log_prob,
    and sampling by inverting the couplings on fixed NumPy noise."""
    nn = torch.nn
    D = torch.distributions
    rng = np.random.default_rng(79)
    theta = rng.uniform(0, 2 * np.pi, 64)
    data = torch.tensor(np.stack([np.cos(theta), np.sin(theta)], 1) * 2
                        + 0.1 * rng.standard_normal((64, 2)))

    class RealNVP(nn.Module):
        def __init__(self, masks, hidden=8):
            super().__init__()
            self.register_buffer("masks", torch.tensor(masks, dtype=torch.float64))
            self.s = nn.ModuleList([nn.Sequential(nn.Linear(2, hidden), nn.LeakyReLU(),
                                                  nn.Linear(hidden, 2), nn.Tanh())
                                    for _ in masks])
            self.t = nn.ModuleList([nn.Sequential(nn.Linear(2, hidden), nn.LeakyReLU(),
                                                  nn.Linear(hidden, 2)) for _ in masks])
            self.prior = D.MultivariateNormal(torch.zeros(2, dtype=torch.float64),
                                              torch.eye(2, dtype=torch.float64))

        def f(self, x):  # data -> latent
            log_det, z = x.new_zeros(x.shape[0]), x
            for i in reversed(range(len(self.t))):
                m = self.masks[i]
                z_ = m * z
                s = self.s[i](z_) * (1 - m)
                t = self.t[i](z_) * (1 - m)
                z = (1 - m) * (z - t) * torch.exp(-s) + z_
                log_det -= s.sum(dim=1)
            return z, log_det

        def g(self, z):  # latent -> data
            x = z
            for i in range(len(self.t)):
                m = self.masks[i]
                x_ = x * m
                s = self.s[i](x_) * (1 - m)
                t = self.t[i](x_) * (1 - m)
                x = x_ + (1 - m) * (x * torch.exp(s) + t)
            return x

        def log_prob(self, x):
            z, log_det = self.f(x)
            return self.prior.log_prob(z) + log_det

    flow = RealNVP([[0, 1], [1, 0]] * 2).double()
    randomize(torch, flow, 80)
    optimizer = torch.optim.Adam([p for p in flow.parameters() if p.requires_grad], lr=5e-3)
    losses = []
    for _ in range(6):
        loss = -flow.log_prob(data).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        samples = flow.g(torch.tensor(rng.standard_normal((5, 2))))
        z, _ = flow.f(samples)
    return losses, samples.flatten().tolist() + z.flatten().tolist(), weights(flow)


def neural_ode(torch):
    """dy/dt = f(y) with f a small MLP, integrated by a hand-written fixed-step RK4 through
    time with torch.stack of the trajectory, fitted to a damped oscillation."""
    nn, F = torch.nn, torch.nn.functional
    t = torch.linspace(0.0, 2.0, 11, dtype=torch.float64)
    true = torch.stack([torch.exp(-0.3 * t) * torch.cos(2 * t),
                        -torch.exp(-0.3 * t) * torch.sin(2 * t)], dim=1)

    class ODEFunc(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(2, 12), nn.Tanh(), nn.Linear(12, 2))

        def forward(self, t, y):
            return self.net(y)

    def odeint_rk4(func, y0, ts):
        ys = [y0]
        y = y0
        for t0, t1 in zip(ts[:-1], ts[1:]):
            h = t1 - t0
            k1 = func(t0, y)
            k2 = func(t0 + h / 2, y + h * k1 / 2)
            k3 = func(t0 + h / 2, y + h * k2 / 2)
            k4 = func(t1, y + h * k3)
            y = y + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
            ys.append(y)
        return torch.stack(ys)

    func = ODEFunc().double()
    randomize(torch, func, 81)
    optimizer = torch.optim.RMSprop(func.parameters(), lr=1e-2)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        pred = odeint_rk4(func, true[0], t)
        loss = F.l1_loss(pred, true)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, [], weights(func)


def reptile(torch):
    """Reptile on sine tasks: each task trains a copy.deepcopy of the meta-model (its
    optimizer zeroes gradients after each step, so the copy must start without the
    meta-model's .grad, as torch's Parameter deepcopy does), then the meta-weights move
    toward the adapted ones through p.data."""
    nn, F = torch.nn, torch.nn.functional
    import copy

    model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1)).double()
    randomize(torch, model, 82)
    rng = np.random.default_rng(83)
    x_probe = torch.tensor(np.linspace(-3, 3, 9)[:, None])
    losses = []
    for _ in range(4):
        amp, phase = rng.uniform(0.5, 2), rng.uniform(0, np.pi)
        x = torch.tensor(rng.uniform(-3, 3, (10, 1)))
        y = amp * torch.sin(x + phase)
        F.mse_loss(model(x), y).backward()  # the meta-model's gradient, for a report
        losses.append(sum(p.grad.norm().item() for p in model.parameters()))
        fast = copy.deepcopy(model)
        opt = torch.optim.SGD(fast.parameters(), lr=0.02)
        for _ in range(3):
            loss = F.mse_loss(fast(x), y)
            loss.backward()
            opt.step()
            opt.zero_grad()
            losses.append(loss.item())
        with torch.no_grad():
            for p, q in zip(model.parameters(), fast.parameters()):
                p.data.add_(0.5 * (q.data - p.data))
        model.zero_grad()
    with torch.no_grad():
        probe = model(x_probe).flatten().tolist()
    return losses, probe, weights(model)


PROGRAMS = [distillation, simclr, mixture_of_experts, pixelcnn, realnvp, neural_ode, reptile]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    same_run(program(tinygraph), program(torch))


def test_a_deep_copied_parameter_leaves_its_grad_behind_as_torch(torch):
    """torch's Parameter.__deepcopy__ copies values and requires_grad, not .grad (a plain
    leaf tensor's deepcopy keeps its .grad in both)."""
    import copy

    for lib in (torch, tinygraph):
        p = lib.nn.Parameter(lib.ones(2))
        t = lib.ones(2, requires_grad=True)
        (p * 2 + t * 3).sum().backward()
        q, u = copy.deepcopy(p), copy.deepcopy(t)
        assert q.grad is None and q.requires_grad and type(q) is lib.nn.Parameter
        assert u.grad is not None and u.grad.tolist() == [3.0, 3.0]
        assert p.grad.tolist() == [2.0, 2.0]
        frozen = copy.deepcopy(lib.nn.Parameter(lib.ones(1), requires_grad=False))
        assert not frozen.requires_grad
