"""Classic PyTorch programs of common practice, run on torch and on tinygraph imported as
torch, with equal float64 losses, metrics and final weights: skip-gram with negative sampling,
a padding collate_fn over a variable-length Dataset, a tiny U-Net, a ResNet of BasicBlocks
with a downsampling shortcut trained with gradient accumulation, and k-fold cross validation
with SubsetRandomSampler and early stopping. Where a program draws inside torch (a shuffling
DataLoader, SubsetRandomSampler) only order-free quantities are compared."""

from __future__ import annotations

import copy
from collections import namedtuple

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph

_Pair = namedtuple("_Pair", "value name")

def skipgram_negative_sampling(torch):
    """Skip-gram with negative sampling: center and context embeddings, bmm of the context and
    negative vectors against the center one, logsigmoid; the negatives drawn by NumPy from the
    unigram distribution to the 3/4 power; SparseAdam-free plain Adam on dense embeddings."""
    nn, F = torch.nn, torch.nn.functional
    words = ("the cat sat on the mat the dog sat on the log a cat and a dog met on a mat").split()
    vocab = sorted(set(words))
    word_to_ix = {w: i for i, w in enumerate(vocab)}
    ids = [word_to_ix[w] for w in words]
    pairs = [(ids[i], ids[j]) for i in range(len(ids))
             for j in range(max(0, i - 2), min(len(ids), i + 3)) if j != i]
    counts = np.bincount(ids, minlength=len(vocab)).astype(np.float64)
    noise = counts ** 0.75 / (counts ** 0.75).sum()
    rng = np.random.default_rng(20)

    class SkipGram(nn.Module):
        def __init__(self, vocab_size, dim):
            super().__init__()
            self.center = nn.Embedding(vocab_size, dim)
            self.context = nn.Embedding(vocab_size, dim)

        def forward(self, center, context, negatives):
            v = self.center(center).unsqueeze(2)                      # (B, D, 1)
            u = self.context(context).unsqueeze(1)                    # (B, 1, D)
            n = self.context(negatives)                               # (B, K, D)
            pos = F.logsigmoid(torch.bmm(u, v).squeeze(2)).squeeze(1)
            neg = F.logsigmoid(-torch.bmm(n, v).squeeze(2)).sum(1)
            return -(pos + neg).mean()

    model = SkipGram(len(vocab), 5).double()
    randomize(torch, model, 21)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _step in range(6):
        batch = [pairs[i] for i in rng.choice(len(pairs), 16, replace=False)]
        center = torch.tensor([c for c, _ in batch])
        context = torch.tensor([o for _, o in batch])
        negatives = torch.from_numpy(rng.choice(len(vocab), (16, 3), p=noise))
        optimizer.zero_grad()
        loss = model(center, context, negatives)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        table = F.normalize(model.center.weight, dim=1)
        sims = table @ table[word_to_ix["cat"]]
        best = sims.topk(3).indices.tolist()
    return losses, best, weights(model)


def padded_batches(torch):
    """A Dataset of variable-length sequences, a collate_fn that pads them with
    nn.utils.rnn.pad_sequence and returns lengths, a masked mean-pool GRU classifier; one
    DataLoader with an explicit order, one shuffling with a seeded torch.Generator (only the
    order-free epoch sums are compared from that one)."""
    nn, F = torch.nn, torch.nn.functional
    data = torch.utils.data
    rng = np.random.default_rng(22)
    seqs = [rng.integers(1, 8, rng.integers(2, 7)) for _ in range(20)]
    labels = [int((s % 2).sum() > len(s) / 2) for s in seqs]

    class Sequences(data.Dataset):
        def __init__(self, seqs, labels):
            self.seqs, self.labels = seqs, labels

        def __len__(self):
            return len(self.seqs)

        def __getitem__(self, idx):
            return torch.tensor(self.seqs[idx], dtype=torch.long), self.labels[idx]

    def collate_fn(batch):
        xs, ys = zip(*batch)
        lengths = torch.tensor([len(x) for x in xs])
        padded = nn.utils.rnn.pad_sequence(list(xs), batch_first=True, padding_value=0)
        return padded, lengths, torch.tensor(ys)

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(8, 4, padding_idx=0)
            self.gru = nn.GRU(4, 6, batch_first=True)
            self.out = nn.Linear(6, 2)

        def forward(self, x, lengths):
            h, _ = self.gru(self.embed(x))
            mask = (torch.arange(x.size(1))[None, :] < lengths[:, None]).unsqueeze(-1)
            pooled = (h * mask).sum(1) / lengths.unsqueeze(1).to(h.dtype)
            return self.out(pooled)

    model = Classifier().double()
    randomize(torch, model, 23)
    with torch.no_grad():
        model.embed.weight[0].zero_()
    dataset = Sequences(seqs, labels)
    order = [int(i) for i in rng.permutation(len(seqs))]
    loader = data.DataLoader(dataset, batch_size=6, sampler=order, collate_fn=collate_fn)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.01)
    losses, shapes = [], []
    for _epoch in range(3):
        for x, lengths, y in loader:
            shapes.append(x.shape[1])
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x, lengths), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    g = torch.Generator()
    g.manual_seed(0)
    shuffled = data.DataLoader(dataset, batch_size=7, shuffle=True, generator=g,
                               collate_fn=collate_fn)
    with torch.no_grad():
        total, correct, seen = 0.0, 0, 0
        for x, lengths, y in shuffled:
            logits = model(x, lengths)
            total += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).type(torch.float).sum().item()
            seen += len(y)
    return losses, shapes + [total, correct, seen, len(shuffled)], weights(model)


