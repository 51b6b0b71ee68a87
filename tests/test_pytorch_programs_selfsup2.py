"""Adversarial and contrastive PyTorch programs written once and run twice, on torch and on
tinygraph imported as torch, with the same float64 losses, metrics and weights: a WGAN-GP (a
gradient penalty from autograd.grad(create_graph=True) on interpolates, three critic steps per
generator step, Adam with betas=(0.5, 0.9) or RMSprop), a CLIP-style model (an image and a
text encoder, L2-normalised embeddings, a learnable logit_scale clamped after each step, the
symmetric cross-entropy against arange labels, zero-shot classification by prompts) and
BERT-style masked language modelling (masks drawn from NumPy, masked_fill with a [MASK] id,
CrossEntropyLoss(ignore_index=-100), a TransformerEncoder with src_key_padding_mask, the output
layer tied to the token embedding). Data, noise and initial weights come from NumPy."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from twins import randomize, same_as_torch, same_run, weights

import tinygraph


def wgan_gp(torch, optimizer="adam"):
    """A WGAN with gradient penalty on 2-D points: the critic's gradient norm at random
    interpolates between real and fake is pushed towards one (a second-order term), three
    critic steps per generator step."""
    nn = torch.nn
    rng = np.random.default_rng(30)
    critic = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 16),
                           nn.LeakyReLU(0.2), nn.Linear(16, 1)).double()
    generator = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 2)).double()
    randomize(torch, critic, 31, scale=0.4)
    randomize(torch, generator, 32, scale=0.4)
    if optimizer == "adam":
        opt_c = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
        opt_g = torch.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.9))
    else:
        opt_c = torch.optim.RMSprop(critic.parameters(), lr=5e-4)
        opt_g = torch.optim.RMSprop(generator.parameters(), lr=5e-4, centered=True)

    def real_batch(n):
        centers = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.0]])[rng.integers(0, 3, n)]
        return torch.from_numpy(centers + 0.1 * rng.standard_normal((n, 2)))

    def gradient_penalty(real, fake):
        alpha = torch.from_numpy(rng.random((real.size(0), 1))).expand_as(real)
        interpolates = alpha * real + (1 - alpha) * fake
        interpolates.requires_grad_(True)
        out = critic(interpolates)
        gradients = torch.autograd.grad(outputs=out, inputs=interpolates,
                                        grad_outputs=torch.ones(out.size(), dtype=out.dtype),
                                        create_graph=True, retain_graph=True,
                                        only_inputs=True)[0]
        gradients = gradients.view(gradients.size(0), -1)
        return ((gradients.norm(2, dim=1) - 1) ** 2).mean() * 10.0

    losses, distances = [], []
    one = torch.tensor(1, dtype=torch.float64)
    mone = one * -1
    for _ in range(5):
        for p in critic.parameters():
            p.requires_grad = True
        for _ in range(3):
            real = real_batch(16)
            with torch.no_grad():
                fake = generator(torch.from_numpy(rng.standard_normal((16, 3))))
            critic.zero_grad()
            d_real = critic(real).mean()
            d_real.backward(mone)
            d_fake = critic(fake).mean()
            d_fake.backward(one)
            penalty = gradient_penalty(real.data, fake.data)
            penalty.backward()
            opt_c.step()
            losses.append((d_fake - d_real + penalty).item())
            distances.append((d_real - d_fake).item())
        for p in critic.parameters():
            p.requires_grad = False
        generator.zero_grad()
        g_loss = -critic(generator(torch.from_numpy(rng.standard_normal((16, 3))))).mean()
        g_loss.backward()
        opt_g.step()
        losses.append(g_loss.item())
    return losses, distances, weights(generator) | {"critic." + k: v for k, v in
                                                    weights(critic).items()}



def sn_gan(torch, api="parametrizations"):
    """A hinge-loss GAN whose critic layers are spectrally normalised (the power iteration's
    u and v loaded from NumPy, one iteration per training forward), Adam with betas=(0, 0.9),
    two critic steps per generator step; the critic then evaluated in eval mode."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(37)
    sn = (nn.utils.parametrizations.spectral_norm if api == "parametrizations"
          else nn.utils.spectral_norm)
    critic = nn.Sequential(sn(nn.Linear(2, 16)), nn.ReLU(), sn(nn.Linear(16, 16)), nn.ReLU(),
                           sn(nn.Linear(16, 1))).double()
    generator = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 2)).double()
    randomize(torch, critic, 38, scale=0.5)
    randomize(torch, generator, 39, scale=0.4)
    vectors = {}
    for key, value in critic.state_dict().items():
        if key.endswith(("_u", "_v")):
            v = rng.standard_normal(tuple(value.shape))
            vectors[key] = torch.tensor(v / np.linalg.norm(v))
    assert len(vectors) == 6
    assert not critic.load_state_dict(vectors, strict=False).unexpected_keys
    opt_c = torch.optim.Adam(critic.parameters(), lr=2e-3, betas=(0.0, 0.9))
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.0, 0.9))
    losses = []
    for _ in range(6):
        for _ in range(2):
            real = torch.from_numpy(rng.standard_normal((16, 2)) * 0.3 + 1.0)
            fake = generator(torch.from_numpy(rng.standard_normal((16, 3)))).detach()
            loss_c = F.relu(1.0 - critic(real)).mean() + F.relu(1.0 + critic(fake)).mean()
            opt_c.zero_grad()
            loss_c.backward()
            opt_c.step()
            losses.append(loss_c.item())
        loss_g = -critic(generator(torch.from_numpy(rng.standard_normal((16, 3))))).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        losses.append(loss_g.item())
    critic.eval()
    with torch.no_grad():
        scores = critic(torch.from_numpy(rng.standard_normal((6, 2)))).flatten().tolist()
    return losses, scores, weights(generator) | {"critic." + k: v for k, v in
                                                 weights(critic).items()}


