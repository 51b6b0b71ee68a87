"""A program in the style of real training code that leans on torch's class layout, run on
torch and on tinygraph imported as torch: weights initialised by ``isinstance`` dispatch over
Conv1d/Conv2d/BatchNorm1d/BatchNorm2d, norm layers found through
``torch.nn.modules.batchnorm._BatchNorm`` and kept out of weight decay, a loss subclassing
``torch.nn.modules.loss._Loss``, a convolution written with ``torch.nn.modules.utils._pair``,
and a hand-written optimizer whose state is ``torch.zeros_like(p,
memory_format=torch.preserve_format)``. Then focused checks of what it needed: torch's
subclass relations between layer classes, ``torch.nn.modules``' paths, memory formats, and
ConvTranspose3d's output_size; and a generator with InstanceNorm2d(track_running_stats=True)."""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def layered_model(torch):
    nn, F = torch.nn, torch.nn.functional
    _pair = torch.nn.modules.utils._pair

    class SeparableConv(nn.Module):
        def __init__(self, channels, kernel_size):
            super().__init__()
            self.kernel_size, self.padding = _pair(kernel_size), _pair(kernel_size // 2)
            self.depthwise = nn.Parameter(torch.empty(channels, 1, *self.kernel_size,
                                                      dtype=torch.float64))

        def forward(self, x):
            return F.conv2d(x, self.depthwise, padding=self.padding, groups=x.shape[1])

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.signal = nn.Sequential(nn.Conv1d(1, 3, 3, padding=1), nn.BatchNorm1d(3),
                                        nn.ReLU6(), nn.MaxPool1d(2))
            self.image = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3),
                                       nn.ReLU(), SeparableConv(3, 3), nn.MaxPool2d(2))
            self.head = nn.Linear(3 * 4 + 3 * 4 * 4, 2)

        def forward(self, signal, image):
            a = torch.flatten(self.signal(signal), 1)
            b = torch.flatten(self.image(image), 1)
            return self.head(torch.cat([a, b], 1))

    class FocalishLoss(torch.nn.modules.loss._Loss):
        def __init__(self, gamma=2.0, reduction="mean"):
            super().__init__(reduction=reduction)
            self.gamma = gamma

        def forward(self, logits, target):
            logp = F.log_softmax(logits, 1).gather(1, target.unsqueeze(1)).squeeze(1)
            loss = -((1 - logp.exp()) ** self.gamma) * logp
            return loss.mean() if self.reduction == "mean" else loss.sum()

    class Momentum(torch.optim.Optimizer):
        def __init__(self, params, lr=0.1, beta=0.9, weight_decay=0.0):
            super().__init__(params, dict(lr=lr, beta=beta, weight_decay=weight_decay))

        @torch.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if not state:
                        state["buf"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    grad = p.grad.add(p, alpha=group["weight_decay"])
                    state["buf"].mul_(group["beta"]).add_(grad)
                    p.sub_(group["lr"] * state["buf"])

    model = Net().double()
    randomize(torch, model, 30)
    rng = np.random.default_rng(31)
    counts = {"conv1d": 0, "conv2d": 0, "bn1d": 0, "bn2d": 0, "pool1d": 0}
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            counts["conv2d"] += 1
            with torch.no_grad():
                m.weight.copy_(torch.tensor(rng.standard_normal(tuple(m.weight.shape)) * 0.5))
        elif isinstance(m, nn.Conv1d):
            counts["conv1d"] += 1
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            counts["bn2d"] += 1
            nn.init.constant_(m.weight, 0.5)
        elif isinstance(m, nn.BatchNorm1d):
            counts["bn1d"] += 1
            nn.init.constant_(m.weight, 2.0)
        if isinstance(m, nn.MaxPool2d):
            counts["pool1d"] -= 1  # MaxPool1d is no MaxPool2d, in torch
        if isinstance(m, SeparableConv):
            with torch.no_grad():
                m.depthwise.copy_(torch.tensor(rng.standard_normal((3, 1, 3, 3)) * 0.3))
    norm_types = (torch.nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm)
    no_decay = {id(p) for m in model.modules() if isinstance(m, norm_types)
                for p in m.parameters(recurse=False)}
    params = list(model.parameters())
    optimizer = Momentum([{"params": [p for p in params if id(p) not in no_decay],
                           "weight_decay": 1e-2},
                          {"params": [p for p in params if id(p) in no_decay]}], lr=0.05)
    criterion = FocalishLoss()
    signals = torch.tensor(rng.standard_normal((10, 1, 8)))
    images = torch.tensor(rng.standard_normal((10, 1, 8, 8)))
    labels = torch.tensor((signals.numpy().mean((1, 2)) > 0).astype(np.int64))
    losses = []
    for _ in range(4):
        optimizer.zero_grad()
        loss = criterion(model(signals, images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        accuracy = (model(signals, images).argmax(1) == labels).type(torch.float).mean().item()
    return losses, [*counts.values(), len(no_decay), accuracy], weights(model)


def test_a_program_dispatching_on_layer_classes_gives_the_same_numbers(torch):
    same_run(layered_model(tinygraph), layered_model(torch))


def _classes(module):
    return {n: c for n, c in vars(module).items() if inspect.isclass(c) and n[:1] != "_"}


@pytest.mark.parametrize("path", ["nn", "optim", "optim.lr_scheduler", "utils.data"])
def test_layer_classes_subclass_each_other_as_in_torch(torch, path):
    """isinstance(m, nn.Conv2d) is False for a Conv1d, nn.BatchNorm1d does not match a
    BatchNorm2d, CrossEntropyLoss is no NLLLoss, ReLU6 is a Hardtanh, ZeroPad2d a
    ConstantPad2d (tinygraph had Conv1d/3d subclass Conv2d, and the like)."""
    theirs = _classes(eval(f"torch.{path}", {"torch": torch}))
    ours = _classes(eval(f"tinygraph.{path}", {"tinygraph": tinygraph}))
    shared = sorted(set(theirs) & set(ours))
    assert len(shared) > 5
    differ = [(a, b) for a in shared for b in shared if a != b
              and issubclass(theirs[a], theirs[b]) != issubclass(ours[a], ours[b])]
    assert differ == []


def test_torch_nn_modules_paths_hold_the_same_classes(torch):
    mods = tinygraph.nn.modules
    for sub in ("loss", "batchnorm", "conv", "container", "activation", "rnn", "dropout",
                "pooling", "linear", "module", "normalization", "sparse", "transformer"):
        for name in getattr(torch.nn.modules, sub).__all__:
            if hasattr(tinygraph.nn, name):
                assert getattr(getattr(mods, sub), name) is getattr(tinygraph.nn, name), name
    assert mods.loss.CrossEntropyLoss is tinygraph.nn.CrossEntropyLoss
    assert mods.Linear is tinygraph.nn.Linear
    from tinygraph.nn.modules.batchnorm import _BatchNorm, _NormBase
    from tinygraph.nn.modules.conv import _ConvNd
    from tinygraph.nn.modules.dropout import _DropoutNd
    from tinygraph.nn.modules.loss import _Loss, _WeightedLoss
    from tinygraph.nn.modules.utils import _ntuple, _pair, _single, _triple
    nn = tinygraph.nn
    cases = [(nn.BatchNorm2d(2), _BatchNorm), (nn.InstanceNorm1d(2), _NormBase),
             (nn.LayerNorm(2), _NormBase), (nn.ConvTranspose1d(1, 1, 1), _ConvNd),
             (nn.Dropout2d(), _DropoutNd), (nn.Dropout(), _DropoutNd),
             (nn.CrossEntropyLoss(), _WeightedLoss), (nn.MSELoss(), _Loss),
             (nn.LSTM(1, 1), nn.RNNBase), (nn.GRUCell(1, 1), nn.RNNCellBase)]
    from torch.nn.modules import batchnorm, conv, dropout, loss
    theirs = {_BatchNorm: batchnorm._BatchNorm, _NormBase: batchnorm._NormBase,
              _ConvNd: conv._ConvNd, _DropoutNd: dropout._DropoutNd, _Loss: loss._Loss,
              _WeightedLoss: loss._WeightedLoss, nn.RNNBase: torch.nn.RNNBase,
              nn.RNNCellBase: torch.nn.RNNCellBase}
    for layer, base in cases:
        twin = getattr(torch.nn, type(layer).__name__)
        assert isinstance(layer, base) == issubclass(twin, theirs[base]), (layer, base)
    from torch.nn.modules import utils
    for ours, their in ((_single, utils._single), (_pair, utils._pair),
                        (_triple, utils._triple), (_ntuple(4), utils._ntuple(4))):
        for value in (3, (1, 2), [4, 5, 6]):
            assert ours(value) == their(value)
    with pytest.raises(AttributeError):
        mods.loss.NoSuchLoss  # noqa: B018


def test_memory_formats_are_accepted_and_change_no_values(torch):
    """Hand-written optimizers write zeros_like(p, memory_format=torch.preserve_format)."""
    for lib in (torch, tinygraph):
        p = lib.tensor(np.arange(24.0).reshape(1, 2, 3, 4))
        assert isinstance(lib.channels_last, lib.memory_format)
        for fmt in (lib.preserve_format, lib.contiguous_format):
            assert lib.zeros_like(p, memory_format=fmt).sum().item() == 0
            assert lib.ones_like(p, memory_format=fmt).shape == p.shape
            assert lib.empty_like(p, memory_format=fmt).dtype == p.dtype
            assert lib.full_like(p, 2.0, memory_format=fmt).sum().item() == 48
            assert lib.rand_like(p, memory_format=fmt).shape == p.shape
            assert lib.randn_like(p, memory_format=fmt).shape == p.shape
            assert lib.randint_like(p, 3, memory_format=fmt).shape == p.shape
            np.testing.assert_array_equal(p.clone(memory_format=fmt).numpy(), p.numpy())
        for fmt in (lib.channels_last, lib.contiguous_format):
            np.testing.assert_array_equal(p.contiguous(memory_format=fmt).numpy(), p.numpy())
            np.testing.assert_array_equal(p.to(memory_format=fmt).numpy(), p.numpy())
        with pytest.raises(TypeError):
            lib.zeros_like(p, memory_format=3)
    assert pickle.loads(pickle.dumps(tinygraph.channels_last)) is tinygraph.channels_last


def test_conv_transpose3d_reaches_an_output_size_as_torch(torch):
    """It called the 2-D transposed convolution on 3-D input."""
    results = []
    for lib in (torch, tinygraph):
        layer = lib.nn.ConvTranspose3d(2, 3, 3, stride=2).double()
        randomize(lib, layer, 32)
        x = lib.tensor(np.random.default_rng(33).standard_normal((1, 2, 3, 3, 3)))
        results.append(layer(x, output_size=(8, 7, 8)).detach().numpy())
    assert results[0].shape == (1, 3, 8, 7, 8)
    np.testing.assert_allclose(results[1], results[0], rtol=1e-10, atol=1e-12)


def instance_norm_generator(torch):
    """An image-to-image generator with InstanceNorm2d(affine=True, track_running_stats=True)
    (CycleGAN's option): trained a few steps, then run in eval mode on the running
    statistics; the running buffers are part of the compared weights."""
    nn, F = torch.nn, torch.nn.functional
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, padding_mode="reflect"),
                        nn.InstanceNorm2d(4, affine=True, track_running_stats=True),
                        nn.ReLU(True), nn.Conv2d(4, 1, 3, padding=1),
                        nn.InstanceNorm2d(1, track_running_stats=True, momentum=None),
                        nn.Tanh()).double()
    randomize(torch, net, 35)
    rng = np.random.default_rng(36)
    x = torch.tensor(rng.standard_normal((4, 1, 6, 6)))
    y = torch.tensor(np.tanh(rng.standard_normal((4, 1, 6, 6))))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    losses = []
    for _ in range(4):
        opt.zero_grad()
        loss = F.l1_loss(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    net.eval()
    with torch.no_grad():
        losses.append(F.l1_loss(net(x), y).item())
    return losses, [int(net[1].num_batches_tracked)], weights(net)


def test_instance_norm_with_running_statistics_is_torchs(torch):
    same_run(instance_norm_generator(tinygraph), instance_norm_generator(torch))


def test_functional_instance_norm_without_input_stats_needs_running_stats(torch):
    for lib in (torch, tinygraph):
        with pytest.raises(RuntimeError):
            lib.nn.functional.instance_norm(lib.ones(2, 3, 4), use_input_stats=False)
