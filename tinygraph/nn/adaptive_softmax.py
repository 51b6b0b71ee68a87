"""``nn.AdaptiveLogSoftmaxWithLoss`` (Grave et al. 2017, "Efficient softmax approximation for
GPUs"), as PyTorch's: the ``cutoffs`` split the classes into a frequent shortlist, scored by
the ``head`` together with one entry per tail cluster, and clusters of rarer classes, each
scored by its own two-layer projection (``tail[i]``, of width ``in_features // div_value **
(i + 1)``). The log-probability of class c in cluster i is

    log p(c) = log_softmax(head(x))[shortlist + i] + log_softmax(tail[i](x))[c - cutoff_i]

and of a shortlist class just the head's term. ``forward(input, target)`` returns the named
tuple ``(output, loss)``: each target's log-probability and the mean of their negatives;
``log_prob(input)`` gives all classes, ``predict(input)`` the most probable one. Parameter
names, shapes and init are PyTorch's (``head.weight``, ``tail.0.0.weight``, ...).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..ops import functions as ops
from ..tensor import Tensor, tensor
from .containers import ModuleList
from .layers import Linear
from .module import Module
from .sequential import Sequential

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax: ``out, loss = asm(hidden, target)``; see the module docstring."""

    def __init__(self, in_features: int, n_classes: int, cutoffs, div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted "
                             "in an increasing order, where each value is between 1 and "
                             f"n_classes-1 (n_classes={n_classes}), got {cutoffs}.")
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        kwargs = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kwargs)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            width = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, **kwargs),
                                        Linear(hidden, width, bias=False, **kwargs)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_, target_):
        target_dims = target_.ndim
        if target_dims == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError(f"AdaptiveLogSoftmaxWithLoss: Input and target should have "
                                   f"the same size in the batch dimension, got input "
                                   f"{tuple(input_.shape)} and target {tuple(target_.shape)}.")
            if input_.ndim != 2:
                raise RuntimeError(f"AdaptiveLogSoftmaxWithLoss: 1D target tensor expects 2D "
                                   f"input tensors, but found inputs with size "
                                   f"{tuple(input_.shape)}")
        elif target_dims == 0:
            if input_.ndim != 1:
                raise RuntimeError(f"AdaptiveLogSoftmaxWithLoss: 0D target tensor expects 1D "
                                   f"input tensors, but found inputs with size "
                                   f"{tuple(input_.shape)}")
        else:
            raise RuntimeError("AdaptiveLogSoftmaxWithLoss: 0D or 1D target tensor expected, "
                               f"multi-target not supported (got shape "
                               f"{tuple(target_.shape)}).")
        batched = target_dims > 0
        x = input_ if batched else ops.unsqueeze(input_, 0)
        target = np.asarray(target_._data if isinstance(target_, Tensor) else target_)
        target = target.reshape(-1).astype(np.int64)
        if target.size and (target.min() < 0 or target.max() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but "
                               f"values in range [{target.min()}, {target.max()}] were found. ")
        # which head entry each row reads: its class (shortlist) or its cluster's entry
        cluster = np.searchsorted(np.asarray(self.cutoffs), target, side="right")
        gather = np.where(cluster == 0, target, self.shortlist_size + cluster - 1)
        head_logprob = ops.log_softmax(self.head(x), 1)
        rows = np.arange(target.size)
        output = head_logprob[rows, gather]
        for i in range(1, self.n_clusters + 1):
            picked = np.flatnonzero(cluster == i)
            if picked.size == 0:
                continue
            logprob = ops.log_softmax(self.tail[i - 1](x[picked]), 1)
            local = logprob[np.arange(picked.size), target[picked] - self.cutoffs[i - 1]]
            output = ops.index_add(output, 0, tensor(picked), local)
        loss = ops.mean(-output)
        return _ASMoutput(output if batched else ops.squeeze(output, 0), loss)

    def _get_full_log_prob(self, input, head_output):
        head_logprob = ops.log_softmax(head_output, 1)
        pieces = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = ops.log_softmax(self.tail[i](input), 1)
            pieces.append(cluster_logprob
                          + ops.unsqueeze(head_logprob[:, self.shortlist_size + i], 1))
        return ops.cat(pieces, 1)

    def log_prob(self, input):
        """The log-probabilities of all ``n_classes`` classes, (N, n_classes)."""
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input):
        """The most probable class of each row, (N,) int64; the tails are evaluated only for
        the rows whose best head entry is a cluster."""
        head_output = self.head(input)
        output = ops.argmax(head_output, 1)
        outside = output.numpy() >= self.shortlist_size
        if not outside.any():
            return output
        if outside.all():
            return ops.argmax(self._get_full_log_prob(input, head_output), 1)
        best = ops.argmax(self._get_full_log_prob(input[outside], head_output[outside]), 1)
        result = output.numpy().copy()
        result[outside] = best.numpy()
        return tensor(result)

    def extra_repr(self) -> str:
        return ""
