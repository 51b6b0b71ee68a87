"""Tensor-level PyTorch programs written once and run twice, on torch and on tinygraph
imported as torch: the same losses, gradients and weights (float64). Each is a short script
of the kind "Learning PyTorch with Examples" starts from: tensors, products, indexing ops and
a hand-written gradient-descent loop, no nn.Module."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygraph


def polynomial_fit(torch, data):
    """Fit y = a + b x + c x^2 + d x^3 by gradient descent on four scalar tensors."""
    x = torch.linspace(-math.pi, math.pi, 200, dtype=torch.float64)
    y = torch.tensor(data["y"])
    a, b, c, d = (torch.tensor(v, requires_grad=True) for v in data["abcd"])
    losses = []
    for _ in range(50):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= 1e-6 * p.grad
                p.grad = None
    return {"losses": losses, "coefficients": [p.item() for p in (a, b, c, d)]}


def polynomial_einsum(torch, data):
    """The same fit with the powers of x as features, contracted by einsum; dot for a
    penalty."""
    x = torch.linspace(-1.0, 1.0, 50, dtype=torch.float64)
    features = torch.stack([x, x ** 2, x ** 3], dim=1)
    y = torch.tensor(data["y"][::4])
    w = torch.tensor(data["abcd"][1:], requires_grad=True)
    bias = torch.tensor(data["abcd"][0], requires_grad=True)
    losses, grads = [], []
    for _ in range(20):
        y_pred = torch.einsum("ip,p->i", features, w) + bias
        loss = (y_pred - y).pow(2).mean() + 0.01 * torch.dot(w, w)
        losses.append(loss.item())
        loss.backward()
        grads.append(w.grad.numpy().copy())
        with torch.no_grad():
            w -= 0.1 * w.grad
            bias -= 0.1 * bias.grad
        w.grad.zero_()
        bias.grad.zero_()
    return {"losses": losses, "grads": np.stack(grads), "w": w.detach().numpy().copy()}


def two_layer_net(torch, data):
    """A two-layer ReLU net with mm, clamp and .T, its gradients computed by hand and by
    autograd (both compared)."""
    x, y = torch.tensor(data["x"]), torch.tensor(data["y2"])
    w1 = torch.tensor(data["w1"], requires_grad=True)
    w2 = torch.tensor(data["w2"], requires_grad=True)
    losses, manual = [], []
    for _ in range(10):
        h = x.mm(w1)
        h_relu = h.clamp(min=0)
        y_pred = h_relu.mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        with torch.no_grad():  # the hand-written backward of the tutorial
            grad_y_pred = 2.0 * (y_pred - y)
            grad_w2 = h_relu.T.mm(grad_y_pred)
            grad_h = grad_y_pred.mm(w2.T)
            grad_h[h < 0] = 0
            grad_w1 = x.T.mm(grad_h)
        loss.backward()
        manual.append((grad_w1.numpy().copy(), grad_w2.numpy().copy()))
        with torch.no_grad():
            for p, g in ((w1, grad_w1), (w2, grad_w2)):
                assert np.allclose(p.grad.numpy(), g.numpy(), rtol=1e-12, atol=1e-12)
                p -= 1e-3 * p.grad
                p.grad = None
    return {"losses": losses, "grad_w1": np.stack([m[0] for m in manual]),
            "grad_w2": np.stack([m[1] for m in manual]), "w1": w1.detach().numpy().copy()}


def softmax_classifier(torch, data):
    """Multinomial logistic regression: log_softmax, gather of each row's label, argmax
    accuracy, index_select for a minibatch."""
    x, labels = torch.tensor(data["x"]), torch.tensor(data["labels"])
    W = torch.tensor(data["W"], requires_grad=True)
    b = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    losses, accuracies, grads = [], [], []
    for step in range(15):
        rows = torch.tensor(data["batches"][step % len(data["batches"])])
        xb, yb = x.index_select(0, rows), labels.index_select(0, rows)
        log_probs = (xb.mm(W) + b).log_softmax(dim=1)
        loss = -log_probs.gather(1, yb.unsqueeze(1)).mean()
        losses.append(loss.item())
        loss.backward()
        grads.append(W.grad.numpy().copy())
        with torch.no_grad():
            W -= 0.5 * W.grad
            b -= 0.5 * b.grad
            W.grad = None
            b.grad = None
            accuracies.append((x.mm(W).argmax(1) == labels).double().mean().item())
    return {"losses": losses, "accuracies": accuracies, "grads": np.stack(grads)}


def masked_attention(torch, data):
    """One head of causal self-attention from a fused projection: chunk into q, k, v, bmm,
    masked_fill with -inf above the diagonal, softmax; split the output into two halves."""
    x = torch.tensor(data["seq"])  # (batch, time, 6)
    w = torch.tensor(data["Wqkv"], requires_grad=True)  # (6, 18)
    causal = torch.tensor(np.triu(np.ones((4, 4), dtype=bool), 1))
    losses = []
    for _ in range(5):
        q, k, v = torch.einsum("btc,cd->btd", x, w).chunk(3, dim=-1)
        scores = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(6)
        attention = scores.masked_fill(causal, float("-inf")).softmax(dim=-1)
        out = torch.bmm(attention, v)
        left, right = out.split([2, 4], dim=-1)
        per_step = torch.stack(out.unbind(1), dim=0).sum(dim=(1, 2))  # (time,)
        loss = (left - 0.5).pow(2).mean() + right.pow(2).mean() + 0.01 * per_step.pow(2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= 0.05 * w.grad
            w.grad = None
    return {"losses": losses, "w": w.detach().numpy().copy()}


def bag_of_embeddings(torch, data):
    """Sum each sentence's word vectors with scatter_add, score them against a vector with
    outer and a bilinear einsum."""
    table = torch.tensor(data["table"], requires_grad=True)  # (10, 4)
    u = torch.tensor(data["u"], requires_grad=True)  # (4,)
    words = torch.tensor(data["words"])  # (n,)
    sentence = torch.tensor(data["sentence"])  # (n,) which sentence each word is in
    targets = torch.tensor(data["targets"])  # (3,)
    losses = []
    for _ in range(8):
        vectors = table.index_select(0, words)  # (n, 4)
        where = torch.tensor(np.repeat(data["sentence"][:, None], 4, axis=1))
        bags = torch.zeros(3, 4, dtype=torch.float64).scatter_add(0, where, vectors)
        scores = torch.einsum("sd,d->s", bags, u)
        pairwise = torch.outer(scores, scores).mean()
        loss = (scores - targets).pow(2).mean() + 0.01 * pairwise
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            table -= 0.1 * table.grad
            u -= 0.1 * u.grad
        table.grad = u.grad = None
    assert int(sentence.max().item()) == 2
    return {"losses": losses, "table": table.detach().numpy().copy(),
            "u": u.detach().numpy().copy()}


def _data():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((40, 5))
    labels = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5).astype(np.int64)
    return {
        "y": np.sin(np.linspace(-math.pi, math.pi, 200)),
        "abcd": rng.standard_normal(4),
        "x": x,
        "y2": rng.standard_normal((40, 2)),
        "w1": rng.standard_normal((5, 8)) * 0.5,
        "w2": rng.standard_normal((8, 2)) * 0.5,
        "labels": labels,
        "W": rng.standard_normal((5, 3)) * 0.1,
        "batches": [rng.permutation(40)[:16] for _ in range(3)],
        "seq": rng.standard_normal((2, 4, 6)),
        "Wqkv": rng.standard_normal((6, 18)) * 0.3,
        "table": rng.standard_normal((10, 4)),
        "u": rng.standard_normal(4),
        "words": rng.integers(0, 10, 12),
        "sentence": np.repeat([0, 1, 2], 4),
        "targets": rng.standard_normal(3),
    }


PROGRAMS = [polynomial_fit, polynomial_einsum, two_layer_net, softmax_classifier,
            masked_attention, bag_of_embeddings]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_program_gives_the_same_numbers_on_both(torch, program):
    ours = program(tinygraph, _data())
    theirs = program(torch, _data())
    assert ours.keys() == theirs.keys()
    for key in ours:
        np.testing.assert_allclose(np.asarray(ours[key]), np.asarray(theirs[key]), rtol=1e-9,
                                   atol=1e-12, err_msg=f"{program.__name__}: {key}")
