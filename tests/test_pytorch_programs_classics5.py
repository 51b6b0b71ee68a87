"""More tutorial programs run on torch and on tinygraph imported as torch, with equal float64
numbers: a convolution fused with batch norm in custom autograd Functions (backward through
torch.nn.grad.conv2d_input/conv2d_weight), FGSM adversarial examples, the word-level
language model (RNNModel with tied weights, batchify, get_batch, repackage_hidden, manual
SGD), and a Transformer language model (PositionalEncoding buffer, a square subsequent mask).
Then focused checks of torch.nn.grad, bicubic and trilinear interpolation and the
torch.cuda.amp import path."""

from __future__ import annotations

import math

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph


def fused_conv_bn(torch):
    """Conv2d and BatchNorm2d (training statistics) as hand-written Functions, then fused
    into one Function that saves only its input, recomputing in backward."""
    F = torch.nn.functional

    def convolution_backward(grad_out, X, weight):
        grad_input = torch.nn.grad.conv2d_input(X.shape, weight, grad_out)
        grad_weight = torch.nn.grad.conv2d_weight(X, weight.shape, grad_out)
        return grad_input, grad_weight

    def unsqueeze_all(t):
        return t[None, :, None, None]

    def batch_norm_backward(grad_out, X, sum, sqrt_var, N, eps):
        tmp = ((X - unsqueeze_all(sum) / N) * grad_out).sum(dim=(0, 2, 3))
        tmp *= -1
        d_denom = tmp / (sqrt_var + eps) ** 2
        d_var = d_denom / (2 * sqrt_var)
        d_mean_dx = grad_out / unsqueeze_all(sqrt_var + eps)
        d_mean_dx = unsqueeze_all(-d_mean_dx.sum(dim=(0, 2, 3)) / N)
        grad_input = X * unsqueeze_all(d_var * N)
        grad_input += unsqueeze_all(-d_var * sum)
        grad_input *= 2 / ((N - 1) * N)
        grad_input += d_mean_dx
        grad_input *= unsqueeze_all(sqrt_var + eps)
        grad_input += grad_out
        grad_input /= unsqueeze_all(sqrt_var + eps)
        return grad_input

    def batch_norm_forward(X, eps):
        sum = X.sum(dim=(0, 2, 3))
        var = X.var(unbiased=True, dim=(0, 2, 3))
        N = X.numel() / X.size(1)
        sqrt_var = torch.sqrt(var)
        mean = sum / N
        denom = sqrt_var + eps
        return (X - unsqueeze_all(mean)) / unsqueeze_all(denom), sum, sqrt_var, N

    class FusedConvBN2DFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X, conv_weight, eps=1e-3):
            assert X.ndim == 4
            ctx.save_for_backward(X, conv_weight)
            X = F.conv2d(X, conv_weight)
            out, _, _, _ = batch_norm_forward(X, eps)
            ctx.eps = eps
            return out

        @staticmethod
        def backward(ctx, grad_out):
            X, conv_weight = ctx.saved_tensors
            X_conv_out = F.conv2d(X, conv_weight)
            _, sum, sqrt_var, N = batch_norm_forward(X_conv_out, ctx.eps)
            grad_out = batch_norm_backward(grad_out, X_conv_out, sum, sqrt_var, N, ctx.eps)
            grad_X, grad_input = convolution_backward(grad_out, X, conv_weight)
            return grad_X, grad_input, None

    class FusedConvBN(torch.nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, eps=1e-3):
            super().__init__()
            self.conv_weight = torch.nn.Parameter(torch.empty(
                out_channels, in_channels, kernel_size, kernel_size, dtype=torch.double))
            self.eps = eps

        def forward(self, X):
            return FusedConvBN2DFunction.apply(X, self.conv_weight, self.eps)

    rng = np.random.default_rng(40)
    weight = torch.tensor(rng.standard_normal((3, 2, 2, 2)), requires_grad=True)
    X = torch.tensor(rng.standard_normal((2, 2, 4, 4)), requires_grad=True)
    assert torch.autograd.gradcheck(FusedConvBN2DFunction.apply, (X, weight))
    model = torch.nn.Sequential(FusedConvBN(1, 4, 3), torch.nn.ReLU(),
                                torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                                torch.nn.Linear(4, 3)).double()
    randomize(torch, model, 41)
    images = torch.tensor(rng.standard_normal((12, 1, 6, 6)))
    labels = torch.tensor(rng.integers(0, 3, 12))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(4):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, [], weights(model)


