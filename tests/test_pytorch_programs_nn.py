"""PyTorch programs written once and run twice, on torch and on tinygraph imported as torch:
the same losses and weights at every step (float64). Each exercises the nn / optim /
utils.data surface the way a training script does."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph

SHAPES = {"layers.0.weight": (8, 3), "layers.0.bias": (8,), "layers.1.weight": (8, 8),
          "layers.1.bias": (8,), "head.weight": (1, 8), "head.bias": (1,)}


def training_script(torch, X, Y, init, optimizer, schedule):
    """A small regression script: a Module with a ModuleList, a DataLoader over a
    TensorDataset, an optimizer with a scheduler, gradient clipping, state_dict."""

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList([torch.nn.Linear(3, 8), torch.nn.Linear(8, 8)])
            self.head = torch.nn.Linear(8, 1)

        def forward(self, x):
            for layer in self.layers:
                x = torch.tanh(layer(x))
            return self.head(x)

    model = Net().double()
    model.load_state_dict({name: torch.tensor(value) for name, value in init.items()})
    dataset = torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(Y))
    train, _ = torch.utils.data.random_split(dataset, [48, 16])  # shuffled: only the size
    loader = torch.utils.data.DataLoader(dataset, batch_size=16, drop_last=True)
    opt = optimizer(torch.optim, model.parameters())
    scheduler = schedule(torch.optim.lr_scheduler, opt)
    losses, norms = [], []
    for _ in range(6):
        for xb, yb in loader:
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(xb), yb)
            loss.backward()
            norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item())
            opt.step()
            if not isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step()
            losses.append(loss.item())
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(losses[-1])
    assert len(train) == 48
    weights = {k: np.asarray(v) for k, v in model.state_dict().items()}
    return losses, norms, weights


CASES = [
    (lambda optim, p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
     lambda s, opt: s.StepLR(opt, step_size=5, gamma=0.5)),
    (lambda optim, p: optim.AdamW(p, lr=0.01, amsgrad=True),
     lambda s, opt: s.OneCycleLR(opt, max_lr=0.05, total_steps=24)),
    (lambda optim, p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
     lambda s, opt: s.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)),
    (lambda optim, p: optim.Adagrad(p, lr=0.1),
     lambda s, opt: s.ReduceLROnPlateau(opt, factor=0.5, patience=0)),
    (lambda optim, p: optim.Adam([{"params": list(p)[:2], "lr": 0.02}], lr=0.01),
     lambda s, opt: s.LinearLR(opt, start_factor=0.2, total_iters=8)),
]


@pytest.mark.parametrize("optimizer, schedule", CASES, ids=["sgd-step", "adamw-onecycle",
                                                             "rmsprop-cosine", "adagrad-plateau",
                                                             "adam-group-linear"])
def test_training_script_gives_the_same_numbers_on_both(torch, optimizer, schedule):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3))
    Y = np.sin(X[:, :1]) + 0.1 * rng.standard_normal((64, 1))
    init = {name: rng.standard_normal(shape) * 0.5 for name, shape in SHAPES.items()}
    ours = training_script(tinygraph, X, Y, init, optimizer, schedule)
    theirs = training_script(torch, X, Y, init, optimizer, schedule)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-9)  # losses
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-9)  # gradient norms
    assert list(ours[2]) == list(theirs[2])
    for name in ours[2]:
        np.testing.assert_allclose(ours[2][name], theirs[2][name], rtol=1e-8, atol=1e-12,
                                   err_msg=name)
