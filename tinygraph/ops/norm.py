"""Layer normalization and embedding lookup: one node each, with their own backward.

- ``layer_norm``: normalise over the trailing ``normalized_shape`` axes, then scale and shift.
  The array backward reuses the forward's normalised input and inverse deviation; under
  ``create_graph`` it recomputes them from ``x`` with recorded ops, so second derivatives hold.
- ``embedding``: rows of a weight matrix picked by integer indices; the backward scatters the
  gradient back into the rows (repeated indices add up), and the ``padding_idx`` row gets none.
"""

from __future__ import annotations

import functools

import numpy as np

from ..autograd import Op
from ..errors import DtypeError, ShapeError
from .args import data, shape
from .registry import public
from .rowwise import column_sum, row_mean


def _marked(exc: Exception) -> Exception:
    exc._tinygraph = True  # already explained: Op.apply passes it on unchanged
    return exc


@public("layer_norm", method=False)
class LayerNorm(Op):
    """y = (x - mean) / sqrt(var + eps) * w + b over the last ``len(normalized_shape)`` axes
    (biased variance);  with xhat the normalised input, r = 1 / sqrt(var + eps), gw = g w:
    dx = r (gw - mean(gw) - xhat mean(gw xhat)),  dw = sum(g xhat),  db = sum(g), the sums
    over the leading (batch) axes.
    """

    __slots__ = ("axes", "eps", "has_weight", "has_bias", "cache")
    label = "layer_norm"

    @staticmethod
    def arguments(input, normalized_shape, weight=None, bias=None, eps=1e-5):
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (int(normalized_shape),)
        normalized_shape = tuple(int(n) for n in normalized_shape)
        x_shape = shape(input)
        k = len(normalized_shape)
        if k == 0 or k > len(x_shape) or x_shape[len(x_shape) - k:] != normalized_shape:
            raise ShapeError(
                f"layer_norm: normalized_shape {list(normalized_shape)} must be the trailing "
                f"axes of the input, but the input has shape {x_shape}. Give the sizes of the "
                f"last axes, e.g. normalized_shape=[{x_shape[-1] if x_shape else 1}].")
        for name, p in (("weight", weight), ("bias", bias)):
            if p is not None and shape(p) != normalized_shape:
                raise ShapeError(
                    f"layer_norm: {name} has shape {shape(p)} but normalized_shape is "
                    f"{list(normalized_shape)}; they must be equal.")
        inputs = (input,) + tuple(p for p in (weight, bias) if p is not None)
        axes = tuple(range(len(x_shape) - k, len(x_shape)))
        return inputs, {"axes": axes, "eps": float(eps), "has_weight": weight is not None,
                        "has_bias": bias is not None}

    def forward(self, x, *params):
        axes = self.axes
        if len(axes) == 1:  # one normalised axis: its means as products with ones (BLAS)
            centered = x - row_mean(x)
            var = row_mean(centered * centered)
        else:
            centered = x - x.mean(axis=axes, keepdims=True)
            var = np.mean(centered * centered, axis=axes, keepdims=True)
        var += self.eps
        rstd = np.sqrt(var, out=var)
        np.reciprocal(rstd, out=rstd)
        xhat = centered
        xhat *= rstd
        self.cache = (xhat, rstd)
        self.save(x, *params)
        y = xhat
        if self.has_weight:
            y = xhat * params[0]
        if self.has_bias:
            y = y + params[-1] if y is xhat else _iadd(y, params[-1])
        return y.astype(x.dtype, copy=False)

    def backward(self, g):
        x, *params = self.saved
        xp = self.xp
        axes = self.axes
        need = self.needs_grad
        if isinstance(x, np.ndarray):
            xhat, rstd = self.cache
        else:  # create_graph: recompute from x, so that they are differentiated too
            centered = x - xp.mean(x, axis=axes, keepdims=True)
            rstd = 1.0 / xp.sqrt(xp.mean(centered * centered, axis=axes, keepdims=True)
                                 + self.eps)
            xhat = centered * rstd
        lead = tuple(range(x.ndim - len(axes)))
        grads = []
        if need[0] and isinstance(x, np.ndarray):  # the same formula, with fewer temporaries
            mean = row_mean if len(axes) == 1 else functools.partial(
                np.mean, axis=axes, keepdims=True)
            gw = g * params[0] if self.has_weight else g.copy()
            gx = gw - mean(gw)
            gw *= xhat
            gw_xhat = mean(gw)
            np.multiply(xhat, gw_xhat, out=gw)
            gx -= gw
            gx *= rstd
            grads.append(gx)
        elif need[0]:
            gw = g * params[0] if self.has_weight else g
            gx = gw - xp.mean(gw, axis=axes, keepdims=True)
            gx = gx - xhat * xp.mean(gw * xhat, axis=axes, keepdims=True)
            grads.append(gx * rstd)
        else:
            grads.append(None)
        arrays = type(g) is np.ndarray and len(axes) == 1 and lead
        if self.has_weight:
            grads.append(None if not need[1] else column_sum(g * xhat) if arrays else
                         xp.sum(g * xhat, axis=lead) if lead else g * xhat)
        if self.has_bias:
            grads.append(None if not need[-1] else column_sum(g) if arrays else
                         xp.sum(g, axis=lead) if lead else g)
        return tuple(grads)


