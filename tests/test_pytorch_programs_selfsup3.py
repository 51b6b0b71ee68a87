"""Self-supervised PyTorch programs written once and run twice, on torch and on tinygraph
imported as torch, with the same float64 losses, metrics and weights: BYOL (two noisy, flipped
views, stop-gradient, a predictor head, a target network that follows by mul_ and add_ or by
torch._foreach_mul_/_foreach_add_, the normalised regression loss) and SimSiam (one shared
encoder, a bottleneck predictor, the symmetric negative cosine similarity with stop-gradient,
a fixed-lr predictor group). Data, noise and initial weights come from NumPy."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def digits(n):
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    return images[:n] / 16.0, labels[:n]


def byol(torch, update="alpha"):
    """BYOL on digits: two noisy, flipped views; the online network (encoder, projector,
    predictor) predicts the target network's projection of the other view; the target is an
    exponential moving average of the online weights, never trained."""
    nn, F = torch.nn, torch.nn.functional
    images, _ = digits(64)
    images = images.reshape(-1, 1, 8, 8) * 2.0 - 1.0
    rng = np.random.default_rng(25)

    def mlp(i, hidden, o):
        return nn.Sequential(nn.Linear(i, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True),
                             nn.Linear(hidden, o))

    class Online(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU())
            self.projector = mlp(16, 12, 6)

        def forward(self, x):
            return self.projector(self.encoder(x))

    online = Online().double()
    randomize(torch, online, 26, scale=0.3)
    predictor = mlp(6, 12, 6).double()
    randomize(torch, predictor, 27, scale=0.3)
    target = copy.deepcopy(online)
    for p in target.parameters():
        p.requires_grad = False

    def regression_loss(p, z):
        p = F.normalize(p, dim=-1, p=2)
        z = F.normalize(z, dim=-1, p=2)
        return 2 - 2 * (p * z).sum(dim=-1)

    def view(x):
        x = x + torch.from_numpy(0.3 * rng.standard_normal(tuple(x.shape)))
        flip = torch.from_numpy(rng.random(x.shape[0]) < 0.5)
        return torch.where(flip[:, None, None, None], torch.flip(x, dims=[3]), x)

    params = list(online.parameters()) + list(predictor.parameters())
    optimizer = torch.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=1e-4)
    data = torch.tensor(images)
    total_steps, step, losses, taus = 6, 0, [], []
    for _ in range(2):
        for start in range(0, len(data), 24):
            x = data[start:start + 24]
            v1, v2 = view(x), view(x)
            p1, p2 = predictor(online(v1)), predictor(online(v2))
            with torch.no_grad():
                z1, z2 = target(v1), target(v2)
            loss = (regression_loss(p1, z2.detach()) + regression_loss(p2, z1.detach())).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            tau = 1 - (1 - 0.9) * (math.cos(math.pi * step / total_steps) + 1) / 2
            with torch.no_grad():
                if update == "foreach":  # as timm's EMA: the whole list at once
                    target_params = list(target.parameters())
                    torch._foreach_mul_(target_params, tau)
                    torch._foreach_add_(target_params, list(online.parameters()),
                                        alpha=1.0 - tau)
                    torch._foreach_copy_(list(target.buffers()), list(online.buffers()))
                for po, pt in zip(online.parameters(), target.parameters()):
                    if update == "alpha":
                        pt.mul_(tau).add_(po, alpha=1.0 - tau)
                    elif update == "mul_add":
                        pt.data.mul_(tau).add_(po.data * (1.0 - tau))
                for bo, bt in zip(online.buffers(), target.buffers()):
                    bt.copy_(bo)
            step += 1
            losses.append(loss.item())
            taus.append(tau)
    online.eval()
    with torch.no_grad():
        embeddings = F.normalize(online.encoder(data[:6]), dim=1)
        similarity = embeddings @ embeddings.T
    return (losses, taus + similarity.flatten().tolist(),
            weights(online) | {"target." + k: v for k, v in weights(target).items()})


def simsiam(torch):
    """SimSiam: one shared encoder-projector, a bottleneck predictor, the symmetric negative
    cosine similarity with the stop-gradient on the projection, SGD with a cosine lr."""
    nn, F = torch.nn, torch.nn.functional
    images, _ = digits(48)
    images = images.reshape(-1, 1, 8, 8) * 2.0 - 1.0
    rng = np.random.default_rng(28)
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(64, 16, bias=False), nn.BatchNorm1d(16),
                            nn.ReLU(), nn.Linear(16, 8), nn.BatchNorm1d(8, affine=False))
    predictor = nn.Sequential(nn.Linear(8, 4, bias=False), nn.BatchNorm1d(4), nn.ReLU(),
                              nn.Linear(4, 8))
    model = nn.ModuleDict({"encoder": encoder, "predictor": predictor}).double()
    randomize(torch, model, 29, scale=0.4)
    criterion = nn.CosineSimilarity(dim=1)
    optimizer = torch.optim.SGD([{"params": model.encoder.parameters(), "fix_lr": False},
                                 {"params": model.predictor.parameters(), "fix_lr": True}],
                                lr=0.1, momentum=0.9, weight_decay=1e-4)
    data = torch.tensor(images)
    losses, lrs = [], []
    for epoch in range(3):
        lr = 0.1 * 0.5 * (1.0 + math.cos(math.pi * epoch / 3))
        for group in optimizer.param_groups:
            group["lr"] = 0.1 if group["fix_lr"] else lr
        for start in range(0, len(data), 16):
            x = data[start:start + 16]
            x1 = x + torch.tensor(0.2 * rng.standard_normal(x.shape))
            x2 = x * torch.tensor(rng.uniform(0.7, 1.3, (len(x), 1, 1, 1)))
            z1, z2 = model.encoder(x1), model.encoder(x2)
            p1, p2 = model.predictor(z1), model.predictor(z2)
            loss = -(criterion(p1, z2.detach()).mean() + criterion(p2, z1.detach()).mean()) * 0.5
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        lrs.append(lr)
        # collapse monitor: the std of the l2-normalised outputs
        lrs.append(F.normalize(z1.detach(), dim=1).std(dim=0).mean().item())
    return losses, lrs, weights(model)


PROGRAMS = {
    "byol_add_alpha": byol,
    "byol_mul_add": lambda torch: byol(torch, "mul_add"),
    "byol_foreach": lambda torch: byol(torch, "foreach"),
    "simsiam": simsiam,
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_program_gives_the_same_numbers_on_both(torch, name):
    theirs = PROGRAMS[name](torch)
    ours = PROGRAMS[name](tinygraph)
    same_run(ours, theirs)


# -- what the programs found, each pinned on its own ----------------------------------------


def _foreach_run(lib):
    """An EMA step and a hand-written Adam-like update through the _foreach functions."""
    rng = np.random.default_rng(44)
    ema = [lib.tensor(rng.standard_normal(s)) for s in ((3,), (2, 2))]
    params = [lib.tensor(rng.standard_normal(s)) for s in ((3,), (2, 2))]
    grads = [lib.tensor(rng.standard_normal(s)) for s in ((3,), (2, 2))]
    assert lib._foreach_mul_(ema, 0.9)[1] is ema[1]
    lib._foreach_add_(ema, params, alpha=0.1)
    lib._foreach_lerp_(ema, params, 0.25)
    m = lib._foreach_mul(grads, 0.1)
    v = lib._foreach_addcmul([g * 0 for g in grads], grads, grads, value=0.001)
    denom = lib._foreach_add(lib._foreach_sqrt(v), 1e-8)
    lib._foreach_addcdiv_(params, m, denom, value=-0.01)
    lib._foreach_clamp_min_(params, -0.5)
    lib._foreach_add_(params, lib.tensor(0.25, dtype=lib.float64))  # one tensor for all
    norms = lib._foreach_norm(grads)
    out = lib._foreach_sub(lib._foreach_div(params, lib.tensor(2.0, dtype=lib.float64)), ema,
                           alpha=3)
    assert isinstance(out, tuple) and isinstance(m, tuple)
    lib._foreach_copy_(grads, out)
    lib._foreach_zero_(m)
    x = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
    y = x * 2
    lib._foreach_mul_([y], 3.0)
    lib._foreach_add_([y], [x], alpha=0.5)
    (y * y).sum().backward()
    return [t.numpy() for t in ema + params + grads + list(m) + list(norms)] + [x.grad.numpy()]


def test_foreach_functions_as_torch(torch):
    """EMA helpers (timm's among them) update whole lists with torch._foreach_mul_ and
    _foreach_add_(alpha=), which tinygraph lacked; each tensor here is one ordinary op (torch's
    fused kernels may round add-with-alpha and sqrt one unit in the last place apart)."""
    for ours, theirs in zip(_foreach_run(tinygraph), _foreach_run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)
    tg = tinygraph
    with pytest.raises(RuntimeError, match="same number of tensors"):
        tg._foreach_add_([tg.ones(2), tg.ones(3)], [tg.ones(2)])
    with pytest.raises(TypeError, match="list or tuple of tensors"):
        tg._foreach_add_(tg.ones(2), 1.0)
    with pytest.raises(RuntimeError, match="leaf"):
        tg._foreach_mul_([tg.ones(2, requires_grad=True)], 2.0)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
def test_normalize_of_a_zero_vector_has_torchs_finite_gradient(torch, p):
    """A projection head after a ReLU can output an all-zero row: F.normalize leaves it zero
    and torch's gradient there is finite (1/eps along the upstream gradient); tinygraph's was
    NaN (the square root's derivative at zero times the clamp's zero), which then spread
    through every weight."""
    rng = np.random.default_rng(45)
    data = rng.standard_normal((4, 5))
    data[1] = 0.0
    data[2, :3] = 0.0
    upstream = rng.standard_normal((4, 5))
    results = []
    for lib in (tinygraph, torch):
        x = lib.tensor(data, requires_grad=True)
        y = lib.nn.functional.normalize(x, p=p, dim=1)
        (y * lib.tensor(upstream)).sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    (ours, our_grad), (theirs, their_grad) = results
    assert np.isfinite(our_grad).all()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-10)
