"""Workload 6: one training step of a small causal transformer (the char_transformer example's
model at its sizes: vocab 64, context 32, width 64, 2 heads, 2 pre-norm layers with exact GELU
and a 256-wide feed-forward, batch 16, next-token cross-entropy, plain SGD).

Contenders, all from the same weights and fed the same batches:

- ``numpy``: forward and backward written by hand (the same algorithm: one fused q/k/v
  product, an additive causal mask, the float32 GELU of ``tinygraph.ops.activations``);
- ``tinygraph``: ``nn.Embedding``, ``nn.TransformerEncoderLayer``, ``nn.LayerNorm``,
  ``nn.Linear``, ``F.cross_entropy``, ``optim.SGD``: the PyTorch idiom;
- ``pytorch``: the same model in ``torch.nn`` (training mode, so no inference fast path).

The first three steps' losses of the three must agree (a wrong hand-written backward would show as
diverging losses; they are reported beside the timings).
"""

from __future__ import annotations

import math

import numpy as np

from .timing import clock, interleaved

VOCAB, CONTEXT, WIDTH, HEADS, LAYERS, BATCH, HIDDEN = 64, 32, 64, 2, 2, 16, 256
LR = 0.05


def batches(count: int, seed: int = 1) -> list:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        w = rng.integers(0, VOCAB, (BATCH, CONTEXT + 1))
        out.append((w[:, :-1].astype(np.intp), w[:, 1:].reshape(-1).astype(np.intp)))
    return out


def _causal_mask():
    return np.triu(np.ones((CONTEXT, CONTEXT), bool), 1)


def build_model(torch):
    """The model, written once for ``torch`` or for ``tinygraph`` imported as torch."""
    nn = torch.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.token = nn.Embedding(VOCAB, WIDTH)
            self.position = nn.Embedding(CONTEXT, WIDTH)
            self.blocks = nn.ModuleList([nn.TransformerEncoderLayer(
                WIDTH, HEADS, HIDDEN, dropout=0.0, activation="gelu", batch_first=True,
                norm_first=True) for _ in range(LAYERS)])
            self.norm = nn.LayerNorm(WIDTH)
            self.head = nn.Linear(WIDTH, VOCAB)
            self.register_buffer("mask", torch.tensor(_causal_mask()), persistent=False)

        def forward(self, idx):
            x = self.token(idx) + self.position(torch.arange(CONTEXT))
            for block in self.blocks:
                x = block(x, src_mask=self.mask, is_causal=True)
            return self.head(self.norm(x))

    return Model()


def tinygraph_model(seed: int = 0):
    import tinygraph as tg

    tg.manual_seed(seed)
    return build_model(tg)


class TinygraphStep:
    def __init__(self, model) -> None:
        from tinygraph import nn, optim

        self.model, self.F = model, nn.functional
        self.opt = optim.SGD(model.parameters(), lr=LR)

    def step(self, idx, targets) -> float:
        import tinygraph as tg

        logits = self.model(tg.tensor(idx))
        loss = self.F.cross_entropy(logits.reshape(-1, VOCAB), targets)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()


class TorchStep:
    def __init__(self, torch, state: dict) -> None:
        self.torch = torch
        self.model = build_model(torch)
        self.model.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
        self.model.train()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR)

    def step(self, idx, targets) -> float:
        torch = self.torch
        logits = self.model(torch.from_numpy(idx))
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB),
                                                 torch.from_numpy(targets))
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()