def fgsm(torch):
    """Fast gradient sign attack on a small classifier: data.requires_grad = True, the
    gradient of the NLL loss with respect to the input, sign(), clamp to [0, 1], and the
    accuracy at several epsilons (only examples classified right to begin with are attacked)."""
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3)
            self.fc1 = nn.Linear(4 * 3 * 3, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            return F.log_softmax(self.fc1(torch.flatten(x, 1)), dim=1)

    def fgsm_attack(image, epsilon, data_grad):
        sign_data_grad = data_grad.sign()
        perturbed_image = image + epsilon * sign_data_grad
        return torch.clamp(perturbed_image, 0, 1)

    model = Net().double()
    randomize(torch, model, 42)
    model.eval()
    rng = np.random.default_rng(43)
    images = rng.uniform(0, 1, (16, 1, 8, 8))
    with torch.no_grad():
        labels = model(torch.tensor(images)).argmax(1).numpy().copy()
    labels[::3] = (labels[::3] + 1) % 10
    accuracies, losses, examples = [], [], []
    for epsilon in [0, 0.05, 0.1, 0.3]:
        correct = 0
        for i in range(16):
            data = torch.tensor(images[i:i + 1])
            target = torch.tensor(labels[i:i + 1])
            data.requires_grad = True
            output = model(data)
            init_pred = output.max(1, keepdim=True)[1]
            if init_pred.item() != target.item():
                continue
            loss = F.nll_loss(output, target)
            model.zero_grad()
            loss.backward()
            data_grad = data.grad.data
            perturbed_data = fgsm_attack(data, epsilon, data_grad)
            output = model(perturbed_data)
            final_pred = output.max(1, keepdim=True)[1]
            losses.append(F.nll_loss(output, target).item())
            if final_pred.item() == target.item():
                correct += 1
            elif len(examples) < 3:
                examples.append(perturbed_data.squeeze().detach().cpu().numpy().sum())
        accuracies.append(correct / float(16))
    return losses, accuracies + examples, weights(model)


def word_language_model(torch):
    """The word-level language model example: an RNNModel (Embedding, LSTM, Linear decoder
    tied to the encoder), batchify and get_batch over a token stream, hidden state carried
    across batches and detached by repackage_hidden, manual SGD with clip_grad_norm_, and
    evaluation by perplexity."""
    nn = torch.nn
    words = ("the cat sat on the mat and the dog sat on the log while a bird sang "
             "on the roof of the house near the cat").split() * 2
    vocab = {}
    ids = torch.tensor([vocab.setdefault(w, len(vocab)) for w in words], dtype=torch.long)
    ntokens = len(vocab)

    class RNNModel(nn.Module):
        def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.0, tie_weights=True):
            super().__init__()
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            if tie_weights:
                self.decoder.weight = self.encoder.weight
            self.nhid, self.nlayers = nhid, nlayers

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            decoded = self.decoder(self.drop(output)).view(-1, self.decoder.out_features)
            return nn.functional.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))

    def batchify(data, bsz):
        nbatch = data.size(0) // bsz
        data = data.narrow(0, 0, nbatch * bsz)
        return data.view(bsz, -1).t().contiguous()

    def get_batch(source, i, bptt=5):
        seq_len = min(bptt, len(source) - 1 - i)
        return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].view(-1)

    def repackage_hidden(h):
        if isinstance(h, torch.Tensor):
            return h.detach()
        return tuple(repackage_hidden(v) for v in h)

    train_data, val_data = batchify(ids[:32], 4), batchify(ids[32:], 2)
    model = RNNModel(ntokens, 6, 6, 2).double()
    randomize(torch, model, 44)
    assert model.decoder.weight is model.encoder.weight
    criterion = nn.NLLLoss()
    lr, losses = 2.0, []
    for _epoch in range(2):
        model.train()
        hidden = model.init_hidden(4)
        for i in range(0, train_data.size(0) - 1, 5):
            data, targets = get_batch(train_data, i)
            model.zero_grad()
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            losses.append(loss.item())
        model.eval()
        total_loss, hidden = 0.0, model.init_hidden(2)
        with torch.no_grad():
            for i in range(0, val_data.size(0) - 1, 5):
                data, targets = get_batch(val_data, i)
                output, hidden = model(data, hidden)
                hidden = repackage_hidden(hidden)
                total_loss += len(data) * criterion(output, targets).item()
        val_loss = total_loss / (len(val_data) - 1)
        losses += [val_loss, math.exp(val_loss)]
        lr /= 4.0
    return losses, [ntokens], weights(model)


