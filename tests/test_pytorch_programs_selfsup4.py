"""Regularised classifiers written once and run twice, on torch and on tinygraph imported as
torch, with the same float64 losses, metrics and weights: mixup and cutmix on scikit-learn's
digits (lam drawn from NumPy's beta, the partner order an explicit permutation list or the
batch flipped as timm does, cutmix boxes pasted by slicing, the mixed loss or soft one-hot
targets with label smoothing, a small CNN with BatchNorm trained by Nesterov SGD), and an
imbalanced classifier trained with a focal loss (through nll_loss with class weights, through
cross_entropy and gather, or one-vs-rest through binary_cross_entropy_with_logits), a
hand-written label-smoothing loss, CrossEntropyLoss(weight=, label_smoothing=) or
BCEWithLogitsLoss(pos_weight=), with a confusion matrix from bincount, per-class recall and
macro F1. Data and initial weights come from NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from twins import raises_as_torch, randomize, run_code, same_run, weights

import tinygraph


def digits(n):
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    return images[:n] / 16.0, labels[:n]


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

    def timm_mix(x, y, smoothing=0.1):
        """timm's batch mode: the partner is the batch reversed, mixed in place (x is a view
        of the data, which changes too), cutmix chosen with probability one half."""
        lam = rng.beta(0.8, 0.8)
        if rng.random() < 0.5:
            x_flipped = x.flip(0).mul_(1.0 - lam)
            x.mul_(lam).add_(x_flipped)
        else:
            yl, yh, xl, xh = (int(v) for v in np.sort(rng.integers(0, 9, 4)))
            x[:, :, yl:yh, xl:xh] = x.flip(0)[:, :, yl:yh, xl:xh]
            lam = 1.0 - (yh - yl) * (xh - xl) / float(x.shape[-2] * x.shape[-1])
        off = smoothing / 10
        on = 1.0 - smoothing + off
        y1 = torch.full((y.size(0), 10), off).scatter_(1, y.long().view(-1, 1), on)
        y2 = torch.full((y.size(0), 10), off).scatter_(1, y.flip(0).long().view(-1, 1), on)
        return x, y1 * lam + y2 * (1.0 - lam), lam

    x_all, y_all = torch.from_numpy(images), torch.from_numpy(labels)
    losses, metrics = [], []
    for _epoch in range(3):
        model.train()
        train_loss, correct, total = 0.0, 0.0, 0
        for start in range(0, 128, 32):
            inputs, targets = x_all[start:start + 32], y_all[start:start + 32]
            if mode == "cutmix":
                inputs, targets_a, targets_b, lam = cutmix_data(inputs, targets)
            elif mode == "timm":
                inputs, mixed_target, lam = timm_mix(inputs, targets)
                targets_a, targets_b = targets, targets.flip(0)
            else:
                inputs, targets_a, targets_b, lam = mixup_data(inputs, targets)
            outputs = model(inputs)
            if mode == "timm":  # timm's SoftTargetCrossEntropy
                loss = torch.sum(-mixed_target * F.log_softmax(outputs, dim=-1), dim=-1).mean()
            elif mode == "soft":
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
                    scheduler.get_last_lr()[0], x_all.square().sum().item()]
    return losses, metrics, weights(model)


def imbalanced_classifier(torch, loss_kind="focal_nll"):
    """Five digit classes with 40, 20, 10, 6 and 4 examples: class weights from the inverse
    counts, one of six losses (softmax focal two ways, label smoothing two ways, torchvision's
    sigmoid focal loss, BCEWithLogitsLoss with pos_weight), Adam with ExponentialLR; then a
    confusion matrix, recall per class, balanced accuracy and macro F1 on held-out digits."""
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

    def sigmoid_focal_loss(inputs, target, alpha=0.25, gamma=2.0):
        """One-vs-rest, as torchvision's: BCE with logits scaled by (1 - p_t) ** gamma."""
        targets = F.one_hot(target, 5).to(inputs.dtype)
        p = torch.sigmoid(inputs)
        ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
        p_t = p * targets + (1 - p) * (1 - targets)
        loss = ce_loss * ((1 - p_t) ** gamma)
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        return (alpha_t * loss).mean()

    bce = nn.BCEWithLogitsLoss(pos_weight=class_weights * 2)

    if loss_kind.startswith("focal"):
        criterion = FocalLoss(class_weights, gamma=2.0,
                              reduction="sum" if loss_kind == "focal_gather" else "mean")
    elif loss_kind == "smoothing":
        criterion = LabelSmoothingCrossEntropy(0.1)
    elif loss_kind == "sigmoid_focal":
        criterion = sigmoid_focal_loss
    elif loss_kind == "bce_pos_weight":
        def criterion(logits, target):
            return bce(logits, F.one_hot(target, num_classes=5).double())
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
        f1 = 2 * precision * recall / (precision + recall).clamp(min=1e-12)
    metrics = (confusion.flatten().tolist() + recall.tolist()
               + [recall.mean().item(), f1.mean().item()] + class_weights.tolist())
    return losses, metrics, weights(model)


