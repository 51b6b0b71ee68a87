"""Op-table entries: the CTC loss (tinygraph/ops/ctc.py through F.ctc_loss).

The inputs are logits, normalised by log_softmax inside each callable: PyTorch's CTC gradient
is the derivative with respect to such logits (see ops/ctc.py), so finite differences agree
with it there. No second derivatives, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from tinygraph.nn import functional as F

from .spec import OpSpec, _torch

# (T, N, C) cases: padded targets (N, S), lengths per sequence (some shorter than T or S)
_TARGETS = np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]])


def _ctc_cases(shapes):
    steps, batch, classes = shapes[0]
    targets = _TARGETS[:batch] % (classes - 1) + 1
    inputs = [steps - k % 2 for k in range(batch)]
    lengths = [3, 2, 1][:batch]
    cases = [{"targets": targets, "input_lengths": inputs, "target_lengths": lengths,
              "reduction": r} for r in ("mean", "sum", "none")]
    cases.append({"targets": targets - 1, "input_lengths": inputs, "target_lengths": lengths,
                  "blank": classes - 1, "reduction": "none"})
    return cases


def _tg_ctc(x, targets, **kwargs):
    return F.ctc_loss(x.log_softmax(-1), targets, **kwargs)


def _torch_ctc(x, targets, **kwargs):
    torch = _torch()
    return torch.nn.functional.ctc_loss(x.log_softmax(-1), torch.as_tensor(targets), **kwargs)


def _np_ctc(x, targets, input_lengths, target_lengths, blank=0, reduction="mean"):
    """Sum over alignments by the alpha recursion, one sequence at a time, in probabilities."""
    p = np.exp(x - np.log(np.exp(x).sum(-1, keepdims=True)))
    losses = []
    for n, (steps, length) in enumerate(zip(input_lengths, target_lengths)):
        ext = [blank]
        for label in targets[n][:length]:
            ext += [label, blank]
        alpha = np.zeros(len(ext))
        alpha[:2] = p[0, n, ext[:2]]
        for t in range(1, steps):
            new = alpha.copy()
            new[1:] += alpha[:-1]
            for s in range(2, len(ext)):
                if ext[s] != ext[s - 2]:
                    new[s] += alpha[s - 2]
            alpha = new * p[t, n, ext]
        losses.append(-np.log(alpha[-1] + (alpha[-2] if len(ext) > 1 else 0.0)))
    losses = np.array(losses)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return (losses / np.maximum(target_lengths, 1)).mean()


OPS = [
    OpSpec("ctc_loss", _tg_ctc, _np_ctc, _torch_ctc, 1,
           [((7, 3, 4),), ((5, 2, 3),), ((6, 1, 5),)], kwargs=_ctc_cases,
           domains={0: (-3.0, 3.0)}, second_order=False),
]
