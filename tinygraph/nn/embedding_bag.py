"""``F.embedding_bag`` and ``nn.EmbeddingBag`` as PyTorch's: the rows of a table looked up for
each bag of indices and reduced per bag (``"sum"``, ``"mean"``, ``"max"``) without the
(bags, length, dim) intermediate. A bag is a row of a 2-D input, or a run of a 1-D input
between two ``offsets``.

Everything about the indices (bags, padding, which entry of a bag is its maximum) is
bookkeeping on constant integer arrays; the graph sees only differentiable ops: ``embedding``
(the rows), a multiplication by ``per_sample_weights``, ``index_add`` (the per-bag sums) and
advanced indexing (the maxima). Gradients with respect to the weight and the per-sample
weights, second derivatives and ONNX export come from those ops.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..autograd.node import new_tensor
from ..ops import functions as ops
from ..tensor import Tensor, get_default_dtype
from . import init
from .casting import check_device
from .functional import renorm_rows
from .layers import size_argument
from .module import Module, Parameter

_MODES = ("sum", "mean", "max")
_INDEX_TYPES = (np.dtype(np.int32), np.dtype(np.int64))


def _indices(x, argument: str) -> np.ndarray:
    array = np.asarray(ops._data(x))
    if array.dtype not in _INDEX_TYPES:
        raise RuntimeError(
            f"embedding_bag: Expected tensor for argument '{argument}' to have one of the "
            f"following scalar types: Long, Int; but got {array.dtype} instead. Convert it "
            "with .long().")
    return array.astype(np.intp, copy=False)


def _check_arguments(input, weight, offsets, mode, per_sample_weights, scale_grad_by_freq,
                     sparse) -> None:
    """PyTorch's checks, in its order and with its error types."""
    in_shape, w_shape = ops._shape(input), ops._shape(weight)
    if per_sample_weights is not None and ops._shape(per_sample_weights) != in_shape:
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({ops._shape(per_sample_weights)}) is not "
            f"None, then it must have the same shape as the input ({in_shape})")
    if len(w_shape) != 2:
        raise ValueError(f"embedding_bag: weight has to be a 2D Tensor, but got Tensor of "
                         f"dimension {len(w_shape)} (shape {w_shape})")
    if len(in_shape) == 2 and offsets is not None:
        raise ValueError(
            "embedding_bag: if input is 2D, then offsets has to be None, as input is treated "
            "is a mini-batch of fixed length sequences. However, found offsets of type "
            f"{type(offsets)}")
    if len(in_shape) == 1 and offsets is None:
        raise ValueError("embedding_bag: offsets has to be a 1D Tensor but got None (the "
                         "start of each bag in the 1-D input)")
    if len(in_shape) == 1 and ops._ndim(offsets) != 1:
        raise ValueError(f"embedding_bag: offsets has to be a 1D Tensor, got shape "
                         f"{ops._shape(offsets)}")
    if len(in_shape) not in (1, 2):
        raise ValueError(f"embedding_bag: input has to be 1D or 2D Tensor, but got Tensor of "
                         f"dimension {len(in_shape)} (shape {in_shape})")
    if mode not in _MODES:
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("embedding_bag: max mode does not support scaling the gradient by the "
                         "frequency")
    if mode == "max" and sparse:
        raise ValueError("embedding_bag: max mode does not support sparse weights")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq and sparse are not "
                                  "supported in tinygraph; leave them False.")
    w_dtype = np.asarray(ops._data(weight)).dtype
    if w_dtype.kind != "f":
        raise RuntimeError(f"embedding_bag: Expected tensor for argument 'weight' to have one "
                           f"of the following scalar types: Half, Float, Double; but got "
                           f"{w_dtype} instead.")
    if per_sample_weights is not None:
        p_dtype = np.asarray(ops._data(per_sample_weights)).dtype
        if p_dtype != w_dtype:
            raise RuntimeError(f"embedding_bag: Expected per_sample_weights to have the "
                               f"weight's dtype {w_dtype}, but got {p_dtype}; convert them "
                               f"with .to(weight.dtype).")


