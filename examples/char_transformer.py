"""A small causal transformer that learns to write like tinygraph's own documentation.

Teaches: ``nn.Embedding`` for tokens and positions, ``nn.TransformerEncoderLayer`` stacked with a
causal mask (each character sees only the ones before it), ``nn.LayerNorm``, next-character
cross-entropy over every position at once, AdamW, sampling text from the trained model under
``tg.no_grad()``, and a picture of the graph collapsed to one box per module
(``tg.viz.render(..., collapse_modules=True)``).

The text is the project's own README.md and docs/*.md (no download): a character vocabulary
built from it, context 32, width 64, 2 heads, 2 layers, batches of 16. Well under a minute on
two cores.

    python examples/char_transformer.py [--steps 600] [--quick] [--out out]
"""

import argparse
import time
from pathlib import Path

import numpy as np

import tinygraph as tg
from tinygraph import nn, optim

ROOT = Path(__file__).resolve().parent.parent
CONTEXT, WIDTH, HEADS, LAYERS, BATCH = 32, 64, 2, 2, 16


def load_text() -> str:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(f.read_text(encoding="utf-8") for f in files if f.exists())


class CharTransformer(nn.Module):
    """Token + position embeddings, pre-norm encoder layers with a causal mask, a final
    LayerNorm and a linear head giving next-character logits at every position."""

    def __init__(self, vocab: int, context: int = CONTEXT, width: int = WIDTH,
                 heads: int = HEADS, layers: int = LAYERS) -> None:
        super().__init__()
        self.context = context
        self.token = nn.Embedding(vocab, width)
        self.position = nn.Embedding(context, width)
        self.blocks = nn.ModuleList(  # one box each in the collapsed picture
            nn.TransformerEncoderLayer(width, heads, dim_feedforward=4 * width, dropout=0.0,
                                       activation="gelu", batch_first=True, norm_first=True)
            for _ in range(layers))
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab)

    def forward(self, idx):
        length = idx.shape[-1]
        x = self.token(idx) + self.position(np.arange(length))
        causal = np.triu(np.ones((length, length), dtype=bool), 1)  # True: may not attend
        for block in self.blocks:
            x = block(x, src_mask=causal, is_causal=True)
        return self.head(self.norm(x))


def batches(data: np.ndarray, rng: np.random.Generator):
    """Endless random windows: inputs (B, T) and the next characters (B, T) as targets."""
    while True:
        starts = rng.integers(0, len(data) - CONTEXT - 1, size=BATCH)
        window = data[starts[:, None] + np.arange(CONTEXT + 1)]
        yield window[:, :-1], window[:, 1:]


def loss_of(model, x, y):
    logits = model(tg.tensor(x, name="chars"))
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def generate(model, prompt: np.ndarray, length: int, rng, temperature: float = 0.8):
    """Sample ``length`` characters after ``prompt``, one at a time (context: the last 32)."""
    model.eval()
    out = list(prompt)
    with tg.no_grad():
        for _ in range(length):
            logits = model(tg.tensor(np.array([out[-model.context:]])))
            z = logits.numpy()[0, -1].astype(np.float64) / temperature
            p = np.exp(z - z.max())
            out.append(int(rng.choice(len(p), p=p / p.sum())))
    model.train()
    return out


def draw_graph(model, x, y, out: Path) -> list:
    """The loss of one batch, drawn with one box per module (and every op inside each
    encoder layer when not collapsed: hundreds of boxes)."""
    loss = loss_of(model, x, y)
    paths = []
    for fmt in ("svg", "png"):
        try:
            paths.append(Path(tg.viz.render(loss, out / f"char_transformer_graph.{fmt}",
                                            params=model, collapse_modules=True)))
        except tg.viz.DotNotFoundError as err:
            print(f"no graph pictures: {err}")
            return paths + [out / "char_transformer_graph.dot"]
    return paths


def main(steps: int = 600, out: Path = Path("out")) -> float:
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    text = load_text()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = np.array([index[c] for c in text], dtype=np.intp)
    print(f"text: {len(text):,} characters of the project's docs, vocabulary of {len(chars)}")
    model = CharTransformer(len(chars))
    print(f"model: {sum(p.numel() for p in model.parameters()):,} parameters")
    optimizer = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    stream = batches(data, rng)
    start, running = time.perf_counter(), None
    first = None
    for step in range(1, steps + 1):
        x, y = next(stream)
        loss = loss_of(model, x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        value = loss.item()
        first = value if first is None else first
        running = value if running is None else 0.9 * running + 0.1 * value
        if step % max(steps // 10, 1) == 0 or step == 1:
            print(f"step {step:4d}  loss {running:.3f}")
    seconds = time.perf_counter() - start
    print(f"trained {steps} steps in {seconds:.1f} s; loss {first:.3f} -> {running:.3f} "
          f"(uniform guessing: {np.log(len(chars)):.3f})")
    prompt = [index[c] for c in "The "]
    sample = "".join(chars[i] for i in generate(model, np.array(prompt), 160, rng))
    print("sample:\n" + sample)
    out.mkdir(parents=True, exist_ok=True)
    x, y = next(stream)
    written = draw_graph(model, x, y, out)
    print("wrote:")
    for path in written:
        print(f"  {path}")
    return running


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help="training steps (600)")
    parser.add_argument("--quick", action="store_true", help="40 steps, for tests")
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the files")
    args = parser.parse_args()
    main(args.steps if args.steps is not None else (40 if args.quick else 600), args.out)
