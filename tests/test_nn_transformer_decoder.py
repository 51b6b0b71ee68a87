"""TransformerDecoderLayer and TransformerDecoder against PyTorch: the same state_dict keys,
and from torch's weights the same outputs and gradients (float64) post-norm and pre-norm,
batch-first or not, with causal and padding masks."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

CASES = [{}, {"norm_first": True, "batch_first": True, "activation": "gelu"}]


def _pair(torch, layers=2, **kwargs):
    theirs = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0, **kwargs),
        layers, norm=torch.nn.LayerNorm(8)).double()
    ours = tg.nn.TransformerDecoder(
        tg.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0, **kwargs),
        layers, norm=tg.nn.LayerNorm(8)).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("kwargs", CASES, ids=["post-norm", "pre-norm-batch-first-gelu"])
def test_decoder_matches_torch_with_masks(torch, kwargs):
    ours, theirs = _pair(torch, **kwargs)
    rng = np.random.default_rng(0)
    first = kwargs.get("batch_first", False)
    tgt = rng.standard_normal((2, 5, 8) if first else (5, 2, 8))
    memory = rng.standard_normal((2, 7, 8) if first else (7, 2, 8))
    causal = torch.nn.Transformer.generate_square_subsequent_mask(5).double()
    padding = np.zeros((2, 7), bool)
    padding[1, 5:] = True
    results = []
    for m, model in ((tg, ours), (torch, theirs)):
        inputs = [m.tensor(tgt, requires_grad=True), m.tensor(memory, requires_grad=True)]
        y = model(*inputs, tgt_mask=m.tensor(causal.numpy()), tgt_is_causal=True,
                  memory_key_padding_mask=m.tensor(padding))
        (y ** 2).sum().backward()
        results.append((y.detach().numpy(), inputs[0].grad.numpy(), inputs[1].grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-8, atol=1e-12,
                                   err_msg=name)


def test_decoder_layers_are_independent_copies():
    layer = tg.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)
    decoder = tg.nn.TransformerDecoder(layer, 3)
    weights = [block.linear1.weight for block in decoder.layers]
    assert len({id(w) for w in weights}) == 3 and all(w is not layer.linear1.weight
                                                      for w in weights)


@pytest.mark.parametrize("kwargs", [{}, {"batch_first": True, "norm_first": True}],
                         ids=["default", "batch-first-pre-norm"])
def test_transformer_matches_torch(torch, kwargs):
    theirs = torch.nn.Transformer(8, 2, 2, 2, 16, dropout=0.0, **kwargs).double()
    ours = tg.nn.Transformer(8, 2, 2, 2, 16, dropout=0.0, **kwargs).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(1)
    first = kwargs.get("batch_first", False)
    src = rng.standard_normal((2, 6, 8) if first else (6, 2, 8))
    tgt = rng.standard_normal((2, 4, 8) if first else (4, 2, 8))
    results = []
    for m, model in ((tg, ours), (torch, theirs)):
        mask = m.nn.Transformer.generate_square_subsequent_mask(4, dtype=m.float64)
        inputs = [m.tensor(src, requires_grad=True), m.tensor(tgt, requires_grad=True)]
        y = model(*inputs, tgt_mask=mask)
        (y ** 2).sum().backward()
        results.append((y.detach().numpy(), inputs[0].grad.numpy(), inputs[1].grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_transformer_init_mask_and_errors_as_torch(torch):
    mask = tg.nn.Transformer.generate_square_subsequent_mask(3)
    np.testing.assert_array_equal(
        mask.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(3).numpy())
    assert mask.dtype == tg.float32
    model = tg.nn.Transformer(8, 2, 1, 1, 16)
    bound = np.sqrt(6 / (8 + 24))  # Xavier-uniform of the (24, 8) in_proj_weight
    weight = model.encoder.layers[0].self_attn.in_proj_weight.numpy()
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.8 * bound
    for call in (lambda m: m(tg.randn(5, 2, 8), tg.randn(3, 3, 8)),
                 lambda m: m(tg.randn(5, 2, 8), tg.randn(3, 2, 6))):
        with pytest.raises(RuntimeError, match="Transformer"):
            call(model)
