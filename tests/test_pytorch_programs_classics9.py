"""The nn.Transformer translation tutorial's shape, run on torch and on tinygraph imported as
torch with equal float64 numbers: token embeddings scaled by sqrt(d), a sinusoidal positional
encoding buffer, source/target masks and key-padding masks (create_mask), teacher-forced
training with CrossEntropyLoss(ignore_index=PAD), and greedy decoding through the model's
encoder and decoder called separately. And a training loop under torch.profiler (schedule,
on_trace_ready, record_function) with the same numbers and the same recorded ranges."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph

PAD, BOS, EOS = 0, 1, 2


def translation(torch):
    nn = torch.nn
    rng = np.random.default_rng(100)
    vocab = 9

    def make_pair():
        n = int(rng.integers(2, 5))
        src = rng.integers(3, vocab, n)
        return [BOS, *src, EOS], [BOS, *(vocab + 2 - src)[::-1], EOS]  # reverse and map

    pairs = [make_pair() for _ in range(8)]

    def pad_batch(seqs):
        width = max(len(s) for s in seqs)
        out = torch.full((width, len(seqs)), PAD, dtype=torch.long)  # (seq, batch)
        for j, s in enumerate(seqs):
            out[:len(s), j] = torch.tensor(s)
        return out

    class PositionalEncoding(nn.Module):
        def __init__(self, emb_size, dropout=0.0, maxlen=32):
            super().__init__()
            den = torch.exp(-torch.arange(0, emb_size, 2, dtype=torch.float64)
                            * math.log(10000) / emb_size)
            pos = torch.arange(0, maxlen, dtype=torch.float64).reshape(maxlen, 1)
            pos_embedding = torch.zeros((maxlen, emb_size), dtype=torch.float64)
            pos_embedding[:, 0::2] = torch.sin(pos * den)
            pos_embedding[:, 1::2] = torch.cos(pos * den)
            self.dropout = nn.Dropout(dropout)
            self.register_buffer("pos_embedding", pos_embedding.unsqueeze(-2))

        def forward(self, token_embedding):
            return self.dropout(token_embedding
                                + self.pos_embedding[:token_embedding.size(0), :])

    class TokenEmbedding(nn.Module):
        def __init__(self, vocab_size, emb_size):
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, emb_size)
            self.emb_size = emb_size

        def forward(self, tokens):
            return self.embedding(tokens.long()) * math.sqrt(self.emb_size)

    class Seq2SeqTransformer(nn.Module):
        def __init__(self, emb_size=8, nhead=2, src_vocab=vocab + 3, tgt_vocab=vocab + 3):
            super().__init__()
            self.transformer = nn.Transformer(d_model=emb_size, nhead=nhead,
                                              num_encoder_layers=1, num_decoder_layers=1,
                                              dim_feedforward=16, dropout=0.0)
            self.generator = nn.Linear(emb_size, tgt_vocab)
            self.src_tok_emb = TokenEmbedding(src_vocab, emb_size)
            self.tgt_tok_emb = TokenEmbedding(tgt_vocab, emb_size)
            self.positional_encoding = PositionalEncoding(emb_size)

        def forward(self, src, trg, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask,
                    memory_key_padding_mask):
            src_emb = self.positional_encoding(self.src_tok_emb(src))
            tgt_emb = self.positional_encoding(self.tgt_tok_emb(trg))
            outs = self.transformer(src_emb, tgt_emb, src_mask, tgt_mask, None,
                                    src_padding_mask, tgt_padding_mask,
                                    memory_key_padding_mask)
            return self.generator(outs)

        def encode(self, src, src_mask):
            return self.transformer.encoder(
                self.positional_encoding(self.src_tok_emb(src)), src_mask)

        def decode(self, tgt, memory, tgt_mask):
            return self.transformer.decoder(
                self.positional_encoding(self.tgt_tok_emb(tgt)), memory, tgt_mask)

    def generate_square_subsequent_mask(sz):
        mask = (torch.triu(torch.ones((sz, sz))) == 1).transpose(0, 1)
        return mask.double().masked_fill(mask == 0, float("-inf")).masked_fill(
            mask == 1, 0.0)

    def create_mask(src, tgt):
        src_seq_len, tgt_seq_len = src.shape[0], tgt.shape[0]
        tgt_mask = generate_square_subsequent_mask(tgt_seq_len)
        src_mask = torch.zeros((src_seq_len, src_seq_len)).type(torch.bool)
        src_padding_mask = (src == PAD).transpose(0, 1)
        tgt_padding_mask = (tgt == PAD).transpose(0, 1)
        return src_mask, tgt_mask, src_padding_mask, tgt_padding_mask

    model = Seq2SeqTransformer().double()
    randomize(torch, model, 101)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=PAD)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.9, 0.98), eps=1e-9)
    losses = []
    for _epoch in range(3):
        model.train()
        for i in range(0, 8, 4):
            src = pad_batch([p[0] for p in pairs[i:i + 4]])
            tgt = pad_batch([p[1] for p in pairs[i:i + 4]])
            tgt_input = tgt[:-1, :]
            src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input)
            logits = model(src, tgt_input, src_mask, tgt_mask, src_padding_mask,
                           tgt_padding_mask, src_padding_mask)
            optimizer.zero_grad()
            tgt_out = tgt[1:, :]
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())

    def greedy_decode(src, src_mask, max_len, start_symbol):
        memory = model.encode(src, src_mask)
        ys = torch.ones(1, 1).fill_(start_symbol).type(torch.long)
        for _ in range(max_len - 1):
            tgt_mask = generate_square_subsequent_mask(ys.size(0)).type(torch.bool)
            out = model.decode(ys, memory, tgt_mask)
            out = out.transpose(0, 1)
            prob = model.generator(out[:, -1])
            _, next_word = torch.max(prob, dim=1)
            next_word = next_word.item()
            ys = torch.cat([ys, torch.ones(1, 1).type_as(src.data).fill_(next_word)], dim=0)
            if next_word == EOS:
                break
        return ys

    model.eval()
    decoded = []
    with torch.no_grad():
        for src_tokens, _ in pairs[:3]:
            src = torch.tensor(src_tokens).view(-1, 1)
            num_tokens = src.shape[0]
            src_mask = torch.zeros(num_tokens, num_tokens).type(torch.bool)
            decoded += greedy_decode(src, src_mask, num_tokens + 3, BOS).flatten().tolist()
    return losses, decoded, weights(model)


def test_the_translation_tutorial_gives_the_same_numbers_on_both(torch):
    same_run(translation(tinygraph), translation(torch))


def profiled_training(torch, trace_dir):
    """The profiler recipe's shape: record_function ranges (a with block and a decorated
    function) inside a profile with a schedule and an on_trace_ready handler, prof.step()
    per iteration, key_averages().table() and export_chrome_trace; torch.autograd.graph.
    save_on_cpu around the forward. The numbers compared are the training's, and which
    ranges were recorded how often."""
    nn, F = torch.nn, torch.nn.functional
    from_profiler = torch.profiler
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)).double()
    randomize(torch, model, 102)
    rng = np.random.default_rng(103)
    X, Y = torch.tensor(rng.standard_normal((12, 3))), torch.tensor(rng.standard_normal((12, 1)))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    @from_profiler.record_function("optimizer_step")
    def step():
        opt.step()

    saved = []
    losses = []
    sched = from_profiler.schedule(wait=1, warmup=1, active=2, repeat=1)
    with from_profiler.profile(activities=[from_profiler.ProfilerActivity.CPU], schedule=sched,
                               on_trace_ready=lambda p: saved.append(
                                   {e.key: e.count for e in p.key_averages()}),
                               record_shapes=True) as prof:
        for i in range(6):
            with from_profiler.record_function("forward"):
                with torch.autograd.graph.save_on_cpu(pin_memory=False):
                    loss = F.mse_loss(model(X[2 * i:2 * i + 2]), Y[2 * i:2 * i + 2])
            opt.zero_grad()
            loss.backward()
            step()
            losses.append(loss.item())
            prof.step()
    with from_profiler.profile() as whole:
        with from_profiler.record_function("eval"):
            with torch.no_grad():
                losses.append(F.mse_loss(model(X), Y).item())
    table = whole.key_averages().table(sort_by="cpu_time_total", row_limit=5)
    assert "eval" in table and "# of Calls" in table
    whole.export_chrome_trace(str(trace_dir / f"{torch.__name__}.json"))
    counts = [c.get(name, 0) for c in saved for name in ("forward", "optimizer_step")]
    return losses, [len(saved), *counts], weights(model)


def test_a_profiled_training_loop_runs_as_on_torch(torch, tmp_path):
    ours = profiled_training(tinygraph, tmp_path)
    theirs = profiled_training(torch, tmp_path)
    same_run(ours, theirs)
    trace = json.loads((tmp_path / "tinygraph.json").read_text())
    assert [e["name"] for e in trace["traceEvents"]] == ["eval"]


@pytest.mark.parametrize("kw", [dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=0,
                                active=1, repeat=2), dict(wait=2, warmup=0, active=3,
                                                           repeat=1, skip_first=3)])
def test_profiler_schedules_are_torchs(torch, kw):
    theirs = [torch.profiler.schedule(**kw)(i).name for i in range(14)]
    ours = [tinygraph.profiler.schedule(**kw)(i).name for i in range(14)]
    assert ours == theirs


def test_what_training_scripts_probe_answers_as_cpu_torch(torch):
    """Scripts call these unconditionally or behind cheap checks: a CPU-only torch answers
    them without error, and so must tinygraph."""
    for lib in (torch, tinygraph):
        lib.cuda.empty_cache()
        lib.cuda.seed()
        lib.cuda.seed_all()
        assert lib.cuda.memory_allocated() == 0 and lib.cuda.max_memory_allocated() == 0
        assert lib.cuda.memory_reserved() == 0
        assert lib.cuda.is_initialized() is False and lib.cuda.is_bf16_supported() is False
        assert lib.version.cuda is None
        assert lib.compiler.is_compiling() is False
        assert lib.compiler.disable(lambda t: t + 1)(1) == 2
        assert lib.get_num_interop_threads() >= 1
        assert lib.distributed.is_available() in (True, False)
        assert not (lib.distributed.is_available() and lib.distributed.is_initialized())
    assert tinygraph.version.__version__ == tinygraph.__version__
    assert not hasattr(tinygraph.distributed, "all_reduce")
    with pytest.raises(RuntimeError, match="single process"):
        tinygraph.distributed.get_rank()


def _write_rank(rank, path):
    (path / f"rank{rank}").write_text(str(rank * 10))


def test_torch_multiprocessing_spellings_work(torch, tmp_path):
    """Scripts set the sharing strategy and start method at the top and may spawn workers."""
    for lib in (torch, tinygraph):
        mp = lib.multiprocessing
        before = mp.get_sharing_strategy()
        assert before in mp.get_all_sharing_strategies()
        mp.set_sharing_strategy("file_system")
        assert mp.get_sharing_strategy() == "file_system"
        mp.set_sharing_strategy(before)
        assert mp.cpu_count() >= 1 and callable(mp.Queue)
    tinygraph.multiprocessing.spawn(_write_rank, args=(tmp_path,), nprocs=2,
                                    start_method="fork")
    assert sorted(p.read_text() for p in tmp_path.iterdir()) == ["0", "10"]