def _ln(x, w, b, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    xc = x - mean
    rstd = 1.0 / np.sqrt((xc * xc).mean(-1, keepdims=True) + eps)
    xhat = xc * rstd
    return xhat * w + b, (xhat, rstd, w)


def _ln_back(g, cache):
    xhat, rstd, w = cache
    gw = g * w
    gx = rstd * (gw - gw.mean(-1, keepdims=True) - xhat * (gw * xhat).mean(-1, keepdims=True))
    g2 = g.reshape(-1, g.shape[-1])
    return gx, (g2 * xhat.reshape(g2.shape)).sum(0), g2.sum(0)


class NumpyStep:
    """The same step by hand: every forward intermediate kept, every gradient written out."""

    def __init__(self, state: dict) -> None:
        from tinygraph.ops.activations import _normal_cdf_single

        self.p = {k: v.copy() for k, v in state.items()}
        self.cdf = _normal_cdf_single
        self.mask = np.where(_causal_mask(), -np.inf, 0.0).astype(np.float32)
        self.lr = np.float32(LR)

    def step(self, idx, targets) -> float:
        p, grads = self.p, {}
        b, t, d, h = BATCH, CONTEXT, WIDTH, HEADS
        hd = d // h
        scale = np.float32(1.0 / math.sqrt(hd))
        x = p["token.weight"][idx] + p["position.weight"]
        caches = []
        for i in range(LAYERS):
            pre = f"blocks.{i}."
            n1, c_n1 = _ln(x, p[pre + "norm1.weight"], p[pre + "norm1.bias"])
            n1_2 = n1.reshape(-1, d)
            qkv = n1_2 @ p[pre + "self_attn.in_proj_weight"].T + p[pre + "self_attn.in_proj_bias"]
            qkv = qkv.reshape(b, t, 3, h, hd).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            s = (q * scale) @ k.transpose(0, 1, 3, 2) + self.mask
            s = np.exp(s - s.max(-1, keepdims=True))
            att = s / s.sum(-1, keepdims=True)
            a = (att @ v).transpose(0, 2, 1, 3).reshape(-1, d)
            o = a @ p[pre + "self_attn.out_proj.weight"].T + p[pre + "self_attn.out_proj.bias"]
            x = x + o.reshape(b, t, d)
            n2, c_n2 = _ln(x, p[pre + "norm2.weight"], p[pre + "norm2.bias"])
            n2_2 = n2.reshape(-1, d)
            u = n2_2 @ p[pre + "linear1.weight"].T + p[pre + "linear1.bias"]
            cdf = self.cdf(u)
            gl = u * cdf
            f = gl @ p[pre + "linear2.weight"].T + p[pre + "linear2.bias"]
            x = x + f.reshape(b, t, d)
            caches.append((c_n1, n1_2, q, k, v, att, a, c_n2, n2_2, u, cdf, gl))
        nf, c_nf = _ln(x, p["norm.weight"], p["norm.bias"])
        nf2 = nf.reshape(-1, d)
        logits = nf2 @ p["head.weight"].T + p["head.bias"]
        z = logits - logits.max(-1, keepdims=True)
        e = np.exp(z)
        total = e.sum(-1, keepdims=True)
        rows = np.arange(len(targets))
        loss = float(np.mean(np.log(total[:, 0]) - z[rows, targets]))
        g = e / total
        g[rows, targets] -= 1
        g /= len(targets)
        grads["head.weight"], grads["head.bias"] = g.T @ nf2, g.sum(0)
        gx, grads["norm.weight"], grads["norm.bias"] = _ln_back(
            (g @ p["head.weight"]).reshape(b, t, d), c_nf)
        for i in reversed(range(LAYERS)):
            pre = f"blocks.{i}."
            c_n1, n1_2, q, k, v, att, a, c_n2, n2_2, u, cdf, gl = caches[i]
            gf = gx.reshape(-1, d)
            grads[pre + "linear2.weight"], grads[pre + "linear2.bias"] = gf.T @ gl, gf.sum(0)
            ggl = gf @ p[pre + "linear2.weight"]
            gu = ggl * (cdf + u * (np.exp(u * u * np.float32(-0.5)) *
                                   np.float32(1 / math.sqrt(2 * math.pi))))
            grads[pre + "linear1.weight"], grads[pre + "linear1.bias"] = gu.T @ n2_2, gu.sum(0)
            gn2 = (gu @ p[pre + "linear1.weight"]).reshape(b, t, d)
            g_ln2, grads[pre + "norm2.weight"], grads[pre + "norm2.bias"] = _ln_back(gn2, c_n2)
            gx = gx + g_ln2
            go = gx.reshape(-1, d)
            grads[pre + "self_attn.out_proj.weight"] = go.T @ a
            grads[pre + "self_attn.out_proj.bias"] = go.sum(0)
            ga = (go @ p[pre + "self_attn.out_proj.weight"]).reshape(b, t, h, hd)
            ga = ga.transpose(0, 2, 1, 3)
            gatt = ga @ v.transpose(0, 1, 3, 2)
            gv = att.transpose(0, 1, 3, 2) @ ga
            gs = att * (gatt - (gatt * att).sum(-1, keepdims=True))
            gq = (gs @ k) * scale
            gk = gs.transpose(0, 1, 3, 2) @ (q * scale)
            gqkv = np.stack([gq, gk, gv]).transpose(1, 3, 0, 2, 4).reshape(-1, 3 * d)
            grads[pre + "self_attn.in_proj_weight"] = gqkv.T @ n1_2
            grads[pre + "self_attn.in_proj_bias"] = gqkv.sum(0)
            gn1 = (gqkv @ p[pre + "self_attn.in_proj_weight"]).reshape(b, t, d)
            g_ln1, grads[pre + "norm1.weight"], grads[pre + "norm1.bias"] = _ln_back(gn1, c_n1)
            gx = gx + g_ln1
        grads["position.weight"] = gx.sum(0)
        gtok = np.zeros_like(p["token.weight"])
        np.add.at(gtok, idx.reshape(-1), gx.reshape(-1, d))
        grads["token.weight"] = gtok
        for name, grad in grads.items():
            p[name] -= self.lr * grad
        return loss


def contenders(torch=None) -> dict:
    model = tinygraph_model()
    state = {k: np.array(v) for k, v in model.state_dict().items()}
    out = {"numpy": NumpyStep(state), "tinygraph": TinygraphStep(model)}
    if torch is not None:
        out["pytorch"] = TorchStep(torch, state)
    return out


def run(steps: int = 30, repeats: int = 5, torch=None) -> dict:
    data = batches(steps)
    models = contenders(torch)
    # correctness guard: three steps from the same weights give the same losses everywhere
    first = {name: [round(m.step(*b), 5) for b in data[:3]]
             for name, m in contenders(torch).items()}

    def timed(model):
        def measure():
            t0 = clock()
            for idx, targets in data:
                model.step(idx, targets)
            return {"ms_per_step": (clock() - t0) * 1000 / len(data)}
        return measure

    results = interleaved({name: timed(m) for name, m in models.items()}, repeats)
    return {"steps": steps, "repeats": repeats, "results": results, "first_loss": first}
