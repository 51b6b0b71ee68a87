"""The transformer layers against PyTorch: a torch module's state_dict loads into tinygraph's
twin, which then gives the same outputs and gradients (float64, eval mode); the losses' and
activations' Modules; and the errors for bad masks, heads and indices."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg
from tinygraph import nn
from tinygraph.errors import ShapeError


@pytest.fixture(autouse=True)
def float64():
    old = tg.get_default_dtype()
    tg.set_default_dtype(np.float64)
    yield
    tg.set_default_dtype(old)


def _twin(torch, ours, theirs):
    theirs = theirs.double().eval()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    return ours, theirs


def _compare(torch, ours, theirs, inputs, call=None, rtol=1e-10):
    """Outputs and the gradients of inputs and parameters agree for a random upstream."""
    call = call or (lambda m, *xs: m(*xs))
    t_in = [torch.tensor(a, requires_grad=True) for a in inputs]
    o_in = [tg.tensor(a, requires_grad=True) for a in inputs]
    t_out, o_out = call(theirs, *t_in), call(ours, *o_in)
    if isinstance(t_out, tuple):
        pairs = [(o, t) for o, t in zip(o_out, t_out) if t is not None]
        assert all(o is None for o, t in zip(o_out, t_out) if t is None)
    else:
        pairs = [(o_out, t_out)]
    rng = np.random.default_rng(0)
    t_loss, o_loss = 0, 0
    for o, t in pairs:
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=rtol, atol=1e-12)
        w = rng.standard_normal(tuple(t.shape))
        t_loss = t_loss + (t * torch.tensor(w)).sum()
        o_loss = o_loss + (o * tg.tensor(w)).sum()
    t_loss.backward()
    o_loss.backward()
    for o, t in zip(o_in, t_in):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=1e-12)
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), rtol=rtol,
                                   atol=1e-12, err_msg=name)


def _causal(length):
    return np.triu(np.ones((length, length), bool), 1)  # True: may not attend (torch MHA)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable"])
def test_encoder_layer_matches_torch(torch, norm_first, batch_first, activation):
    act = (torch.nn.functional.silu, nn.functional.silu) if activation == "callable" else (
        activation, activation)
    theirs = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, activation=act[0],
                                              batch_first=batch_first, norm_first=norm_first)
    ours = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, activation=act[1],
                                      batch_first=batch_first, norm_first=norm_first)
    ours, theirs = _twin(torch, ours, theirs)
    x = np.random.default_rng(1).standard_normal((3, 5, 8))
    mask = _causal(5 if batch_first else 3)
    _compare(torch, ours, theirs, [x])
    _compare(torch, ours, theirs, [x], lambda m, x: m(
        x, src_mask=torch.tensor(mask) if m is theirs else mask, is_causal=True))


def test_encoder_layer_with_float_mask_and_padding(torch):
    theirs = torch.nn.TransformerEncoderLayer(8, 4, 16, batch_first=True)
    ours, theirs = _twin(torch, nn.TransformerEncoderLayer(8, 4, 16, batch_first=True), theirs)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 8))
    fmask = rng.standard_normal((5, 5))
    pad = np.where([[False] * 5, [False, False, False, True, True]], -np.inf, 0.0)

    def call(m, x):
        wrap = torch.tensor if m is theirs else (lambda a: a)
        return m(x, src_mask=wrap(fmask), src_key_padding_mask=wrap(pad))

    _compare(torch, ours, theirs, [x], call)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("average", [True, False])
def test_multihead_attention_weights_and_masks_match_torch(torch, batch_first, average):
    theirs = torch.nn.MultiheadAttention(6, 3, batch_first=batch_first)
    ours, theirs = _twin(torch, nn.MultiheadAttention(6, 3, batch_first=batch_first), theirs)
    rng = np.random.default_rng(3)
    shapes = ((2, 4, 6), (2, 5, 6), (2, 5, 6)) if batch_first else ((4, 2, 6), (5, 2, 6),
                                                                    (5, 2, 6))
    q, k, v = (rng.standard_normal(s) for s in shapes)
    bool_mask = rng.random((4, 5)) > 0.7
    bool_mask[:, 0] = False
    head_mask = rng.standard_normal((2 * 3, 4, 5))
    pad = np.array([[False, False, False, False, True], [False, True, False, False, False]])
    for kwargs in ({}, {"attn_mask": bool_mask}, {"attn_mask": head_mask},
                   {"key_padding_mask": pad, "attn_mask": bool_mask}):
        def call(m, q, k, v, kwargs=kwargs):
            wrap = torch.tensor if m is theirs else (lambda a: a)
            return m(q, k, v, need_weights=True, average_attn_weights=average,
                     **{name: wrap(a) for name, a in kwargs.items()})

        _compare(torch, ours, theirs, [q, k, v], call)


def test_multihead_attention_unbatched_and_without_weights(torch):
    theirs = torch.nn.MultiheadAttention(4, 2)
    ours, theirs = _twin(torch, nn.MultiheadAttention(4, 2), theirs)
    x = np.random.default_rng(4).standard_normal((3, 4))
    _compare(torch, ours, theirs, [x], lambda m, x: m(x, x, x))
    _compare(torch, ours, theirs, [x], lambda m, x: m(x, x, x, need_weights=False))


def test_multihead_attention_parameters_and_init_match_torch(torch):
    ours, theirs = nn.MultiheadAttention(8, 2), torch.nn.MultiheadAttention(8, 2)
    shapes = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == shapes
    assert not ours.in_proj_bias.numpy().any() and not ours.out_proj.bias.numpy().any()
    bound = np.sqrt(6 / (8 + 24))  # xavier uniform over (3E, E)
    assert np.abs(ours.in_proj_weight.numpy()).max() <= bound


def test_layer_norm_and_embedding_modules_match_torch(torch):
    ours, theirs = _twin(torch, nn.LayerNorm((3, 4)), torch.nn.LayerNorm((3, 4)))
    with torch.no_grad():
        theirs.weight.uniform_()
        theirs.bias.uniform_()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    _compare(torch, ours, theirs, [np.random.default_rng(5).standard_normal((2, 3, 4))])
    theirs = torch.nn.Embedding(6, 3, padding_idx=2).double()
    ours = nn.Embedding(6, 3, padding_idx=2)
    assert not ours.weight.numpy()[2].any()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    out, tout = ours(tg.tensor(idx)), theirs(torch.tensor(idx))
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy())
    w = np.random.default_rng(6).standard_normal(out.shape)
    (out * tg.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy())
    assert not ours.weight.grad.numpy()[2].any()


@pytest.mark.parametrize("name, kwargs", [
    ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}), ("ELU", {"alpha": 0.3}),
    ("Softplus", {"beta": 2.0}), ("Hardtanh", {"min_val": -0.5}), ("LogSoftmax", {"dim": 1}),
])
def test_activation_modules_match_torch(torch, name, kwargs):
    x = np.random.default_rng(7).standard_normal((3, 4)) * 2
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    np.testing.assert_allclose(ours(tg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                               rtol=1e-12, atol=1e-15)


def test_loss_modules_match_torch(torch):
    rng = np.random.default_rng(8)
    x, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    p = rng.dirichlet(np.ones(3), size=4)
    labels = np.array([0, 2, 1, 2])
    w = np.array([0.2, 1.0, 3.0])
    cases = [
        ("NLLLoss", {"weight": w}, x, labels),
        ("NLLLoss", {"ignore_index": 2, "reduction": "sum"}, x, labels),
        ("CrossEntropyLoss", {"weight": w, "label_smoothing": 0.1}, x, labels),
        ("CrossEntropyLoss", {"label_smoothing": 0.3}, x, p),
        ("KLDivLoss", {"reduction": "batchmean"}, x, p),
        ("KLDivLoss", {"log_target": True, "reduction": "sum"}, x, np.log(p)),
        ("SmoothL1Loss", {"beta": 0.5}, x, t),
        ("HuberLoss", {"delta": 0.7, "reduction": "none"}, x, t),
    ]
    for name, kwargs, inp, target in cases:
        tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        ours = getattr(nn, name)(**kwargs)(tg.tensor(inp), tg.tensor(target))
        theirs = getattr(torch.nn, name)(**tkw)(torch.tensor(inp), torch.tensor(target))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, err_msg=name)


def test_all_ignored_mean_is_nan_like_torch(torch):
    x = np.zeros((2, 3))
    t = np.array([-100, -100])
    assert np.isnan(nn.functional.cross_entropy(tg.tensor(x), tg.tensor(t)).item())
    assert np.isnan(torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t)).item())


def test_bad_input_errors_name_the_layer_shapes_and_fix():
    with pytest.raises(ValueError, match=r"embed_dim \(10\) must be divisible by num_heads "
                                         r"\(3\).*divisors of 10"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="divisible"):
        nn.TransformerEncoderLayer(10, 4)
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    x = tg.randn(2, 3, 4)
    with pytest.raises(ShapeError, match=r"MultiheadAttention.*attn_mask has shape \(4, 4\).*"
                                         r"\(3, 3\).*\(4, 3, 3\)"):
        mha(x, x, x, attn_mask=np.zeros((4, 4), bool))
    with pytest.raises(ShapeError, match=r"key_padding_mask has shape \(3,\).*\(2, 3\)"):
        mha(x, x, x, key_padding_mask=np.zeros(3, bool))
    with pytest.raises(ShapeError, match=r"attn_mask of shape \(2, 2\) cannot be broadcast"):
        nn.functional.scaled_dot_product_attention(x, x, x, attn_mask=np.ones((2, 2), bool))
    with pytest.raises(IndexError, match=r"index 7 is out of range for an embedding table of "
                                         r"5 rows.*num_embeddings"):
        nn.Embedding(5, 2)(tg.tensor(np.array([1, 7])))
    with pytest.raises(TypeError, match="indices must be integers"):
        nn.Embedding(5, 2)(tg.tensor(np.array([1.0])))
    with pytest.raises(ShapeError, match=r"LayerNorm.*last axes are \(5,\).*shape \(2, 3, 4\)"):
        nn.LayerNorm(5)(x)
    with pytest.raises(IndexError, match="target 3 is out of bounds for 3 classes"):
        nn.functional.nll_loss(tg.randn(2, 3), np.array([0, 3]))


def test_second_derivatives_through_an_encoder_layer():
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation="gelu")
    x = tg.randn(3, 2, 4, requires_grad=True)
    (g,) = tg.grad(layer(x).pow(2).sum(), [x], create_graph=True)
    assert tg.autograd.gradcheck(lambda x: layer(x).tanh().sum(), (x,))
    assert g.requires_grad


def test_a_transformer_exports_to_onnx_and_runs_at_another_batch_size(tmp_path, onnxruntime):
    tg.set_default_dtype(np.float32)

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.token = nn.Embedding(10, 8)
            self.block = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu",
                                                    batch_first=True, norm_first=True)
            self.head = nn.Linear(8, 10)

        def forward(self, idx):
            causal = np.triu(np.ones((5, 5), bool), 1)
            return self.head(self.block(self.token(idx), src_mask=causal))

    model = Tiny().eval()
    rng = np.random.default_rng(9)
    idx = tg.tensor(rng.integers(0, 10, (2, 5)))
    path = tmp_path / "tiny.onnx"
    tg.onnx.export(model, (idx,), path, dynamic_axes={"input_0": {0: "batch"}})
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    other = rng.integers(0, 10, (3, 5))
    (got,) = session.run(None, {session.get_inputs()[0].name: other})
    np.testing.assert_allclose(got, model(tg.tensor(other)).numpy(), rtol=1e-4, atol=1e-5)


def test_attention_dropout_drops_weights_and_rescales_the_rest():
    rng = np.random.default_rng(10)
    q, k, v = (tg.tensor(rng.standard_normal((2, 3, 4))) for _ in range(3))
    sdpa = nn.functional.scaled_dot_product_attention
    assert not sdpa(q, k, v, dropout_p=1.0).numpy().any()  # every weight dropped
    tg.manual_seed(0)
    dropped = sdpa(q, k, v, dropout_p=0.5).numpy()
    scores = q.numpy() @ k.numpy().transpose(0, 2, 1) / 2.0
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    tg.manual_seed(0)
    mask = nn.functional.dropout(tg.ones(2, 3, 3), 0.5).numpy()  # the same draw: 0 or 2
    np.testing.assert_allclose(dropped, (weights * mask) @ v.numpy(), rtol=1e-12)
    mha = nn.MultiheadAttention(4, 2, dropout=0.5, batch_first=True)
    x = tg.tensor(rng.standard_normal((2, 3, 4)))
    mha.eval()  # no dropout in evaluation: the same output twice
    np.testing.assert_array_equal(mha(x, x, x)[0].numpy(), mha(x, x, x)[0].numpy())
