"""PyTorch programs with structured models, written once and run twice, on torch and on tinygraph
imported as torch, with the same float64 losses, metrics and weights: a temporal convolutional
network (dilated causal Conv1d padded on the left with F.pad or cut on the right by F.pad with
a negative width, residual blocks, the old-style ``nn.utils.weight_norm``), a graph attention
network (an edge index, per-edge scores, a softmax over each node's incoming edges by
scatter_reduce and index_add, checked against the same layer with a dense adjacency mask of
-inf), matrix factorisation trained with a BPR loss (nn.Embedding pairs, logsigmoid, weight
decay by hand, a DataLoader over index triples), a tiny NeRF (positional encoding, volume
rendering with cumprod of 1 - alpha shifted by a column of ones), Hamiltonian Monte Carlo on a
logistic-regression posterior (gradients by autograd.grad, leapfrog steps, Metropolis
acceptance with NumPy uniforms), and a Bayesian linear layer trained by the reparameterisation
trick with a KL term. Data, noise and initial weights come from NumPy, so both runs start
equal."""

from __future__ import annotations

import math

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def temporal_conv_net(torch):
    """Next-step prediction of a noisy sum of sines by three residual blocks of dilated causal
    convolutions (dilations 1, 2, 4), each convolution weight-normalised."""
    nn, F = torch.nn, torch.nn.functional

    class CausalConv(nn.Module):
        """Padded on the left by F.pad, or ("chomp") on both sides by the convolution and
        the right end then cut off by F.pad with a negative width."""

        def __init__(self, cin, cout, kernel, dilation, chomp=False):
            super().__init__()
            self.left, self.chomp = (kernel - 1) * dilation, chomp
            conv = nn.Conv1d(cin, cout, kernel, dilation=dilation,
                             padding=self.left if chomp else 0)
            self.conv = nn.utils.weight_norm(conv)

        def forward(self, x):
            if self.chomp:
                return F.pad(self.conv(x), (0, -self.left))
            return self.conv(F.pad(x, (self.left, 0)))

    class Block(nn.Module):
        def __init__(self, cin, cout, dilation):
            super().__init__()
            self.conv1 = CausalConv(cin, cout, 3, dilation)
            self.conv2 = CausalConv(cout, cout, 3, dilation, chomp=dilation > 1)
            self.skip = nn.Conv1d(cin, cout, 1) if cin != cout else nn.Identity()

        def forward(self, x):
            h = F.relu(self.conv1(x))
            return F.relu(self.conv2(h) + self.skip(x))

    class TCN(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.Sequential(Block(1, 6, 1), Block(6, 6, 2), Block(6, 6, 4))
            self.head = nn.Conv1d(6, 1, 1)

        def forward(self, x):
            return self.head(self.blocks(x))

    model = TCN().double()
    assert sorted(n for n, _ in model.blocks[0].conv1.conv.named_parameters()) == [
        "bias", "weight_g", "weight_v"]
    randomize(torch, model, 20)
    rng = np.random.default_rng(21)
    t = np.arange(33)
    phase = rng.uniform(0, 2 * np.pi, size=(6, 1))
    series = np.sin(0.4 * t + phase) + 0.5 * np.sin(0.9 * t) + 0.05 * rng.normal(size=(6, 33))
    x = torch.tensor(series[:, None, :-1])
    y = torch.tensor(series[:, None, 1:])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(8):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        out = model(x)
        changed = x.clone()
        changed[:, :, 20:] += 1.0
        # causal: what comes after step 20 cannot change the outputs before it
        assert torch.equal(model(changed)[:, :, :20], out[:, :, :20])
        assert not torch.equal(model(changed)[:, :, 20:], out[:, :, 20:])
    return losses, out.flatten().numpy(), weights(model)


def graph_attention(torch):
    """Node classification with two graph attention layers over an edge list (self loops
    added): LeakyReLU scores per edge and head, a softmax over each node's incoming edges
    (max by scatter_reduce, sums by index_add), messages summed by index_add_. The same
    attention computed densely, with -inf where there is no edge, agrees."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(22)
    n = 10
    pairs = {(int(a), int(b)) for a, b in rng.integers(0, n, size=(24, 2)) if a != b}
    pairs |= {(i, i) for i in range(n)}
    edges = torch.tensor(sorted(pairs)).t().contiguous()
    features = torch.tensor(rng.normal(size=(n, 4)))
    labels = torch.tensor(rng.integers(0, 3, size=n))
    adjacency = torch.zeros(n, n, dtype=torch.bool)
    adjacency[edges[1], edges[0]] = True

    class GATLayer(nn.Module):
        def __init__(self, fin, fout, heads):
            super().__init__()
            self.heads, self.fout = heads, fout
            self.lin = nn.Linear(fin, heads * fout, bias=False)
            self.att_src = nn.Parameter(torch.zeros(heads, fout, dtype=torch.float64))
            self.att_dst = nn.Parameter(torch.zeros(heads, fout, dtype=torch.float64))

        def project(self, x):
            h = self.lin(x).view(-1, self.heads, self.fout)
            return h, (h * self.att_src).sum(-1), (h * self.att_dst).sum(-1)

        def forward(self, x, edge_index):
            source, target = edge_index
            h, a_src, a_dst = self.project(x)
            scores = F.leaky_relu(a_src[source] + a_dst[target], 0.2)
            most = torch.full((x.shape[0], self.heads), -math.inf, dtype=scores.dtype)
            most = most.scatter_reduce(0, target.unsqueeze(-1).expand_as(scores), scores,
                                       reduce="amax")
            e = (scores - most.detach()[target]).exp()
            total = torch.zeros_like(most).index_add(0, target, e)
            alpha = e / total[target]
            out = torch.zeros(x.shape[0], self.heads, self.fout, dtype=x.dtype)
            out.index_add_(0, target, alpha.unsqueeze(-1) * h[source])
            return out

        def dense(self, x, adjacency):
            h, a_src, a_dst = self.project(x)
            scores = F.leaky_relu(a_dst.t().unsqueeze(-1) + a_src.t().unsqueeze(1), 0.2)
            scores = scores.masked_fill(~adjacency, float("-inf"))
            attention = torch.softmax(scores, dim=-1)
            return torch.einsum("hij,jhf->ihf", attention, h)

    class GAT(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = GATLayer(4, 5, heads=2)
            self.layer2 = GATLayer(10, 3, heads=1)

        def forward(self, x, edge_index):
            h = F.elu(self.layer1(x, edge_index).flatten(1))
            return self.layer2(h, edge_index).mean(1)

    model = GAT().double()
    randomize(torch, model, 23)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03, weight_decay=5e-4)
    losses = []
    for _ in range(10):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(features, edges), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        sparse = model.layer1(features, edges)
        assert torch.allclose(sparse, model.layer1.dense(features, adjacency), atol=1e-12)
        logits = model(features, edges)
        accuracy = (logits.argmax(1) == labels).double().mean().item()
    return losses, [accuracy, *logits.flatten().tolist()], weights(model)


def bpr_matrix_factorisation(torch):
    """Implicit-feedback recommendation: (user, seen item, unseen item) triples in a
    TensorDataset, batches from a DataLoader with a NumPy-drawn order, the BPR loss
    -logsigmoid(score_pos - score_neg) with an L2 penalty on the batch's rows added by hand,
    SGD. The metric is the share of triples ranked right and a hit rate at 3 by topk."""
    nn, F = torch.nn, torch.nn.functional
    data = torch.utils.data
    rng = np.random.default_rng(24)
    users, items, dim = 6, 9, 4
    taste = rng.normal(size=(users, 2)) @ rng.normal(size=(2, items))
    liked = taste > 0.3
    triples = []
    for u in range(users):
        for i in np.flatnonzero(liked[u]):
            j = rng.choice(np.flatnonzero(~liked[u]))
            triples.append((u, i, j))
    triples = np.array(triples)

    class MF(nn.Module):
        def __init__(self):
            super().__init__()
            self.user = nn.Embedding(users, dim)
            self.item = nn.Embedding(items, dim)
            self.item_bias = nn.Embedding(items, 1)

        def score(self, u, i):
            return (self.user(u) * self.item(i)).sum(-1) + self.item_bias(i).squeeze(-1)

    model = MF().double()
    randomize(torch, model, 25, scale=0.1)
    dataset = data.TensorDataset(*(torch.tensor(column) for column in triples.T))
    order = [int(k) for k in rng.permutation(len(dataset))]
    loader = data.DataLoader(dataset, batch_size=5, sampler=order)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
    losses = []
    for _ in range(3):
        for u, i, j in loader:
            margin = model.score(u, i) - model.score(u, j)
            penalty = (model.user(u).pow(2).sum() + model.item(i).pow(2).sum()
                       + model.item(j).pow(2).sum()) / len(u)
            loss = -F.logsigmoid(margin).mean() + 0.01 * penalty
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    with torch.no_grad():
        u, i, j = (torch.tensor(column) for column in triples.T)
        ranked = (model.score(u, i) > model.score(u, j)).double().mean().item()
        all_scores = model.user.weight @ model.item.weight.t() + model.item_bias.weight.t()
        top = all_scores.topk(3, dim=1).indices
        hits = torch.tensor(liked).gather(1, top).double().mean().item()
    return losses, [ranked, hits], weights(model)


def tiny_nerf(torch):
    """Rays through a soft sphere: points sampled along each ray, encoded with sin and cos of
    2^k pi x, an MLP gives density and colour, and volume rendering accumulates them with the
    transmittance cumprod(1 - alpha) shifted by one (a column of ones in front)."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(26)
    rays, samples, octaves = 12, 8, 3
    origins = torch.tensor(np.c_[rng.uniform(-0.3, 0.3, size=(rays, 2)), np.full(rays, -2.0)])
    directions = torch.tensor(np.c_[rng.uniform(-0.2, 0.2, size=(rays, 2)), np.ones(rays)])
    directions = directions / directions.norm(dim=-1, keepdim=True)
    target = torch.tensor(rng.uniform(0.2, 0.8, size=(rays, 3)))

    def encode(x):
        scaled = x.unsqueeze(-1) * (2.0 ** torch.arange(octaves, dtype=x.dtype)) * math.pi
        return torch.cat([x, torch.sin(scaled).flatten(-2), torch.cos(scaled).flatten(-2)], -1)

    model = nn.Sequential(nn.Linear(3 + 6 * octaves, 16), nn.ReLU(), nn.Linear(16, 16),
                          nn.ReLU(), nn.Linear(16, 4)).double()
    randomize(torch, model, 27)

    def render(origins, directions):
        t = torch.linspace(1.0, 3.0, samples, dtype=torch.float64)
        points = origins[:, None, :] + directions[:, None, :] * t[None, :, None]
        raw = model(encode(points))
        sigma, rgb = F.relu(raw[..., 0]), torch.sigmoid(raw[..., 1:])
        delta = torch.cat([t[1:] - t[:-1], torch.tensor([1e10], dtype=t.dtype)])
        alpha = 1.0 - torch.exp(-sigma * delta)
        ones = torch.ones_like(alpha[..., :1])
        transmittance = torch.cumprod(torch.cat([ones, 1.0 - alpha + 1e-10], -1), -1)[..., :-1]
        w = alpha * transmittance
        return (w.unsqueeze(-1) * rgb).sum(-2), (w * t).sum(-1), w.sum(-1)

    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    losses, psnrs = [], []
    for _ in range(8):
        color, _, _ = render(origins, directions)
        loss = F.mse_loss(color, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        psnrs.append(-10.0 * torch.log10(loss.detach()).item())
    with torch.no_grad():
        color, depth, opacity = render(origins, directions)
    metrics = psnrs + color.flatten().tolist() + depth.tolist() + opacity.tolist()
    return losses, metrics, weights(model)


def hamiltonian_monte_carlo(torch):
    """HMC on the posterior of a Bayesian logistic regression (standard normal prior): the
    gradient of the log density by torch.autograd.grad, ten leapfrog steps per proposal,
    Metropolis acceptance with uniforms and momenta drawn by NumPy."""
    F = torch.nn.functional
    rng = np.random.default_rng(28)
    X = torch.tensor(rng.normal(size=(30, 3)))
    y = torch.tensor((rng.random(30) < 0.5).astype(np.float64))

    def log_density(w):
        logits = X @ w
        return (y * logits - F.softplus(logits)).sum() - 0.5 * (w * w).sum()

    def value_and_grad(w):
        w = w.detach().requires_grad_(True)
        value = log_density(w)
        (grad,) = torch.autograd.grad(value, w)
        return value.detach(), grad

    w = torch.zeros(3, dtype=torch.float64)
    step, leapfrogs = 0.45, 10
    samples, accepted, energies = [], 0, []
    for _ in range(15):
        p0 = torch.tensor(rng.normal(size=3))
        value0, grad = value_and_grad(w)
        q, p = w.clone(), p0 + 0.5 * step * grad
        for k in range(leapfrogs):
            q = q + step * p
            value, grad = value_and_grad(q)
            if k < leapfrogs - 1:
                p = p + step * grad
        p = p + 0.5 * step * grad
        start = -value0 + 0.5 * p0.dot(p0)
        end = -value + 0.5 * p.dot(p)
        energies.append(end.item())
        if math.log(rng.random()) < (start - end).item():
            w, accepted = q, accepted + 1
        samples.append(w)
    samples = torch.stack(samples)
    return energies, [accepted], {"mean": samples.mean(0).numpy(), "last": w.numpy()}


def bayesian_linear(torch):
    """Bayes by backprop: a two-layer network whose linear layers hold a mean and a softplus-
    parametrised standard deviation per weight, sampled by the reparameterisation trick with
    NumPy noise; the loss is the Gaussian negative log likelihood plus the KL to the prior
    over the data size (the closed form agrees with distributions.kl_divergence)."""
    nn, F = torch.nn, torch.nn.functional
    Normal, kl_divergence = torch.distributions.Normal, torch.distributions.kl_divergence
    prior = 1.0

    class BayesLinear(nn.Module):
        def __init__(self, fin, fout):
            super().__init__()
            self.w_mu = nn.Parameter(torch.zeros(fout, fin, dtype=torch.float64))
            self.w_rho = nn.Parameter(torch.full((fout, fin), -3.0, dtype=torch.float64))
            self.b_mu = nn.Parameter(torch.zeros(fout, dtype=torch.float64))
            self.b_rho = nn.Parameter(torch.full((fout,), -3.0, dtype=torch.float64))

        def forward(self, x, noise):
            w = self.w_mu + F.softplus(self.w_rho) * noise[0]
            b = self.b_mu + F.softplus(self.b_rho) * noise[1]
            return F.linear(x, w, b)

        def kl(self):
            total = 0.0
            for mu, rho in ((self.w_mu, self.w_rho), (self.b_mu, self.b_rho)):
                std = F.softplus(rho)
                total = total + (math.log(prior) - torch.log(std)
                                 + (std ** 2 + mu ** 2) / (2 * prior ** 2) - 0.5).sum()
            return total

        def kl_by_distributions(self):
            return sum(kl_divergence(Normal(mu, F.softplus(rho)), Normal(0.0, prior)).sum()
                       for mu, rho in ((self.w_mu, self.w_rho), (self.b_mu, self.b_rho)))

    layers = nn.ModuleList([BayesLinear(1, 12), BayesLinear(12, 1)])
    with torch.no_grad():
        rng = np.random.default_rng(29)
        for layer in layers:
            layer.w_mu.copy_(torch.tensor(rng.normal(size=tuple(layer.w_mu.shape)) * 0.5))
    x = torch.tensor(rng.uniform(-2, 2, size=(20, 1)))
    y = torch.sin(2 * x) + 0.1 * torch.tensor(rng.normal(size=(20, 1)))
    optimizer = torch.optim.Adam(layers.parameters(), lr=0.02)
    losses, kls = [], []
    for _ in range(10):
        noise = [(torch.tensor(rng.normal(size=tuple(layer.w_mu.shape))),
                  torch.tensor(rng.normal(size=tuple(layer.b_mu.shape)))) for layer in layers]
        out = layers[1](torch.tanh(layers[0](x, noise[0])), noise[1])
        kl = layers[0].kl() + layers[1].kl()
        assert abs(kl.item() - (layers[0].kl_by_distributions()
                                + layers[1].kl_by_distributions()).item()) < 1e-9
        nll = F.gaussian_nll_loss(out, y, torch.full_like(out, 0.01), reduction="sum")
        loss = nll + kl / len(x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        kls.append(kl.item())
    return losses, kls, weights(layers)


PROGRAMS = [temporal_conv_net, graph_attention, bpr_matrix_factorisation, tiny_nerf,
            hamiltonian_monte_carlo, bayesian_linear]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    same_run(program(tinygraph), program(torch))
