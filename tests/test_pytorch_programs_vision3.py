"""More vision programs run on torch and on tinygraph imported as torch, with the same float64
numbers: a tiny segmentation network trained with CrossEntropyLoss over (N, C, H, W) logits
with ignore_index plus a Dice loss (softmax against one_hot(...).permute(0, 3, 1, 2)), scored
by per-class IoU from a bincount confusion matrix and by flip test-time augmentation, fed by
random crops and flips sliced at NumPy-drawn offsets; and a fine-tuning script that edits a
model (setattr on a named child, every ReLU swapped for SiLU through named_modules and a
parent lookup, the head replaced by nn.Identity), freezes BatchNorm statistics and some
parameters, reads features through forward hooks and trains in channels_last."""

from __future__ import annotations

import numpy as np
import pytest
from twins import raises_as_torch, randomize, same_run, weights

import tinygraph


def segmentation(torch):
    nn, F = torch.nn, torch.nn.functional
    classes, ignore = 3, 255
    rng = np.random.default_rng(21)
    pool_x = rng.standard_normal((4, 2, 10, 10))
    pool_y = rng.integers(0, classes, (4, 10, 10))
    pool_y[:, :2, :2] = ignore

    class TinySeg(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Sequential(nn.Conv2d(2, 6, 3, padding=1), nn.BatchNorm2d(6),
                                     nn.ReLU(inplace=True))
            self.down = nn.Conv2d(6, 6, 3, stride=2, padding=1)
            self.up = nn.ConvTranspose2d(6, 6, 2, stride=2)
            self.head = nn.Conv2d(12, classes, 1)

        def forward(self, x):
            skip = self.enc(x)
            deep = self.up(F.relu(self.down(skip)))
            return self.head(torch.cat([skip, deep], dim=1))

    def dice_loss(logits, target, eps=1.0):
        valid = (target != ignore).unsqueeze(1)
        safe = torch.where(target == ignore, torch.zeros_like(target), target)
        probs = F.softmax(logits, dim=1) * valid
        onehot = F.one_hot(safe, num_classes=classes).permute(0, 3, 1, 2).to(probs.dtype)
        onehot = onehot * valid
        inter = (probs * onehot).sum(dim=(0, 2, 3))
        total = probs.sum(dim=(0, 2, 3)) + onehot.sum(dim=(0, 2, 3))
        return 1 - ((2 * inter + eps) / (total + eps)).mean()

    def batch(step):
        """Random 8x8 crops and horizontal flips by slicing, offsets drawn from NumPy."""
        draw = np.random.default_rng(100 + step)
        xs, ys = [], []
        for i in draw.permutation(4)[:2]:
            top, left = draw.integers(0, 3, size=2)
            x = torch.from_numpy(pool_x[i, :, top:top + 8, left:left + 8].copy())
            y = torch.from_numpy(pool_y[i, top:top + 8, left:left + 8].copy())
            if draw.random() < 0.5:
                x, y = torch.flip(x, dims=[2]), y.flip(-1)
            xs.append(x)
            ys.append(y)
        return torch.stack(xs), torch.stack(ys).long()

    model = TinySeg().double()
    randomize(torch, model, 22)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    criterion = nn.CrossEntropyLoss(ignore_index=ignore)
    losses, metrics = [], []
    for step in range(4):
        x, y = batch(step)
        logits = model(x)
        loss = criterion(logits, y) + 0.5 * dice_loss(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    x = torch.from_numpy(pool_x[:, :, 1:9, 1:9].copy())
    y = torch.from_numpy(pool_y[:, 1:9, 1:9].copy())
    with torch.inference_mode():
        logits = model(x)
        tta = (logits.softmax(1) + model(x.flip(3)).flip(3).softmax(1)) / 2
        for scores in (logits, tta):
            pred = scores.argmax(dim=1)
            keep = y != ignore
            conf = torch.bincount(classes * y[keep] + pred[keep],
                                  minlength=classes ** 2).reshape(classes, classes)
            iou = conf.diag() / (conf.sum(0) + conf.sum(1) - conf.diag()).clamp(min=1)
            metrics += iou.tolist() + [conf.diag().sum().item() / keep.sum().item()]
        metrics.append(F.cross_entropy(logits, y, ignore_index=ignore,
                                       reduction="sum").item())
        per_pixel = F.cross_entropy(logits, y, ignore_index=ignore, reduction="none")
        metrics += [per_pixel.shape[-1], per_pixel[:, 0, 0].abs().sum().item()]
    return losses, metrics, weights(model)


def fine_tuning(torch):
    nn, F = torch.nn, torch.nn.functional

    class Backbone(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
                nn.Conv2d(4, 6, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(6),
                nn.ReLU(inplace=True))
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(6, 10)

        def forward(self, x):
            return self.fc(self.pool(self.features(x)).flatten(1))

    model = Backbone().double()
    randomize(torch, model, 31)
    # model surgery
    setattr(model.features, "3", nn.Conv2d(4, 6, 3, stride=2, padding=1, bias=False))
    model.set_submodule("features.4", nn.BatchNorm2d(6), strict=True)
    for name, module in list(model.named_modules()):
        if isinstance(module, nn.ReLU):
            parent_name, _, child = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            setattr(parent, child, nn.SiLU(inplace=True))
    assert not any(isinstance(m, nn.ReLU) for m in model.modules())
    model.fc = nn.Identity()
    head = nn.Linear(6, 3)
    model = model.double()
    model.features[3].weight.data.copy_(torch.from_numpy(
        np.random.default_rng(32).standard_normal((6, 4, 3, 3)) * 0.3))
    randomize(torch, head.double(), 33)
    full = nn.Sequential(model, head).to(memory_format=torch.channels_last)

    for p in model.features[0].parameters():
        p.requires_grad_(False)
    model.features[1].weight.requires_grad = False

    def freeze_bn(m):
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()

    features = {}

    def keep(name):
        def hook(module, inputs, output):
            features[name] = output.detach()
        return hook

    handles = [model.features[2].register_forward_hook(keep("low")),
               model.pool.register_forward_hook(keep("pooled"))]
    trainable = list(filter(lambda p: p.requires_grad, full.parameters()))
    opt = torch.optim.SGD(trainable, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
    rng = np.random.default_rng(34)
    x_np, y_np = rng.standard_normal((4, 3, 8, 8)), rng.integers(0, 3, 4)
    x = torch.tensor(x_np).contiguous(memory_format=torch.channels_last)
    y = torch.tensor(y_np)
    losses, metrics = [], [len(trainable)]
    for step in range(4):
        full.train()
        if step >= 2:
            full.apply(freeze_bn)
        loss = F.cross_entropy(full(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        metrics += [features["low"].abs().mean().item(), tuple(features["pooled"].shape)[1],
                    model.features[4].running_mean.sum().item()]
    for handle in handles:
        handle.remove()
    features.clear()
    with torch.no_grad():
        full.eval()
        metrics.append(full(x).sum().item())
    metrics.append(len(features))
    assert model.features[0].weight.grad is None
    return losses, metrics, weights(full)


PROGRAMS = [segmentation, fine_tuning]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    ours = program(tinygraph)
    theirs = program(torch)
    same_run(ours, theirs)


def test_set_submodule_replaces_and_adds_as_torch(torch):
    for lib in (tinygraph, torch):
        nn = lib.nn
        model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
        model.set_submodule("1.0", nn.Tanh())
        model.set_submodule("1.extra", nn.Identity())
        assert isinstance(model[1][0], nn.Tanh) and isinstance(model.get_submodule("1.extra"),
                                                                  nn.Identity)
        assert [name for name, _ in model.named_modules()] == ["", "0", "1", "1.0", "1.extra"]


@pytest.mark.parametrize("code", [
    "torch.nn.Sequential(torch.nn.ReLU()).set_submodule('', torch.nn.ReLU())",
    "torch.nn.Sequential(torch.nn.ReLU()).set_submodule('0', 3)",
    "torch.nn.Sequential(torch.nn.ReLU()).set_submodule('1', torch.nn.ReLU(), strict=True)",
    "torch.nn.Sequential(torch.nn.ReLU()).set_submodule('2.0', torch.nn.ReLU())",
    "torch.nn.Linear(2, 2).set_submodule('weight', torch.nn.ReLU())",
])
def test_set_submodule_refuses_as_torch(torch, code):
    raises_as_torch(torch, code)


def test_a_data_parallel_prefix_is_consumed_as_torch(torch):
    from collections import OrderedDict

    results = []
    for lib in (tinygraph, torch):
        model = lib.nn.Linear(2, 3)
        state = OrderedDict(("module." + key, value) for key, value in model.state_dict().items())
        state["step"] = 1
        lib.nn.modules.utils.consume_prefix_in_state_dict_if_present(state, "module.")
        results.append(list(state))
        state.pop("step")
        assert not model.load_state_dict(state).missing_keys
    assert results[0] == results[1] == ["step", "weight", "bias"]


def global_hook_run(torch):
    """Every layer's output statistics through one global forward hook, its gradient norm
    through a global backward hook, beside a layer's own hook (which runs after)."""
    nn, modules = torch.nn, torch.nn.modules.module
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(48, 2)).double()
    randomize(torch, model, 41)
    seen = []
    handles = [
        modules.register_module_forward_pre_hook(
            lambda m, args: seen.append(("pre", type(m).__name__))),
        modules.register_module_forward_hook(
            lambda m, args, out: seen.append(("post", type(m).__name__, out.sum().item()))),
        modules.register_module_full_backward_hook(
            lambda m, gin, gout: seen.append(("grad", type(m).__name__,
                                              gout[0].norm().item()))),
        model[3].register_forward_hook(lambda m, args, out: out * 2),
    ]
    x = torch.tensor(np.random.default_rng(42).standard_normal((2, 2, 4, 4)),
                     requires_grad=True)
    model(x).pow(2).sum().backward()
    for handle in handles:
        handle.remove()
    model(x)  # no more records
    return seen, x.grad.numpy().copy()


def test_global_module_hooks_run_as_torch(torch):
    ours, our_grad = global_hook_run(tinygraph)
    theirs, their_grad = global_hook_run(torch)
    assert [r[:2] for r in ours] == [r[:2] for r in theirs]
    np.testing.assert_allclose([r[2] for r in ours if len(r) > 2],
                               [r[2] for r in theirs if len(r) > 2], rtol=1e-10)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-10)
