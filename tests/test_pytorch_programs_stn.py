"""A spatial transformer network written once and run twice, on torch and on tinygraph imported
as torch, with the same float64 losses and weights: a small localisation net predicts an
affine theta (its last layer starts at the identity map, as in the PyTorch tutorial),
F.affine_grid and F.grid_sample warp the digit, and a small classifier (a LazyLinear head,
materialised by a dry run before the optimizer is made) reads the warped image. Trained a
few steps with SGD and momentum on scikit-learn's digits; initial weights come from one
NumPy generator."""

from __future__ import annotations

import pytest
from twins import randomize, same_run, weights

import tinygraph


def digits(n):
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    return images[:n] / 16.0, labels[:n]


def spatial_transformer(torch, mode="bilinear", padding_mode="zeros", align_corners=False):
    nn, F = torch.nn, torch.nn.functional
    images, labels = digits(96)

    class STN(nn.Module):
        def __init__(self):
            super().__init__()
            self.localization = nn.Sequential(
                nn.Conv2d(1, 4, kernel_size=3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
                nn.Flatten(), nn.Linear(4 * 4 * 4, 12), nn.Tanh())
            self.fc_loc = nn.Linear(12, 6)
            self.classifier = nn.Sequential(
                nn.Conv2d(1, 6, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.LazyLinear(10))

        def stn(self, x):
            theta = self.fc_loc(self.localization(x)).view(-1, 2, 3)
            grid = F.affine_grid(theta, x.size(), align_corners=align_corners)
            return F.grid_sample(x, grid, mode=mode, padding_mode=padding_mode,
                                 align_corners=align_corners)

        def forward(self, x):
            return self.classifier(self.stn(x))

    model = STN().double()
    x_all = torch.tensor(images.reshape(-1, 1, 8, 8))
    y_all = torch.tensor(labels)
    assert "LazyLinear" in repr(model.classifier)
    with torch.no_grad():
        model(x_all[:2])  # the dry run: the head learns its 6 * 4 * 4 inputs
    assert model.classifier[4].in_features == 96 and "LazyLinear" not in repr(model)
    randomize(torch, model, 5, scale=0.2)
    with torch.no_grad():  # the localisation starts at the identity transform
        model.fc_loc.weight.mul_(0.1)
        model.fc_loc.bias.copy_(torch.tensor([1.0, 0, 0, 0, 1.0, 0], dtype=torch.float64))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(2):
        for start in range(0, 96, 32):
            x, y = x_all[start:start + 32], y_all[start:start + 32]
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    with torch.no_grad():
        warped = model.stn(x_all[:4])
        accuracy = (model(x_all).argmax(1) == y_all).double().mean().item()
    return losses, [accuracy, float(warped.abs().sum())], weights(model)


@pytest.mark.parametrize("mode, padding_mode, align_corners", [
    ("bilinear", "zeros", False), ("bicubic", "border", True), ("nearest", "reflection", False),
])
def test_spatial_transformer_gives_the_same_numbers_on_both(torch, mode, padding_mode,
                                                            align_corners):
    ours = spatial_transformer(tinygraph, mode, padding_mode, align_corners)
    theirs = spatial_transformer(torch, mode, padding_mode, align_corners)
    same_run(ours, theirs)
    assert ours[0][-1] < ours[0][0]  # it learns
