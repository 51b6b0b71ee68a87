"""Recognise handwritten digits: the whole library working on real data, in a few seconds.

Teaches: a model built from ``nn`` layers, minibatches from ``tinygraph.data.DataLoader``,
Adam, cross-entropy on logits, ``train()``/``eval()`` and ``tg.no_grad()`` evaluation on a
held-out split, saving the weights with ``tg.save`` and loading them into a fresh model, a
loss/accuracy plot, and a picture of the model's computation graph (``tg.viz.render``).

The data is scikit-learn's bundled copy of the UCI 8x8 digits (1,797 images; no download).

    python examples/digits.py [--epochs 20] [--quick] [--out out]
"""

import argparse
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import tqdm

import tinygraph as tg
from tinygraph import nn, optim
from tinygraph.data import DataLoader


def load_data():
    """Pixels scaled to [0, 1] as float32, integer labels; a stratified 80/20 split."""
    images, labels = load_digits(return_X_y=True)
    images = (images / 16.0).astype(np.float32)
    return train_test_split(images, labels, test_size=0.2, random_state=0, stratify=labels)


def build_model(hidden: int = 128) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(64, hidden),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(hidden, 10),
    )


def accuracy(model, images, labels) -> float:
    model.eval()  # dropout off
    with tg.no_grad():  # no graph: evaluation only reads values
        logits = model(tg.tensor(images))
    return (logits.argmax(dim=1) == tg.tensor(labels)).float().mean().item()


def train(model, x_train, y_train, x_test, y_test, epochs: int, batch_size: int = 32):
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=2e-3)
    loader = DataLoader(x_train, y_train, batch_size=batch_size, shuffle=True)
    history = {"loss": [], "accuracy": []}
    bar = tqdm(range(1, epochs + 1), desc="training", unit="epoch", disable=None)
    for _ in bar:
        model.train()
        total, count = 0.0, 0
        for images, labels in loader:
            loss = loss_fn(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            count += len(labels)
        history["loss"].append(total / count)
        history["accuracy"].append(accuracy(model, x_test, y_test))
        bar.set_postfix(loss=f"{history['loss'][-1]:.3f}", acc=f"{history['accuracy'][-1]:.3f}")
    return history


def plot_history(history, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # write files only; no window
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, history["loss"], marker="o")
    left.set(title="training loss (cross-entropy)", xlabel="epoch", yscale="log")
    right.plot(epochs, np.asarray(history["accuracy"]) * 100, marker="o", color="tab:green")
    right.set(title="held-out accuracy", xlabel="epoch", ylabel="%")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def draw_graph(model, images, labels, out: Path) -> list:
    """Render one minibatch's forward and loss as SVG and PNG (the .dot source without `dot`)."""
    model.eval()
    x, y = tg.tensor(images, name="images"), tg.tensor(labels, name="labels")
    loss = nn.CrossEntropyLoss()(model(x), y)
    paths = []
    for fmt in ("svg", "png"):
        try:
            path = tg.viz.render(loss, out / f"digits_graph.{fmt}", params=model, inputs=[x, y])
            paths.append(Path(path))
        except tg.viz.DotNotFoundError as err:
            # render still wrote the DOT text; the error says how to install Graphviz.
            print(f"no graph pictures: {err}")
            return paths + [out / "digits_graph.dot"]
    return paths


def main(epochs: int = 20, out: Path = Path("out"), hidden: int = 128) -> float:
    tg.manual_seed(0)  # weight init, dropout masks and shuffling: all reproducible
    x_train, x_test, y_train, y_test = load_data()
    print(f"digits: {len(x_train)} training and {len(x_test)} held-out images of 8x8 pixels")
    model = build_model(hidden)
    print(model)

    history = train(model, x_train, y_train, x_test, y_test, epochs)
    acc = history["accuracy"][-1]
    print(f"after {epochs} epochs: training loss {history['loss'][-1]:.4f}, "
          f"held-out accuracy {acc:.1%}")

    out.mkdir(parents=True, exist_ok=True)
    weights = out / "digits_weights.npz"
    tg.save(model.state_dict(), weights)
    restored = build_model(hidden)
    restored.load_state_dict(tg.load(weights))
    acc_restored = accuracy(restored, x_test, y_test)
    print(f"reloaded from {weights}: held-out accuracy {acc_restored:.1%}")
    assert acc_restored == acc, "a saved and reloaded model must predict the same"

    curves = out / "digits_curves.png"
    plot_history(history, curves)
    written = [weights, curves] + draw_graph(model, x_test[:16], y_test[:16], out)
    print("wrote:")
    for path in written:
        print(f"  {path}")
    return acc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="passes over the data (20)")
    parser.add_argument("--quick", action="store_true", help="3 epochs, for tests")
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the files")
    args = parser.parse_args()
    epochs = args.epochs if args.epochs is not None else (3 if args.quick else 20)
    main(epochs, args.out)
