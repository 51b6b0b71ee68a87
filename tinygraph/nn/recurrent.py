"""Recurrent layers as PyTorch's: ``RNN``, ``LSTM``, ``GRU`` and their one-step cells.

Each is written out of graph ops, one time step after another, so the picture of a
recurrent model shows its unrolled steps, and gradients (of any order) come from the ops'
own. The input-to-hidden products of all steps are one matrix product per layer and
direction; each step adds its hidden-to-hidden product. Parameter names, shapes, gate order
and init are PyTorch's (``weight_ih_l0``, ``weight_hh_l0_reverse``, ...; every parameter
uniform in +-1/sqrt(hidden_size)), so a torch ``state_dict`` loads and gives the same outputs.

The gates, with ``x`` the step's input and ``h``, ``c`` the previous state:

    RNN:  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)           (or relu)
    LSTM: i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh)
          c' = sigmoid(f) * c + sigmoid(i) * tanh(g);   h' = sigmoid(o) * tanh(c')
    GRU:  r, z, n_x = split(W_ih x + b_ih);  r_h, z_h, n_h = split(W_hh h + b_hh)
          r = sigmoid(r + r_h);  z = sigmoid(z + z_h);  n = tanh(n_x + r * n_h)
          h' = (1 - z) * n + z * h
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ShapeError
from ..ops import functions as ops
from ..tensor import Tensor, get_default_dtype
from . import functional as F
from . import init
from .layers import size_argument
from .module import Module, Parameter
from .utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _step(mode: str, xw, h, c, w_hh, b_hh, w_hr=None):
    """One time step from the input's share of the gates ``xw`` (its bias included). A state
    of None is the zero state: its product is left out (so no zeros of the batch's size are
    made outside the graph, and an exported model takes any batch size). An LSTM with
    ``proj_size`` projects its output: ``h' = W_hr (sigmoid(o) * tanh(c'))``."""
    if h is None:
        hw = b_hh if b_hh is not None else 0.0
    else:
        hw = F.linear(h, w_hh, b_hh)
    if mode == "LSTM":
        i, f, g, o = ops.chunk(xw + hw, 4, -1)
        c = ops.sigmoid(i) * ops.tanh(g) if c is None else (
            ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g))
        h = ops.sigmoid(o) * ops.tanh(c)
        return (h if w_hr is None else F.linear(h, w_hr)), c
    if mode == "GRU":
        r_x, z_x, n_x = ops.chunk(xw, 3, -1)
        if h is None and b_hh is None:
            r, z, n = ops.sigmoid(r_x), ops.sigmoid(z_x), ops.tanh(n_x)
            return n - z * n, None
        r_h, z_h, n_h = ops.chunk(hw, 3, -1) if h is not None else ops.chunk(b_hh, 3, -1)
        r, z = ops.sigmoid(r_x + r_h), ops.sigmoid(z_x + z_h)
        n = ops.tanh(n_x + r * n_h)
        return (n - z * n if h is None else n + z * (h - n)), None
    pre = xw + hw
    return (ops.tanh(pre) if mode == "RNN_TANH" else ops.relu(pre)), None


class RNNBase(Module):
    """The stacked, optionally bidirectional recurrence shared by RNN, LSTM and GRU."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        owner = type(self).__name__
        self.mode = mode
        self.input_size = size_argument(input_size, "input_size", owner, minimum=1)
        self.hidden_size = size_argument(hidden_size, "hidden_size", owner, minimum=1)
        self.num_layers = size_argument(num_layers, "num_layers", owner, minimum=1)
        if isinstance(proj_size, bool) or not isinstance(proj_size, int) or proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             f"projections, got {proj_size!r}.")
        if proj_size >= self.hidden_size:
            raise ValueError(f"{owner}: proj_size has to be smaller than hidden_size, got "
                             f"proj_size={proj_size} and hidden_size={self.hidden_size}.")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU.")
        if not 0.0 <= dropout <= 1.0 or isinstance(dropout, bool):
            raise ValueError(f"{owner}: dropout should be a number in range [0, 1] "
                             f"representing the probability of an element being zeroed, got "
                             f"{dropout!r}.")
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        self.proj_size = proj_size
        real = proj_size or self.hidden_size  # the width of h (the output per direction)
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        gates = GATES[mode] * self.hidden_size
        directions = 2 if bidirectional else 1
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else real * directions
            for suffix in ("", "_reverse")[:directions]:
                names = self._names(layer, suffix)
                self.register_parameter(names[0], Parameter(np.empty((gates, width), dtype)))
                self.register_parameter(names[1], Parameter(np.empty((gates, real), dtype)))
                if self.bias:
                    self.register_parameter(names[2], Parameter(np.empty(gates, dtype)))
                    self.register_parameter(names[3], Parameter(np.empty(gates, dtype)))
                if proj_size:
                    self.register_parameter(f"weight_hr_l{layer}{suffix}", Parameter(
                        np.empty((proj_size, self.hidden_size), dtype)))
        self.reset_parameters()

    @staticmethod
    def _names(layer: int, suffix: str) -> tuple:
        return tuple(f"{kind}_l{layer}{suffix}"
                     for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _weights(self, layer: int, suffix: str) -> tuple:
        """(w_ih, w_hh, b_ih, b_hh, w_hr), None for the ones the layer does not have."""
        names = self._names(layer, suffix)
        return tuple(getattr(self, name) if self.bias or k < 2 else None
                     for k, name in enumerate(names)) + (
            getattr(self, f"weight_hr_l{layer}{suffix}") if self.proj_size else None,)

    def _check(self, x, hx=(), batch_first: bool = False):
        owner = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{owner}: the input must be a Tensor, got {type(x).__name__}.")
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            raise ShapeError(f"{owner}: expected an input of shape (L, {self.input_size}) or "
                             f"({'N, L' if batch_first else 'L, N'}, {self.input_size}), "
                             f"got {tuple(x.shape)}.")
        directions = 2 if self.bidirectional else 1
        batch = x.shape[0 if batch_first else 1] if x.ndim == 3 else None
        lead = (self.num_layers * directions,) + ((batch,) if batch is not None else ())
        for name, state in zip(("h_0", "c_0"), hx):
            size = "proj_size" if self.proj_size and name == "h_0" else "hidden_size"
            want = lead + (getattr(self, size),)
            if tuple(state.shape) != want:
                raise ShapeError(f"{owner}: expected {name} of shape {want} (num_layers * "
                                 f"num_directions, batch, {size}) for an input of shape "
                                 f"{tuple(x.shape)}, got {tuple(state.shape)}.")

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):  # each sequence stops at its own length
            padded, lengths = pad_packed_sequence(input)
            out, states = self._recur(padded, hx, padded.ndim == 2, lengths._data)
            repacked = pack_padded_sequence(out, lengths,
                                            enforce_sorted=input.sorted_indices is None)
            return repacked, states
        self._check(input, batch_first=self.batch_first)
        unbatched = input.ndim == 2
        x = input.unsqueeze(1) if unbatched else (
            input.transpose(0, 1) if self.batch_first else input)
        out, states = self._recur(x, hx, unbatched, None)
        if not unbatched and self.batch_first:
            out = out.transpose(0, 1)
        return out, states

    def _recur(self, x, hx, unbatched: bool, lengths):
        """Run the stack over the time-major ``x`` (T, B, H_in); with ``lengths``, sequence b
        keeps its state (and outputs zeros) after its ``lengths[b]`` steps."""
        lstm = self.mode == "LSTM"
        if unbatched and x.ndim == 2:
            x = x.unsqueeze(1)
        directions = 2 if self.bidirectional else 1
        if hx is None:  # zero states, left out of the products (see _step)
            hx = ((None,) * self.num_layers * directions,) * (2 if lstm else 1)
        else:
            hx = tuple(hx) if lstm else (hx,)
            self._check(x.squeeze(1) if unbatched else x, hx, batch_first=False)
            if unbatched:
                hx = tuple(state.unsqueeze(1) for state in hx)
        live = None if lengths is None else [
            (t < lengths)[:, None] for t in range(x.shape[0])]  # (B, 1) per step
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outputs = []
            for k, suffix in enumerate(("", "_reverse")[:directions]):
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, suffix)
                index = layer * directions + k
                h, c = hx[0][index], (hx[1][index] if lstm else None)
                xw = F.linear(x, w_ih, b_ih)  # every step's input share at once
                steps = range(x.shape[0] - 1, -1, -1) if k else range(x.shape[0])
                hs = [None] * x.shape[0]
                for t in steps:
                    h_t, c_t = _step(self.mode, xw[t], h, c, w_hh, b_hh, w_hr)
                    if live is None:
                        h, c, hs[t] = h_t, c_t, h_t
                        continue
                    hs[t] = ops.where(live[t], h_t, 0.0)
                    h = ops.where(live[t], h_t, 0.0 if h is None else h)
                    if lstm:
                        c = ops.where(live[t], c_t, 0.0 if c is None else c)
                outputs.append(ops.stack(hs))
                h_n.append(h)
                c_n.append(c)
            x = outputs[0] if directions == 1 else ops.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout)
        out = x.squeeze(1) if unbatched else x
        state = ops.stack(h_n)
        if unbatched:
            state = state.squeeze(1)
        if not lstm:
            return out, state
        cells = ops.stack(c_n)
        return out, (state, cells.squeeze(1) if unbatched else cells)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text


