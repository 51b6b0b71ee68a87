"""More PyTorch programs written once and run twice, on torch and on tinygraph imported as
torch, with the same float64 losses and weights: a CNN on scikit-learn's digits (a Dataset
subclass, DataLoader with a sampler, Adam with per-name param groups, StepLR, eval mode), a
small causal transformer language model (scaled_dot_product_attention, weight tying, AdamW
with OneCycleLR and clip_grad_norm_), a regression through a custom autograd.Function with an
input-gradient penalty (torch.autograd.grad with create_graph=True through the Function's
backward), and a tagger with nn.Embedding, nn.MultiheadAttention and CrossEntropyLoss with
ignore_index and label smoothing that checkpoints model, optimizer and scheduler mid-training
and resumes; and a classifier fed by an IterableDataset, evaluated on a ConcatDataset, with
Adagrad under SequentialLR. Initial weights come from one NumPy generator, so both runs start
equal."""

from __future__ import annotations

import copy
import math
from collections import OrderedDict

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def digits_cnn(torch):
    """A CNN classifier on 8x8 digits: Conv2d, BatchNorm2d, MaxPool2d, AdaptiveAvgPool2d. (No
    bias before the BatchNorm: its gradient is rounding noise, which Adam would amplify.)"""
    from sklearn.datasets import load_digits

    nn, F = torch.nn, torch.nn.functional
    from_torch_data = torch.utils.data

    images, labels = load_digits(return_X_y=True)
    images, labels = images[:240] / 16.0, labels[:240]

    class Digits(from_torch_data.Dataset):
        def __init__(self, X, y):
            self.X, self.y = X, y

        def __len__(self):
            return len(self.y)

        def __getitem__(self, i):  # a NumPy image and a Python int, collated by the loader
            return self.X[i].reshape(1, 8, 8), int(self.y[i])

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(6, 12, 3, padding="same"), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
            self.classifier = nn.Linear(12, 10)

        def forward(self, x):
            return self.classifier(torch.flatten(self.features(x), 1))

    model = Net().double()
    randomize(torch, model, 1)
    dataset = Digits(images, labels)
    train, test = from_torch_data.Subset(dataset, range(200)), from_torch_data.Subset(
        dataset, range(200, 240))
    order = [int(i) for i in np.random.default_rng(2).permutation(200)]
    loader = from_torch_data.DataLoader(train, batch_size=32, sampler=order)
    decay = [p for n, p in model.named_parameters() if n.endswith("weight") and p.dim() > 1]
    no_decay = [p for n, p in model.named_parameters() if not (n.endswith("weight")
                                                               and p.dim() > 1)]
    opt = torch.optim.Adam([{"params": decay, "weight_decay": 1e-3},
                            {"params": no_decay, "weight_decay": 0.0}], lr=0.02)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    criterion = nn.CrossEntropyLoss()
    losses, lrs, accuracies = [], [], []
    assert len(loader) == 7
    for _ in range(4):
        model.train()
        for xb, yb in loader:
            assert xb.dtype == torch.float64 and yb.dtype == torch.int64
            opt.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        model.eval()
        with torch.no_grad():
            correct = 0
            for xb, yb in from_torch_data.DataLoader(test, batch_size=16):
                logits = model(xb)
                correct += (logits.argmax(dim=1) == yb).sum().item()
                losses.append(F.cross_entropy(logits, yb, reduction="sum").item())
            accuracies.append(correct / len(test))
    return losses, sum(lrs, []) + accuracies, weights(model)