def clip_contrastive(torch, pooling="mean"):
    """Digits paired with short captions ("a photo of seven ..."): each encoder's output
    projected and L2-normalised, logits scaled by exp(logit_scale), cross-entropy both ways;
    the captions read by a causal transformer layer and pooled by a padding mask (mean) or at
    the end-of-text token (the argmax of the ids, as CLIP finds it)."""
    nn, F = torch.nn, torch.nn.functional
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    images, labels = images[:96] / 16.0, labels[:96]
    names = "zero one two three four five six seven eight nine".split()
    words = ["<pad>", "a", "photo", "of", "the", "digit", "small", "written"] + names + ["<eot>"]
    index = {w: i for i, w in enumerate(words)}
    rng = np.random.default_rng(33)

    def caption(label):
        filler = list(rng.choice(["the", "small", "written", "digit"], rng.integers(0, 3)))
        return [index[w] for w in ["a", "photo", "of"] + filler + [names[label], "<eot>"]]

    def tokenize(captions):
        return nn.utils.rnn.pad_sequence([torch.tensor(c) for c in captions], batch_first=True)

    class CLIP(nn.Module):
        def __init__(self, dim=8):
            super().__init__()
            self.visual = nn.Sequential(nn.Linear(64, 24), nn.GELU(), nn.Linear(24, 16))
            self.token_embedding = nn.Embedding(len(words), 16, padding_idx=0)
            self.positional_embedding = nn.Parameter(torch.empty(8, 16))
            self.transformer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0,
                                                          batch_first=True, norm_first=True)
            self.ln_final = nn.LayerNorm(16)
            self.image_projection = nn.Parameter(torch.empty(16, dim))
            self.text_projection = nn.Parameter(torch.empty(16, dim))
            self.logit_scale = nn.Parameter(torch.ones([]) * np.log(1 / 0.07))

        def encode_image(self, x):
            return self.visual(x) @ self.image_projection

        def encode_text(self, ids):
            length = ids.shape[1]
            x = self.token_embedding(ids) + self.positional_embedding[:length]
            causal = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
            x = self.ln_final(self.transformer(x, src_mask=causal,
                                               src_key_padding_mask=ids == 0))
            if pooling == "mean":
                mask = (ids != 0).unsqueeze(-1).to(x.dtype)
                x = (x * mask).sum(dim=1) / mask.sum(dim=1)
            else:
                x = x[torch.arange(x.shape[0]), ids.argmax(dim=-1)]
            return x @ self.text_projection

        def forward(self, x, ids):
            image_features = F.normalize(self.encode_image(x), dim=-1)
            text_features = self.encode_text(ids)
            text_features = text_features / text_features.norm(dim=1, keepdim=True)
            logit_scale = self.logit_scale.exp()
            logits_per_image = logit_scale * image_features @ text_features.t()
            return logits_per_image, logits_per_image.t()

    model = CLIP().double()
    randomize(torch, model, 34, scale=0.4)
    with torch.no_grad():
        model.logit_scale.fill_(math.log(1 / 0.07))
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "embedding" not in n]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2 or "embedding" in n]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=2e-2, betas=(0.9, 0.98), eps=1e-6)
    losses, scales = [], []
    for _ in range(2):
        for start in range(0, 80, 16):
            x = torch.from_numpy(images[start:start + 16])
            ids = tokenize([caption(y) for y in labels[start:start + 16]])
            logits_per_image, logits_per_text = model(x, ids)
            ground_truth = torch.arange(len(x), dtype=torch.long, device=x.device)
            loss = (F.cross_entropy(logits_per_image, ground_truth)
                    + F.cross_entropy(logits_per_text, ground_truth)) / 2
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                model.logit_scale.clamp_(0, math.log(100))
            losses.append(loss.item())
            scales.append(model.logit_scale.exp().item())
    model.eval()
    with torch.no_grad():  # zero-shot: one prompt per class
        prompts = tokenize([[index[w] for w in ["a", "photo", "of", "the", name, "<eot>"]]
                            for name in names])
        text_features = F.normalize(model.encode_text(prompts), dim=-1)
        image_features = F.normalize(model.encode_image(torch.from_numpy(images[80:])), dim=-1)
        similarity = (100.0 * image_features @ text_features.T).softmax(dim=-1)
        values, top2 = similarity.topk(2, dim=-1)
        accuracy = (top2[:, 0] == torch.from_numpy(labels[80:])).double().mean()
    return (losses, scales + values.flatten().tolist() + top2.flatten().tolist()
            + [accuracy.item()], weights(model))


