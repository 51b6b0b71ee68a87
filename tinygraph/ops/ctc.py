"""The connectionist temporal classification loss (Graves et al. 2006) as one op, as
PyTorch's ``ctc_loss`` computes it on the CPU (``tinygraph.nn.functional.ctc_loss`` checks the
arguments, builds the extended labels and reduces).

Sequence n has ``T_n`` frames of log-probabilities ``lp[t, c]`` and ``L_n`` labels; its
extended labels are ``l' = (blank, l_1, blank, l_2, ..., l_L, blank)`` (``2 L_n + 1`` of
them). The recursions run in log space, vectorised over the batch and the extended-label
axis, with one Python step per frame.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Op

_NEG = -np.inf


def _logsumexp3(a, b, c):
    """log(e^a + e^b + e^c) elementwise, -inf where all three are (PyTorch's max trick)."""
    m = np.maximum(np.maximum(a, b), c)
    m = np.where(m == _NEG, 0.0, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.exp(a - m) + np.exp(b - m) + np.exp(c - m)) + m


def _shift(x, k: int):
    """x[..., s - k] along the last axis (k > 0) or x[..., s + |k|] (k < 0), -inf outside."""
    out = np.full_like(x, _NEG)
    if k > 0:
        out[..., k:] = x[..., :-k]
    else:
        out[..., :k] = x[..., -k:]
    return out


def _alpha(lp, skip):
    """alpha[t, n, s] = log P(l'_{1..s} emitted in frames 1..t, at s at frame t)."""
    alpha = np.full(lp.shape, _NEG, lp.dtype)
    alpha[0, :, :2] = lp[0, :, :2]
    for t in range(1, lp.shape[0]):
        prev = alpha[t - 1]
        alpha[t] = _logsumexp3(prev, _shift(prev, 1), np.where(skip, _shift(prev, 2), _NEG)
                               ) + lp[t]
    return alpha


def _beta(lp, skip, input_lengths, target_lengths):
    """beta[t, n, s] = log P(l'_{s..} emitted in frames t..T_n - 1, at s at frame t) (frame
    t's own log-probability included, as PyTorch's); -inf from frame T_n and past s = 2 L_n."""
    steps, _, width = lp.shape
    s = np.arange(width)
    valid = s[None] <= 2 * target_lengths[:, None]                     # (N, S)
    ends = valid & (s[None] >= 2 * target_lengths[:, None] - 1)       # 2L and 2L - 1
    last = (input_lengths - 1)[:, None]
    skip_next = _shift(skip.astype(lp.dtype), -2) > 0                 # l'(s + 2) != l'(s)
    beta = np.full(lp.shape, _NEG, lp.dtype)
    nxt = np.full(lp.shape[1:], _NEG, lp.dtype)
    for t in range(steps - 1, -1, -1):
        rec = _logsumexp3(nxt, _shift(nxt, -1), np.where(skip_next, _shift(nxt, -2), _NEG))
        cur = np.where(t < last, rec + lp[t], np.where((t == last) & ends, lp[t], _NEG))
        beta[t] = nxt = np.where(valid, cur, _NEG)
    return beta


def _skip(labels):
    """skip[n, s]: alpha may come from s - 2 (l'(s) != l'(s - 2), so never for blanks)."""
    skip = np.zeros(labels.shape, bool)
    skip[:, 2:] = labels[:, 2:] != labels[:, :-2]
    return skip


def ctc_gradient(node, log_probs, grad):
    """The derivative of the per-sequence losses with respect to ``log_probs`` (times
    ``grad``), from the forward's ``alpha`` and ``nll`` kept on ``node`` (a CTCLoss or its
    CTCLossBackward)."""
    labels, input_lengths, target_lengths = node.labels, node.input_lengths, node.target_lengths
    alpha, nll = node.alpha, node.nll
    steps, batch, classes = log_probs.shape
    skip = _skip(labels)
    lp = np.take_along_axis(log_probs, labels[None], axis=2)
    beta = _beta(lp, skip, input_lengths, target_lengths)
    live = (np.arange(steps)[:, None] < input_lengths[None])[..., None]  # (T, N, 1)
    ab = np.where(live, alpha + beta, _NEG)
    # PyTorch's quirk for a last label equal to the blank (a target that holds the blank):
    # at the last frame the term of s = 2L is overwritten by that of s = 2L - 1, not added
    # (so for such targets the gradient is PyTorch's rather than the derivative).
    rows = np.flatnonzero((target_lengths > 0) & (input_lengths > 0)
                          & (labels[np.arange(batch), np.maximum(2 * target_lengths - 1, 0)]
                             == labels[:, 0]))
    ab[input_lengths[rows] - 1, rows, 2 * target_lengths[rows]] = _NEG
    top = ab.max(axis=2, keepdims=True)  # per frame, so that the sums below do not overflow
    top = np.where(top == _NEG, 0.0, top)
    onehot = (labels[..., None] == np.arange(classes)).astype(log_probs.dtype)  # (N, S, C)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lcab = np.log(np.einsum("tns,nsc->tnc", np.exp(ab - top), onehot)) + top
        out = -np.exp(lcab + nll[None, :, None] - log_probs) * grad[None, :, None]
    return np.where(live_frames(node, steps), out, 0.0).astype(log_probs.dtype, copy=False)


def live_frames(node, steps: int):
    """(T, N, 1): the frames t < T_n of sequences whose gradient is not zeroed (an infinite
    loss under ``zero_infinity``)."""
    live = (np.arange(steps)[:, None] < node.input_lengths[None])[..., None]
    return live if not node.zero_infinity else live & (node.nll != np.inf)[None, :, None]


class CTCLoss(Op):
    """Per-sequence CTC losses ``nll_n = -log p(l_n | x_n)``, shape (N,), from ``log_probs``
    (T, N, C); ``labels`` (N, 2 max L + 1) are the extended labels (padded with blanks).

    Forward (log space, ``l'`` the extended labels, ``skip(s) = l'(s) != l'(s - 2)``):
        alpha[0, s] = lp[0, l'(s)] for s < 2, -inf elsewhere
        alpha[t, s] = logsumexp(alpha[t-1, s], alpha[t-1, s-1],
                                alpha[t-1, s-2] if skip(s)) + lp[t, l'(s)]
        nll = -logsumexp(alpha[T_n - 1, 2 L_n], alpha[T_n - 1, 2 L_n - 1])  (for T_n = 0:
        inf, or -0 for an empty target; 0 for an infinite loss with ``zero_infinity``)

    Backward (the beta recursion, frame t's own term included, as PyTorch's):
        beta[T_n - 1, s] = lp[T_n - 1, l'(s)] for s in {2 L_n - 1, 2 L_n}, -inf elsewhere
        beta[t, s] = logsumexp(beta[t+1, s], beta[t+1, s+1], beta[t+1, s+2] if skip(s+2))
                     + lp[t, l'(s)]
        d log_probs[t, n, c] = -g_n exp(logsumexp_{s: l'(s) = c}(alpha + beta)[t, s]
                                        + nll_n - lp[t, c])         for t < T_n, else 0
    (minus the posterior occupancy of class c at frame t): the derivative of the forward. 0
    for a sequence whose loss is infinite under ``zero_infinity``, nan without it.
    PyTorch's own gradient adds ``g_n exp(lp[t, c])`` (it is the derivative with respect to
    logits whose log_softmax is ``log_probs``); ``F.ctc_loss`` adds that term in the graph,
    so that every node's backward stays the derivative of its forward. No second derivative,
    as in PyTorch (differentiating the gradient raises RuntimeError).
    """

    __slots__ = ("labels", "input_lengths", "target_lengths", "zero_infinity", "alpha", "nll")
    label = "ctc_loss"

    def forward(self, log_probs):
        labels, lengths, targets = self.labels, self.input_lengths, self.target_lengths
        lp = np.take_along_axis(log_probs, labels[None], axis=2)
        alpha = _alpha(lp, _skip(labels))
        rows = np.arange(labels.shape[0])
        frame = np.maximum(lengths - 1, 0)
        end = alpha[frame, rows, 2 * targets]
        before = np.where(targets > 0, alpha[frame, rows, np.maximum(2 * targets - 1, 0)], _NEG)
        nll = -_logsumexp3(end, before, np.full_like(end, _NEG))
        # no frames: likelihood 1 for an empty target (loss -0.0, as PyTorch's), else 0
        nll = np.where(lengths > 0, nll, np.where(targets > 0, np.inf, -0.0))
        nll = nll.astype(log_probs.dtype)
        self.alpha, self.nll = alpha, nll
        self.save(log_probs)
        return np.where(nll == np.inf, 0.0, nll).astype(nll.dtype) if self.zero_infinity else nll

    def backward(self, g):
        (log_probs,) = self.saved
        if type(g) is not np.ndarray:  # create_graph: a gradient that cannot be differentiated
            return (CTCLossBackward.apply(g, log_probs, **{k: getattr(self, k)
                                                           for k in self.__slots__}),)
        return (ctc_gradient(self, log_probs, g),)


class CTCLossBackward(Op):
    """CTCLoss's gradient recorded under ``create_graph`` (see CTCLoss); its own backward
    raises RuntimeError, as PyTorch's ``_ctc_loss_backward`` has no derivative."""

    __slots__ = CTCLoss.__slots__
    label = "ctc_loss_backward"

    def forward(self, g, log_probs):
        return ctc_gradient(self, log_probs, g)

    def backward(self, g):
        raise RuntimeError("derivative for ctc_loss_backward is not implemented: the CTC "
                           "loss has first derivatives only, as in PyTorch (differentiate "
                           "its gradient through your own composition of ops instead).")