_BLAS = (np.dtype(np.float32), np.dtype(np.float64))


def _iadd(y, b):
    y += b
    return y


@public("embedding", method=False)
class Embedding(Op):
    """y = weight[indices] (a row per index, shape indices.shape + (dim,));
    dweight = the rows of g added into a zero matrix at the indices (repeated indices add up),
    except the ``padding_idx`` row, which gets no gradient.

    ``indices`` are a constant attribute (integers, never a graph input).
    """

    __slots__ = ("indices", "padding_idx", "rows")
    label = "embedding"

    @staticmethod
    def arguments(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
                  scale_grad_by_freq=False, sparse=False):
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError(
                "embedding: max_norm, scale_grad_by_freq and sparse are not supported; leave "
                "them at their defaults.")
        w_shape = shape(weight)
        if len(w_shape) != 2:
            raise ShapeError(
                f"embedding: the weight must be 2-D (num_embeddings, embedding_dim), got shape "
                f"{w_shape}.")
        indices = np.asarray(data(input))
        if indices.dtype.kind not in "iu":
            raise _marked(DtypeError(
                f"embedding: indices must be integers (long), got {indices.dtype}; convert "
                "them with .long() or .astype(int)."))
        rows = w_shape[0]
        if indices.size and (indices.min() < 0 or indices.max() >= rows):
            bad = indices.max() if indices.max() >= rows else indices.min()
            raise _marked(IndexError(
                f"embedding: index {int(bad)} is out of range for an embedding table of "
                f"{rows} rows (shape {w_shape}); indices must be in [0, {rows - 1}]. Make "
                f"num_embeddings larger than the largest index (e.g. the vocabulary size)."))
        if padding_idx is not None:
            if not -rows <= padding_idx < rows:
                raise ValueError(
                    f"embedding: padding_idx {padding_idx} must be within num_embeddings "
                    f"({rows}).")
            padding_idx %= rows
        return (weight,), {"indices": indices.astype(np.intp, copy=False),
                           "padding_idx": padding_idx, "rows": rows}

    def forward(self, w):
        return w[self.indices]

    def backward(self, g):
        xp = self.xp
        indices = self.indices
        if self.padding_idx is not None:
            keep = (indices != self.padding_idx)[..., None]
            g = xp.keep_where(keep, g)
        dim = g.shape[-1]
        g2 = xp.reshape(g, (-1, dim))
        flat = indices.reshape(-1)
        if (type(g2) is np.ndarray and g2.dtype in _BLAS and self.rows * flat.size <= 1 << 21
                and np.isfinite(g2).all()):
            # a small table: the scatter as one product, onehot (rows, n) @ g (n, dim): a
            # fifth of np.add.at's time for 512 indices into 64 rows; the same sums (finite
            # gradients only: the product would spread an inf as 0 * inf = nan)
            onehot = np.zeros((self.rows, flat.size), g2.dtype)
            onehot[flat, np.arange(flat.size)] = 1
            return (onehot @ g2,)
        return (xp.scatter_add(g2, flat, (self.rows, dim)),)
