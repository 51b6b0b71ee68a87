"""Four more PyTorch programs written once and run twice, on torch and on tinygraph imported
as torch, with the same float64 losses and weights: a tiny Vision Transformer on
scikit-learn's digits (patches from F.unfold, a class token joined with torch.cat and expand,
a learned positional embedding, nn.TransformerEncoder, AdamW under a LambdaLR warm-up); MAML
on sine regression (an inner loop of torch.autograd.grad(create_graph=True) steps evaluated
with torch.func.functional_call, an outer Adam step through it, second order); and a Siamese
embedding trained with TripletMarginLoss and CosineEmbeddingLoss, whose embeddings are
extracted under torch.no_grad() in eval mode for nearest neighbours (torch.cdist,
torch.topk, a torch.mode vote) and a few k-means steps (scatter_add_, F.pdist); and an
autoencoder whose codes are clustered by k-means, with an anomaly threshold from
torch.quantile and a fine-tune towards the clusters. Initial weights come from one NumPy
generator."""

from __future__ import annotations

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def digits(n):
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    return images[:n] / 16.0, labels[:n]


def vision_transformer(torch):
    """A ViT for 8x8 digits: four 4x4 patches (F.unfold), a class token, positional
    embeddings, a two-layer pre-norm encoder and a LayerNorm head."""
    nn, F = torch.nn, torch.nn.functional
    images, labels = digits(200)
    D = 16  # noqa: N806

    class ViT(nn.Module):
        def __init__(self, patch=4, dim=D, classes=10):
            super().__init__()
            self.patch = patch
            self.embed = nn.Linear(patch * patch, dim)
            self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
            self.pos_embed = nn.Parameter(torch.zeros(1, (8 // patch) ** 2 + 1, dim))
            layer = nn.TransformerEncoderLayer(dim, nhead=2, dim_feedforward=32, dropout=0.0,
                                               activation="gelu", batch_first=True,
                                               norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, num_layers=2,
                                                 enable_nested_tensor=False)
            self.head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, classes))
            nn.init.trunc_normal_(self.pos_embed, std=0.02)
            self.apply(self._init_weights)

        @staticmethod
        def _init_weights(m):
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

        def forward(self, x):
            patches = F.unfold(x, kernel_size=self.patch, stride=self.patch)  # (B, 16, 4)
            tokens = self.embed(patches.transpose(1, 2))
            cls = self.cls_token.expand(x.shape[0], -1, -1)
            tokens = torch.cat([cls, tokens], dim=1) + self.pos_embed
            return self.head(self.encoder(tokens)[:, 0])

    model = ViT().double()
    randomize(torch, model, 11, scale=0.2)
    x_all = torch.tensor(images.reshape(-1, 1, 8, 8))
    y_all = torch.tensor(labels)
    # the patches by reshape/permute, or by Tensor.unfold, are F.unfold's columns
    by_view = x_all[:3].reshape(3, 1, 2, 4, 2, 4).permute(0, 2, 4, 1, 3, 5).reshape(3, 4, 16)
    assert torch.equal(by_view, F.unfold(x_all[:3], 4, stride=4).transpose(1, 2))
    windows = x_all[:3].unfold(2, 4, 4).unfold(3, 4, 4)  # (B, C, 2, 2, 4, 4)
    assert torch.equal(windows.contiguous().view(3, 4, 16), by_view)
    train = torch.utils.data.TensorDataset(x_all[:160], y_all[:160])
    loader = torch.utils.data.DataLoader(train, batch_size=32)
    no_decay = ("cls_token", "pos_embed", "bias", "norm")
    groups = [
        {"params": [p for n, p in model.named_parameters()
                    if not any(k in n for k in no_decay)], "weight_decay": 0.05},
        {"params": [p for n, p in model.named_parameters()
                    if any(k in n for k in no_decay)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=1e-2, betas=(0.9, 0.98))
    warmup = 4
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: min(1.0, (step + 1) / warmup))
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    losses, lrs = [], []
    for _ in range(3):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            scheduler.step()
            losses.append(loss.item())
            lrs.append(scheduler.get_last_lr()[0])
        model.eval()
        with torch.no_grad():
            logits = model(x_all[160:])
            losses.append(F.cross_entropy(logits, y_all[160:]).item())
            lrs.append((logits.argmax(-1) == y_all[160:]).float().mean().item())
    with torch.no_grad():  # the first layer's attention maps, per head, class token row
        tokens = model.embed(F.unfold(x_all[:4], 4, stride=4).transpose(1, 2))
        tokens = torch.cat([model.cls_token.expand(4, -1, -1), tokens], 1) + model.pos_embed
        layer = model.encoder.layers[0]
        h = layer.norm1(tokens)
        _, maps = layer.self_attn(h, h, h, need_weights=True, average_attn_weights=False)
    assert tuple(maps.shape) == (4, 2, 5, 5)
    return losses, lrs + maps[:, :, 0].flatten().tolist(), weights(model)


def maml_sine(torch):
    """Model-agnostic meta-learning on sine waves: two inner SGD steps per task through
    functional_call with create_graph=True, then one outer Adam step on the query losses."""
    nn, F = torch.nn, torch.nn.functional
    functional_call = torch.func.functional_call

    rng = np.random.default_rng(21)

    def task(k):
        amplitude, phase = rng.uniform(0.5, 3.0), rng.uniform(0.0, np.pi)
        x = rng.uniform(-5.0, 5.0, (2 * k, 1))
        y = amplitude * np.sin(x + phase)
        return (torch.tensor(x[:k]), torch.tensor(y[:k]), torch.tensor(x[k:]),
                torch.tensor(y[k:]))

    model = nn.Sequential(nn.Linear(1, 24), nn.Tanh(), nn.Linear(24, 24), nn.Tanh(),
                          nn.Linear(24, 1)).double()
    randomize(torch, model, 22, scale=0.5)
    log_lr = nn.Parameter(torch.tensor(np.log(0.05)))  # a learned inner step size
    meta_opt = torch.optim.Adam([{"params": model.parameters()},
                                 {"params": [log_lr], "lr": 1e-2}], lr=3e-3)
    buffers = dict(model.named_buffers())
    inner_steps = 2

    def adapt(params, xs, ys, create_graph):
        for _ in range(inner_steps):
            loss = F.mse_loss(functional_call(model, (params, buffers), (xs,)), ys)
            grads = torch.autograd.grad(loss, params.values(), create_graph=create_graph)
            step = log_lr.exp() if create_graph else log_lr.exp().detach()
            params = {name: p - step * g for (name, p), g in zip(params.items(), grads)}
        return params

    losses, inner = [], []
    for _ in range(6):
        meta_opt.zero_grad()
        meta_loss = 0.0
        for _ in range(3):
            xs, ys, xq, yq = task(5)
            fast = adapt(dict(model.named_parameters()), xs, ys, create_graph=True)
            query = F.mse_loss(functional_call(model, fast, xq), yq)
            meta_loss = meta_loss + query / 3
            inner.append(query.item())
        meta_loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        meta_opt.step()
        losses += [meta_loss.item(), log_lr.item()]
    xs, ys, xq, yq = task(5)
    before = F.mse_loss(model(xq), yq).item()
    fast = adapt({n: p.detach().requires_grad_() for n, p in model.named_parameters()},
                 xs, ys, create_graph=False)
    with torch.no_grad():
        after = F.mse_loss(functional_call(model, fast, (xq,), strict=True), yq).item()
    assert all(p.grad is not None for p in model.parameters())
    assert log_lr.grad is not None
    return losses + [before, after], inner, weights(model)


def siamese_digits(torch):
    """An embedding net trained on digit triplets (TripletMarginLoss) plus a cosine loss on
    pairs; after each epoch, embeddings under no_grad in eval mode classify held-out digits
    by their nearest neighbours and seed a few k-means steps."""
    nn, F = torch.nn, torch.nn.functional
    images, labels = digits(260)
    rng = np.random.default_rng(31)
    by_class = [np.flatnonzero(labels[:200] == c) for c in range(10)]
    anchors = rng.permutation(200)[:96]
    positives = np.array([rng.choice(by_class[labels[a]]) for a in anchors])
    negatives = np.array([rng.choice(np.flatnonzero(labels[:200] != labels[a]))
                          for a in anchors])

    class Embedder(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(),
                                      nn.Linear(32, 8))

        def forward(self, x):
            return F.normalize(self.body(x), dim=-1) * 2.0

    @torch.no_grad()
    def embed(x):
        was_training = net.training
        net.eval()
        out = net(x)
        net.train(was_training)
        return out

    net = Embedder().double()
    randomize(torch, net, 32, scale=0.3)
    x_all, y_all = torch.tensor(images), torch.tensor(labels)
    triplet = nn.TripletMarginLoss(margin=1.0, p=2)
    cosine = nn.CosineEmbeddingLoss(margin=0.2)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    losses, metrics = [], []
    for _ in range(3):
        net.train()
        for i in range(0, 96, 32):
            a, p, n = (torch.as_tensor(idx[i:i + 32]) for idx in (anchors, positives, negatives))
            ea, ep, en = net(x_all[a]), net(x_all[p]), net(x_all[n])
            same = torch.where(y_all[p] == y_all[a], 1.0, -1.0).double()
            target = torch.cat([same, -torch.ones(len(a), dtype=torch.float64)])
            loss = triplet(ea, ep, en) + 0.5 * cosine(torch.cat([ea, ea]),
                                                      torch.cat([ep, en]), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        ref, query = embed(x_all[:200]), embed(x_all[200:])
        assert net.training and not ref.requires_grad
        net.eval()
        with torch.inference_mode():
            dist = torch.cdist(query, ref)
            nearest, idx = torch.topk(dist, k=3, dim=1, largest=False)
            votes = y_all[:200][idx]
            majority = torch.mode(votes, dim=1).values
            accuracy = (majority == y_all[200:]).double().mean()
            metrics += [accuracy.item(), (votes[:, 0] == y_all[200:]).sum().item(),
                        nearest.sum().item()]
            centroids = ref[:10].clone()
            for _ in range(3):
                assign = torch.cdist(ref, centroids).argmin(dim=1)
                counts = torch.bincount(assign, minlength=10)
                sums = torch.zeros_like(centroids).scatter_add_(
                    0, assign.unsqueeze(1).expand(-1, ref.shape[1]), ref)
                assert torch.allclose(sums, torch.zeros_like(sums).index_add_(0, assign, ref))
                centroids = torch.where(counts[:, None] > 0,
                                        sums / counts.clamp(min=1)[:, None], centroids)
            inertia = ((ref - centroids[assign]) ** 2).sum()
            spread = F.pdist(centroids[counts > 0]).min()  # the closest two clusters
            metrics += [inertia.item(), counts.max().item(), spread.item()]
    return losses, metrics, weights(net)


def autoencoder_kmeans(torch):
    """An autoencoder on digits, then k-means on its codes (one_hot assignments, a matmul for
    the centroids), an anomaly threshold from torch.quantile of the reconstruction errors, and
    a clustering-friendly fine-tune that pulls each code towards its (detached) centroid."""
    nn, F = torch.nn, torch.nn.functional
    images, labels = digits(300)
    x_all, y_all = torch.tensor(images), torch.tensor(labels)

    class AutoEncoder(nn.Module):
        def __init__(self, code=4):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, code))
            self.decoder = nn.Sequential(nn.Linear(code, 32), nn.ReLU(), nn.Linear(32, 64),
                                         nn.Sigmoid())

        def encode(self, x):
            return self.encoder(x)

        def forward(self, x):
            z = self.encode(x)
            return self.decoder(z), z

    def kmeans(z, k=10, steps=5):
        centroids = z[torch.arange(0, len(z), len(z) // k)].clone()
        for _ in range(steps):
            assign = torch.cdist(z, centroids).argmin(dim=1)
            one_hot = F.one_hot(assign, k).to(z.dtype)
            counts = one_hot.sum(0)
            centroids = torch.where(counts[:, None] > 0,
                                    one_hot.T @ z / counts.clamp_min(1.0)[:, None], centroids)
        return centroids, assign

    model = AutoEncoder().double()
    randomize(torch, model, 41, scale=0.3)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_all), batch_size=50)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses, metrics = [], []
    for _ in range(4):
        model.train()
        for (xb,) in loader:
            recon, z = model(xb)
            loss = F.binary_cross_entropy(recon, xb) + 1e-3 * z.pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        recon, z = model(x_all)
        errors = ((recon - x_all) ** 2).mean(dim=1)
        threshold = torch.quantile(errors, 0.95)
        centroids, assign = kmeans(z)
        purity = sum(torch.bincount(y_all[assign == k], minlength=10).max().item()
                     for k in range(10) if (assign == k).any()) / len(y_all)
        metrics += [threshold.item(), (errors > threshold).sum().item(), purity,
                    torch.quantile(errors, torch.tensor([0.25, 0.5], dtype=errors.dtype),
                                   interpolation="midpoint").sum().item()]
    model.train()
    for (xb,) in loader:  # pull the codes towards their clusters
        recon, z = model(xb)
        nearest = torch.cdist(z, centroids).argmin(dim=1)
        pull = ((z - centroids[nearest].detach()) ** 2).sum(dim=1).mean()
        loss = F.binary_cross_entropy(recon, xb) + 0.01 * pull
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, metrics, weights(model)


PROGRAMS = [vision_transformer, maml_sine, siamese_digits, autoencoder_kmeans]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    ours = program(tinygraph)
    theirs = program(torch)
    same_run(ours, theirs)
