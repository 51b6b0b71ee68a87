"""The forward-mode AD tutorial's shape, run on torch and on tinygraph imported as torch:
dual tensors made inside ``forward_ad.dual_level()``, Jacobian-vector products of functions
and of a module, a full Jacobian built one column per dual, reverse over forward (a loss on a
tangent, differentiated with respect to the weights), and the errors make_dual raises. Then
word2vec-style embeddings (sparse=True under SGD, scale_grad_by_freq under Adam) and
grouped-query attention (scaled_dot_product_attention with enable_gqa), and BatchNorm folding
for inference (nn.utils.fuse_conv_bn_eval, fuse_linear_bn_eval)."""

from __future__ import annotations

import numpy as np
import pytest
from twins import randomize, same_run, weights

import tinygraph
import tinygraph.autograd.forward_ad as tg_fwad


def _fwad(torch):
    if torch is tinygraph:
        return tg_fwad
    import torch.autograd.forward_ad as fwad

    return fwad


def forward_mode(torch):
    fwAD = _fwad(torch)
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(110)
    primal = torch.tensor(rng.standard_normal((3, 4)))
    tangent = torch.tensor(rng.standard_normal((3, 4)))
    numbers = []

    def fn(x, y):
        return x ** 2 + y.sin() * x.exp() - F.softplus(x * y)

    with fwAD.dual_level():
        dual_input = fwAD.make_dual(primal, tangent)
        assert fwAD.unpack_dual(dual_input).tangent is tangent or torch.equal(
            fwAD.unpack_dual(dual_input).tangent, tangent)
        plain = torch.tensor(rng.standard_normal((3, 4)))
        dual_output = fn(dual_input, plain)
        jvp = fwAD.unpack_dual(dual_output).tangent
        numbers += jvp.flatten().tolist()
        assert fwAD.unpack_dual(plain).tangent is None

    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2)).double()
    randomize(torch, model, 111)
    with fwAD.dual_level():
        out = model(fwAD.make_dual(primal, tangent))
        numbers += fwAD.unpack_dual(out).tangent.detach().flatten().tolist()
        numbers += fwAD.unpack_dual(out).primal.flatten().tolist()

    x = torch.tensor(rng.standard_normal(4))
    columns = []
    for i in range(4):
        with fwAD.dual_level():
            e = torch.zeros(4, dtype=torch.float64)
            e[i] = 1.0
            y = torch.tanh(model(fwAD.make_dual(x, e)))
            columns.append(fwAD.unpack_dual(y).tangent.detach())
    jacobian = torch.stack(columns, dim=1)
    numbers += jacobian.flatten().tolist()

    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(3):
        with fwAD.dual_level():
            out = model(fwAD.make_dual(primal, tangent))
            smoothness = (fwAD.unpack_dual(out).tangent ** 2).mean()
            fit = F.mse_loss(fwAD.unpack_dual(out).primal, torch.zeros(3, 2,
                                                                       dtype=torch.float64))
        opt.zero_grad()
        smoothness.backward()
        opt.step()
        losses += [smoothness.item(), fit.item()]
    return losses, numbers, weights(model)


def test_forward_mode_ad_gives_the_same_numbers_on_both(torch):
    same_run(forward_mode(tinygraph), forward_mode(torch))


def test_make_dual_refuses_as_torch(torch):
    for lib in (torch, tinygraph):
        fwAD = _fwad(lib)
        x = lib.tensor([1.0, 2.0], dtype=lib.float64)
        with pytest.raises(RuntimeError):
            fwAD.make_dual(x, x)  # no level open
        with fwAD.dual_level():
            with pytest.raises(RuntimeError):
                fwAD.make_dual(x, lib.ones(3, dtype=lib.float64))
            with pytest.raises(ValueError):
                fwAD.make_dual(lib.tensor([1, 2]), lib.ones(2))
            y = fwAD.make_dual(x, lib.ones(2, dtype=lib.float64)) * 3
        assert fwAD.unpack_dual(y).tangent is None  # the level closed
        assert type(fwAD.unpack_dual(y)).__name__ == "UnpackedDualTensor"