PROGRAMS = {
    "mixup": mixed_samples,
    "cutmix": lambda torch: mixed_samples(torch, "cutmix"),
    "mixup_soft_targets": lambda torch: mixed_samples(torch, "soft"),
    "timm_mixup_cutmix": lambda torch: mixed_samples(torch, "timm"),
    "focal_nll_loss": imbalanced_classifier,
    "focal_gather": lambda torch: imbalanced_classifier(torch, "focal_gather"),
    "label_smoothing": lambda torch: imbalanced_classifier(torch, "smoothing"),
    "weighted_label_smoothing": lambda torch: imbalanced_classifier(torch, "weighted"),
    "sigmoid_focal": lambda torch: imbalanced_classifier(torch, "sigmoid_focal"),
    "bce_pos_weight": lambda torch: imbalanced_classifier(torch, "bce_pos_weight"),
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_program_gives_the_same_numbers_on_both(torch, name):
    theirs = PROGRAMS[name](torch)
    ours = PROGRAMS[name](tinygraph)
    same_run(ours, theirs)


# -- what the programs found, each pinned on its own ----------------------------------------


@pytest.mark.parametrize("code", [
    # a float64 batch into a float32 layer: torch refuses, tinygraph promoted silently
    "torch.nn.Conv2d(1, 2, 3)(torch.ones(1, 1, 4, 4, dtype=torch.float64))",
    "torch.nn.ConvTranspose2d(1, 2, 3)(torch.ones(1, 1, 4, 4, dtype=torch.float64))",
    "torch.nn.functional.conv1d(torch.ones(1, 1, 5), torch.ones(1, 1, 3),"
    " torch.ones(1, dtype=torch.float64))",
    # labels as floats, or beyond num_classes (soft targets, focal losses, VQ codes)
    "torch.nn.functional.one_hot(torch.tensor([0.0, 1.0]), 3)",
    "torch.nn.functional.one_hot(torch.tensor([0, 3]), 3)",
    "torch.nn.Embedding(3, 2)(torch.tensor([0.0, 1.0]))",
    "torch.nn.functional.binary_cross_entropy(torch.tensor([0.5, 1.5]), torch.tensor([0., 1.]))",
    "torch.nn.MultiheadAttention(6, 4)",
    "torch.nn.functional.cosine_similarity(torch.ones(2, 3), torch.ones(2, 4))",
])
def test_mistakes_raise_torchs_error_types(torch, code):
    """Mistakes these programs invite raise what torch raises (RuntimeError; an
    AssertionError for the heads), where tinygraph raised TypeError, ValueError, IndexError
    or NumPy's broadcast error, or computed."""
    raises_as_torch(torch, code)
    with pytest.raises(Exception) as ours:
        run_code(tinygraph, code)
    assert getattr(ours.value, "_tinygraph", False), ours.value  # tinygraph's own message