def _bags(index: np.ndarray, offsets, include_last_offset: bool):
    """(bag of each position, number of bags, positions used) from the offsets: bag ``b`` is
    positions ``offsets[b]`` up to the next offset (or the end of the input; with
    ``include_last_offset`` the last offset is dropped, as PyTorch, which reads it as the
    input's length)."""
    if index.ndim == 2:
        count, length = index.shape
        return np.repeat(np.arange(count), length), count, count * length
    starts = _indices(offsets, "offsets")
    n = index.shape[0]
    if starts.size and starts[0] != 0:
        raise RuntimeError(
            f"embedding_bag: offsets[0] has to be 0, i.e., the first sequence in the "
            f"mini-batch has to start from position 0. However, got {starts[0]}")
    if starts.size and starts[-1] > n:
        raise RuntimeError(f"embedding_bag: offsets[-1] can not be greater than input's length "
                           f"{n} but got offsets[-1] of {starts[-1]}")
    if (np.diff(starts) < 0).any():
        raise RuntimeError(f"embedding_bag: offsets must be non-decreasing (each bag starts "
                           f"where the previous one ends), got {starts.tolist()}")
    if include_last_offset:
        starts = starts[:-1]  # the last bag runs to the end of the input, as PyTorch's on the CPU
    ends = np.append(starts[1:], n).astype(np.intp)
    return np.repeat(np.arange(starts.size), ends - starts), starts.size, n if starts.size else 0


def _bag_maxima(table: np.ndarray, rows: np.ndarray, bag: np.ndarray, counts: np.ndarray):
    """For each non-empty bag and column, the table row holding the bag's maximum: the first
    one in the bag where several tie, as PyTorch (its gradient goes there alone)."""
    full = counts > 0
    firsts = (np.cumsum(counts) - counts)[full]
    values = table[rows]
    peaks = np.maximum.reduceat(values, firsts, axis=0)
    rank = np.cumsum(full) - 1
    where = np.arange(rows.size)[:, None]
    hit = np.where(values == peaks[rank[bag]], where, rows.size)
    first = np.minimum.reduceat(hit, firsts, axis=0)
    first = np.where(first == rows.size, firsts[:, None], first)  # a NaN maximum: its first row
    return full, rows[first]


