"""BYOL, SimSiam and regularised classifiers written once and run twice, on torch and on
tinygraph imported as torch, with the same float64 losses, metrics and weights: BYOL
(stop-gradient, a predictor head, a target network that follows by mul_ and add_ or by
torch._foreach_mul_/_foreach_add_, the normalised regression loss), SimSiam (one shared
encoder, a bottleneck predictor, the symmetric negative cosine similarity with stop-gradient,
a fixed-lr predictor group), mixup and cutmix on scikit-learn's digits (lam drawn from
NumPy's beta, the partner order an explicit permutation list, cutmix boxes pasted by slicing,
the mixed loss or soft one-hot targets with label smoothing, a small CNN with BatchNorm
trained by Nesterov SGD), and an imbalanced classifier trained with a focal loss (through
nll_loss with class weights, or through cross_entropy and gather), a hand-written
label-smoothing loss or CrossEntropyLoss(weight=, label_smoothing=), with a confusion matrix
from bincount, per-class recall and macro F1. Data and initial weights come from NumPy."""

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


def mixed_samples(torch, mode="mixup"):
    """A CNN trained on mixed pairs: mixup blends whole images, cutmix pastes a box of the
    partner image; the loss mixes the two labels' losses by lam (or, with soft targets, the
    targets themselves); accuracy counted against both labels, weighted by lam."""
    nn, F = torch.nn, torch.nn.functional
    images, labels = digits(160)
    images = images.reshape(-1, 1, 8, 8)
    rng = np.random.default_rng(40)
    model = nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10)).double()
    randomize(torch, model, 41, scale=0.4)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1 if mode == "soft" else 0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True,
                                weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[1, 2], gamma=0.5)

    def mixup_data(x, y, alpha=0.4):
        lam = rng.beta(alpha, alpha)
        index = torch.tensor(rng.permutation(x.size(0)).tolist())
        mixed_x = lam * x + (1 - lam) * x[index, :]
        return mixed_x, y, y[index], lam

    def rand_bbox(size, lam):
        W, H = size[2], size[3]  # noqa: N806
        cut_rat = np.sqrt(1.0 - lam)
        cut_w, cut_h = int(W * cut_rat), int(H * cut_rat)
        cx, cy = rng.integers(W), rng.integers(H)
        bbx1, bby1 = np.clip(cx - cut_w // 2, 0, W), np.clip(cy - cut_h // 2, 0, H)
        bbx2, bby2 = np.clip(cx + cut_w // 2, 0, W), np.clip(cy + cut_h // 2, 0, H)
        return bbx1, bby1, bbx2, bby2

    def cutmix_data(x, y, beta=1.0):
        lam = rng.beta(beta, beta)
        rand_index = torch.tensor(rng.permutation(x.size()[0]).tolist())
        bbx1, bby1, bbx2, bby2 = rand_bbox(x.size(), lam)
        x = x.clone()
        x[:, :, bbx1:bbx2, bby1:bby2] = x[rand_index, :, bbx1:bbx2, bby1:bby2]
        lam = 1 - ((bbx2 - bbx1) * (bby2 - bby1) / (x.size()[-1] * x.size()[-2]))
        return x, y, y[rand_index], lam

    x_all, y_all = torch.from_numpy(images), torch.from_numpy(labels)
    losses, metrics = [], []
    for _epoch in range(3):
        model.train()
        train_loss, correct, total = 0.0, 0.0, 0
        for start in range(0, 128, 32):
            inputs, targets = x_all[start:start + 32], y_all[start:start + 32]
            if mode == "cutmix":
                inputs, targets_a, targets_b, lam = cutmix_data(inputs, targets)
            else:
                inputs, targets_a, targets_b, lam = mixup_data(inputs, targets)
            outputs = model(inputs)
            if mode == "soft":
                soft = F.one_hot(targets_a, 10).double() * lam
                soft = soft + (1 - lam) * F.one_hot(targets_b, num_classes=10).to(soft)
                loss = criterion(outputs, soft)
            else:
                loss = lam * criterion(outputs, targets_a) + (1 - lam) * criterion(
                    outputs, targets_b)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            train_loss += loss.item()
            _, predicted = torch.max(outputs.data, 1)
            total += targets.size(0)
            correct += (lam * predicted.eq(targets_a.data).cpu().sum().float()
                        + (1 - lam) * predicted.eq(targets_b.data).cpu().sum().float())
            losses.append(loss.item())
        scheduler.step()
        model.eval()
        with torch.no_grad():
            held_out = model(x_all[128:]).argmax(1).eq(y_all[128:]).sum().item()
        metrics += [train_loss, 100.0 * float(correct) / total, held_out,
                    scheduler.get_last_lr()[0]]
    return losses, metrics, weights(model)


def imbalanced_classifier(torch, loss_kind="focal_nll"):
    """Five digit classes with 40, 20, 10, 6 and 4 examples: class weights from the inverse
    counts, one of four losses, Adam with ExponentialLR; then a confusion matrix, recall per
    class, balanced accuracy and macro F1 on held-out digits."""
    nn, F = torch.nn, torch.nn.functional
    from sklearn.datasets import load_digits

    x_np, y_np = load_digits(return_X_y=True)
    keep = np.concatenate([np.flatnonzero(y_np == c)[:n] for c, n in
                           enumerate((40, 20, 10, 6, 4))])
    held = np.concatenate([np.flatnonzero(y_np == c)[-8:] for c in range(5)])
    x, y = torch.tensor(x_np[keep] / 16.0), torch.tensor(y_np[keep])
    x_test, y_test = torch.tensor(x_np[held] / 16.0), torch.tensor(y_np[held])
    counts = torch.bincount(y, minlength=5).double()
    class_weights = 1.0 / counts
    class_weights = class_weights / class_weights.sum() * len(counts)

    class FocalLoss(nn.Module):
        def __init__(self, alpha=None, gamma=2.0, reduction="mean"):
            super().__init__()
            self.register_buffer("alpha", alpha)
            self.gamma, self.reduction = gamma, reduction

        def forward(self, logits, target):
            if loss_kind == "focal_nll":
                log_prob = F.log_softmax(logits, dim=-1)
                prob = torch.exp(log_prob)
                return F.nll_loss((1 - prob) ** self.gamma * log_prob, target,
                                  weight=self.alpha, reduction=self.reduction)
            ce = F.cross_entropy(logits, target, reduction="none")
            pt = torch.exp(-ce)
            at = self.alpha.gather(0, target)
            loss = at * (1 - pt).pow(self.gamma) * ce
            return loss.sum() if self.reduction == "sum" else loss.mean()

    class LabelSmoothingCrossEntropy(nn.Module):
        def __init__(self, smoothing=0.1):
            super().__init__()
            self.smoothing, self.confidence = smoothing, 1.0 - smoothing

        def forward(self, x, target):
            logprobs = F.log_softmax(x, dim=-1)
            nll_loss = -logprobs.gather(dim=-1, index=target.unsqueeze(1)).squeeze(1)
            smooth_loss = -logprobs.mean(dim=-1)
            return (self.confidence * nll_loss + self.smoothing * smooth_loss).mean()

    if loss_kind.startswith("focal"):
        criterion = FocalLoss(class_weights, gamma=2.0,
                              reduction="sum" if loss_kind == "focal_gather" else "mean")
    elif loss_kind == "smoothing":
        criterion = LabelSmoothingCrossEntropy(0.1)
    else:
        criterion = nn.CrossEntropyLoss(weight=class_weights, label_smoothing=0.2)
    model = nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Dropout(p=0.0),
                          nn.Linear(16, 5)).double()
    randomize(torch, model, 42, scale=0.3)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    order = np.random.default_rng(43).permutation(len(y)).tolist()
    losses = []
    for _epoch in range(4):
        for start in range(0, len(order), 20):
            idx = torch.tensor(order[start:start + 20])
            loss = criterion(model(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    model.eval()
    with torch.no_grad():
        pred = model(x_test).argmax(dim=1)
        confusion = torch.bincount(y_test * 5 + pred, minlength=25).reshape(5, 5)
        tp = confusion.diag().double()
        recall = tp / confusion.sum(dim=1).clamp(min=1)
        precision = tp / confusion.sum(dim=0).clamp(min=1)
        f1 = torch.where(precision + recall > 0,
                         2 * precision * recall / (precision + recall), torch.zeros_like(tp))
    metrics = (confusion.flatten().tolist() + recall.tolist()
               + [recall.mean().item(), f1.mean().item()] + class_weights.tolist())
    return losses, metrics, weights(model)


PROGRAMS = {
    "byol_add_alpha": byol,
    "byol_mul_add": lambda torch: byol(torch, "mul_add"),
    "byol_foreach": lambda torch: byol(torch, "foreach"),
    "simsiam": simsiam,
    "mixup": mixed_samples,
    "cutmix": lambda torch: mixed_samples(torch, "cutmix"),
    "mixup_soft_targets": lambda torch: mixed_samples(torch, "soft"),
    "focal_nll_loss": imbalanced_classifier,
    "focal_gather": lambda torch: imbalanced_classifier(torch, "focal_gather"),
    "label_smoothing": lambda torch: imbalanced_classifier(torch, "smoothing"),
    "weighted_label_smoothing": lambda torch: imbalanced_classifier(torch, "weighted"),
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
