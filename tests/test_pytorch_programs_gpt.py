"""A small GPT written the way people learn to write one (token and position embeddings,
heads of masked self-attention in an nn.ModuleList, a registered causal-mask buffer,
pre-norm blocks in nn.Sequential, weights initialised through Module.apply, AdamW,
generation by top-k and multinomial sampling), run twice: once on torch and once on tinygraph
imported as torch. From the same weights the two give the same losses, weights and greedy
text (float64)."""

from __future__ import annotations

import numpy as np

import tinygraph

TEXT = "the quick brown fox jumps over the lazy dog; " * 8
CONTEXT, WIDTH, HEADS, LAYERS = 8, 16, 2, 2


def build(torch):
    nn, F = torch.nn, torch.nn.functional
    vocab = sorted(set(TEXT))

    class Head(nn.Module):
        def __init__(self, size):
            super().__init__()
            self.key = nn.Linear(WIDTH, size, bias=False)
            self.query = nn.Linear(WIDTH, size, bias=False)
            self.value = nn.Linear(WIDTH, size, bias=False)
            self.register_buffer("tril", torch.tril(torch.ones(CONTEXT, CONTEXT)))

        def forward(self, x):
            B, T, C = x.shape
            k, q = self.key(x), self.query(x)
            wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
            wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
            return F.softmax(wei, dim=-1) @ self.value(x)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = nn.ModuleList([Head(WIDTH // HEADS) for _ in range(HEADS)])
            self.proj = nn.Linear(WIDTH, WIDTH)
            self.ffwd = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(),
                                      nn.Linear(4 * WIDTH, WIDTH), nn.Dropout(0.0))
            self.ln1, self.ln2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)

        def forward(self, x):
            h = self.ln1(x)
            x = x + self.proj(torch.cat([head(h) for head in self.heads], dim=-1))
            return x + self.ffwd(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens = nn.Embedding(len(vocab), WIDTH)
            self.positions = nn.Embedding(CONTEXT, WIDTH)
            self.blocks = nn.Sequential(*[Block() for _ in range(LAYERS)])
            self.ln_f = nn.LayerNorm(WIDTH)
            self.lm_head = nn.Linear(WIDTH, len(vocab))
            self.apply(self._init_weights)

        def _init_weights(self, module):
            if isinstance(module, (nn.Linear, nn.Embedding)):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                torch.nn.init.zeros_(module.bias)

        def forward(self, idx, targets=None):
            B, T = idx.shape
            x = self.tokens(idx) + self.positions(torch.arange(T))
            logits = self.lm_head(self.ln_f(self.blocks(x)))
            if targets is None:
                return logits, None
            B, T, C = logits.shape
            return logits, F.cross_entropy(logits.view(B * T, C), targets.view(B * T))

        @torch.no_grad()
        def generate(self, idx, new_tokens, top_k=None, greedy=False):
            for _ in range(new_tokens):
                logits, _ = self(idx[:, -CONTEXT:])
                logits = logits[:, -1, :]
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float("Inf")
                probs = F.softmax(logits, dim=-1)
                if greedy:
                    idx_next = torch.argmax(probs, dim=-1, keepdim=True)
                else:
                    idx_next = torch.multinomial(probs, num_samples=1)
                idx = torch.cat((idx, idx_next), dim=1)
            return idx

    return GPT, vocab


def program(torch, weights=None):
    torch.manual_seed(0)
    GPT, vocab = build(torch)
    stoi = {ch: i for i, ch in enumerate(vocab)}
    data = torch.tensor([stoi[c] for c in TEXT], dtype=torch.long)
    model = GPT().double()
    if weights is not None:
        model.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    starts = [[0, 5, 17, 40], [3, 60, 22, 90], [11, 2, 70, 33], [8, 50, 19, 77]]
    losses = []
    for step in starts:
        ix = torch.tensor(step)
        xb = torch.stack([data[i:i + CONTEXT] for i in ix])
        yb = torch.stack([data[i + 1:i + CONTEXT + 1] for i in ix])
        _, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    context = torch.zeros((1, 1), dtype=torch.long)
    greedy = model.generate(context, 12, greedy=True)[0].tolist()
    sampled = model.generate(context, 12, top_k=3)
    state = {k: v.numpy().copy() if hasattr(v, "numpy") else v.copy()  # torch: tensors
             for k, v in model.state_dict().items()}
    return losses, greedy, sampled, state


def test_a_small_gpt_trains_and_generates_the_same_on_both(torch):
    weights = _initial_weights(torch)  # torch's own init, handed to both
    theirs = program(torch, weights)
    ours = program(tinygraph, weights)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-9)  # losses
    assert ours[1] == theirs[1]  # greedy generation
    assert ours[2].shape == theirs[2].shape == (1, 13) and ours[2].dtype == tinygraph.long
    assert list(ours[3]) == list(theirs[3])
    for name, value in theirs[3].items():
        np.testing.assert_allclose(ours[3][name], value, rtol=1e-7, atol=1e-12, err_msg=name)


def _initial_weights(torch):
    torch.manual_seed(0)
    GPT, _ = build(torch)
    return {k: v.double().numpy().copy() for k, v in GPT().state_dict().items()}


def test_sampling_with_top_k_draws_only_among_the_k_likeliest():
    tinygraph.manual_seed(0)
    GPT, vocab = build(tinygraph)
    model = GPT()
    model.eval()
    logits, _ = model(tinygraph.zeros((1, 1), dtype=tinygraph.long))
    allowed = set(logits[0, -1].topk(3).indices.tolist())
    firsts = {model.generate(tinygraph.zeros((1, 1), dtype=tinygraph.long), 1,
                             top_k=3)[0, 1].item() for _ in range(40)}
    assert firsts <= allowed and len(firsts) > 1
