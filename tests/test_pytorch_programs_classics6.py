"""Weight averaging as real training scripts write it, run on torch and on tinygraph imported
as torch with equal float64 numbers: SWA (torch.optim.swa_utils.AveragedModel, SWALR after a
CosineAnnealingLR phase, update_bn over a DataLoader) next to an EMA copy
(get_ema_multi_avg_fn, use_buffers=True) and a hand-written EMA with lerp_. Then focused
checks of what it needed: swa_utils' pieces, Tensor.lerp_, and hasattr on torch.cuda."""

from __future__ import annotations

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def swa_and_ema(torch):
    nn, F = torch.nn, torch.nn.functional
    swa_utils = torch.optim.swa_utils
    rng = np.random.default_rng(60)
    X = rng.standard_normal((40, 3))
    y = np.sin(X @ np.array([1.0, -0.5, 0.25]))[:, None]
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), batch_size=8)
    model = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 1))
    model = model.double()
    randomize(torch, model, 61)
    swa_model = swa_utils.AveragedModel(model)
    ema_model = swa_utils.AveragedModel(model, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.9),
                                        use_buffers=True)
    ema_one = swa_utils.AveragedModel(model, avg_fn=swa_utils.get_ema_avg_fn(0.8))
    def floating():  # (tinygraph's state_dict holds ndarrays: see SPEC; tensors here)
        return [(k, v) for k, v in [*model.named_parameters(), *model.named_buffers()]
                if v.is_floating_point()]

    shadow = {k: v.detach().clone() for k, v in floating()}
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=6)
    swa_scheduler = swa_utils.SWALR(optimizer, swa_lr=0.02, anneal_epochs=2,
                                    anneal_strategy="linear")
    losses, lrs = [], []
    for epoch in range(6):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            ema_model.update_parameters(model)
            with torch.no_grad():
                for k, v in floating():
                    shadow[k].lerp_(v, 0.25)
        if epoch >= 3:
            swa_model.update_parameters(model)
            ema_one.update_parameters(model)
            swa_scheduler.step()
        else:
            scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    swa_utils.update_bn(loader, swa_model)
    state = swa_scheduler.state_dict()
    assert "anneal_func" not in state and "optimizer" not in state
    with torch.no_grad():
        x = torch.from_numpy(X)
        for m in (swa_model, ema_model, ema_one):
            m.eval()
            losses.append(F.mse_loss(m(x), torch.from_numpy(y)).item())
    counts = [int(m.n_averaged) for m in (swa_model, ema_model, ema_one)]
    out = {**weights(model)}
    for name, m in (("swa", swa_model), ("ema", ema_model), ("one", ema_one)):
        out.update({f"{name}.{k}": v for k, v in weights(m).items()})
    out.update({f"shadow.{k}": v.numpy().copy() for k, v in shadow.items()})
    return losses, lrs + counts, out


def test_weight_averaging_gives_the_same_numbers_on_both(torch):
    same_run(swa_and_ema(tinygraph), swa_and_ema(torch))


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 3])
def test_swalr_learning_rates_are_torchs(torch, strategy, anneal_epochs):
    runs = []
    for lib in (torch, tinygraph):
        params = [lib.nn.Parameter(lib.zeros(1)), lib.nn.Parameter(lib.zeros(1))]
        opt = lib.optim.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.3}],
                            lr=1.0)
        sched = lib.optim.swa_utils.SWALR(opt, swa_lr=[0.1, 0.05], anneal_epochs=anneal_epochs,
                                          anneal_strategy=strategy)
        lrs = [sched.get_last_lr()]
        for _ in range(5):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr())
        runs.append(lrs)
    np.testing.assert_allclose(runs[1], runs[0], rtol=1e-14)


def test_swa_utils_refuses_as_torch(torch):
    for lib in (torch, tinygraph):
        su = lib.optim.swa_utils
        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=1.0)
        with pytest.raises(ValueError):
            su.SWALR(opt, swa_lr=0.1, anneal_strategy="step")
        with pytest.raises(ValueError):
            su.SWALR(opt, swa_lr=0.1, anneal_epochs=-1)
        with pytest.raises(ValueError):
            su.get_ema_multi_avg_fn(1.5)
        with pytest.raises(AssertionError):
            su.AveragedModel(lib.nn.Linear(1, 1), avg_fn=su.get_swa_avg_fn(),
                             multi_avg_fn=su.get_swa_multi_avg_fn())