def transformer_lm(torch):
    """The nn.TransformerEncoder language model: a PositionalEncoding module whose table is a
    registered buffer filled with sin/cos by strided slices, embeddings scaled by sqrt(d), a
    square subsequent mask from nn.Transformer.generate_square_subsequent_mask, Adam with a
    LambdaLR warm-up, and eval loss."""
    nn = torch.nn

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout=0.0, max_len=64):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float64)
                                 * (-math.log(10000.0) / d_model))
            pe = torch.zeros(max_len, 1, d_model, dtype=torch.float64)
            pe[:, 0, 0::2] = torch.sin(position * div_term)
            pe[:, 0, 1::2] = torch.cos(position * div_term)
            self.register_buffer("pe", pe)

        def forward(self, x):
            return self.dropout(x + self.pe[:x.size(0)])

    class TransformerModel(nn.Module):
        def __init__(self, ntoken, d_model, nhead, d_hid, nlayers):
            super().__init__()
            self.pos_encoder = PositionalEncoding(d_model)
            layer = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout=0.0)
            self.transformer_encoder = nn.TransformerEncoder(layer, nlayers,
                                                             enable_nested_tensor=False)
            self.embedding = nn.Embedding(ntoken, d_model)
            self.d_model = d_model
            self.linear = nn.Linear(d_model, ntoken)

        def forward(self, src, src_mask=None):
            src = self.pos_encoder(self.embedding(src) * math.sqrt(self.d_model))
            return self.linear(self.transformer_encoder(src, src_mask))

    text = "abcabdabcabdabcaabcd" * 3
    vocab = sorted(set(text))
    ids = torch.tensor([vocab.index(c) for c in text], dtype=torch.long)
    data = ids[:56].view(4, -1).t().contiguous()  # (seq, batch)
    model = TransformerModel(len(vocab), 8, 2, 16, 2).double()
    randomize(torch, model, 45)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 3))
    criterion = nn.CrossEntropyLoss()
    losses = []
    for _step in range(5):
        for i in range(0, data.size(0) - 1, 6):
            seq_len = min(6, data.size(0) - 1 - i)
            source, targets = data[i:i + seq_len], data[i + 1:i + 1 + seq_len].reshape(-1)
            mask = nn.Transformer.generate_square_subsequent_mask(seq_len, dtype=torch.float64)
            output = model(source, mask)
            loss = criterion(output.view(-1, len(vocab)), targets)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    model.eval()
    with torch.no_grad():
        mask = nn.Transformer.generate_square_subsequent_mask(13, dtype=torch.float64)
        logits = model(data[:13], mask)
        losses.append(criterion(logits.view(-1, len(vocab)), data[1:14].reshape(-1)).item())
    return losses, scheduler.get_last_lr(), weights(model)


