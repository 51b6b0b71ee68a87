"""The tinygraph contenders of the MLP workload (see ``bench.mlp``)."""

from __future__ import annotations

import numpy as np


class OpsMLP:
    """Tensor ops only: needs nothing but the core. SGD by hand on ``.data``."""

    def __init__(self, weights, lr: float) -> None:
        import tinygraph as tg

        self.tg = tg
        self.params = [(tg.tensor(W, requires_grad=True), tg.tensor(b, requires_grad=True))
                       for W, b in weights]
        self.lr = np.float32(lr)
        self._wrapped: dict = {}

    def _tensors(self, X, onehot):
        # Batches arrive as Tensors, as a DataLoader yields them: wrap each array once.
        key = id(X)
        if key not in self._wrapped:
            self._wrapped[key] = (self.tg.tensor(X), self.tg.tensor(onehot))
        return self._wrapped[key]

    def step(self, X, y, onehot) -> float:
        x, target = self._tensors(X, onehot)
        h = x
        last = len(self.params) - 1
        for i, (W, b) in enumerate(self.params):
            h = h @ W + b
            if i < last:
                h = h.relu()
        loss = (h.log_softmax(axis=-1) * target).sum() * (-1.0 / len(X))
        loss.backward()
        for W, b in self.params:
            for p in (W, b):
                p.data -= self.lr * p.grad
                p.grad = None
        return float(loss.item())

    def logits(self, X) -> np.ndarray:
        with self.tg.no_grad():
            h = self.tg.tensor(X)
            for i, (W, b) in enumerate(self.params):
                h = h @ W + b
                if i < len(self.params) - 1:
                    h = h.relu()
        return h.numpy()


def build_sequential(nn, weights):
    """An ``nn.Sequential`` of Linear/ReLU layers holding ``weights``."""
    layers = []
    for i, (W, _) in enumerate(weights):
        layers.append(nn.Linear(W.shape[0], W.shape[1]))
        if i < len(weights) - 1:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    linears = [layer for layer in layers if isinstance(layer, nn.Linear)]
    for layer, (W, b) in zip(linears, weights):
        # Linear may store its weight (out, in) like torch or (in, out): copy either way.
        target = layer.weight.numpy()
        target[...] = W if target.shape == W.shape else W.T
        layer.bias.data[...] = b
    return model


class LoopMLP:
    """The PyTorch idiom: ``zero_grad()``, forward, loss, ``backward()``, ``step()``."""

    def __init__(self, weights, lr: float, nn, optim) -> None:
        import tinygraph as tg

        self.tg = tg
        self.model = build_sequential(nn, weights)
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = optim.SGD(self.model.parameters(), lr=lr)
        self._wrapped: dict = {}

    def step(self, X, y, onehot) -> float:
        key = id(X)
        if key not in self._wrapped:
            self._wrapped[key] = (self.tg.tensor(X), self.tg.tensor(y))
        x, labels = self._wrapped[key]
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(x), labels)
        loss.backward()
        self.optimizer.step()
        return float(loss.item())

    def logits(self, X) -> np.ndarray:
        with self.tg.no_grad():
            return self.model(self.tg.tensor(X)).numpy()


class TrainStepMLP:
    """``Sequential.train_step(X, Y, loss_fn, optimizer)`` once per batch."""

    def __init__(self, weights, lr: float, nn, optim) -> None:
        self.model = build_sequential(nn, weights)
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = optim.SGD(self.model.parameters(), lr=lr)

    def step(self, X, y, onehot) -> float:
        return float(self.model.train_step(X, y, self.loss_fn, self.optimizer))

    def logits(self, X) -> np.ndarray:
        return np.asarray(self.model.predict(X))


class FitMLP(TrainStepMLP):
    """One ``Sequential.fit`` epoch over the batches (its own batching included)."""

    def __init__(self, weights, lr: float, nn, optim) -> None:
        super().__init__(weights, lr, nn, optim)
        self._joined: dict = {}

    def epoch(self, batches) -> None:
        key = (id(batches[0][0]), len(batches))
        if key not in self._joined:
            self._joined[key] = (np.concatenate([b[0] for b in batches]),
                                 np.concatenate([b[1] for b in batches]))
        X, y = self._joined[key]
        self.model.fit(X, y, epochs=1, optimizer=self.optimizer, loss=self.loss_fn,
                       batch_size=len(batches[0][0]), shuffle=False, progress=False)


def nn_contenders(weights, lr: float, nn, optim) -> dict:
    from .frameworks import has_train_step

    found = {"tinygraph (loop)": LoopMLP(weights, lr, nn, optim)}
    if has_train_step(nn):
        found["tinygraph (train_step)"] = TrainStepMLP(weights, lr, nn, optim)
        found["tinygraph (fit)"] = FitMLP(weights, lr, nn, optim)
    return found