def bert_mlm(torch):
    """Masked language modelling on counting sentences: 15% of the word positions chosen
    (80% replaced by [MASK], 10% by a random word, 10% kept), labels -100 elsewhere, a
    post-norm TransformerEncoder told the padding, an MLM head whose decoder is the token
    embedding; AdamW under a linear warm-up and decay."""
    nn, F = torch.nn, torch.nn.functional
    PAD, CLS, SEP, MASK, V = 0, 1, 2, 3, 16  # noqa: N806
    rng = np.random.default_rng(35)

    def batch(n):
        rows = []
        for _ in range(n):
            first, length = rng.integers(4, V), rng.integers(3, 8)
            rows.append([CLS] + [4 + (first - 4 + k) % (V - 4) for k in range(length)] + [SEP])
        width = max(map(len, rows))
        ids = torch.tensor([r + [PAD] * (width - len(r)) for r in rows])
        chosen = (rng.random(ids.shape) < 0.15) & (ids.numpy() >= 4)
        decide = rng.random(ids.shape)
        chosen = torch.from_numpy(chosen)
        to_mask = chosen & torch.from_numpy(decide < 0.8)
        to_random = chosen & torch.from_numpy((decide >= 0.8) & (decide < 0.9))
        labels = ids.clone()
        labels[~chosen] = -100
        inputs = ids.masked_fill(to_mask, MASK)
        inputs = torch.where(to_random, torch.from_numpy(rng.integers(4, V, ids.shape)), inputs)
        return inputs, labels

    class MiniBert(nn.Module):
        def __init__(self, d=16, max_len=10):
            super().__init__()
            self.word_embeddings = nn.Embedding(V, d, padding_idx=PAD)
            self.position_embeddings = nn.Embedding(max_len, d)
            self.norm = nn.LayerNorm(d, eps=1e-12)
            layer = nn.TransformerEncoderLayer(d, nhead=2, dim_feedforward=32, dropout=0.0,
                                               activation="gelu", batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, num_layers=2,
                                                 enable_nested_tensor=False)
            self.transform = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.LayerNorm(d))
            self.decoder = nn.Linear(d, V, bias=False)
            self.decoder.weight = self.word_embeddings.weight
            self.bias = nn.Parameter(torch.zeros(V))

        def forward(self, ids):
            positions = torch.arange(ids.size(1), device=ids.device).unsqueeze(0).expand_as(ids)
            h = self.norm(self.word_embeddings(ids) + self.position_embeddings(positions))
            h = self.encoder(h, src_key_padding_mask=ids == PAD)
            return self.decoder(self.transform(h)) + self.bias

    model = MiniBert().double()
    randomize(torch, model, 36, scale=0.3)
    assert model.decoder.weight is model.word_embeddings.weight
    criterion = nn.CrossEntropyLoss(ignore_index=-100)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)
    total, warm = 8, 2

    def linear_schedule(step):
        if step < warm:
            return float(step + 1) / warm
        return max(0.0, float(total - step) / float(max(1, total - warm)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, linear_schedule)
    losses, metrics = [], []
    for _ in range(total):
        inputs, labels = batch(12)
        logits = model(inputs)
        loss = criterion(logits.view(-1, V), labels.view(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        masked = labels != -100
        correct = (logits.argmax(-1) == labels) & masked
        losses.append(loss.item())
        metrics += [correct.sum().item() / max(1, masked.sum().item()), scheduler.get_last_lr()[0]]
    model.eval()
    with torch.no_grad():
        inputs, labels = batch(6)
        logits = model(inputs)
        per_token = F.cross_entropy(logits.transpose(1, 2), labels, reduction="none")
        metrics += per_token.sum(dim=1).tolist() + logits.argmax(-1)[labels != -100].tolist()
    return losses, metrics, weights(model)


PROGRAMS = {
    "wgan_gp_adam": wgan_gp,
    "wgan_gp_rmsprop": lambda torch: wgan_gp(torch, "rmsprop"),
    "sn_gan_hinge": sn_gan,
    "sn_gan_hinge_old_api": lambda torch: sn_gan(torch, "old"),
    "clip_mean_pooling": clip_contrastive,
    "clip_eot_pooling": lambda torch: clip_contrastive(torch, "eot"),
    "bert_mlm": bert_mlm,
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_program_gives_the_same_numbers_on_both(torch, name):
    theirs = PROGRAMS[name](torch)
    ours = PROGRAMS[name](tinygraph)
    same_run(ours, theirs)


# -- what the programs found, each pinned on its own ----------------------------------------


def test_finfo_gives_python_numbers_as_torch(torch):
    """BERT-style code builds additive masks from torch.finfo(dtype).min: torch's limits are
    Python floats, so a tensor made from one takes the default dtype (float32, where float64's
    min is -inf); tinygraph returned NumPy scalars, whose float64 the tensor kept (and a
    tensor from a float beyond float32's range warned of the overflow, where torch is
    silent)."""
    for name in ("float16", "float32", "float64"):
        ours, theirs = tinygraph.finfo(getattr(tinygraph, name)), torch.finfo(getattr(torch, name))
        for field in ("eps", "max", "min", "tiny", "smallest_normal", "resolution"):
            assert type(getattr(ours, field)) is float
            assert getattr(ours, field) == getattr(theirs, field), (name, field)
        assert (ours.bits, ours.dtype, repr(ours)) == (theirs.bits, theirs.dtype, repr(theirs))
    assert isinstance(tinygraph.finfo(), tinygraph.finfo)
    code = ("mask = torch.tensor([[1, 1, 0]]);"
            "r = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min;"
            "r = torch.cat([r.flatten(), torch.tensor(torch.finfo(torch.float64).min)[None]])")
    with warnings.catch_warnings():  # float64's min is float32's -inf, silently, as torch
        warnings.simplefilter("error")
        same_as_torch(torch, code)
        assert np.isneginf(tinygraph.tensor([-1e300], dtype=tinygraph.float16).numpy()).all()
    with pytest.raises(TypeError, match="iinfo"):
        tinygraph.finfo(tinygraph.int64)


@pytest.mark.parametrize("code", [
    # float32 scores normalised in float64, as attention and contrastive heads write them
    "x = torch.tensor([[1., 2., 3.], [0., -1., 4.]], requires_grad=True);"
    "y = torch.softmax(x, 1, dtype=torch.float64) + torch.log_softmax(x, dim=0,"
    " dtype=torch.float64) + x.softmax(-1, dtype=torch.float64);"
    "y.sum().backward(); r = torch.cat([y.flatten(), x.grad.double().flatten()])",
    # a 0-d float64 bound or weight does not promote a float32 tensor (torch's 0-d rule)
    "r = torch.clamp(torch.tensor([0.2, 0.7, 1.4]), torch.tensor(0.5, dtype=torch.float64),"
    " torch.tensor(1.0, dtype=torch.float64))",
    "r = torch.tensor([0.2, 0.7]).clamp(max=torch.tensor(0.5, dtype=torch.float64))",
    "r = torch.clamp(torch.tensor([1, 5]), torch.tensor(2.5, dtype=torch.float64))",
    "r = torch.lerp(torch.tensor([1., 2.]), torch.zeros(2),"
    " torch.tensor(0.3, dtype=torch.float64))",
])
def test_mixed_precision_forms_as_torch(torch, code):
    """torch.softmax/log_softmax(..., dtype=) was refused (only F.softmax took dtype); a 0-d
    float64 clamp bound made a float32 result float64; a 0-d float64 lerp weight (an EMA
    decay held as a tensor) was refused."""
    same_as_torch(torch, code)
