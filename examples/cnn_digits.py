"""A small convolutional network on handwritten digits: two conv blocks, then a linear head.

Teaches: ``nn.Conv2d``, ``nn.MaxPool2d`` and ``nn.BatchNorm2d`` with PyTorch's names and
shapes, images as (N, C, H, W) tensors, blocks as named ``nn.Sequential`` submodules (each a
frame in the graph picture, or one box with ``collapse_modules=True``), and a held-out
accuracy no MLP on the same pixels reaches.

The data is scikit-learn's bundled copy of the UCI 8x8 digits (1,797 images; no download).

    python examples/cnn_digits.py [--epochs 15] [--quick] [--out out]
"""

import argparse
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import tinygraph as tg
from tinygraph import nn, optim
from tinygraph.data import DataLoader


def load_data():
    """Images (N, 1, 8, 8) scaled to [0, 1] as float32, integer labels; a stratified split."""
    images, labels = load_digits(return_X_y=True)
    images = (images / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    return train_test_split(images, labels, test_size=0.2, random_state=0, stratify=labels)


def conv_block(c_in: int, c_out: int) -> nn.Sequential:
    """3x3 convolution (size kept), batch norm, ReLU, then 2x2 max pooling (size halved)."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1),
        nn.BatchNorm2d(c_out),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )


def build_model() -> nn.Sequential:
    # 1 x 8 x 8 -> 16 x 4 x 4 -> 32 x 2 x 2 -> 128 features -> 10 logits
    return nn.Sequential(OrderedDict([
        ("block1", conv_block(1, 16)),
        ("block2", conv_block(16, 32)),
        ("flatten", nn.Flatten()),
        ("head", nn.Linear(32 * 2 * 2, 10)),
    ]))


def accuracy(model, images, labels) -> float:
    model.eval()  # batch norm uses its running statistics
    with tg.no_grad():
        logits = model(tg.tensor(images))
    return (logits.argmax(dim=1) == tg.tensor(labels)).float().mean().item()


def train(model, x_train, y_train, x_test, y_test, epochs: int, batch_size: int = 64):
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader(x_train, y_train, batch_size=batch_size, shuffle=True)
    for epoch in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for images, labels in loader:
            loss = loss_fn(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            count += len(labels)
        acc = accuracy(model, x_test, y_test)
        print(f"epoch {epoch:2d}: training loss {total / count:.4f}, held-out accuracy "
              f"{acc:.1%}")
    return acc


def draw_graph(model, images, labels, out: Path) -> list:
    """The forward and loss of a few images: every op inside its block's frame, and the same
    graph with each block collapsed to one box."""
    model.eval()
    x, y = tg.tensor(images, name="images"), tg.tensor(labels, name="labels")
    loss = nn.CrossEntropyLoss()(model(x), y)
    paths = []
    for name, collapse in (("cnn_digits_graph", False), ("cnn_digits_blocks", True)):
        try:
            paths.append(Path(tg.viz.render(loss, out / f"{name}.svg", params=model,
                                            inputs=[x, y], collapse_modules=collapse)))
        except tg.viz.DotNotFoundError as err:
            print(f"no graph pictures: {err}")
            return paths + [out / f"{name}.dot"]
    return paths


def main(epochs: int = 15, out: Path = Path("out")) -> float:
    tg.manual_seed(0)
    x_train, x_test, y_train, y_test = load_data()
    print(f"digits: {len(x_train)} training and {len(x_test)} held-out images, "
          f"shape {x_train.shape[1:]}")
    model = build_model()
    print(model)
    print(f"{sum(p.numel() for p in model.parameters())} parameters")
    start = time.perf_counter()
    acc = train(model, x_train, y_train, x_test, y_test, epochs)
    print(f"after {epochs} epochs ({time.perf_counter() - start:.1f} s): held-out accuracy "
          f"{acc:.1%}")
    out.mkdir(parents=True, exist_ok=True)
    written = draw_graph(model, x_test[:8], y_test[:8], out)
    print("wrote:")
    for path in written:
        print(f"  {path}")
    return acc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="passes over the data (15)")
    parser.add_argument("--quick", action="store_true", help="2 epochs, for tests")
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the files")
    args = parser.parse_args()
    epochs = args.epochs if args.epochs is not None else (2 if args.quick else 15)
    main(epochs, args.out)
