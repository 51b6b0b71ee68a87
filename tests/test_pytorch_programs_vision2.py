"""Vision training programs written once and run twice, on torch and on tinygraph imported as
torch, with the same float64 losses, metrics and final weights: a mini ResNet trained by
nesterov SGD with parameter groups that keep biases and norm weights out of weight decay,
a linear warm-up followed by cosine annealing (SequentialLR) and gradient clipping; a
MobileNet block (depthwise and pointwise convolutions, ReLU6) with a Squeeze-and-Excitation
gate; a DenseNet block that grows its channels with torch.cat; and a checkpoint written with
save/load in the middle of training, read into a fresh model and optimizer, after which
training goes on exactly as without the break. Data and initial weights come from NumPy."""

from __future__ import annotations

import io

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def images(seed, n=6, c=3, size=8, classes=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c, size, size)), rng.integers(0, classes, n)


def he_init(torch, model):
    """The usual torchvision-style initialisation: Kaiming (fan_out) convolutions, BN at
    one and zero, small Linear layers."""
    nn = torch.nn

    def init(m):
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.01)
            nn.init.zeros_(m.bias)

    model.apply(init)


def mini_resnet(torch):
    nn, F = torch.nn, torch.nn.functional

    class Basic(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = nn.Sequential()
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                              nn.BatchNorm2d(cout))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)), inplace=True)
            out = self.bn2(self.conv2(out))
            return F.relu(out + self.shortcut(x))

    class ResNet(nn.Module):
        def __init__(self, classes=3):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False),
                                      nn.BatchNorm2d(4), nn.ReLU(inplace=True))
            self.layer1 = Basic(4, 4, 1)
            self.layer2 = Basic(4, 8, 2)
            self.pool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(8, classes)

        def forward(self, x):
            x = self.layer2(self.layer1(self.stem(x)))
            return self.fc(torch.flatten(self.pool(x), 1))

    model = ResNet().double()
    randomize(torch, model, 1)
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim <= 1 or name.endswith(".bias") else decay).append(p)
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=0.1, momentum=0.9, nesterov=True)
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=2)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=1e-3)
    sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cosine], milestones=[2])
    x_np, y_np = images(2)
    x, y = torch.tensor(x_np), torch.tensor(y_np)
    losses, metrics = [], []
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    for _ in range(6):
        model.train()
        loss = criterion(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        metrics += [float(norm), sched.get_last_lr()[0], opt.param_groups[1]["lr"]]
    model.eval()
    with torch.no_grad():
        metrics.append((model(x).argmax(1) == y).float().mean().item())
    metrics.append(len(decay))
    return losses, metrics, weights(model)


def mobilenet_se(torch):
    nn, F = torch.nn, torch.nn.functional

    class SqueezeExcite(nn.Module):
        def __init__(self, channels, reduced):
            super().__init__()
            self.reduce = nn.Conv2d(channels, reduced, 1)
            self.expand = nn.Linear(reduced, channels)

        def forward(self, x):
            s = F.adaptive_avg_pool2d(x, 1)
            s = F.relu(self.reduce(s)).flatten(1)
            gate = torch.sigmoid(self.expand(s))
            return x * gate[:, :, None, None]

    class InvertedResidual(nn.Module):
        def __init__(self, cin, expand):
            super().__init__()
            hidden = cin * expand
            self.block = nn.Sequential(
                nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(True),
                nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden, bias=False),
                nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
                SqueezeExcite(hidden, 2),
                nn.Conv2d(hidden, cin, 1, bias=False), nn.BatchNorm2d(cin))

        def forward(self, x):
            return x + self.block(x)

    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(4),
        nn.Hardtanh(0.0, 6.0), InvertedResidual(4, 2),
        nn.Conv2d(4, 4, 3, padding=1, groups=4), nn.Conv2d(4, 6, 1), nn.ReLU6(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.0), nn.Linear(6, 3)).double()
    he_init(torch, model)
    randomize(torch, model, 3)
    opt = torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9, momentum=0.5, eps=1e-3)
    x_np, y_np = images(4)
    x, y = torch.tensor(x_np), torch.tensor(y_np)
    losses, metrics = [], []
    for _ in range(4):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        probs = F.softmax(model(x), dim=1)
        metrics += probs.max(dim=1).values.tolist()
        metrics.append(model[3].block[3].weight.shape[1])
    return losses, metrics, weights(model)


def densenet_block(torch):
    nn, F = torch.nn, torch.nn.functional

    class DenseLayer(nn.Module):
        def __init__(self, cin, growth):
            super().__init__()
            self.norm = nn.BatchNorm2d(cin)
            self.conv = nn.Conv2d(cin, growth, 3, padding=1, bias=False)

        def forward(self, features):
            joined = torch.cat(features, 1) if isinstance(features, list) else features
            return self.conv(F.relu(self.norm(joined)))

    class DenseBlock(nn.ModuleDict):
        def __init__(self, layers, cin, growth):
            super().__init__()
            for i in range(layers):
                self.add_module(f"denselayer{i + 1}", DenseLayer(cin + i * growth, growth))

        def forward(self, x):
            features = [x]
            for _, layer in self.items():
                features.append(layer(features))
            return torch.cat(features, dim=1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 4, 3, padding=1, bias=False)
            self.block = DenseBlock(3, 4, 2)
            self.transition = nn.Sequential(nn.BatchNorm2d(10), nn.ReLU(),
                                            nn.Conv2d(10, 5, 1, bias=False),
                                            nn.AvgPool2d(2, 2))
            self.classifier = nn.Linear(5, 3)

        def forward(self, x):
            x = self.transition(self.block(self.stem(x)))
            x = F.adaptive_max_pool2d(x, (1, 1)).view(x.size(0), -1)
            return self.classifier(x)

    model = Net().double()
    randomize(torch, model, 5)
    opt = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.05)
    x_np, y_np = images(6)
    x, y = torch.tensor(x_np), torch.tensor(y_np)
    losses = []
    for _ in range(4):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    widths = [layer.norm.num_features for layer in model.block.values()]
    return losses, widths, weights(model)


def checkpoint_resume(torch):
    """Train two steps, save model, optimizer and epoch to a buffer, load them into a fresh
    model and optimizer, train on; the caller compares with an unbroken run."""
    nn, F = torch.nn, torch.nn.functional

    def make():
        model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 3)).double()
        opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99),
                               weight_decay=1e-3, amsgrad=True)
        return model, opt

    x_np, y_np = images(7)
    x, y = torch.tensor(x_np), torch.tensor(y_np)

    def train(model, opt, steps, losses):
        model.train()
        for _ in range(steps):
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())

    def run(broken):
        model, opt = make()
        randomize(torch, model, 8)
        losses = []
        train(model, opt, 2, losses)
        if broken:
            buffer = io.BytesIO()
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                        "epoch": 2}, buffer)
            buffer.seek(0)
            state = torch.load(buffer)
            model, opt = make()
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            assert state["epoch"] == 2
        train(model, opt, 3, losses)
        return losses, weights(model)

    straight, broken = run(False), run(True)
    np.testing.assert_allclose(broken[0], straight[0], rtol=1e-12)
    for key in straight[1]:
        np.testing.assert_allclose(broken[1][key], straight[1][key], rtol=1e-12, err_msg=key)
    return broken[0], [], broken[1]


PROGRAMS = [mini_resnet, mobilenet_se, densenet_block, checkpoint_resume]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    ours = program(tinygraph)
    theirs = program(torch)
    same_run(ours, theirs)
