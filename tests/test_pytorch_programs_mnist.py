"""The shape of PyTorch's MNIST example (Conv2d, max_pool2d, flatten, log_softmax, nll_loss,
StepLR, a test loop counting `pred.eq(target.view_as(pred))`, `torch.save` of the
state_dict to a `.pt` path and back), on scikit-learn's 8x8 digits, run twice: on torch and
on tinygraph imported as torch, from the same weights, with the same numbers (float64)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph


def program(torch, weights, data, path):
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3, 1)
            self.conv2 = nn.Conv2d(4, 8, 3, 1)
            self.dropout1 = nn.Dropout(0.0)
            self.fc1 = nn.Linear(8 * 2 * 2, 16)
            self.fc2 = nn.Linear(16, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = torch.flatten(self.dropout1(x), 1)
            return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)

    X, y = data
    images = torch.from_numpy(X).unsqueeze(1)
    images = (images - 0.1307) / 0.3081
    labels = torch.from_numpy(y).long()
    train = torch.utils.data.TensorDataset(images[:96], labels[:96])
    test = torch.utils.data.TensorDataset(images[96:], labels[96:])
    train_loader = torch.utils.data.DataLoader(train, batch_size=32)
    test_loader = torch.utils.data.DataLoader(test, batch_size=50)
    model = Net().double().to(torch.device("cpu"))
    model.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    losses, results = [], []
    for _ in range(2):
        model.train()
        for data_batch, target in train_loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(data_batch), target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for data_batch, target in test_loader:
                output = model(data_batch)
                test_loss += F.nll_loss(output, target, reduction="sum").item()
                pred = output.argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
        results.append((test_loss / len(test_loader.dataset), correct))
        scheduler.step()
    torch.save(model.state_dict(), path)
    again = Net().double()
    again.load_state_dict(torch.load(path))
    same = all(bool(torch.equal(a, b)) for a, b in zip(model.parameters(), again.parameters()))
    return losses, results, same, repr(model), scheduler.get_last_lr()


def test_the_mnist_example_gives_the_same_numbers_on_both(torch, tmp_path):
    from sklearn.datasets import load_digits

    digits = load_digits()
    data = (digits.images[:146] / 16.0, digits.target[:146])
    weights = _initial_weights()
    theirs = program(torch, weights, data, str(tmp_path / "torch.pt"))
    ours = program(tinygraph, weights, data, str(tmp_path / "tinygraph.pt"))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-9)
    np.testing.assert_allclose([r[0] for r in ours[1]], [r[0] for r in theirs[1]], rtol=1e-9)
    assert [r[1] for r in ours[1]] == [r[1] for r in theirs[1]]
    assert ours[2] and theirs[2]
    assert ours[3] == theirs[3]  # the model's repr
    assert ours[4] == pytest.approx(theirs[4], rel=1e-12)


def _initial_weights():
    shapes = {"conv1.weight": (4, 1, 3, 3), "conv1.bias": (4,), "conv2.weight": (8, 4, 3, 3),
              "conv2.bias": (8,), "fc1.weight": (16, 32), "fc1.bias": (16,),
              "fc2.weight": (10, 16), "fc2.bias": (10,)}
    rng = np.random.default_rng(0)
    return {k: rng.uniform(-0.3, 0.3, shape) for k, shape in shapes.items()}


def test_type_as_takes_the_other_tensors_dtype(torch):
    ours = tinygraph.tensor([1, 2]).type_as(tinygraph.tensor([0.5], dtype=tinygraph.float64))
    theirs = torch.tensor([1, 2]).type_as(torch.tensor([0.5], dtype=torch.float64))
    assert ours.dtype == tinygraph.float64 and theirs.dtype == torch.float64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