def tiny_unet(torch):
    """A two-level U-Net for 1x8x8 segmentation: double-conv blocks, MaxPool2d down,
    ConvTranspose2d up, torch.cat skip connections, an F.interpolate-upsampled auxiliary head,
    BCEWithLogitsLoss with a pos_weight, and a Dice score."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(24)
    images = rng.uniform(0, 1, (6, 1, 8, 8))
    masks = (images > 0.6).astype(np.float64)

    def double_conv(cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout),
                             nn.ReLU(inplace=True), nn.Conv2d(cout, cout, 3, padding=1),
                             nn.ReLU(inplace=True))

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.down1 = double_conv(1, 4)
            self.down2 = double_conv(4, 8)
            self.pool = nn.MaxPool2d(2)
            self.up = nn.ConvTranspose2d(8, 4, kernel_size=2, stride=2)
            self.dec = double_conv(8, 4)
            self.head = nn.Conv2d(4, 1, 1)
            self.aux = nn.Conv2d(8, 1, 1)

        def forward(self, x):
            x1 = self.down1(x)
            x2 = self.down2(self.pool(x1))
            y = self.dec(torch.cat([self.up(x2), x1], dim=1))
            aux = F.interpolate(self.aux(x2), scale_factor=2, mode="bilinear",
                                align_corners=False)
            return self.head(y), aux

    model = UNet().double()
    randomize(torch, model, 25)
    criterion = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1.5], dtype=torch.float64))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    x, y = torch.from_numpy(images), torch.from_numpy(masks)
    losses = []
    for _step in range(5):
        optimizer.zero_grad()
        logits, aux = model(x)
        loss = criterion(logits, y) + 0.4 * criterion(aux, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        pred = (torch.sigmoid(model(x)[0]) > 0.5).float()
        inter = (pred * y.float()).sum()
        dice = (2 * inter / (pred.sum() + y.float().sum() + 1e-6)).item()
    return losses, [dice], weights(model)


def resnet_accumulated(torch):
    """A ResNet of BasicBlocks (3x3 convs, BatchNorm, a 1x1 strided downsample shortcut when the
    shape changes, kaiming_normal_-style init replaced by NumPy weights), trained with gradient
    accumulation over micro-batches (loss / steps, optimizer.step every few), weight decay on
    conv weights only, a CosineAnnealingLR, and evaluation under model.eval()/no_grad."""
    nn, F = torch.nn, torch.nn.functional

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity
            return self.relu(out)

    class ResNet(nn.Module):
        def __init__(self, num_classes=3):
            super().__init__()
            self.inplanes = 4
            self.conv1 = nn.Conv2d(1, 4, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(4)
            self.layer1 = self._make_layer(4, 1)
            self.layer2 = self._make_layer(8, 1, stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(8 * BasicBlock.expansion, num_classes)
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)

        def _make_layer(self, planes, blocks, stride=1):
            downsample = None
            if stride != 1 or self.inplanes != planes * BasicBlock.expansion:
                downsample = nn.Sequential(
                    nn.Conv2d(self.inplanes, planes, 1, stride, bias=False),
                    nn.BatchNorm2d(planes))
            layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
            self.inplanes = planes * BasicBlock.expansion
            layers += [BasicBlock(self.inplanes, planes) for _ in range(1, blocks)]
            return nn.Sequential(*layers)

        def forward(self, x):
            x = F.relu(self.bn1(self.conv1(x)))
            x = self.layer2(self.layer1(x))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    model = ResNet().double()
    randomize(torch, model, 26)
    rng = np.random.default_rng(27)
    X = rng.standard_normal((24, 1, 6, 6))
    y = np.argmax(X.reshape(24, 3, 12).mean(-1), 1)
    decay = [p for n, p in model.named_parameters() if "conv" in n or "downsample.0" in n]
    rest = [p for n, p in model.named_parameters() if not ("conv" in n or "downsample.0" in n)]
    optimizer = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": rest}],
                                lr=0.1, momentum=0.9, nesterov=True)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=4)
    accumulation_steps = 3
    losses, lrs = [], []
    for _epoch in range(2):
        model.train()
        optimizer.zero_grad()
        for i in range(6):
            xb = torch.from_numpy(X[4 * i:4 * i + 4])
            yb = torch.from_numpy(y[4 * i:4 * i + 4])
            loss = F.cross_entropy(model(xb), yb) / accumulation_steps
            loss.backward()
            losses.append(loss.item())
            if (i + 1) % accumulation_steps == 0:
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                scheduler.step()
                lrs.append(scheduler.get_last_lr()[0])
        model.eval()
        with torch.no_grad():
            logits = model(torch.from_numpy(X))
            lrs.append((logits.argmax(1) == torch.from_numpy(y)).sum().item())
    return losses, lrs, weights(model)


def kfold_early_stopping(torch):
    """K-fold cross validation: a fresh model per fold reset from the same NumPy weights,
    trained on a Subset in a fixed order, validated through SubsetRandomSampler (sum of losses,
    order-free), early stopping with patience on the validation loss, the best state kept with
    copy.deepcopy and restored; per-fold scores averaged."""
    nn, F = torch.nn, torch.nn.functional
    data = torch.utils.data
    rng = np.random.default_rng(28)
    X = rng.standard_normal((30, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.standard_normal(30)
    dataset = data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y).unsqueeze(1))
    folds = np.array_split(np.arange(30), 3)
    scores, losses, stops = [], [], []
    final = {}
    for k, val_idx in enumerate(folds):
        train_idx = [int(i) for i in np.setdiff1d(np.arange(30), val_idx)]
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)).double()
        randomize(torch, model, 29)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
        train_loader = data.DataLoader(data.Subset(dataset, train_idx), batch_size=5)
        val_loader = data.DataLoader(dataset, batch_size=4, sampler=data.SubsetRandomSampler(
            [int(i) for i in val_idx]))
        best_loss, best_state, patience, bad = float("inf"), None, 2, 0
        epochs_run = 0
        for _ in range(12):
            epochs_run += 1
            model.train()
            for xb, yb in train_loader:
                optimizer.zero_grad()
                loss = F.mse_loss(model(xb), yb)
                loss.backward()
                optimizer.step()
            model.eval()
            with torch.no_grad():
                val_loss = sum(F.mse_loss(model(xb), yb, reduction="sum").item()
                               for xb, yb in val_loader) / len(val_idx)
            losses.append(val_loss)
            if val_loss < best_loss - 1e-4:
                best_loss, bad = val_loss, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                bad += 1
                if bad >= patience:
                    break
        stops.append(epochs_run)
        model.load_state_dict(best_state)
        scores.append(best_loss)
        final.update({f"fold{k}.{n}": v for n, v in weights(model).items()})
    return losses, stops + scores + [float(np.mean(scores))], final


PROGRAMS = [skipgram_negative_sampling, padded_batches, tiny_unet, resnet_accumulated,
            kfold_early_stopping]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    ours = program(tinygraph)
    theirs = program(torch)
    same_run(ours, theirs)


def test_collated_string_fields_are_tuples_as_torch(torch):
    """(image, label, name) samples: torch's default_collate gives the names as a tuple (the
    zip of the batch); a batch of bare strings, and strings under a dict key, stay a list."""
    samples = [(np.float64(i), i, f"s{i}") for i in range(3)]
    for lib in (torch, tinygraph):
        batch = lib.utils.data.default_collate(samples)
        assert batch[2] == ("s0", "s1", "s2")
        assert lib.utils.data.default_collate(["a", "b"]) == ["a", "b"]
        assert lib.utils.data.default_collate([{"k": "a"}, {"k": "b"}])["k"] == ["a", "b"]
        named = lib.utils.data.default_collate([_Pair(1.0, "x"), _Pair(2.0, "y")])
        assert named.name == ("x", "y") and named.value.tolist() == [1.0, 2.0]