def test_swa_multi_avg_fn_is_the_running_mean(torch):
    results = []
    for lib in (torch, tinygraph):
        model = lib.nn.Linear(2, 1).double()
        avg = lib.optim.swa_utils.AveragedModel(
            model, multi_avg_fn=lib.optim.swa_utils.get_swa_multi_avg_fn())
        for k in range(4):
            with lib.no_grad():
                model.weight.copy_(lib.tensor([[k * 0.3, 1.0 - k]], dtype=lib.float64))
            avg.update_parameters(model)
        results.append(avg.module.weight.detach().numpy().copy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-15)
    np.testing.assert_allclose(results[1], [[0.45, -0.5]], rtol=1e-6)  # float32 weights


def test_lerp_in_place_is_torchs(torch):
    results = []
    for lib in (torch, tinygraph):
        a = lib.tensor([1.0, 2.0, -3.0], dtype=lib.float64)
        out = a.lerp_(lib.tensor([3.0, 5.0, 0.1], dtype=lib.float64), 0.7)
        assert out is a
        a.lerp_(lib.tensor([0.5, 0.25, 1.0], dtype=lib.float64),
                lib.tensor([0.2, 0.9, 0.5], dtype=lib.float64))
        w = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        x = w * 1
        x.lerp_(lib.tensor([3.0, 5.0, 0.0], dtype=lib.float64), 0.3)
        x.sum().backward()
        with pytest.raises(RuntimeError):
            w.lerp_(lib.zeros(3, dtype=lib.float64), 0.5)
        results.append((a.numpy().copy(), w.grad.numpy().copy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-15)


def test_hasattr_on_torch_cuda_answers_instead_of_raising(torch):
    """hasattr(torch.cuda, name) for a function tinygraph lacks is False (torch: whatever it
    has), never an exception; using it still says tinygraph runs on the CPU only."""
    assert not hasattr(tinygraph.cuda, "get_device_name")
    assert getattr(tinygraph.accelerator, "current_stream", None) is None
    with pytest.raises(RuntimeError, match="CPU only"):
        tinygraph.cuda.get_device_name(0)
    assert hasattr(torch.cuda, "is_available") and hasattr(tinygraph.cuda, "is_available")


def interpretability(torch):
    """Grad-CAM with a forward hook that keeps the last conv's activations and a tensor hook
    that keeps their gradient, a vanilla saliency map (input.requires_grad_(), abs().amax
    over channels), integrated gradients along a straight path (torch.autograd.grad on a
    batch of interpolated inputs), and a full backward hook recording grad_output norms."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(62)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(),
                                          nn.Conv2d(4, 6, 3, padding=1), nn.ReLU())
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(6, 3)

        def forward(self, x):
            return self.fc(torch.flatten(self.pool(self.features(x)), 1))

    model = Net().double().eval()
    randomize(torch, model, 63, scale=0.5)
    image = torch.tensor(rng.uniform(0, 1, (1, 3, 6, 6)))
    store, norms = {}, []

    def save_activation(module, inputs, output):
        store["act"] = output
        output.register_hook(lambda g: store.__setitem__("grad", g))

    handles = [model.features[3].register_forward_hook(save_activation),
               model.fc.register_full_backward_hook(
                   lambda m, gin, gout: norms.append(gout[0].norm().item()))]
    logits = model(image)
    cls = logits.argmax(1).item()
    one_hot = torch.zeros_like(logits)
    one_hot[0, cls] = 1.0
    model.zero_grad()
    logits.backward(gradient=one_hot)
    weights_ = store["grad"].mean(dim=(2, 3), keepdim=True)
    cam = F.relu((weights_ * store["act"]).sum(dim=1, keepdim=True))
    cam = F.interpolate(cam, size=(12, 12), mode="bilinear", align_corners=False)
    cam = (cam - cam.min()) / (cam.max() - cam.min() + 1e-12)
    for h in handles:
        h.remove()

    x = image.clone().requires_grad_()
    model(x)[0, cls].backward()
    saliency = x.grad.abs().amax(dim=1)

    baseline = torch.zeros_like(image)
    alphas = torch.linspace(0, 1, 9, dtype=torch.float64).view(-1, 1, 1, 1)
    path = (baseline + alphas * (image - baseline)).requires_grad_(True)
    (grads,) = torch.autograd.grad(model(path)[:, cls].sum(), path)
    avg = (grads[:-1] + grads[1:]).mean(0, keepdim=True) / 2
    attributions = (image - baseline) * avg
    with torch.no_grad():
        gap = (model(image)[0, cls] - model(baseline)[0, cls]).item()
    numbers = [cls, *norms, attributions.sum().item(), gap]
    return (cam.flatten().tolist() + saliency.flatten().tolist(), numbers,
            {"attributions": attributions.detach().numpy().copy(), **weights(model)})


def test_interpretability_gives_the_same_numbers_on_both(torch):
    same_run(interpretability(tinygraph), interpretability(torch))
