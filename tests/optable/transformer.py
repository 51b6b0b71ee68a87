"""Op-table entries: the transformer's ops (tinygraph/ops/activations.py, norm.py, losses.py)
and the losses and attention composed from graph ops (tinygraph/nn/loss_functions.py,
attention.py)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from tinygraph.nn import functional as F
from tinygraph.ops import attention as attention_ops
from tinygraph.ops.activations import erf

from .spec import UNARY_SHAPES, OpSpec, _torch


def _tf():
    return _torch().nn.functional


def _t(a):
    return None if a is None else _torch().as_tensor(a)


def _np_gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return x * 0.5 * (1 + erf(x / math.sqrt(2)))


def _np_softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.logaddexp(0, x * beta) / beta)


def _np_layer_norm(x, w=None, b=None, normalized_shape=None, eps=1e-5):
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


def _np_sdpa(q, k, v, attn_mask=None, is_causal=False, scale=None):
    s = q @ np.swapaxes(k, -1, -2) * (1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    if is_causal:
        attn_mask = np.tri(q.shape[-2], k.shape[-2], dtype=bool)
    if attn_mask is not None:
        s = np.where(attn_mask, s, -np.inf) if attn_mask.dtype == bool else s + attn_mask
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True) @ v


def _sdpa_cases(shapes):
    n, h, length, _ = shapes[0]
    source = shapes[1][-2]
    rng = np.random.default_rng(0)
    mask = rng.random((length, source)) > 0.3
    mask[:, 0] = True  # every row attends somewhere (an all-masked row is nan in torch too)
    return [{}, {"is_causal": True}, {"attn_mask": mask}, {"scale": 0.3},
            {"attn_mask": rng.standard_normal((h, length, source))}]


def _split_heads(qkv, heads, lib=np):
    n, length, e3 = qkv.shape
    parts = qkv.reshape(n, length, 3, heads, e3 // (3 * heads))
    parts = parts.transpose(2, 0, 3, 1, 4) if lib is np else parts.permute(2, 0, 3, 1, 4)
    return parts[0], parts[1], parts[2]


def _np_self_attention(qkv, heads, mask=None, scale=None):
    q, k, v = _split_heads(qkv, heads)
    out = _np_sdpa(q, k, v, attn_mask=mask, scale=scale)
    return out.transpose(0, 2, 1, 3).reshape(qkv.shape[0], qkv.shape[1], -1)


def _torch_self_attention(qkv, heads, mask=None, scale=None):
    q, k, v = _split_heads(qkv, heads, lib=None)
    s = q @ k.transpose(-1, -2) * (1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    # (written out: torch's fused CPU kernel has no second derivative)
    out = (s if mask is None else s + _t(mask)).softmax(-1) @ v
    return out.permute(0, 2, 1, 3).reshape(qkv.shape[0], qkv.shape[1], -1)


def _self_attention_cases(shapes):
    n, length, _ = shapes[0]
    causal = np.where(np.tri(length, dtype=bool), 0.0, -np.inf)
    padding = np.zeros((n, 1, 1, length))
    padding[0, ..., -1] = -np.inf
    return [{"heads": 2}, {"heads": 2, "mask": causal}, {"heads": 1, "scale": 0.3},
            {"heads": 2, "mask": padding}]


def _log_softmax(x, axis):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def _np_nll(x, target, weight=None, ignore_index=-100, reduction="mean"):
    c = x.shape[1]
    xs = np.moveaxis(x, 1, -1).reshape(-1, c)
    t = target.reshape(-1)
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    w = (np.ones(c) if weight is None else weight)[safe] * valid
    losses = -xs[np.arange(len(t)), safe] * w
    if reduction == "none":
        return losses.reshape(target.shape)
    return losses.sum() if reduction == "sum" else losses.sum() / w.sum()


def _np_cross_entropy(x, target, weight=None, ignore_index=-100, reduction="mean",
                      label_smoothing=0.0):
    c = x.shape[1]
    logp = _log_softmax(x, 1)
    wb = np.ones(c) if weight is None else weight
    wb = wb.reshape((c,) + (1,) * (x.ndim - 2))
    if target.shape == x.shape:
        t = target * (1 - label_smoothing) + label_smoothing / c
        losses = -(logp * t * wb).sum(1)
        if reduction == "none":
            return losses
        return losses.sum() if reduction == "sum" else losses.sum() / (x.size / c)
    nll = _np_nll(logp, target, weight, ignore_index, reduction)
    valid = target != ignore_index
    smooth = -(logp * wb).sum(1) * valid
    if reduction == "none":
        rest = smooth
    elif reduction == "sum":
        rest = smooth.sum()
    else:
        wt = (np.ones(c) if weight is None else weight)[np.where(valid, target, 0)] * valid
        rest = smooth.sum() / wt.sum()
    return (1 - label_smoothing) * nll + rest * label_smoothing / c


def _label_cases(shapes):
    shape = shapes[0]
    c = shape[1]
    label_shape = shape[:1] + shape[2:]
    labels = (np.arange(int(np.prod(label_shape))) * 5 + 1) % c
    labels = labels.reshape(label_shape)
    ignored = labels.copy()
    ignored.reshape(-1)[1] = -100
    weight = np.linspace(0.5, 2.0, c)
    out = []
    for r in ("mean", "sum", "none"):
        out.append({"target": labels, "weight": weight, "reduction": r})
        out.append({"target": ignored, "reduction": r})
    out.append({"target": labels, "weight": weight, "ignore_index": 2})
    return out


def _ce_cases(shapes):
    out = [dict(k, label_smoothing=s) for k in _label_cases(shapes) for s in (0.0, 0.2)]
    probs = np.random.default_rng(1).dirichlet(np.ones(shapes[0][1]), size=shapes[0][:1]
                                               + shapes[0][2:])
    probs = np.moveaxis(probs, -1, 1)
    weight = np.linspace(0.5, 2.0, shapes[0][1])
    for r in ("mean", "sum", "none"):
        out.append({"target": probs, "reduction": r, "label_smoothing": 0.1})
        out.append({"target": probs, "reduction": r, "weight": weight})
    return out


def _torch_ce(x, target, weight=None, **kw):
    return _tf().cross_entropy(x, _t(target), weight=_t(weight), **kw)


def _torch_nll(x, target, weight=None, **kw):
    return _tf().nll_loss(x, _t(target), weight=_t(weight), **kw)


def _np_kl(x, t, reduction="mean", log_target=False):
    p = t * (np.log(t) - x) if not log_target else np.exp(t) * (t - x)
    if reduction == "none":
        return p
    if reduction == "batchmean":
        return p.sum() / x.shape[0]
    return p.sum() if reduction == "sum" else p.mean()


def _np_huber(x, t, reduction="mean", delta=1.0, beta=None):
    d = x - t
    if beta is not None:
        out = np.abs(d) if beta == 0 else np.where(np.abs(d) < beta, 0.5 * d * d / beta,
                                                    np.abs(d) - 0.5 * beta)
    else:
        out = np.where(np.abs(d) < delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))
    if reduction == "none":
        return out
    return out.sum() if reduction == "sum" else out.mean()


def _torch_kl(x, t, **k):
    with warnings.catch_warnings():  # 'mean' warns that it will become 'batchmean'
        warnings.simplefilter("ignore", UserWarning)
        return _tf().kl_div(x, t, **k)


REDUCTIONS = [{"reduction": r} for r in ("mean", "sum", "none")]
LOSS_SHAPES = [((4, 3), (4, 3)), ((5,), (5,))]

OPS = [
    OpSpec("gelu", F.gelu, _np_gelu, lambda x, **k: _tf().gelu(x, **k), 1, UNARY_SHAPES,
           kwargs=[{}, {"approximate": "tanh"}], domains={0: (-4.0, 4.0)}),
    OpSpec("silu", F.silu, lambda x: x / (1 + np.exp(-x)), lambda x: _tf().silu(x), 1,
           UNARY_SHAPES, domains={0: (-4.0, 4.0)}),
    OpSpec("elu", F.elu, lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(x)),
           lambda x, **k: _tf().elu(x, **k), 1, UNARY_SHAPES,
           kwargs=[{}, {"alpha": 0.5}]),
    OpSpec("softplus", F.softplus, _np_softplus, lambda x, **k: _tf().softplus(x, **k), 1,
           UNARY_SHAPES, kwargs=[{}, {"beta": 2.0, "threshold": 1.5}],
           domains={0: (-3.0, 3.0)}),
    OpSpec("hardtanh", F.hardtanh,
           lambda x, min_val=-1.0, max_val=1.0: np.clip(x, min_val, max_val),
           lambda x, **k: _tf().hardtanh(x, **k), 1, UNARY_SHAPES,
           kwargs=[{}, {"min_val": -0.5, "max_val": 1.5}]),
    OpSpec("layer_norm",
           lambda x, w, b, normalized_shape: F.layer_norm(x, normalized_shape, w, b),
           lambda x, w, b, normalized_shape: _np_layer_norm(x, w, b, normalized_shape),
           lambda x, w, b, normalized_shape: _tf().layer_norm(x, normalized_shape, w, b), 3,
           [((2, 3, 4), (4,), (4,)), ((5,), (5,), (5,)), ((0, 3), (3,), (3,))],
           kwargs=lambda shapes: [{"normalized_shape": shapes[1]}]),
    OpSpec("layer_norm_2d_no_affine",
           lambda x, normalized_shape: F.layer_norm(x, normalized_shape, eps=1e-3),
           lambda x, normalized_shape: _np_layer_norm(x, None, None, normalized_shape, 1e-3),
           lambda x, normalized_shape: _tf().layer_norm(x, normalized_shape, eps=1e-3), 1,
           [((2, 3, 4),)], kwargs=[{"normalized_shape": (3, 4)}]),
    OpSpec("embedding", lambda w, **k: F.embedding(k.pop("input"), w, **k),
           lambda w, input, padding_idx=None: w[input],
           lambda w, input, **k: _tf().embedding(_t(input), w, **k), 1, [((5, 3),)],
           # padding_idx (no gradient for that row, unlike finite differences): test_transformer
           kwargs=[{"input": np.array([[0, 4, 4], [2, 1, 4]])}, {"input": np.array(3)}]),
    OpSpec("scaled_dot_product_attention", F.scaled_dot_product_attention, _np_sdpa,
           lambda q, k, v, attn_mask=None, **kw: _tf().scaled_dot_product_attention(
               q, k, v, attn_mask=_t(attn_mask), **kw), 3,
           [((2, 3, 4, 5), (2, 3, 4, 5), (2, 3, 4, 2)), ((1, 2, 3, 4), (1, 2, 5, 4),
                                                         (1, 2, 5, 3))],
           kwargs=_sdpa_cases),
    # MultiheadAttention's self-attention from its packed q/k/v projection, as one node
    OpSpec("self_attention", attention_ops.self_attention, _np_self_attention,
           _torch_self_attention, 1, [((2, 4, 12),), ((1, 3, 6),)],
           kwargs=_self_attention_cases),
    OpSpec("nll_loss", lambda x, **k: F.nll_loss(x, **k), _np_nll, _torch_nll, 1,
           [((5, 3),), ((2, 4, 3),)], kwargs=_label_cases),
    OpSpec("cross_entropy_full", lambda x, **k: F.cross_entropy(x, **k), _np_cross_entropy,
           _torch_ce, 1, [((5, 3),), ((2, 4, 3),)], kwargs=_ce_cases),
    OpSpec("kl_div", F.kl_div, _np_kl, _torch_kl, 2,
           LOSS_SHAPES, kwargs=[*REDUCTIONS, {"reduction": "batchmean"},
                                {"log_target": True}],
           domains={1: (0.1, 1.0)}),
    OpSpec("huber_loss", F.huber_loss, _np_huber, lambda x, t, **k: _tf().huber_loss(x, t, **k),
           2, LOSS_SHAPES, kwargs=[*REDUCTIONS, {"delta": 0.5}]),
    OpSpec("smooth_l1_loss", F.smooth_l1_loss, lambda x, t, **k: _np_huber(
               x, t, k.get("reduction", "mean"), beta=k.get("beta", 1.0)),
           lambda x, t, **k: _tf().smooth_l1_loss(x, t, **k), 2, LOSS_SHAPES,
           kwargs=[*REDUCTIONS, {"beta": 0.5}, {"beta": 0.0}]),
]
