"""Three more PyTorch programs written once and run twice, on torch and on tinygraph imported as
torch, with the same float64 losses and weights: a GRU encoder-decoder with dot attention
learning to reverse sequences (bmm, masked_fill with the padding mask, teacher forcing,
CrossEntropyLoss with ignore_index), a bidirectional LSTM classifier over variable-length
batches (pad_sequence, pack_padded_sequence with enforce_sorted=False, clip_grad_norm_, Adam
with ReduceLROnPlateau, a checkpoint saved with torch.save and resumed in a fresh model), and a
small residual CNN whose convolutions are weight-normalized with
nn.utils.parametrizations.weight_norm (SGD with Nesterov momentum and weight decay,
CosineAnnealingLR). Initial weights come from one NumPy generator, so both runs start equal."""

from __future__ import annotations

import copy
import functools

import numpy as np
import pytest
from twins import randomize, weights

import tinygraph


def reversal_seq2seq(torch, tmp_path, attention="dot"):
    """Reverse token sequences: a bidirectional GRU encoder, a GRU decoder attending over the
    encoder's outputs (dot or additive scores, padded positions masked out), teacher forcing on
    a fixed coin-flip schedule, then greedy decoding in eval mode."""
    nn, F = torch.nn, torch.nn.functional
    PAD, SOS, EOS, V, E, H = 0, 1, 2, 9, 6, 10  # noqa: N806
    rng = np.random.default_rng(10)
    n, max_len = 24, 5
    src = np.full((n, max_len), PAD, dtype=np.int64)
    tgt = np.full((n, max_len + 1), PAD, dtype=np.int64)
    for row, length in enumerate(rng.integers(2, max_len + 1, size=n)):
        seq = rng.integers(3, V, size=length)
        src[row, :length] = seq
        tgt[row, :length + 1] = np.append(seq[::-1], EOS)
    src, tgt = torch.tensor(src), torch.tensor(tgt)

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V, E, padding_idx=PAD)
            self.rnn = nn.GRU(E, H // 2, batch_first=True, bidirectional=True)

        def forward(self, src):
            outputs, hidden = self.rnn(self.embedding(src))            # hidden: (2, B, H/2)
            hidden = torch.cat((hidden[0], hidden[1]), dim=1).unsqueeze(0)
            return outputs, hidden

    class Additive(nn.Module):  # Bahdanau: v^T tanh(W q + U k)
        def __init__(self):
            super().__init__()
            self.Wa, self.Ua, self.Va = nn.Linear(H, H), nn.Linear(H, H), nn.Linear(H, 1)

        def forward(self, query, keys):
            return self.Va(torch.tanh(self.Wa(query).unsqueeze(1) + self.Ua(keys))).squeeze(2)

    class AttnDecoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V, E, padding_idx=PAD)
            self.rnn = nn.GRU(E + H, H, batch_first=True)
            self.out = nn.Linear(2 * H, V)
            self.additive = Additive() if attention == "additive" else None

        def forward(self, token, hidden, enc_outputs, mask):
            embedded = self.embedding(token).unsqueeze(1)                     # (B, 1, E)
            if self.additive is None:
                scores = torch.bmm(enc_outputs, hidden[-1].unsqueeze(2)).squeeze(2)  # (B, S)
                scores = scores.masked_fill(mask, float("-inf"))
            else:
                scores = self.additive(hidden[-1], enc_outputs)
                scores.masked_fill_(mask, -1e9)
            attn = F.softmax(scores, dim=1)
            context = torch.bmm(attn.unsqueeze(1), enc_outputs)                # (B, 1, H)
            output, hidden = self.rnn(torch.cat((embedded, context), dim=2), hidden)
            logits = self.out(torch.cat((output.squeeze(1), context.squeeze(1)), dim=1))
            return logits, hidden, attn

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = Encoder(), AttnDecoder()

        def forward(self, src, tgt=None, steps=None, forcing=()):
            enc_outputs, hidden = self.encoder(src)
            mask = src == PAD
            token = torch.full((src.size(0),), SOS, dtype=torch.long)
            logits, attentions = [], []
            for t in range(tgt.size(1) if tgt is not None else steps):
                step_logits, hidden, attn = self.decoder(token, hidden, enc_outputs, mask)
                logits.append(step_logits)
                attentions.append(attn)
                teacher = tgt is not None and t < len(forcing) and forcing[t]
                _, top = step_logits.topk(1)
                token = tgt[:, t] if teacher else top.squeeze(-1).detach()
            return torch.stack(logits, dim=1), torch.stack(attentions, dim=1)

    model = Seq2Seq().double()
    randomize(torch, model, 11)
    with torch.no_grad():
        model.encoder.embedding.weight[PAD].zero_()
        model.decoder.embedding.weight[PAD].zero_()
    criterion = nn.CrossEntropyLoss(ignore_index=PAD)
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    coins = np.random.default_rng(12).random((40, tgt.size(1))) < 0.5
    losses, step = [], 0
    for _ in range(6):
        model.train()
        for start in range(0, n, 8):
            xb, yb = src[start:start + 8], tgt[start:start + 8]
            logits, _ = model(xb, yb, forcing=coins[step].tolist())
            loss = criterion(logits.reshape(-1, V), yb.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            losses.append(loss.item())
            step += 1
    model.eval()
    with torch.no_grad():
        logits, attentions = model(src, steps=tgt.size(1))
        predictions = logits.argmax(dim=-1)
        keep = tgt != PAD
        accuracy = (predictions[keep] == tgt[keep]).float().mean().item()
        padded_attention = attentions.masked_select((src == PAD).unsqueeze(1).expand_as(
            attentions)).abs().sum().item()
    losses += [accuracy, padded_attention]
    assert padded_attention == 0.0  # masked positions get exactly zero weight
    return losses, predictions.numpy().tolist(), weights(model)


def lstm_classifier(torch, tmp_path):
    """Classify variable-length token sequences with a bidirectional LSTM over packed batches;
    checkpoint to disk halfway and resume in a fresh model and optimizer. (Training runs in
    eval mode: the two libraries draw different dropout masks; a train-mode forward is
    checked to drop.)"""
    nn = torch.nn
    rnn_utils = nn.utils.rnn
    V, E, H, PAD = 12, 5, 6, 0  # noqa: N806
    rng = np.random.default_rng(20)
    sequences, labels = [], []
    for _ in range(30):
        seq = rng.integers(1, V, size=int(rng.integers(2, 8)))
        sequences.append(torch.tensor(seq))
        labels.append(int((seq >= V // 2).sum() > (seq < V // 2).sum()))
    labels = torch.tensor(labels)

    class Classifier(nn.Module):
        def __init__(self, dropout=0.5):
            super().__init__()
            self.embedding = nn.Embedding(V, E, padding_idx=PAD)
            self.lstm = nn.LSTM(E, H, num_layers=2, bidirectional=True, batch_first=True,
                                dropout=dropout)
            self.dropout = nn.Dropout(dropout)
            self.fc = nn.Linear(4 * H, 2)

        def forward(self, padded, lengths):
            embedded = self.embedding(padded)
            packed = rnn_utils.pack_padded_sequence(embedded, lengths.cpu(), batch_first=True,
                                                    enforce_sorted=False)
            packed_out, (hidden, _) = self.lstm(packed)
            last = torch.cat((hidden[-2], hidden[-1]), dim=1)  # both directions, top layer
            out, out_lengths = rnn_utils.pad_packed_sequence(packed_out, batch_first=True)
            mask = (padded != PAD).unsqueeze(-1)[:, :out.size(1)]
            mean = (out * mask).sum(dim=1) / out_lengths.unsqueeze(1).to(out.dtype)
            return self.fc(self.dropout(torch.cat((last, mean), dim=1)))

    def batches(indices):
        for start in range(0, len(indices), 6):
            idx = indices[start:start + 6]
            seqs = [sequences[i] for i in idx]
            lengths = torch.tensor([len(s) for s in seqs])
            yield rnn_utils.pad_sequence(seqs, batch_first=True, padding_value=PAD), lengths, \
                labels[idx]

    def build():
        model = Classifier().double()
        opt = torch.optim.Adam(model.parameters(), lr=0.05)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5,
                                                           patience=0)
        return model, opt, sched

    model, opt, sched = build()
    randomize(torch, model, 21)
    criterion = nn.CrossEntropyLoss()
    train_idx, val_idx = list(range(24)), list(range(24, 30))
    order = np.random.default_rng(22)
    path = str(tmp_path / "checkpoint.pt")
    history = []
    for epoch in range(6):
        if epoch == 3:
            torch.save({"epoch": epoch, "model": model.state_dict(),
                        "optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, path)
            model, opt, sched = build()
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
            model.load_state_dict(checkpoint["model"])
            opt.load_state_dict(checkpoint["optimizer"])
            sched.load_state_dict(checkpoint["scheduler"])
            history.append(checkpoint["epoch"])
        model.eval()
        for padded, lengths, yb in batches([int(i) for i in order.permutation(train_idx)]):
            loss = criterion(model(padded, lengths), yb)
            opt.zero_grad()
            loss.backward()
            history.append(nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).item())
            opt.step()
            history.append(loss.item())
        with torch.no_grad():
            val = sum(criterion(model(p, n), y).item() for p, n, y in batches(val_idx))
        sched.step(val)
        history += [val, opt.param_groups[0]["lr"], *sched.get_last_lr()]
    padded, lengths, _ = next(batches(val_idx))
    model.train()
    with torch.no_grad():
        assert model.dropout(torch.ones(50, dtype=torch.float64)).eq(0).any()
    model.eval()
    with torch.no_grad():
        history += model(padded, lengths).softmax(dim=1).flatten().tolist()
    return history, [int(n) for n in lengths], weights(model)


def weight_normed_resnet(torch, tmp_path):
    """A small residual CNN whose convolutions are weight-normalized (parametrizations), SGD
    with Nesterov momentum and weight decay under CosineAnnealingLR; at the end the
    parametrizations are removed, leaving plain convolutions with the same outputs."""
    nn, F = torch.nn, torch.nn.functional
    wn = nn.utils.parametrizations.weight_norm
    rng = np.random.default_rng(30)
    images = rng.standard_normal((32, 1, 6, 6))
    labels = (images[:, 0, :3].sum(axis=(1, 2)) > images[:, 0, 3:].sum(axis=(1, 2))).astype(
        np.int64) + (images.mean(axis=(1, 2, 3)) > 0.2)
    images, labels = torch.tensor(images), torch.tensor(labels)

    class ResidualBlock(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv1 = wn(nn.Conv2d(channels, channels, 3, padding=1))
            self.conv2 = wn(nn.Conv2d(channels, channels, 3, padding=1, bias=False))

        def forward(self, x):
            return F.relu(x + self.conv2(F.relu(self.conv1(x))))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = wn(nn.Conv2d(1, 4, 3, padding=1), dim=None)
            self.blocks = nn.Sequential(ResidualBlock(4), ResidualBlock(4))
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.head = nn.Linear(4, 3)

        def forward(self, x):
            x = self.blocks(F.relu(self.stem(x)))
            return self.head(torch.flatten(self.pool(x), 1))

    model = ResNet().double()
    randomize(torch, model, 31)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                          weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6, eta_min=0.01)
    losses = []
    for _ in range(6):
        for start in range(0, 32, 8):
            logits = model(images[start:start + 8])
            loss = F.cross_entropy(logits, labels[start:start + 8])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched.step()
        losses += sched.get_last_lr()
    keys = list(model.state_dict())
    model.eval()
    twin = copy.deepcopy(model)  # parametrized modules deep-copy
    path = str(tmp_path / "resnet.pt")
    torch.save(model.state_dict(), path)
    fresh = ResNet().double().eval()
    fresh.load_state_dict(torch.load(path))
    with torch.no_grad():
        before = model(images)
        assert torch.equal(twin(images), before) and torch.allclose(fresh(images), before)
        norms = [m.weight.norm().item() for m in model.modules() if isinstance(m, nn.Conv2d)]
    for module in model.modules():
        if nn.utils.parametrize.is_parametrized(module, "weight"):
            nn.utils.parametrize.remove_parametrizations(module, "weight")
    with torch.no_grad():
        after = model(images)
    assert not nn.utils.parametrize.is_parametrized(model.stem)
    assert type(model.stem).__name__ == "Conv2d"
    losses += before.flatten().tolist() + after.flatten().tolist() + norms
    return losses, keys, weights(model)


PROGRAMS = [reversal_seq2seq, functools.partial(reversal_seq2seq, attention="additive"),
            lstm_classifier, weight_normed_resnet]
NAMES = ["seq2seq_dot", "seq2seq_additive", "lstm_classifier", "weight_normed_resnet"]


@pytest.mark.parametrize("program", PROGRAMS, ids=NAMES)
def test_program_gives_the_same_numbers_on_both(torch, program, tmp_path):
    (tmp_path / "ours").mkdir()
    (tmp_path / "theirs").mkdir()
    ours = program(tinygraph, tmp_path / "ours")
    theirs = program(torch, tmp_path / "theirs")
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-9)
    assert ours[1] == theirs[1]
    assert list(ours[2]) == list(theirs[2])
    for name in ours[2]:
        np.testing.assert_allclose(ours[2][name], theirs[2][name], rtol=1e-8, atol=1e-11,
                                   err_msg=name)