def word2vec_sparse(torch):
    """Skip-gram embeddings declared as in word2vec scripts, nn.Embedding(..., sparse=True)
    trained with plain SGD (tinygraph's gradient is dense: the same numbers), and an
    embedding with scale_grad_by_freq=True under Adam."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(120)
    centers = torch.tensor(rng.integers(0, 12, 40))
    contexts = torch.tensor(rng.integers(0, 12, 40))
    u = nn.Embedding(12, 4, sparse=True).double()
    v = nn.Embedding(12, 4, sparse=True).double()
    freq = nn.Embedding(12, 4, scale_grad_by_freq=True, padding_idx=0).double()
    for i, m in enumerate((u, v, freq)):
        randomize(torch, m, 121 + i)
    with torch.no_grad():
        freq.weight[0].zero_()
    sgd = torch.optim.SGD(list(u.parameters()) + list(v.parameters()), lr=0.2)
    adam = torch.optim.Adam(freq.parameters(), lr=0.05)
    losses = []
    for i in range(0, 40, 10):
        c, o = centers[i:i + 10], contexts[i:i + 10]
        negatives = torch.tensor(rng.integers(0, 12, (10, 3)))
        score = (u(c) * v(o)).sum(-1)
        neg = torch.bmm(v(negatives), u(c).unsqueeze(2)).squeeze(2)
        loss = -(F.logsigmoid(score) + F.logsigmoid(-neg).sum(1)).mean()
        sgd.zero_grad()
        loss.backward()
        sgd.step()
        f_loss = (freq(c) * freq(o)).sum(-1).sigmoid().mean()
        adam.zero_grad()
        f_loss.backward()
        adam.step()
        losses += [loss.item(), f_loss.item()]
    return losses, [], {**{f"u.{k}": a for k, a in weights(u).items()},
                        **{f"v.{k}": a for k, a in weights(v).items()},
                        **{f"f.{k}": a for k, a in weights(freq).items()}}


def test_sparse_and_frequency_scaled_embeddings_train_as_on_torch(torch):
    same_run(word2vec_sparse(tinygraph), word2vec_sparse(torch))


def test_scale_grad_by_freq_gradient_is_torchs(torch):
    idx = np.array([[1, 2, 1, 0], [3, 1, 0, 2]])
    grads = []
    for lib in (torch, tinygraph):
        w = lib.tensor(np.arange(20.0).reshape(5, 4), requires_grad=True)
        out = lib.nn.functional.embedding(lib.tensor(idx), w, padding_idx=0,
                                          scale_grad_by_freq=True)
        out.backward(lib.tensor(np.sin(np.arange(out.numel())).reshape(tuple(out.shape))))
        grads.append(w.grad.numpy().copy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-14)


@pytest.mark.parametrize("causal", [False, True])
def test_grouped_query_attention_is_torchs(torch, causal):
    rng = np.random.default_rng(122)
    q, k, v = (rng.standard_normal(s) for s in ((2, 6, 5, 4), (2, 2, 5, 4), (2, 2, 5, 3)))
    results = []
    for lib in (torch, tinygraph):
        Q, K, V = (lib.tensor(a, requires_grad=True) for a in (q, k, v))
        out = lib.nn.functional.scaled_dot_product_attention(Q, K, V, is_causal=causal,
                                                             enable_gqa=True)
        out.backward(lib.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape))))
        results.append([t.detach().numpy().copy() for t in (out, Q.grad, K.grad, V.grad)])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    for lib in (torch, tinygraph):
        with pytest.raises(RuntimeError):
            lib.nn.functional.scaled_dot_product_attention(
                lib.ones(1, 6, 2, 4), lib.ones(1, 4, 2, 4), lib.ones(1, 4, 2, 4),
                enable_gqa=True)


def fused_inference(torch):
    """Train Conv2d+BatchNorm2d and Linear+BatchNorm1d, switch to eval, fold the BatchNorms
    with nn.utils.fuse_conv_bn_eval / fuse_linear_bn_eval (and a transposed convolution's
    with fusion.fuse_conv_bn_eval(transpose=True)), and run the fused model."""
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn = nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4)
            self.up, self.bn_up = nn.ConvTranspose2d(4, 2, 2, stride=2, bias=False), \
                nn.BatchNorm2d(2)
            self.fc, self.bn_fc = nn.Linear(2, 3), nn.BatchNorm1d(3)

        def forward(self, x):
            x = F.relu(self.bn(self.conv(x)))
            x = F.relu(self.bn_up(self.up(x)))
            return self.bn_fc(self.fc(x.mean((2, 3))))

    model = Net().double()
    randomize(torch, model, 130)
    rng = np.random.default_rng(131)
    x = torch.tensor(rng.standard_normal((6, 1, 4, 4)))
    y = torch.tensor(rng.standard_normal((6, 3)))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    conv = nn.utils.fuse_conv_bn_eval(model.conv, model.bn)
    up = nn.utils.fusion.fuse_conv_bn_eval(model.up, model.bn_up, transpose=True)
    fc = nn.utils.fuse_linear_bn_eval(model.fc, model.bn_fc)
    with torch.no_grad():
        fused = fc(F.relu(up(F.relu(conv(x)))).mean((2, 3)))
        reference = model(x)
    gap = (fused - reference).abs().max().item()
    assert gap < 1e-12
    out = {f"conv.{k}": v for k, v in weights(conv).items()}
    out.update({f"up.{k}": v for k, v in weights(up).items()})
    out.update({f"fc.{k}": v for k, v in weights(fc).items()})
    return losses, fused.flatten().tolist(), out


def test_batchnorm_fusion_gives_the_same_numbers_on_both(torch):
    same_run(fused_inference(tinygraph), fused_inference(torch))


def test_fusion_refuses_as_torch(torch):
    for lib in (torch, tinygraph):
        conv, bn = lib.nn.Conv2d(1, 2, 3), lib.nn.BatchNorm2d(2)
        with pytest.raises(AssertionError):
            lib.nn.utils.fuse_conv_bn_eval(conv, bn)  # training mode
        with pytest.raises(AssertionError):
            lib.nn.utils.fuse_linear_bn_eval(lib.nn.Linear(2, 3).eval(),
                                             lib.nn.BatchNorm1d(4).eval())


def test_skip_init_and_weight_memory_format_are_accepted_as_torch(torch):
    for lib in (torch, tinygraph):
        layer = lib.nn.utils.skip_init(lib.nn.Linear, 3, 4, bias=False)
        assert isinstance(layer, lib.nn.Linear) and tuple(layer.weight.shape) == (4, 3)

        class NoDevice(lib.nn.Module):
            def __init__(self, n):
                super().__init__()

        with pytest.raises(RuntimeError):
            lib.nn.utils.skip_init(NoDevice, 3)
        model = lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3))
        same = lib.nn.utils.convert_conv2d_weight_memory_format(model, lib.channels_last)
        assert same is model


def cross_attention(torch):
    """Text queries attending over image features of another width: MultiheadAttention with
    kdim/vdim (q_proj_weight, k_proj_weight, v_proj_weight), a key padding mask, the
    per-head weights, trained with Adam."""
    nn, F = torch.nn, torch.nn.functional
    rng = np.random.default_rng(150)
    text = torch.tensor(rng.standard_normal((3, 4, 8)))
    image = torch.tensor(rng.standard_normal((3, 6, 5)))
    pad = torch.tensor(rng.random((3, 6)) < 0.3)
    pad[:, 0] = False
    target = torch.tensor(rng.standard_normal((3, 4, 8)))
    attn = nn.MultiheadAttention(8, 2, kdim=5, vdim=5, batch_first=True).double()
    randomize(torch, attn, 151)
    opt = torch.optim.Adam(attn.parameters(), lr=0.01)
    losses = []
    for _ in range(4):
        out, w = attn(text, image, image, key_padding_mask=pad, average_attn_weights=False)
        loss = F.mse_loss(out, target) + 0.1 * w.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert attn.in_proj_weight is None
    return losses, [n for n, _ in attn.named_parameters()].index("v_proj_weight"), \
        weights(attn)


def test_cross_attention_with_other_key_sizes_is_torchs(torch):
    ours, theirs = cross_attention(tinygraph), cross_attention(torch)
    same_run((ours[0], [ours[1]], ours[2]), (theirs[0], [theirs[1]], theirs[2]))