def _fixed_bags(input, weight, mode, per_sample_weights, length: int):
    """Bags of one length (a 2-D input, no padding): the (B, N, dim) lookup summed over N.
    Nothing here depends on the indices' values, so it exports to ONNX (a Gather and a
    ReduceSum), with the batch axis free."""
    looked_up = ops.embedding(input, weight)
    if per_sample_weights is not None:
        looked_up = looked_up * ops.unsqueeze(per_sample_weights, -1)
    total = ops.sum(looked_up, 1)
    return total / length if mode == "mean" else total


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """The rows of ``weight`` at each bag's indices, reduced per bag: (bags, embedding_dim).

    A 2-D ``input`` (B, N) is B bags of N indices; a 1-D ``input`` is the bags one after the
    other, bag ``b`` starting at ``offsets[b]`` (``include_last_offset=True``: ``offsets``
    has one more entry, the input's length, as in CSR). Entries equal to ``padding_idx`` are
    left out of their bag; an empty bag gives zeros. ``per_sample_weights`` (``mode="sum"``
    only) scale each looked-up row before the sum.

    >>> F.embedding_bag(tg.tensor([1, 2, 4, 5, 4, 3]), weight, tg.tensor([0, 4]), mode="sum")
    """
    input = input if isinstance(input, (Tensor, np.ndarray)) else np.asarray(input)
    if (np.asarray(ops._data(weight)).dtype == np.int64
            and np.asarray(ops._data(input)).dtype.kind == "f"):
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", UserWarning, stacklevel=2)
        weight, input = input, weight
    if offsets is not None and not isinstance(offsets, (Tensor, np.ndarray)):
        offsets = np.asarray(offsets)
    _check_arguments(input, weight, offsets, mode, per_sample_weights, scale_grad_by_freq,
                     sparse)
    index = _indices(input, "indices")
    if max_norm is not None:
        renorm_rows(weight, index, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub.")
    rows, dim = ops._shape(weight)
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise RuntimeError(f"embedding_bag: padding_idx must be within the number of "
                               f"embeddings, {-rows} through {rows - 1}, but got {padding_idx}")
        padding_idx %= rows
    if index.size and (index.min() < 0 or index.max() >= rows):
        bad = index.min() if index.min() < 0 else index.max()
        raise RuntimeError(f"embedding_bag: Expected idx >= 0 && idx < num_embeddings but found "
                           f"idx to be {bad} (the table has {rows} rows)")
    if index.ndim == 2 and index.size and mode != "max" and padding_idx is None:
        return _fixed_bags(input, weight, mode, per_sample_weights, index.shape[1])
    bag, count, used = _bags(index, offsets, include_last_offset)
    flat = index.reshape(-1)[:used]
    keep = np.flatnonzero(flat != padding_idx) if padding_idx is not None else \
        np.arange(flat.size)
    bag, flat = bag[keep], flat[keep]
    counts = np.bincount(bag, minlength=count)
    if mode == "max":
        full, best = _bag_maxima(np.asarray(ops._data(weight)), flat, bag, counts)
        picked = np.zeros((count, dim), np.intp)
        picked[full] = best
        out = ops.getitem(weight, (picked, np.arange(dim)[None, :]))
        return out if full.all() else ops.masked_fill(out, ~full[:, None], 0.0)
    looked_up = ops.embedding(new_tensor(flat, None), weight)
    if per_sample_weights is not None:
        scale = ops.getitem(ops.reshape(per_sample_weights, (-1,)), keep)
        looked_up = looked_up * ops.unsqueeze(scale, 1)
    zeros = new_tensor(np.zeros((count, dim), np.asarray(ops._data(weight)).dtype), None)
    out = ops.index_add(zeros, 0, new_tensor(bag.astype(np.int64), None), looked_up)
    if mode == "mean":
        out = out / np.maximum(counts, 1).astype(out.dtype)[:, None]
    return out


class EmbeddingBag(Module):
    """A lookup table whose rows are summed, averaged or maxed per bag of indices, without
    building the (bags, length, dim) lookup: ``weight`` (num_embeddings, embedding_dim) drawn
    from N(0, 1) as in PyTorch, the ``padding_idx`` row zero and left out of every bag.

    >>> bag = nn.EmbeddingBag(10, 3, mode="mean")
    >>> bag(tg.tensor([1, 2, 4, 5, 4, 3]), tg.tensor([0, 4])).shape   # two bags
    (2, 3)
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, device=None, dtype=None) -> None:
        super().__init__()
        check_device("EmbeddingBag", device)
        self.num_embeddings = size_argument(num_embeddings, "num_embeddings", "EmbeddingBag")
        self.embedding_dim = size_argument(embedding_dim, "embedding_dim", "EmbeddingBag")
        if scale_grad_by_freq or sparse:
            raise NotImplementedError(
                "EmbeddingBag: scale_grad_by_freq and sparse are not supported in tinygraph "
                "(gradients are dense); leave them False.")
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise AssertionError(f"padding_idx must be within num_embeddings: EmbeddingBag "
                                     f"has {self.num_embeddings} rows, got {padding_idx}")
            padding_idx %= self.num_embeddings
        self.padding_idx = padding_idx
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
            self.weight = Parameter(np.empty(shape, dtype))
            self.reset_parameters()
        else:
            given = np.shape(ops._data(_weight))
            if given != shape:
                raise AssertionError(f"Shape of weight does not match num_embeddings and "
                                     f"embedding_dim: got {given}, expected {shape}")
            self.weight = Parameter(_weight)
        self.mode, self.sparse = mode, sparse
        self.include_last_offset = include_last_offset

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, mode="mean", sparse=False,
                        include_last_offset=False, padding_idx=None):
        """An EmbeddingBag holding ``embeddings`` (2-D, storage shared), frozen unless
        ``freeze=False``."""
        if ops._ndim(embeddings) != 2:
            raise AssertionError(f"Embeddings parameter is expected to be 2-dimensional, got "
                                 f"shape {ops._shape(embeddings)}")
        rows, cols = ops._shape(embeddings)
        bag = cls(rows, cols, max_norm=max_norm, norm_type=norm_type,
                  scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                  _weight=embeddings if isinstance(embeddings, Tensor) else np.asarray(embeddings),
                  include_last_offset=include_last_offset, padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse, per_sample_weights,
                             self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        text += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx!r}"
        return text
