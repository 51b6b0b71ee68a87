"""Batches of sequences of different lengths, as ``torch.nn.utils.rnn``: ``pad_sequence``,
``pack_padded_sequence``, ``pad_packed_sequence``, ``pack_sequence`` and ``PackedSequence``.

A ``PackedSequence`` holds PyTorch's layout: the sequences sorted longest first, and ``data``
the time steps one after another, each holding the rows still running at that step
(``batch_sizes[t]`` of them). Packing and unpacking are slicing and joining of graph ops, so
gradients flow through them; the recurrent layers (``nn.LSTM`` and co.) take a
``PackedSequence`` and give one back, each sequence stopping at its own length.

    >>> packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    >>> output, (h_n, c_n) = lstm(packed)          # h_n: each sequence's own last step
    >>> output, lengths = pad_packed_sequence(output, batch_first=True)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ...autograd.node import new_tensor
from ...ops import functions as ops
from ...tensor import Tensor

__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence"]


class PackedSequence(NamedTuple):
    """``data`` (the running rows of every time step, stacked), ``batch_sizes`` (int64: how
    many rows run at each step), and the permutation that sorted the batch by length
    (``sorted_indices``, with its inverse ``unsorted_indices``; None when it came sorted)."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args, **kwargs):
        return self._replace(data=self.data.to(*args, **kwargs))

    def float(self):
        return self._replace(data=self.data.float())

    def double(self):
        return self._replace(data=self.data.double())

    @property
    def is_cuda(self) -> bool:
        return False


def _lengths(lengths, batch: int) -> np.ndarray:
    values = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths)
    if values.ndim != 1 or values.shape[0] != batch:
        raise ValueError(f"pack_padded_sequence: expected one length per sequence ({batch}), got "
                         f"lengths of shape {values.shape}.")
    if values.size and (values.dtype.kind not in "iu" or values.min() <= 0):
        raise RuntimeError(f"pack_padded_sequence: lengths must be positive integers, got "
                           f"{values.tolist()}.")
    return values.astype(np.int64)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right"):
    """The tensors of ``sequences`` (each (L_i, *)) padded to the longest and stacked:
    (L_max, B, *), or (B, L_max, *) with ``batch_first``."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got "
                         f"{padding_side!r}.")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences.")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            filler = s.new_full((missing,) + tuple(s.shape[1:]), padding_value)
            s = ops.cat([s, filler] if padding_side == "right" else [filler, s], 0)
        padded.append(s)
    return ops.stack(padded, 0 if batch_first else 1)


def pack_padded_sequence(input, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) whose sequence b has
    ``lengths[b]`` steps. With ``enforce_sorted`` the lengths must be decreasing; otherwise the
    batch is sorted here and the permutation kept."""
    batch_axis = 0 if batch_first else 1
    lengths = _lengths(lengths, input.shape[batch_axis])
    sorted_indices = unsorted_indices = None
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                               "pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement.")
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        input = ops.index_select(input, batch_axis, order)
        sorted_indices = new_tensor(order.astype(np.int64), None)
        unsorted_indices = new_tensor(np.argsort(order).astype(np.int64), None)
    if lengths.size and lengths[0] > input.shape[1 - batch_axis]:
        raise RuntimeError(f"pack_padded_sequence: a length ({lengths[0]}) is longer than the "
                           f"padded input's {input.shape[1 - batch_axis]} steps.")
    if batch_first:
        input = ops.transpose(input, 0, 1)
    steps = int(lengths[0]) if lengths.size else 0
    batch_sizes = np.array([(lengths > t).sum() for t in range(steps)], dtype=np.int64)
    data = ops.cat([input[t, :n] for t, n in enumerate(batch_sizes)], 0)
    return PackedSequence(data, new_tensor(batch_sizes, None), sorted_indices, unsorted_indices)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None):
    """``(padded, lengths)``: the inverse of ``pack_padded_sequence``, in the batch's original
    order; ``total_length`` pads the time axis further."""
    data, sizes = sequence.data, sequence.batch_sizes._data
    batch = int(sizes[0]) if sizes.size else 0
    steps = len(sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"pad_packed_sequence: expected total_length to be at least the "
                             f"length of the longest sequence ({steps}), got {total_length}.")
        steps = total_length
    rows, start, tail = [], 0, tuple(data.shape[1:])
    for t in range(steps):
        n = int(sizes[t]) if t < len(sizes) else 0
        part = data[start:start + n]
        start += n
        if n < batch:
            filler = data.new_full((batch - n,) + tail, padding_value)
            part = ops.cat([part, filler], 0) if n else filler
        rows.append(part)
    padded = ops.stack(rows, 0)  # (T, B, *), sorted order
    lengths = np.array([(sizes > b).sum() for b in range(batch)], dtype=np.int64)
    if sequence.unsorted_indices is not None:
        order = sequence.unsorted_indices._data
        padded = ops.index_select(padded, 1, order)
        lengths = lengths[order]
    if batch_first:
        padded = ops.transpose(padded, 0, 1)
    return padded, new_tensor(lengths, None)


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of tensors (each (L_i, *)) directly."""
    sequences = list(sequences)
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)
