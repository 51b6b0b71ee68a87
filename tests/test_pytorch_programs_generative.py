"""Four more PyTorch programs written once and run twice, on torch and on tinygraph imported as
torch, with the same float64 losses and weights: a variational autoencoder on scikit-learn's
digits (reparameterization with noise drawn from NumPy, binary_cross_entropy summed plus the
KL term, Adam), a small GAN on 2-D points (LeakyReLU, BatchNorm1d, BCEWithLogitsLoss, two Adam
optimizers, detached fakes), a text classifier in the style of the torchtext tutorial (one
flat tensor of token ids plus offsets, nn.EmbeddingBag, a collate_fn with cumsum, SGD with
StepLR and clip_grad_norm_), and a physics-informed network solving u'' + u = 0 with
torch.autograd.grad(create_graph=True) twice, fitted by Adam then LBFGS. Initial weights come
from one NumPy generator, so both runs start equal."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def digits_vae(torch):
    """A VAE on 8x8 digits: encoder to (mu, logvar), z = mu + eps * std with eps from NumPy,
    a sigmoid decoder, BCE (sum) + KL divergence, Adam; then decoding samples under no_grad."""
    from sklearn.datasets import load_digits

    nn, F, data = torch.nn, torch.nn.functional, torch.utils.data
    images = load_digits().data[:192] / 16.0
    latent = 3

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(64, 24)
            self.fc21 = nn.Linear(24, latent)
            self.fc22 = nn.Linear(24, latent)
            self.fc3 = nn.Linear(latent, 24)
            self.fc4 = nn.Linear(24, 64)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar, eps):
            std = torch.exp(0.5 * logvar)
            return mu + eps * std

        def decode(self, z):
            h3 = F.relu(self.fc3(z))
            return torch.sigmoid(self.fc4(h3))

        def forward(self, x, eps):
            mu, logvar = self.encode(x.view(-1, 64))
            z = self.reparameterize(mu, logvar, eps)
            return self.decode(z), mu, logvar

    def loss_function(recon_x, x, mu, logvar):
        bce = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return bce + kld

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = VAE().double().to(device)
    randomize(torch, model, 3)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loader = data.DataLoader(data.TensorDataset(torch.from_numpy(images)), batch_size=32)
    noise = np.random.default_rng(4)
    losses = []
    for _ in range(3):
        model.train()
        train_loss = 0.0
        for batch_idx, (x,) in enumerate(loader):
            x = x.to(device)
            eps = torch.from_numpy(noise.standard_normal((x.size(0), latent))).to(device)
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(x, eps)
            loss = loss_function(recon_batch, x, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
            if batch_idx % 2 == 0:  # the tutorial's log_interval
                losses.append(loss.item() / len(x))
        losses.append(train_loss / len(loader.dataset))
    model.eval()
    with torch.no_grad():
        sample = model.decode(torch.tensor(noise.standard_normal((8, latent))))
        x = torch.from_numpy(images[:16])
        recon, mu, _ = model(x, torch.zeros(16, latent, dtype=torch.float64, device=device))
        n = min(x.size(0), 8)
        comparison = torch.cat([x.view(16, 1, 8, 8)[:n], recon.view(16, 1, 8, 8)[:n]])
    assert tuple(comparison.shape) == (16, 1, 8, 8)
    return (losses, sample.flatten().tolist() + mu.flatten().tolist()
            + comparison.sum(dim=(1, 2, 3)).tolist(), weights(model))


def points_gan(torch):
    """A GAN whose generator learns points on a ring: LeakyReLU and BatchNorm1d in the
    generator, BCEWithLogitsLoss, two Adams with betas=(0.5, 0.999), alternating steps."""
    nn = torch.nn
    rng = np.random.default_rng(5)

    def real_batch(n):
        angle = rng.uniform(0, 2 * np.pi, n)
        return torch.tensor(np.stack([np.cos(angle), np.sin(angle)], 1) * 2.0)

    netG = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2), nn.BatchNorm1d(16),  # noqa: N806
                         nn.Linear(16, 16), nn.LeakyReLU(0.2), nn.Linear(16, 2)).double()
    netD = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2, inplace=True),  # noqa: N806
                         nn.Linear(16, 1)).double()

    def weights_init(m):  # the DCGAN tutorial's; the NumPy draw below then replaces it
        classname = m.__class__.__name__
        if classname.find("Linear") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    netG.apply(weights_init)
    netD.apply(weights_init)
    randomize(torch, netG, 6)
    randomize(torch, netD, 7)
    real_label, fake_label = 1.0, 0.0
    criterion = nn.BCEWithLogitsLoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))  # noqa: N806
    optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))  # noqa: N806
    losses = []
    for _ in range(25):
        real = real_batch(32)
        noise = torch.tensor(rng.standard_normal((32, 4)))
        fake = netG(noise)
        # (1) the discriminator: real as 1, the generator's output (detached) as 0
        netD.zero_grad()
        label = torch.full((real.size(0),), real_label, dtype=torch.float64)
        output = netD(real).view(-1)
        errD_real = criterion(output, label)  # noqa: N806
        errD_real.backward()
        D_x = output.mean().item()  # noqa: N806
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)  # noqa: N806
        assert torch.equal(label, torch.zeros_like(output))
        errD_fake.backward()
        optimizerD.step()
        # (2) the generator: make the updated discriminator call its fakes real
        netG.zero_grad()
        output = netD(fake)
        errG = criterion(output, torch.ones_like(output))  # noqa: N806
        errG.backward()
        optimizerG.step()
        losses += [(errD_real + errD_fake).item(), errG.item(), output.mean().item(), D_x]
    netG.eval()
    with torch.no_grad():
        samples = netG(torch.tensor(rng.standard_normal((16, 4))))
        radius = samples.norm(dim=1)
    return losses, radius.tolist(), weights(netG) | {"D." + k: v for k, v in
                                                      weights(netD).items()}


def text_classifier(torch):
    """The torchtext tutorial's shape: (label, text) pairs, a vocabulary, a collate_fn that
    builds one flat id tensor plus offsets with cumsum, EmbeddingBag(mean) -> Linear, SGD with
    StepLR, clip_grad_norm_, accuracy from argmax."""
    nn, data = torch.nn, torch.utils.data
    rng = np.random.default_rng(8)
    topics = [["goal", "match", "team", "score", "coach"],
              ["stock", "market", "price", "bank", "trade"],
              ["planet", "orbit", "star", "rocket", "moon"]]
    filler = ["the", "a", "of", "in", "and", "on", "today", "new"]

    def sentence(label):
        words = list(rng.choice(topics[label], rng.integers(2, 5))) + list(
            rng.choice(filler, rng.integers(1, 6)))
        rng.shuffle(words)
        return label + 1, " ".join(words)  # the tutorial's labels start at 1

    corpus = [sentence(int(rng.integers(0, 3))) for _ in range(120)]
    train_iter, test_iter = corpus[:96], corpus[96:]
    vocab = {"<unk>": 0}
    for _, text in train_iter:
        for token in text.split():
            vocab.setdefault(token, len(vocab))

    def text_pipeline(x):
        return [vocab.get(token, 0) for token in x.split()]

    def label_pipeline(x):
        return int(x) - 1

    def collate_batch(batch):
        label_list, text_list, offsets = [], [], [0]
        for _label, _text in batch:
            label_list.append(label_pipeline(_label))
            processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
            text_list.append(processed_text)
            offsets.append(processed_text.size(0))
        label_list = torch.tensor(label_list, dtype=torch.int64)
        offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
        text_list = torch.cat(text_list)
        return label_list, text_list, offsets

    class TextClassificationModel(nn.Module):
        def __init__(self, vocab_size, embed_dim, num_class):
            super().__init__()
            self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
            self.fc = nn.Linear(embed_dim, num_class)
            self.init_weights()

        def init_weights(self):
            initrange = 0.5
            self.embedding.weight.data.uniform_(-initrange, initrange)
            self.fc.weight.data.uniform_(-initrange, initrange)
            self.fc.bias.data.zero_()

        def forward(self, text, offsets):
            embedded = self.embedding(text, offsets)
            return self.fc(embedded)

    model = TextClassificationModel(len(vocab), 8, 3).double()
    randomize(torch, model, 9, scale=0.5)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=5.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.5)
    train_dataloader = data.DataLoader(train_iter, batch_size=16, shuffle=False,
                                       collate_fn=collate_batch)
    test_dataloader = data.DataLoader(test_iter, batch_size=16, collate_fn=collate_batch)

    def evaluate(dataloader):
        model.eval()
        total_acc, total_count = 0, 0
        with torch.no_grad():
            for label, text, offsets in dataloader:
                predicted_label = model(text, offsets)
                total_acc += (predicted_label.argmax(1) == label).sum().item()
                total_count += label.size(0)
        return total_acc / total_count

    losses, accuracies = [], []
    for _ in range(4):
        model.train()
        for label, text, offsets in train_dataloader:
            assert text.dim() == 1 and offsets.dtype == torch.int64
            optimizer.zero_grad()
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        accuracies += [evaluate(test_dataloader), scheduler.get_last_lr()[0]]
    def predict(text, text_pipeline):
        with torch.no_grad():
            text = torch.tensor(text_pipeline(text))
            output = model(text, torch.tensor([0]))
            return output.argmax(1).item() + 1

    guesses = [predict(s, text_pipeline) for s in ("the rocket and the moon", "bank price up",
                                                    "coach of the team", "unseen words")]
    return losses, accuracies + guesses, weights(model)


def harmonic_pinn(torch):
    """A physics-informed fit of u'' + u = 0, u(0) = 0, u'(0) = 1 (so u = sin x): the
    residual from torch.autograd.grad twice with create_graph=True, Adam then LBFGS."""
    nn = torch.nn
    model = nn.Sequential(nn.Linear(1, 12), nn.Tanh(), nn.Linear(12, 12), nn.Tanh(),
                          nn.Linear(12, 1)).double()
    randomize(torch, model, 10, scale=0.6)
    x = torch.linspace(0, torch.pi, 24, dtype=torch.float64).view(-1, 1).requires_grad_(True)
    x0 = torch.zeros(1, 1, dtype=torch.float64)
    x0.requires_grad = True
    mse = nn.MSELoss()

    def pinn_loss():
        u = model(x)
        du = torch.autograd.grad(u, x, grad_outputs=torch.ones_like(u), create_graph=True,
                                 retain_graph=True)[0]
        d2u = torch.autograd.grad(outputs=du, inputs=x, grad_outputs=torch.ones_like(du),
                                  create_graph=True, retain_graph=True, only_inputs=True)[0]
        residual = d2u + u
        u0 = model(x0)
        du0, = torch.autograd.grad(u0.sum(), x0, create_graph=True)
        boundary = u0.pow(2).sum() + (du0 - 1.0).pow(2).sum()
        return mse(residual, torch.zeros_like(residual)) + boundary

    losses = []
    adam = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(30):
        adam.zero_grad()
        loss = pinn_loss()
        loss.backward()
        adam.step()
        losses.append(loss.item())
    lbfgs = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=8,
                              line_search_fn="strong_wolfe")

    def closure():
        lbfgs.zero_grad()
        loss = pinn_loss()
        loss.backward()
        return loss

    for _ in range(3):
        losses.append(lbfgs.step(closure).item())
    with torch.no_grad():
        grid = torch.linspace(0, torch.pi, 7, dtype=torch.float64).unsqueeze(1)
        error = (model(grid) - torch.sin(grid)).abs().max()
    return losses, [error.item()], weights(model)


PROGRAMS = [digits_vae, points_gan, text_classifier, harmonic_pinn]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    ours = program(tinygraph)
    theirs = program(torch)
    same_run(ours, theirs)


# -- what the programs found, each pinned on its own ----------------------------------------


def test_step_lr_takes_a_float_step_size_as_torch(torch):
    """The torchtext tutorial writes StepLR(optimizer, 1.0, gamma=0.1)."""
    rates = []
    for lib in (tinygraph, torch):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(1))], lr=1.0)
        scheduler = lib.optim.lr_scheduler.StepLR(opt, 2.5, gamma=0.5)
        rates.append([])
        for _ in range(6):
            opt.step()
            scheduler.step()
            rates[-1] += scheduler.get_last_lr()
    np.testing.assert_allclose(rates[0], rates[1], rtol=1e-12)
    with pytest.raises(ValueError, match="step_size"):
        tinygraph.optim.lr_scheduler.StepLR(
            tinygraph.optim.SGD([tinygraph.nn.Parameter(tinygraph.zeros(1))]), 0.0)


def test_math_constants_are_torchs(torch):
    """torch.pi, torch.e, torch.inf and torch.nan (PINNs write torch.sin(torch.pi * x))."""
    for name in ("pi", "e", "inf"):
        assert getattr(tinygraph, name) == getattr(torch, name)
    assert np.isnan(tinygraph.nan) and np.isnan(torch.nan)
    x = tinygraph.linspace(0, 1, 5, dtype=tinygraph.float64)
    np.testing.assert_allclose(tinygraph.sin(tinygraph.pi * x).numpy(),
                               torch.sin(torch.pi * torch.linspace(0, 1, 5,
                                                                   dtype=torch.float64)).numpy())


def test_meshgrid_without_indexing_warns_as_torch(torch):
    """PINN code builds collocation grids with torch.meshgrid(x, t): torch warns there (once
    per process, so only tinygraph's warning is checked here) and defaults to 'ij'."""
    with pytest.warns(UserWarning, match="meshgrid.*indexing argument"):
        ours = tinygraph.meshgrid(tinygraph.linspace(0, 1, 3), tinygraph.linspace(0, 1, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.meshgrid(torch.linspace(0, 1, 3), torch.linspace(0, 1, 2))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_array_equal(mine.numpy(), reference.numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tinygraph.meshgrid(tinygraph.zeros(2), tinygraph.zeros(3), indexing="xy")
        tinygraph.cartesian_prod(tinygraph.zeros(2), tinygraph.zeros(3))