def causal_lm(torch):
    """A one-block causal transformer language model on a character sequence."""
    nn, F = torch.nn, torch.nn.functional
    text = "the quick brown fox jumps over the lazy dog " * 4
    vocab = sorted(set(text))
    ids = np.array([vocab.index(c) for c in text])
    V, T, D, H = len(vocab), 12, 16, 2  # noqa: N806

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
            self.qkv = nn.Linear(D, 3 * D)
            self.proj = nn.Linear(D, D)
            self.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(approximate="tanh"),
                                     nn.Linear(4 * D, D))

        def forward(self, x):
            B, L, _ = x.shape  # noqa: N806
            q, k, v = self.qkv(self.ln1(x)).split(D, dim=2)
            q, k, v = (t.view(B, L, H, D // H).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(y.transpose(1, 2).contiguous().view(B, L, D))
            return x + self.mlp(self.ln2(x))

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(V, D)
            self.pos = nn.Parameter(torch.zeros(1, T, D))
            self.block = Block()
            self.ln_f = nn.LayerNorm(D)
            self.head = nn.Linear(D, V, bias=False)
            self.head.weight = self.tok.weight  # weight tying

        def forward(self, idx):
            return self.head(self.ln_f(self.block(self.tok(idx) + self.pos[:, :idx.size(1)])))

    model = LM().double()
    assert len(list(model.parameters())) == len(model.state_dict()) - 1  # tied: listed once
    randomize(torch, model, 3)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    steps = 24
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}], lr=1e-3,
                            betas=(0.9, 0.95))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[0.02, 0.01], total_steps=steps,
                                                    pct_start=0.25)
    starts = np.random.default_rng(4).integers(0, len(ids) - T - 1, size=(steps, 4))
    losses, norms, lrs = [], [], []
    for step in range(steps):
        batch = np.stack([ids[s:s + T + 1] for s in starts[step]])
        x, y = torch.tensor(batch[:, :-1]), torch.tensor(batch[:, 1:])
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)))
        opt.step()
        scheduler.step()
        losses.append(loss.item())
        lrs.append(scheduler.get_last_lr() + [opt.param_groups[0]["betas"][0]])
    model.eval()
    with torch.no_grad():  # greedy decoding, one token at a time
        idx = torch.tensor(ids[None, :4])
        for _ in range(6):
            nxt = model(idx[:, -T:])[:, -1, :].argmax(dim=-1, keepdim=True)
            idx = torch.cat([idx, nxt], dim=1)
    return losses, norms + [v for row in lrs for v in row] + idx.flatten().tolist(), weights(model)


def penalized_regression(torch):
    """A Softclip custom Function (ctx style, a non-Tensor argument, a backward written with
    torch ops so it can be differentiated again) inside a model trained with an input-gradient
    penalty, RMSprop and LambdaLR."""
    nn = torch.nn

    class Softclip(torch.autograd.Function):
        """y = c * tanh(x / c)."""

        @staticmethod
        def forward(ctx, x, c):
            ctx.c = c
            y = c * torch.tanh(x / c)
            ctx.save_for_backward(x)
            return y

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            t = torch.tanh(x / ctx.c)
            return grad * (1 - t * t) if ctx.needs_input_grad[0] else None, None

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(OrderedDict(fc1=nn.Linear(2, 16), act=nn.SiLU(),
                                                  fc2=nn.Linear(16, 8)))
            self.out = nn.Linear(8, 1)

        def forward(self, x):
            return self.out(Softclip.apply(self.body(x), 1.5))

    rng = np.random.default_rng(5)
    X = rng.uniform(-2, 2, (64, 2))
    Y = np.sin(X[:, :1]) * np.cos(X[:, 1:]) + 0.05 * rng.standard_normal((64, 1))
    x_all, y_all = torch.tensor(X), torch.tensor(Y)
    assert torch.autograd.gradcheck(lambda t: Softclip.apply(t, 1.5),
                                    (torch.tensor(X[:3, 0], requires_grad=True),))
    assert torch.autograd.gradgradcheck(lambda t: Softclip.apply(t, 1.5),
                                        (torch.tensor(X[:3, 0], requires_grad=True),))
    model = Model().double()
    randomize(torch, model, 6, scale=0.5)
    opt = torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9, centered=True,
                              momentum=0.5)
    scheduler = torch.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1.0 / (1.0 + 0.1 * epoch))
    mse = nn.MSELoss()
    losses, penalties = [], []
    for _ in range(12):
        for i in range(0, 64, 16):
            xb = x_all[i:i + 16].clone().requires_grad_(True)
            pred = model(xb)
            (dx,) = torch.autograd.grad(pred.sum(), xb, create_graph=True)
            penalty = ((dx.norm(2, dim=1) - 1) ** 2).mean()
            loss = mse(pred, y_all[i:i + 16]) + 0.1 * penalty
            opt.zero_grad()
            loss.backward()
            opt.step()
            assert xb.grad is not None  # the leaf input got its gradient too
            losses.append(loss.item())
            penalties.append(penalty.item())
        scheduler.step()
    return losses, penalties + scheduler.get_last_lr(), weights(model)