def _no_projection(proj_size) -> None:
    if proj_size is not None:  # as torch: even proj_size=0 is refused
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU.")


class RNN(RNNBase):
    """Elman recurrence, ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (or ``relu``):
    ``output, h_n = rnn(input, h_0)``; input (L, N, H_in), (N, L, H_in) with
    ``batch_first``, or (L, H_in)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None, proj_size=None) -> None:
        _no_projection(proj_size)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; choose 'tanh' or "
                             "'relu'.")
        super().__init__("RNN_" + nonlinearity.upper(), input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory: ``output, (h_n, c_n) = lstm(input, (h_0, c_0))``; gates in
    PyTorch's order (input, forget, cell, output). With ``proj_size=k`` (0 < k < hidden_size)
    each step's h is projected to k values by ``weight_hr_l{layer}{_reverse}`` (k,
    hidden_size): h_0, h_n and the output (per direction) have k features, c has
    hidden_size."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit: ``output, h_n = gru(input, h_0)``; gates in PyTorch's order
    (reset, update, new)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None, proj_size=None) -> None:
        _no_projection(proj_size)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


class RNNCellBase(Module):
    """One step of a recurrence: ``h' = cell(x, h)`` (LSTMCell: ``h', c' = cell(x, (h,
    c))``), with PyTorch's ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        owner = type(self).__name__
        self.mode = mode
        self.input_size = size_argument(input_size, "input_size", owner, minimum=1)
        self.hidden_size = size_argument(hidden_size, "hidden_size", owner, minimum=1)
        self.bias = bool(bias)
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        gates = GATES[mode] * self.hidden_size
        self.weight_ih = Parameter(np.empty((gates, self.input_size), dtype))
        self.weight_hh = Parameter(np.empty((gates, self.hidden_size), dtype))
        self.bias_ih = Parameter(np.empty(gates, dtype)) if bias else None
        self.bias_hh = Parameter(np.empty(gates, dtype)) if bias else None
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def forward(self, input, hx=None):
        lstm = self.mode == "LSTM"
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        if x.ndim != 2 or x.shape[-1] != self.input_size:
            raise ShapeError(f"{type(self).__name__}: expected an input of shape (N, "
                             f"{self.input_size}) or ({self.input_size},), got "
                             f"{tuple(input.shape)}.")
        if hx is None:  # the zero state, left out of the product (see _step)
            hx = (None, None) if lstm else None
        elif unbatched:
            hx = tuple(s.unsqueeze(0) for s in hx) if lstm else hx.unsqueeze(0)
        h, c = hx if lstm else (hx, None)
        h, c = _step(self.mode, F.linear(x, self.weight_ih, self.bias_ih), h, c,
                     self.weight_hh, self.bias_hh)
        if unbatched:
            h, c = h.squeeze(0), (c.squeeze(0) if lstm else None)
        return (h, c) if lstm else h

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if self.mode == "RNN_RELU":
            text += ", nonlinearity=relu"
        return text


class RNNCell(RNNCellBase):
    __doc__ = RNNCellBase.__doc__

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; choose 'tanh' "
                             "or 'relu'.")
        super().__init__("RNN_" + nonlinearity.upper(), input_size, hidden_size, bias, device,
                         dtype)


class LSTMCell(RNNCellBase):
    __doc__ = RNNCellBase.__doc__

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)


class GRUCell(RNNCellBase):
    __doc__ = RNNCellBase.__doc__

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)
