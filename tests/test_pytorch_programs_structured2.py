"""More PyTorch programs with structure in the model or the optimiser, written once and run
twice, on torch and on tinygraph imported as torch, with the same float64 losses, metrics and
weights: prototypical few-shot networks (cdist to class means, log_softmax of negative
distances), capsules with dynamic routing (squash, a softmax over output capsules, einsum),
a Lasso fitted by proximal gradient (soft-thresholding with sign and clamp under no_grad) and
by FISTA as an Optimizer subclass whose Tensor state is checkpointed and resumed,
Newton's method with autograd.functional.hessian and linalg.solve, PGD adversarial training
(signed input gradients, a clamp to the epsilon ball, eval/train switching around BatchNorm),
and a quantile regression whose dropout is made deterministic (p=0 in training, fixed masks
for MC-dropout estimates). Data, noise and initial weights come from NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def prototypical_network(torch):
    """Episodes of 3-way 2-shot classification of Gaussian clusters: an MLP embeds support
    and query points, prototypes are the support means per class, and the query's class
    log-probabilities are a log_softmax over minus its squared cdist to the prototypes."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(30)
    centres = rng.normal(size=(6, 5)) * 1.5
    encoder = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 8)).double()
    randomize(torch, encoder, 31)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=0.01)
    ways, shots, queries = 3, 2, 3
    losses, accuracies = [], []
    for _ in range(8):
        classes = rng.choice(6, size=ways, replace=False)
        points = centres[classes][:, None, :] + rng.normal(size=(ways, shots + queries, 5))
        points = torch.tensor(points)
        support = points[:, :shots].reshape(ways * shots, 5)
        query = points[:, shots:].reshape(ways * queries, 5)
        labels = torch.arange(ways).repeat_interleave(queries)
        prototypes = encoder(support).view(ways, shots, -1).mean(dim=1)
        distances = torch.cdist(encoder(query), prototypes).pow(2)
        log_p = F.log_softmax(-distances, dim=1)
        loss = F.nll_loss(log_p, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        accuracies.append(log_p.argmax(1).eq(labels).double().mean().item())
    return losses, accuracies, weights(encoder)


def capsule_routing(torch):
    """A capsule layer on small vectors: primary capsules from a linear map, predictions
    u_hat by einsum with a weight per (input, output) capsule pair, three iterations of
    routing by agreement (u_hat detached in the iterations before the last; one einsum in
    the sublist form), squash, and the margin loss on the output capsules' lengths."""
    nn, F = torch.nn, torch.nn.functional
    n_in, d_in, n_out, d_out = 6, 4, 3, 5

    def squash(s, dim=-1):
        squared = (s ** 2).sum(dim=dim, keepdim=True)
        return squared / (1 + squared) * s / torch.sqrt(squared + 1e-9)

    class CapsNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.primary = nn.Linear(8, n_in * d_in)
            self.W = nn.Parameter(torch.zeros(n_in, n_out, d_out, d_in, dtype=torch.float64))

        def forward(self, x, iterations=3):
            u = squash(self.primary(x).view(-1, n_in, d_in))
            u_hat = torch.einsum("ijdk,bik->bijd", self.W, u)
            logits = torch.zeros(x.shape[0], n_in, n_out, dtype=x.dtype)
            for r in range(iterations):
                c = F.softmax(logits, dim=2)
                predictions = u_hat if r == iterations - 1 else u_hat.detach()
                v = squash(torch.einsum(c, [0, 1, 2], predictions, [0, 1, 2, 3], [0, 2, 3]))
                if r < iterations - 1:
                    logits = logits + torch.einsum("bijd,bjd->bij", predictions, v)
            return v

    model = CapsNet().double()
    randomize(torch, model, 32, scale=0.5)
    rng = np.random.default_rng(33)
    x = torch.tensor(rng.normal(size=(10, 8)))
    labels = torch.tensor(rng.integers(0, n_out, size=10))
    one_hot = F.one_hot(labels, n_out).double()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for _ in range(8):
        lengths = model(x).norm(dim=-1)
        loss = (one_hot * F.relu(0.9 - lengths) ** 2
                + 0.5 * (1 - one_hot) * F.relu(lengths - 0.1) ** 2).sum(1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        lengths = model(x).norm(dim=-1)
        assert bool((lengths < 1).all())
    return losses, lengths.flatten().numpy(), weights(model)


def lasso_proximal(torch):
    """A sparse linear regression by ISTA: a gradient step on the squared error, then the
    proximal map of the L1 norm, sign(w) * clamp(|w| - lr * lam, min=0), applied in place
    under no_grad (and checked against F.softshrink)."""
    F = torch.nn.functional
    rng = np.random.default_rng(34)
    X = torch.tensor(rng.normal(size=(40, 10)))
    truth = np.zeros(10)
    truth[[1, 4, 7]] = [2.0, -1.5, 1.0]
    y = X @ torch.tensor(truth) + 0.1 * torch.tensor(rng.normal(size=40))
    w = torch.zeros(10, dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    lr, lam = 0.1, 0.3
    losses, support = [], []
    for _ in range(25):
        loss = 0.5 * ((X @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
            expected = F.softshrink(w, lr * lam)
            w.copy_(torch.sign(w) * torch.clamp(w.abs() - lr * lam, min=0))
            assert torch.equal(w, expected)
            w.grad.zero_()
            b.grad = None
        losses.append(loss.item() + lam * w.detach().abs().sum().item())
        support.append(int((w != 0).sum()))
    return losses, support, {"w": w.detach().numpy(), "b": b.detach().numpy()}


def lasso_fista_optimizer(torch):
    """The Lasso again, by FISTA written as a torch.optim.Optimizer subclass: its state holds
    Tensors (the previous iterate, a step count), and halfway its state_dict is loaded into
    a fresh optimizer over a fresh parameter, which carries on."""
    nn = torch.nn

    class FISTA(torch.optim.Optimizer):
        def __init__(self, params, lr, lam):
            super().__init__(params, dict(lr=lr, lam=lam))

        @torch.no_grad()
        def step(self, closure=None):
            with torch.enable_grad():
                loss = closure()
            for group in self.param_groups:
                for p in group["params"]:
                    state = self.state[p]
                    if not state:
                        state["previous"] = p.detach().clone()
                        state["t"] = torch.tensor(1.0, dtype=torch.float64)
                    z = p - group["lr"] * p.grad
                    x = torch.sign(z) * torch.clamp(z.abs() - group["lr"] * group["lam"], min=0)
                    t = state["t"]
                    t_next = (1 + torch.sqrt(1 + 4 * t * t)) / 2
                    p.copy_(x + (t - 1) / t_next * (x - state["previous"]))
                    state["previous"].copy_(x)
                    state["t"] = t_next
            return loss

    rng = np.random.default_rng(40)
    X = torch.tensor(rng.normal(size=(30, 8)))
    truth = torch.tensor([1.5, 0, 0, -2.0, 0, 0.5, 0, 0], dtype=torch.float64)
    y = X @ truth + 0.1 * torch.tensor(rng.normal(size=30))
    w = nn.Parameter(torch.zeros(8, dtype=torch.float64))
    optimizer = FISTA([w], lr=0.05, lam=0.2)
    losses = []
    for k in range(16):
        if k == 8:
            saved = optimizer.state_dict()
            w = nn.Parameter(w.detach().clone())
            optimizer = FISTA([w], lr=0.05, lam=0.2)
            optimizer.load_state_dict(saved)
            assert isinstance(optimizer.state[w]["previous"], torch.Tensor)

        def closure(optimizer=optimizer, w=w):
            optimizer.zero_grad()
            loss = 0.5 * ((X @ w - y) ** 2).mean()
            loss.backward()
            return loss

        losses.append(optimizer.step(closure).item())
    state = optimizer.state[w]
    return losses, [state["t"].item(), int((w != 0).sum())], {
        "w": w.detach().numpy(), "previous": state["previous"].numpy()}


def newton_logistic(torch):
    """Logistic regression with a ridge penalty solved by Newton's method: the gradient by
    autograd.grad, the Hessian by torch.autograd.functional.hessian, the step by
    torch.linalg.solve; the Jacobian of the gradient (autograd.functional.jacobian) agrees."""
    F = torch.nn.functional
    rng = np.random.default_rng(35)
    X = torch.tensor(rng.normal(size=(50, 4)))
    y = torch.tensor((rng.random(50) < 1 / (1 + np.exp(-X.numpy() @ [1.0, -2.0, 0.5, 0.0])))
                     .astype(np.float64))

    def objective(w):
        return F.binary_cross_entropy_with_logits(X @ w, y) + 0.01 * w.dot(w)

    w = torch.zeros(4, dtype=torch.float64)
    losses, norms = [], []
    for _ in range(6):
        w.requires_grad_(True)
        value = objective(w)
        (grad,) = torch.autograd.grad(value, w)
        w = w.detach()
        hessian = torch.autograd.functional.hessian(objective, w)
        assert hessian.shape == (4, 4)
        jacobian = torch.autograd.functional.jacobian(
            lambda v: torch.autograd.grad(objective(v), v, create_graph=True)[0], w)
        assert torch.allclose(jacobian, hessian, rtol=1e-12, atol=1e-14)
        w = w - torch.linalg.solve(hessian, grad)
        losses.append(value.item())
        norms.append(grad.norm().item())
    return losses, norms, {"w": w.numpy()}


def pgd_adversarial_training(torch):
    """Madry-style adversarial training of a small classifier with BatchNorm: examples are
    attacked in eval mode by projected gradient ascent (a NumPy-drawn start in the epsilon
    ball, signed input gradients, a clamp to the ball and to [0, 1]), then the model trains
    on them in train mode; clean and robust accuracy are measured in eval mode."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(36)
    x = torch.tensor(rng.random(size=(24, 6)))
    labels = torch.tensor((x.numpy()[:, :3].sum(1) > x.numpy()[:, 3:].sum(1)).astype(np.int64))
    model = nn.Sequential(nn.Linear(6, 12), nn.BatchNorm1d(12), nn.ReLU(),
                          nn.Linear(12, 2)).double()
    randomize(torch, model, 37)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    eps, alpha = 0.1, 0.04

    def attack(inputs, targets, start):
        delta = start.clone().requires_grad_(True)
        for _ in range(4):
            loss = F.cross_entropy(model(inputs + delta), targets)
            (grad,) = torch.autograd.grad(loss, delta)
            with torch.no_grad():
                delta = (delta + alpha * grad.sign()).clamp(-eps, eps)
                delta = (inputs + delta).clamp(0, 1) - inputs
            delta.requires_grad_(True)
        return (inputs + delta).detach()

    losses, metrics = [], []
    for _ in range(5):
        model.eval()
        start = torch.tensor(rng.uniform(-eps, eps, size=tuple(x.shape)))
        adversarial = attack(x, labels, start)
        assert bool(((adversarial - x).abs() <= eps + 1e-12).all())
        model.train()
        loss = F.cross_entropy(model(adversarial), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            clean = (model(x).argmax(1) == labels).double().mean().item()
            robust = (model(adversarial).argmax(1) == labels).double().mean().item()
        metrics += [clean, robust]
    assert not model.training and not model[1].training
    return losses, metrics, weights(model)


def quantile_mc_dropout(torch):
    """A network predicting the 10%, 50% and 90% quantiles under the pinball loss, trained in
    train mode with nn.Dropout(p=0.0) (which then changes nothing); its MC-dropout estimates
    use fixed NumPy masks in place of the random ones, under no_grad, and their spread is
    read by nanquantile with some draws missing (NaN)."""
    nn, F = torch.nn, torch.nn.functional
    taus = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)

    class QuantileNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(1, 16)
            self.dropout = nn.Dropout(p=0.0)
            self.out = nn.Linear(16, 3)

        def forward(self, x, mask=None, p=0.25):
            h = torch.relu(self.hidden(x))
            h = self.dropout(h) if mask is None else h * mask / (1 - p)
            return self.out(h)

    model = QuantileNet().double()
    randomize(torch, model, 38)
    rng = np.random.default_rng(39)
    x = torch.tensor(rng.uniform(-1, 1, size=(32, 1)))
    y = torch.sin(3 * x) + (0.1 + 0.3 * x.abs()) * torch.tensor(rng.normal(size=(32, 1)))
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.01)
    model.train()
    losses = []
    for _ in range(10):
        pred = model(x)
        assert torch.equal(F.dropout(pred, p=0.0, training=True), pred)
        diff = y - pred
        loss = torch.max((taus - 1) * diff, taus * diff).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    masks = torch.tensor((rng.random(size=(5, 1, 16)) > 0.25).astype(np.float64))
    with torch.no_grad():
        draws = torch.stack([model(x, mask) for mask in masks])
        mean, std = draws.mean(0), draws.std(0)
        coverage = ((y >= mean[:, :1]) & (y <= mean[:, 2:])).double().mean()
        # the median head's spread over the draws, with the first draw missing for 4 points
        medians = draws[..., 1].clone()
        medians[0, :4] = float("nan")
        band = torch.nanquantile(medians, torch.tensor([0.1, 0.9], dtype=torch.float64), dim=0)
        assert not bool(band.isnan().any())
    metrics = [coverage.item(), *mean.flatten().tolist(), *std.flatten().tolist(),
               *band.flatten().tolist()]
    return losses, metrics, weights(model)


PROGRAMS = [prototypical_network, capsule_routing, lasso_proximal, lasso_fista_optimizer,
            newton_logistic, pgd_adversarial_training, quantile_mc_dropout]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    same_run(program(tinygraph), program(torch))