def attention_tagger(torch):
    """Tag each token of padded sequences (nn.Embedding with padding_idx, nn.MultiheadAttention
    with key_padding_mask, CrossEntropyLoss with ignore_index and label_smoothing), with SGD,
    MultiStepLR and a checkpoint halfway through from which a fresh model resumes."""
    nn = torch.nn
    V, D, C, PAD = 12, 8, 3, 0  # noqa: N806
    rng = np.random.default_rng(8)
    lengths = rng.integers(3, 9, size=24)
    tokens = np.zeros((24, 8), dtype=np.int64)
    tags = np.full((24, 8), -100, dtype=np.int64)
    for row, n in enumerate(lengths):
        tokens[row, :n] = rng.integers(1, V, size=n)
        tags[row, :n] = tokens[row, :n] % C
    dataset = torch.utils.data.TensorDataset(torch.tensor(tokens), torch.tensor(tags))

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(V, D, padding_idx=PAD)
            self.attn = nn.MultiheadAttention(D, num_heads=2, batch_first=True)
            self.norm = nn.LayerNorm(D)
            self.out = nn.Linear(D, C)

        def forward(self, tokens):
            x = self.embed(tokens)
            a, weights = self.attn(x, x, x, key_padding_mask=tokens == PAD)
            return self.out(self.norm(x + a)), weights

    def build():
        model = Tagger().double()
        opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9, nesterov=True,
                              weight_decay=1e-4)
        return model, opt, torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[3, 5],
                                                                gamma=0.3)

    model, opt, scheduler = build()
    randomize(torch, model, 9)
    with torch.no_grad():
        model.embed.weight[PAD] = 0.0  # the padding row stays zero, as at construction
    criterion = nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=0.1)
    loader = torch.utils.data.DataLoader(dataset, batch_size=8)
    losses, checkpoint = [], None
    for epoch in range(8):
        if epoch == 4:  # save everything, rebuild from scratch, resume
            checkpoint = copy.deepcopy({"model": model.state_dict(), "opt": opt.state_dict(),
                                        "sched": scheduler.state_dict()})
            model, opt, scheduler = build()
            model.load_state_dict(checkpoint["model"])
            opt.load_state_dict(checkpoint["opt"])
            scheduler.load_state_dict(checkpoint["sched"])
        for xb, yb in loader:
            logits, attention = model(xb)
            loss = criterion(logits.reshape(-1, C), yb.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        scheduler.step()
        losses.append(opt.param_groups[0]["lr"])
    assert math.isclose(attention.sum().item(), attention.shape[0] * attention.shape[1])
    embedding_grad_pad = np.asarray(model.embed.weight.grad[PAD]).tolist()
    return losses, embedding_grad_pad, weights(model)


def streamed_classifier(torch):
    """A softmax classifier fed by an IterableDataset that yields dict samples, evaluated on a
    ConcatDataset, with Adagrad under SequentialLR (a linear warm-up, then warm restarts)."""
    nn, F = torch.nn, torch.nn.functional
    data = torch.utils.data
    rng = np.random.default_rng(11)
    centers = rng.standard_normal((3, 4)) * 2

    class Stream(data.IterableDataset):
        def __init__(self, seed, n):
            self.seed, self.n = seed, n

        def __iter__(self):
            draw = np.random.default_rng(self.seed)
            for _ in range(self.n):
                label = int(draw.integers(0, 3))
                yield {"x": centers[label] + draw.standard_normal(4), "y": label}

        def __len__(self):
            return self.n

    def rows(seed, n):
        draw = np.random.default_rng(seed)
        labels = draw.integers(0, 3, n)
        return data.TensorDataset(torch.tensor(centers[labels] + draw.standard_normal((n, 4))),
                                  torch.tensor(labels))

    model = nn.Sequential(nn.Linear(4, 12), nn.LayerNorm(12), nn.Tanh(), nn.Linear(12, 3))
    model = model.double()
    randomize(torch, model, 12)
    opt = torch.optim.Adagrad(model.parameters(), lr=0.2, lr_decay=0.01,
                              initial_accumulator_value=0.1)
    schedulers = torch.optim.lr_scheduler
    scheduler = schedulers.SequentialLR(
        opt, [schedulers.LinearLR(opt, start_factor=0.2, total_iters=3),
              schedulers.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.01)],
        milestones=[3])
    evaluation = rows(20, 10) + rows(21, 7)
    losses = []
    for epoch in range(10):
        loader = data.DataLoader(Stream(epoch, 40), batch_size=16)
        assert len(loader) == 3
        for batch in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(batch["x"]), batch["y"])
            loss.backward()
            opt.step()
            losses.append(loss.item())
        scheduler.step()
        losses += scheduler.get_last_lr()
        with torch.no_grad():
            for xb, yb in data.DataLoader(evaluation, batch_size=17):
                losses.append(F.cross_entropy(model(xb), yb, reduction="sum").item())
    return losses, [len(evaluation)], weights(model)


PROGRAMS = [digits_cnn, causal_lm, penalized_regression, attention_tagger, streamed_classifier]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    ours = program(tinygraph)
    theirs = program(torch)
    same_run(ours, theirs)
