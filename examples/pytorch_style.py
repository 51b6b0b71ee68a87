"""A training loop written exactly the way a PyTorch user writes one.

Teaches: if you know PyTorch you already know tinygraph. A model is an ``nn.Module`` subclass
whose layers register themselves; the loop is ``optimizer.zero_grad()``, ``loss.backward()``,
``optimizer.step()``; a learning-rate scheduler steps once per epoch; evaluation runs under
``model.eval()`` and ``tg.no_grad()``. Swap ``import tinygraph as tg`` / ``from tinygraph
import nn, optim`` for ``torch`` and ``torch.nn``/``torch.optim`` and the loop reads the same.

The data is scikit-learn's two-moons generator: two interleaved half circles, not linearly
separable, so the hidden layers have something to do.

    python examples/pytorch_style.py [--epochs 30] [--quick]
"""

import argparse

import numpy as np
from sklearn.datasets import make_moons

import tinygraph as tg
from tinygraph import nn, optim
from tinygraph.data import DataLoader


class MLP(nn.Module):
    def __init__(self, in_features: int, hidden: int, classes: int):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, classes)
        self.act = nn.Tanh()

    def forward(self, x):
        x = self.act(self.fc1(x))
        x = self.act(self.fc2(x))
        return self.out(x)  # logits; CrossEntropyLoss applies log-softmax itself


def main(epochs: int = 30) -> float:
    tg.manual_seed(0)
    x, y = make_moons(n_samples=1000, noise=0.2, random_state=0)
    x = x.astype(np.float32)
    x_train, y_train, x_test, y_test = x[:800], y[:800], x[800:], y[800:]

    model = MLP(2, 32, 2)
    print(model)
    print("parameters:", sum(p.numel() for p in model.parameters()))

    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
    train_loader = DataLoader(x_train, y_train, batch_size=32, shuffle=True)

    for epoch in range(epochs):
        lr = optimizer.param_groups[0]["lr"]  # the rate this epoch trains with
        model.train()
        running_loss = 0.0
        for inputs, targets in train_loader:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, targets)
            loss.backward()
            optimizer.step()
            running_loss += loss.item() * len(inputs)
        scheduler.step()

        model.eval()
        with tg.no_grad():
            logits = model(tg.tensor(x_test))
            test_loss = criterion(logits, tg.tensor(y_test)).item()
            correct = (logits.argmax(dim=1) == tg.tensor(y_test)).sum().item()
        if epoch % max(epochs // 10, 1) == 0 or epoch == epochs - 1:
            print(f"epoch {epoch + 1:3d}  lr {lr:.4f}  "
                  f"train loss {running_loss / len(x_train):.4f}  test loss {test_loss:.4f}  "
                  f"test accuracy {correct / len(y_test):.1%}")
    return correct / len(y_test)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="passes over the data (30)")
    parser.add_argument("--quick", action="store_true", help="3 epochs, for tests")
    args = parser.parse_args()
    main(args.epochs if args.epochs is not None else (3 if args.quick else 30))
