"""Generative PyTorch programs written once and run twice, on torch and on tinygraph imported
as torch, with the same float64 losses, metrics and weights: a tiny DDPM on scikit-learn's
digits (a linear or cosine beta schedule through cumprod as buffers, a sinusoidal time
embedding, a small convolutional denoiser with GroupNorm, the noise-prediction loss, an EMA
copy, ancestral sampling under inference_mode) and a VQ-VAE (nearest code by argmin of
torch.cdist or of expanded squared distances, the straight-through estimator, a commitment
loss, the codebook updated by exponential moving averages under no_grad or trained with dead
codes restarted). Data, noise and initial weights come from NumPy, so both runs see the same
numbers."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def digits(n):
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    return images[:n].reshape(-1, 1, 8, 8) / 8.0 - 1.0, labels[:n]


def tiny_ddpm(torch, schedule="linear"):
    """Denoising diffusion: q(x_t | x_0) in closed form from the cumulative product of the
    alphas, a denoiser told the step by a sinusoidal embedding, MSE against the noise; then
    sampling from pure noise backwards through every step."""
    nn, F = torch.nn, torch.nn.functional
    images, _ = digits(96)
    rng = np.random.default_rng(21)
    T = 12  # noqa: N806
    if schedule == "linear":
        betas = torch.linspace(1e-4, 0.2, T, dtype=torch.float64)
    else:  # the cosine schedule of Nichol and Dhariwal
        s = 0.008
        steps = torch.arange(T + 1, dtype=torch.float64) / T
        f = torch.cos((steps + s) / (1 + s) * math.pi * 0.5) ** 2
        alphas_bar = f / f[0]
        betas = torch.clip(1 - (alphas_bar[1:] / alphas_bar[:-1]), 0.0, 0.999)
    alphas = 1.0 - betas
    alphas_cumprod = torch.cumprod(alphas, dim=0)
    alphas_cumprod_prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.0)
    sqrt_recip_alphas = torch.rsqrt(alphas)
    sqrt_alphas_cumprod = alphas_cumprod.sqrt()
    sqrt_one_minus = torch.sqrt(1.0 - alphas_cumprod)
    posterior_variance = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)

    def extract(a, t, x_shape):
        return a.gather(-1, t).reshape(t.shape[0], *((1,) * (len(x_shape) - 1)))

    class SinusoidalPositionEmbeddings(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.dim = dim

        def forward(self, time):
            half = self.dim // 2
            scale = math.log(10000) / (half - 1)
            # float64 steps: torch's float32 exp and NumPy's differ in the last bit
            steps = torch.arange(half, device=time.device, dtype=torch.float64)
            freqs = torch.exp(steps * -scale)
            args = time[:, None] * freqs[None, :]
            return torch.cat((args.sin(), args.cos()), dim=-1)

    class Denoiser(nn.Module):
        def __init__(self, ch=8, tdim=8):
            super().__init__()
            self.time_mlp = nn.Sequential(SinusoidalPositionEmbeddings(tdim),
                                          nn.Linear(tdim, ch), nn.SiLU())
            self.conv_in = nn.Conv2d(1, ch, 3, padding=1)
            self.norm = nn.GroupNorm(2, ch)
            self.conv_mid = nn.Conv2d(ch, ch, 3, padding=1)
            self.conv_out = nn.Conv2d(ch, 1, 1)

        def forward(self, x, t):
            h = self.conv_in(x) + self.time_mlp(t.double())[..., None, None]
            h = h + self.conv_mid(F.silu(self.norm(h)))
            return self.conv_out(F.silu(h))

    class GaussianDiffusion(nn.Module):
        """The schedule as float64 buffers, the noise-prediction loss, one reverse step."""

        def __init__(self, denoiser, loss_type):
            super().__init__()
            self.model, self.loss_type = denoiser, loss_type
            for name, value in (("betas", betas), ("sqrt_recip_alphas", sqrt_recip_alphas),
                                ("sqrt_alphas_cumprod", sqrt_alphas_cumprod),
                                ("sqrt_one_minus", sqrt_one_minus),
                                ("posterior_variance", posterior_variance)):
                self.register_buffer(name, value.clone(), persistent=False)

        def forward(self, x0, t, noise):
            x_t = extract(self.sqrt_alphas_cumprod, t, x0.shape) * x0 + extract(
                self.sqrt_one_minus, t, x0.shape) * noise
            predicted = self.model(x_t, t)
            if self.loss_type == "l2":
                return F.mse_loss(noise, predicted)
            return F.smooth_l1_loss(noise, predicted)

        def p_sample(self, x, i, z):
            t = torch.full((x.shape[0],), i, device=x.device, dtype=torch.long)
            mean = extract(self.sqrt_recip_alphas, t, x.shape) * (
                x - extract(self.betas, t, x.shape) * self.model(x, t)
                / extract(self.sqrt_one_minus, t, x.shape))
            if i == 0:
                return mean
            return mean + torch.sqrt(extract(self.posterior_variance, t, x.shape)) * z

    denoiser = Denoiser().double()
    randomize(torch, denoiser, 22, scale=0.3)
    # the gamma/beta of GroupNorm start as torch's: ones and zeros
    nn.init.ones_(denoiser.norm.weight)
    nn.init.zeros_(denoiser.norm.bias)
    diffusion = GaussianDiffusion(denoiser, "l2" if schedule == "linear" else "huber")
    assert [name for name, _ in diffusion.named_buffers()][:2] == ["betas", "sqrt_recip_alphas"]
    assert "betas" not in diffusion.state_dict()
    ema = copy.deepcopy(diffusion).eval().requires_grad_(False)
    optimizer = torch.optim.Adam(diffusion.parameters(), lr=3e-3)
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.25, total_iters=3)
    data = torch.from_numpy(images)
    losses = []
    for _epoch in range(2):
        for start in range(0, len(data), 32):
            x0 = data[start:start + 32]
            t = torch.tensor(rng.integers(0, T, size=len(x0)), dtype=torch.long)
            noise = torch.tensor(rng.standard_normal(x0.shape))
            loss = diffusion(x0, t, noise)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(diffusion.parameters(), max_norm=1.0)
            optimizer.step()
            warmup.step()
            with torch.no_grad():  # (tinygraph's state_dict holds copies: by parameters)
                for ema_v, v in zip(ema.parameters(), diffusion.parameters()):
                    ema_v.copy_(0.8 * ema_v + 0.2 * v)
            losses.append(loss.item())

    metrics = []
    for sampler in (diffusion.eval(), ema):
        x = torch.tensor(rng.standard_normal((4, 1, 8, 8)))
        with torch.inference_mode():
            for i in reversed(range(T)):
                x = sampler.p_sample(x, i, torch.from_numpy(rng.standard_normal((4, 1, 8, 8))))
                metrics.append(x.std().item())
            x.clamp_(-1.0, 1.0)  # (torch refuses this outside: x is an inference tensor)
        metrics += x.mean(dim=(1, 2, 3)).tolist()
    metrics += alphas_cumprod.tolist() + warmup.get_last_lr()
    return losses, metrics, weights(diffusion) | {"ema." + k: v for k, v in weights(ema).items()}


def vq_vae(torch, distance="cdist"):
    """A VQ-VAE on digits: conv encoder to a 4x4 grid of vectors, each replaced by its nearest
    codebook vector (gradients pass straight through), a commitment loss, a decoder; the
    codebook either moved towards its assigned vectors by exponential moving averages (cdist)
    or trained by a codebook loss (expanded squared distances)."""
    nn, F = torch.nn, torch.nn.functional
    images, _ = digits(64)
    K, D = 10, 3  # noqa: N806

    class EMAQuantizer(nn.Module):
        def __init__(self, num_embeddings, dim, decay=0.9, eps=1e-5):
            super().__init__()
            self.embedding = nn.Embedding(num_embeddings, dim)
            self.embedding.weight.requires_grad_(False)
            self.register_buffer("cluster_size", torch.zeros(num_embeddings))
            self.register_buffer("embed_avg", torch.zeros(num_embeddings, dim))
            self.decay, self.eps, self.k = decay, eps, num_embeddings

        def forward(self, z):
            z = z.permute(0, 2, 3, 1).contiguous()
            flat = z.view(-1, z.shape[-1])
            codebook = self.embedding.weight
            indices = torch.argmin(torch.cdist(flat, codebook), dim=1)
            encodings = torch.zeros(indices.shape[0], self.k, device=z.device, dtype=z.dtype)
            encodings.scatter_(1, indices.unsqueeze(1), 1)
            quantized = torch.matmul(encodings, codebook).view(z.shape)
            if self.training:
                with torch.no_grad():
                    self.cluster_size.mul_(self.decay).add_(encodings.sum(0),
                                                            alpha=1 - self.decay)
                    self.embed_avg.mul_(self.decay).add_(encodings.t() @ flat,
                                                         alpha=1 - self.decay)
                    n = self.cluster_size.sum()
                    size = (self.cluster_size + self.eps) / (n + self.k * self.eps) * n
                    self.embedding.weight.copy_(self.embed_avg / size.unsqueeze(1))
            commitment = F.mse_loss(quantized.detach(), z)
            quantized = z + (quantized - z).detach()
            avg_probs = torch.mean(encodings, dim=0)
            perplexity = torch.exp(-torch.sum(avg_probs * torch.log(avg_probs + 1e-10)))
            return commitment, quantized.permute(0, 3, 1, 2).contiguous(), perplexity, indices

    class LearnedQuantizer(nn.Module):
        """The codebook trained by its own loss; codes never chosen are restarted at encoder
        outputs (by a boolean mask)."""

        def __init__(self, num_embeddings, dim):
            super().__init__()
            self.codebook = nn.Embedding(num_embeddings, dim)
            self.codebook.weight.data.uniform_(-1.0 / num_embeddings, 1.0 / num_embeddings)
            self.k = num_embeddings

        def forward(self, z):
            flat = z.permute(0, 2, 3, 1).reshape(-1, z.size(1))
            w = self.codebook.weight
            d = (flat.pow(2).sum(1, keepdim=True) - 2 * flat @ w.t()
                 + w.pow(2).sum(1, keepdim=True).t())
            indices = d.argmin(dim=-1)
            one_hot = F.one_hot(indices, self.k).type(flat.dtype)
            q = F.embedding(indices, w).view(z.size(0), z.size(2), z.size(3), -1)
            q = q.permute(0, 3, 1, 2)
            loss = F.mse_loss(q, z.detach()) + 0.25 * F.mse_loss(z, q.detach())
            if self.training:
                with torch.no_grad():
                    dead = one_hot.sum(0) == 0
                    if dead.any():
                        w[dead] = flat[: int(dead.sum())].detach()
            avg_probs = one_hot.mean(0)
            perplexity = (-(avg_probs * (avg_probs + 1e-10).log()).sum()).exp()
            return loss, z + (q - z).detach(), perplexity, indices

    class VQVAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Conv2d(1, 8, 4, stride=2, padding=1), nn.ReLU(),
                                         nn.Conv2d(8, D, 1))
            self.vq = EMAQuantizer(K, D) if distance == "cdist" else LearnedQuantizer(K, D)
            self.decoder = nn.Sequential(nn.ConvTranspose2d(D, 8, 4, stride=2, padding=1),
                                         nn.ReLU(), nn.Conv2d(8, 1, 3, padding=1))

        def forward(self, x):
            commitment, q, perplexity, indices = self.vq(self.encoder(x))
            return self.decoder(q), commitment, perplexity, indices

    model = VQVAE().double()
    randomize(torch, model, 23, scale=0.4)
    with torch.no_grad():
        codebook = next(m for m in model.vq.modules() if isinstance(m, nn.Embedding))
        codebook.weight.copy_(torch.tensor(np.random.default_rng(24).standard_normal((K, D))))
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(parameters, lr=5e-3, amsgrad=True)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(images)),
                                       batch_size=16)
    losses, metrics = [], []
    for _ in range(3):
        model.train()
        for (x,) in data:
            optimizer.zero_grad()
            recon, commitment, perplexity, _ = model(x)
            recon_error = F.mse_loss(recon, x)
            loss = recon_error + 0.25 * commitment
            loss.backward()
            optimizer.step()
            losses += [recon_error.item(), commitment.item()]
            metrics.append(perplexity.item())
    model.eval()
    with torch.no_grad():
        _, _, _, codes = model(torch.tensor(images[:8]))
        usage = torch.bincount(codes, minlength=K)
    return losses, metrics + usage.tolist() + codes.tolist(), weights(model)


PROGRAMS = {
    "ddpm_linear": tiny_ddpm,
    "ddpm_cosine": lambda torch: tiny_ddpm(torch, "cosine"),
    "vqvae_cdist": vq_vae,
    "vqvae_learned": lambda torch: vq_vae(torch, "expanded"),
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_program_gives_the_same_numbers_on_both(torch, name):
    theirs = PROGRAMS[name](torch)
    ours = PROGRAMS[name](tinygraph)
    same_run(ours, theirs)


# -- what the programs found, each pinned on its own ----------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32"])
def test_linspace_gives_torchs_values_bit_for_bit(torch, dtype):
    """Beta schedules are linspaces: torch's kernel works in the dtype's own precision, counts
    each half from its own end and rounds each value once (a fused multiply-add), so the
    middle values differed from torch's in the last bit and a DDPM's losses drifted apart."""
    cases = [(1e-4, 0.2, 12), (0.1, 0.9, 101), (-3.3, 7.1, 25), (2.7, -3.9, 5), (5, 5, 1),
             (0, 1, 0), (-1e3, 1e-3, 64), (0.0, 1.0, 1000)]
    for start, end, steps in cases:
        theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
        ours = tinygraph.linspace(start, end, steps, dtype=getattr(tinygraph, dtype)).numpy()
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs, err_msg=str((start, end, steps)))
    default = tinygraph.linspace(0.3, 2.9, 37).numpy()
    np.testing.assert_array_equal(default, torch.linspace(0.3, 2.9, 37).numpy())
