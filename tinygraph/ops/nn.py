"""Fused neural-network ops: one graph node where a composition would be slower or less stable.

- ``linear``: x @ W.T + b in one node (the hot op of every MLP).
- ``softmax_cross_entropy``: log-softmax and the negative log-likelihood together, so the
  gradient is the well-conditioned ``softmax(x) - t`` and no log of a rounded-to-0 probability
  is ever taken.
- ``softmax_cross_entropy_labels``: the same for integer class labels, gathering each row's
  target entry by index (no one-hot array) and with the mean or sum folded into the node.
- ``binary_cross_entropy`` and ``binary_cross_entropy_with_logits``: PyTorch's clamped and
  stable formulas.
- ``l1_penalty`` and ``l2_penalty``: regularization terms as named nodes (graph pictures show
  ``l1_penalty(0.weight)``).

Like every built-in op, each backward is written once against ``self.xp`` from the op's inputs
(never from arrays computed in the forward), so ``create_graph=True`` gives second derivatives.
The losses here are elementwise / per-sample, except the labels cross entropy, which reduces
itself; ``tinygraph.nn.functional`` adds the mean to the others.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Op
from ..errors import ShapeError
from .linalg import same_dtype
from .rowwise import column_sum, row_max, row_sum


class Linear(Op):
    """y = x @ W.T + b;  dx = g @ W,  dW = g^T x (batch axes summed),  db = sum of g.

    ``x`` has shape (..., in), ``W`` (out, in) as in PyTorch, ``b`` (out,) or absent.
    """

    __slots__ = ()
    label = "linear"

    def forward(self, x, w, b=None):
        if x.dtype is not w.dtype or b is not None and b.dtype is not w.dtype:
            same_dtype("linear", x, w if b is None or x.dtype is not w.dtype else b)
        self.save(x, w)
        try:  # the product checks that the widths agree; no check of our own on the hot path
            if x.ndim == 2 and x.shape[0] < 128:
                # OpenBLAS multiplies by a transposed right operand slowly when x has few rows;
                # the same product as (W x^T)^T takes its fast path (docs/performance.md).
                y = (w @ x.T).T
            elif x.ndim > 2 and x.flags.c_contiguous:
                # (B, T, in): one (B*T, in) product, not B small ones (matmul's batch loop)
                y = (x.reshape(-1, x.shape[-1]) @ w.T).reshape(x.shape[:-1] + (w.shape[0],))
            else:
                y = x @ w.T
        except ValueError:
            raise ShapeError(
                f"linear: input of shape {tuple(x.shape)} has {x.shape[-1] if x.ndim else 0} "
                f"features on its last axis, but the weight of shape {tuple(w.shape)} expects "
                f"{w.shape[-1]}."
            ) from None
        if b is not None:
            y += b  # y is a fresh array: add the bias in place
        return y

    def backward(self, g):
        x, w = self.saved
        xp = self.xp
        need = self.needs_grad
        gx = gw = None
        if need[0]:
            flags = getattr(x, "flags", None)  # arrays only: under create_graph x is a Tensor
            if flags is not None and flags.f_contiguous and not flags.c_contiguous:
                # x is the F-ordered output of the forward's (W x^T)^T: give its gradient the
                # same order, so the elementwise backwards upstream (ReLU's) see one layout
                # (mixed C and F orders take twice as long); the product costs the same
                gx = (w.T @ g.T).T
            else:
                gx = g @ w
        if need[1]:
            if g.ndim == 2:  # the common case: (N, out) and (N, in)
                gw = g.T @ x
            elif g.ndim == 1:  # unbatched input: an outer product
                gw = xp.reshape(g, (-1, 1)) * xp.reshape(x, (1, -1))
            else:
                g2 = xp.reshape(g, (-1, g.shape[-1]))
                x2 = xp.reshape(x, (-1, x.shape[-1]))
                gw = xp.matmul(xp.transpose(g2), x2)
        if len(need) == 2:
            return gx, gw
        gb = None
        if need[2]:
            # summed here in the common case (cheaper than the engine's general sum to b's
            # shape, which does the other cases)
            if g.ndim >= 2 and type(g) is np.ndarray:  # (..., out): one sum over the rows,
                gb = column_sum(g)  # as ones @ g (BLAS: a third of NumPy's column sum)
            elif g.ndim == 2:
                gb = xp.sum(g, axis=0)
            else:
                gb = g
        return gx, gw, gb


class SoftmaxCrossEntropy(Op):
    """loss_i = -sum_c t_ic * log_softmax(x)_ic;  dx = g_i * (softmax(x)_i * sum_c t_ic - t_i),
    dt = -g_i * log_softmax(x)_i.

    ``x`` (N, C) logits, ``t`` (N, C) target probabilities (a one-hot array for class labels);
    the classes are on the last axis and the result has shape (N,). The backward rebuilds the
    softmax from ``x`` minus its (constant) row maximum, so second derivatives are exact.
    """

    __slots__ = ("peak",)
    label = "cross_entropy"

    def forward(self, x, t):
        xp = self.xp
        peak = xp.max(x, axis=-1, keepdims=True)
        shifted = x - peak
        log_probs = shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))
        self.peak = peak
        self.save(x, t)
        return -xp.sum(t * log_probs, axis=-1)

    def backward(self, g):
        x, t = self.saved
        xp = self.xp
        need_x, need_t = self.needs_grad
        e = xp.exp(x - self.peak)
        total = xp.sum(e, axis=-1, keepdims=True)
        g = g[..., None]
        gx = gt = None
        if need_x:
            gx = g * (e / total * xp.sum(t, axis=-1, keepdims=True) - t)
        if need_t:
            gt = -g * (x - self.peak - xp.log(total))
        return gx, gt


class SoftmaxCrossEntropyLabels(Op):
    """loss_i = -log_softmax(x)_i[labels_i], then the mean over the N rows (or the sum, or
    none);  dx_i = g_i * (softmax(x)_i - onehot(labels_i)), with g_i = g / N for the mean.

    ``x`` (N, C) logits; ``labels`` (N,) integer class indices in [0, C), a constant attribute
    (never a graph input: labels get no gradient). The target log-probability is gathered with
    one integer index ``(arange(N), labels)`` and the one-hot of the gradient is one scatter at
    that index, so no (N, C) one-hot is built in the forward and the reduction is no extra
    node. The backward takes the softmax as ``exp`` of the forward's saved log-softmax (as
    PyTorch does); under ``create_graph`` it rebuilds it from ``x`` minus its (constant) row
    maximum instead, so second derivatives are exact.

    The forward checks the labels with one reduction: read as unsigned integers, a negative
    label is huge, so the largest one is at least C exactly when some label is outside [0, C).
    """

    __slots__ = ("labels", "reduction", "peak", "index")
    label = "cross_entropy"

    def forward(self, x):
        xp = self.xp
        labels = self.labels
        _check_labels(xp, labels, x.shape)
        n = labels.shape[0]
        peak = row_max(x)
        shifted = x - peak
        log_probs = shifted - xp.log(row_sum(xp.exp(shifted)))
        self.index = index = (xp.arange(n), labels)  # the target entry of each row
        picked = log_probs[index]
        self.peak = peak
        self.save(x, log_probs)
        if self.reduction == "none":
            return -picked
        if self.reduction == "sum":
            return -xp.sum(picked)
        if n == 0:
            return xp.sum(picked) * xp.nan  # the mean of no losses: nan, like PyTorch
        return xp.sum(picked) / -n

    def backward(self, g):
        x, log_probs = self.saved
        xp = self.xp
        index = self.index
        if type(x) is type(log_probs):  # arrays: the forward's log-softmax is the exact one
            delta = xp.exp(log_probs)
            delta[index] -= 1  # softmax - onehot, in the fresh array: one scatter
        else:  # create_graph: from x, so that the softmax is differentiated too
            e = xp.exp(x - self.peak)
            probs = e / xp.sum(e, axis=-1, keepdims=True)
            delta = xp.setitem(probs, index, probs[index] - 1)
        if self.reduction == "none":
            return (delta * g[:, None],)
        if self.reduction == "mean":
            g = g / max(index[0].shape[0], 1)  # no samples: a zero-size gradient, no 0 / 0
        return (delta * g,)


# The type code of each integer dtype -> the unsigned type of the same size, which the labels'
# bits are read as for their range check. (Keyed by the one-letter code: hashing a dtype costs
# more than the whole lookup should.)
_UNSIGNED_VIEW = {code: np.dtype(f"u{np.dtype(code).itemsize}")
                  for code in np.typecodes["AllInteger"]}


def _check_labels(xp, labels, x_shape) -> None:
    """Raise unless ``labels`` holds one integer in [0, C) for each row of (N, C) logits."""
    unsigned = _UNSIGNED_VIEW.get(labels.dtype.char)
    if unsigned is None:
        raise _marked(TypeError(
            f"cross_entropy: class labels must be integers, got {labels.dtype}."))
    if labels.shape != x_shape[:1] or len(x_shape) != 2:
        raise _marked(ShapeError(
            f"cross_entropy: logits of shape {tuple(x_shape)} need one class label per row, an "
            f"array of shape {tuple(x_shape[:1])}; the labels have shape {tuple(labels.shape)}."
        ))
    classes = x_shape[1]
    if labels.shape[0] and xp.max(labels.view(unsigned)) >= classes:
        raise _marked(IndexError(
            f"cross_entropy: class labels must be in [0, {classes - 1}] for {classes} classes, "
            f"got values from {labels.min()} to {labels.max()}."
        ))


def _marked(exc: Exception) -> Exception:
    """``exc``, marked as already explained (``Op.apply`` passes it on unchanged)."""
    exc._tinygraph = True
    return exc


# PyTorch's floor on p (1 - p) in the BCE gradient: the float literal 1e-12f, also in float64.
_BCE_EPSILON = float(np.float32(1e-12))


class BinaryCrossEntropy(Op):
    """loss = -(t log p + (1 - t) log(1 - p)) with each log clamped at -100 (PyTorch);
    dp = g (p - t) / max(p (1 - p), 1e-12),  dt = g (log(1 - p) - log p) (clamped logs)."""

    __slots__ = ()
    label = "binary_cross_entropy"

    def forward(self, p, t):
        xp = self.xp
        if ((p < 0) | (p > 1)).any():
            raise ValueError(
                "binary_cross_entropy: the predictions must be probabilities in [0, 1], but "
                f"they range over [{p.min()}, {p.max()}]. Apply a sigmoid first, or use "
                "binary_cross_entropy_with_logits on the raw scores."
            )
        self.save(p, t)
        with np.errstate(divide="ignore"):
            log_p = xp.maximum(xp.log(p), -100)
            log_q = xp.maximum(xp.log(1 - p), -100)
        return -(t * log_p + (1 - t) * log_q)

    def backward(self, g):
        p, t = self.saved
        xp = self.xp
        need_p, need_t = self.needs_grad
        gp = gt = None
        if need_p:
            gp = g * (p - t) / xp.maximum(p * (1 - p), _BCE_EPSILON)
        if need_t:
            with np.errstate(divide="ignore"):
                gt = g * (xp.maximum(xp.log(1 - p), -100) - xp.maximum(xp.log(p), -100))
        return gp, gt


class BinaryCrossEntropyWithLogits(Op):
    """loss = max(x, 0) - x t + log(1 + exp(-|x|));  dx = g (sigmoid(x) - t),  dt = -g x.

    The stable form of ``binary_cross_entropy(sigmoid(x), t)``: no exp overflows and no log of
    a probability that rounded to 0 or 1.
    """

    __slots__ = ()
    label = "binary_cross_entropy_with_logits"

    def forward(self, x, t):
        xp = self.xp
        self.save(x, t)
        return xp.maximum(x, 0) - x * t + xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, g):
        x, t = self.saved
        xp = self.xp
        need_x, need_t = self.needs_grad
        # sigmoid(x) = (1 + tanh(x / 2)) / 2: stable, and in both array namespaces
        gx = g * ((1 + xp.tanh(x * 0.5)) * 0.5 - t) if need_x else None
        gt = -g * x if need_t else None
        return gx, gt


class L1Penalty(Op):
    """y = lam * sum(|W|);  dW = g * lam * sign(W) (0 at 0, as abs)."""

    __slots__ = ("lam",)
    label = "l1_penalty"

    def forward(self, w):
        self.save(w)
        return self.xp.abs(w).sum() * self.lam

    def backward(self, g):
        (w,) = self.saved
        return (g * self.lam * self.xp.sign(w),)


class L2Penalty(Op):
    """y = lam * sum(W ** 2);  dW = g * 2 lam W."""

    __slots__ = ("lam",)
    label = "l2_penalty"

    def forward(self, w):
        self.save(w)
        return (w * w).sum() * self.lam

    def backward(self, g):
        (w,) = self.saved
        return (g * (2 * self.lam) * w,)


def linear(x, weight, bias=None):
    """x @ weight.T + bias in one node; ``weight`` is (out_features, in_features)."""
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)


def softmax_cross_entropy(logits, target_probs):
    """Per-row cross entropy -sum(t * log_softmax(logits), -1) of (N, C) logits and targets."""
    return SoftmaxCrossEntropy.apply(logits, target_probs)


def softmax_cross_entropy_labels(logits, labels, reduction: str = "mean"):
    """Cross entropy of (N, C) logits and (N,) integer labels, reduced ("mean", "sum" or
    "none") in the same node. Labels outside [0, C) raise ``IndexError``; other shapes of
    labels (and float labels) are ``tinygraph.nn.functional.cross_entropy``'s to handle."""
    return SoftmaxCrossEntropyLabels.apply(logits, labels=labels, reduction=reduction)


def binary_cross_entropy(probs, target):
    """Elementwise -(t log p + (1 - t) log(1 - p)), logs clamped at -100 like PyTorch."""
    return BinaryCrossEntropy.apply(probs, target)


def binary_cross_entropy_with_logits(logits, target):
    """Elementwise binary cross entropy of sigmoid(logits) and target, computed stably."""
    return BinaryCrossEntropyWithLogits.apply(logits, target)


def l1_penalty(weight, lam: float = 1.0):
    """lam * sum(|weight|) as one node labelled ``l1_penalty``."""
    return L1Penalty.apply(weight, lam=float(lam))


def l2_penalty(weight, lam: float = 1.0):
    """lam * sum(weight ** 2) as one node labelled ``l2_penalty``."""
    return L2Penalty.apply(weight, lam=float(lam))