PROGRAMS = [fused_conv_bn, fgsm, word_language_model, transformer_lm]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_program_gives_the_same_numbers_on_both(torch, program):
    same_run(program(tinygraph), program(torch))


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_nn_grad_conv_gradients_are_torchs(torch, nd):
    """torch.nn.grad.conv{1,2,3}d_input/_weight, with stride, padding, dilation and groups;
    differentiable in the weight when grad mode is on, detached under no_grad."""
    rng = np.random.default_rng(nd)
    x = rng.standard_normal((2, 4) + (7,) * nd)
    w = rng.standard_normal((6, 2) + (3,) * nd)
    kw = dict(stride=2, padding=1, dilation=1 if nd == 3 else 2, groups=2)
    results = []
    for lib in (torch, tinygraph):
        X, W = lib.tensor(x), lib.tensor(w, requires_grad=True)
        y = getattr(lib.nn.functional, f"conv{nd}d")(X, W, **kw)
        g = lib.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))
        gi = getattr(lib.nn.grad, f"conv{nd}d_input")(X.shape, W, g, **kw)
        gw = getattr(lib.nn.grad, f"conv{nd}d_weight")(X, W.shape, g, **kw)
        (ww,) = lib.autograd.grad((gi ** 2).sum(), W)
        with lib.no_grad():
            assert not getattr(lib.nn.grad, f"conv{nd}d_input")(X.shape, W, g, **kw).requires_grad
        results.append([t.detach().numpy() for t in (gi, gw, ww)])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(scale_factor=1.7),
                                dict(scale_factor=0.5), dict(size=(3, 11)),
                                dict(scale_factor=(2.5, 0.8)),
                                dict(scale_factor=1.7, recompute_scale_factor=True)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_bicubic_interpolation_and_its_gradient_are_torchs(torch, kw, align_corners):
    x = np.random.default_rng(50).standard_normal((2, 3, 5, 7))
    results = []
    for lib in (torch, tinygraph):
        t = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.interpolate(t, mode="bicubic", align_corners=align_corners, **kw)
        y.backward(lib.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape))))
        results.append((y.detach().numpy(), t.grad.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["trilinear", "nearest"])
@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(size=(2, 5, 7))])
def test_five_d_interpolation_is_torchs(torch, mode, kw):
    x = np.random.default_rng(51).standard_normal((1, 2, 3, 4, 5))
    extra = {"align_corners": False} if mode == "trilinear" else {}
    results = [lib.nn.Upsample(mode=mode, **kw, **extra)(lib.tensor(x)).numpy()
               for lib in (torch, tinygraph)]
    np.testing.assert_allclose(results[1], results[0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(2, 3, 7), (2, 3, 7, 5), (1, 2, 4, 5, 6)])
@pytest.mark.parametrize("kw", [dict(scale_factor=0.5), dict(scale_factor=1.5)])
def test_area_interpolation_and_its_gradient_are_torchs(torch, shape, kw):
    x = np.random.default_rng(52).standard_normal(shape)
    results = []
    for lib in (torch, tinygraph):
        t = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.interpolate(t, mode="area", **kw)
        y.backward(lib.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape))))
        results.append((y.detach().numpy(), t.grad.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    for lib in (torch, tinygraph):
        with pytest.raises(ValueError):
            lib.nn.functional.interpolate(lib.tensor(x), size=shape[2:], mode="area",
                                          align_corners=False)


def test_bicubic_refuses_other_ranks_as_torch(torch):
    for lib in (torch, tinygraph):
        with pytest.raises(NotImplementedError):
            lib.nn.functional.interpolate(lib.ones(1, 1, 4), scale_factor=2, mode="bicubic")


def test_older_scripts_import_amp_from_torch_cuda_amp():
    from tinygraph.cuda.amp import GradScaler, autocast

    # torch.cuda.amp's deprecated spellings: tg.amp's scaler and autocast for "cuda"
    assert issubclass(GradScaler, tinygraph.amp.GradScaler)
    assert autocast is tinygraph.cuda.amp.autocast
