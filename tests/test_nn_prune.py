"""nn.utils.prune against PyTorch in float64: the masks each method computes, repeated pruning
(PruningContainer), global pruning, importance scores, state_dict keys and loading, remove,
is_pruned, a custom method, the errors, and a prune-then-finetune program on both libraries."""

from __future__ import annotations

import numpy as np
import pytest
from twins import raises_as_torch, same_run, weights

import tinygraph as tg


def _prune(lib):
    import importlib

    return importlib.import_module(lib.__name__ + ".nn.utils.prune")


def _layers(lib, seed=0):
    """A Linear and a Conv2d with distinct random weights, the same on both libraries."""
    rng = np.random.default_rng(seed)
    linear = lib.nn.Linear(6, 4).double()
    conv = lib.nn.Conv2d(3, 5, 3).double()
    for module in (linear, conv):
        module.load_state_dict({k: lib.tensor(rng.normal(size=tuple(v.shape)))
                                for k, v in module.state_dict().items()})
    return linear, conv


def _state(module):
    return {k: np.asarray(v) for k, v in weights(module).items()}


STEPS = {
    "identity": lambda P, lin, conv: P.identity(lin, "weight"),
    "l1 fraction": lambda P, lin, conv: P.l1_unstructured(lin, "weight", amount=0.3),
    "l1 count": lambda P, lin, conv: P.l1_unstructured(conv, "weight", amount=20),
    "l1 zero": lambda P, lin, conv: P.l1_unstructured(lin, "bias", amount=0.0),
    "l1 bias": lambda P, lin, conv: P.l1_unstructured(lin, "bias", amount=1),
    "l2 rows": lambda P, lin, conv: P.ln_structured(lin, "weight", amount=0.5, n=2, dim=0),
    "l1 columns": lambda P, lin, conv: P.ln_structured(lin, "weight", amount=2, n=1, dim=1),
    "linf filters": lambda P, lin, conv: P.ln_structured(conv, "weight", amount=2,
                                                          n=float("inf"), dim=0),
    "l2 channels": lambda P, lin, conv: P.ln_structured(conv, "weight", amount=1, n=2, dim=-3),
    "fro rows": lambda P, lin, conv: P.ln_structured(lin, "weight", amount=1, n="fro", dim=0),
    "custom mask": lambda P, lin, conv: P.custom_from_mask(
        lin, "bias", mask=_tensor_like(lin.bias, [1.0, 0.0, 1.0, 0.0])),
    "importance": lambda P, lin, conv: P.l1_unstructured(
        lin, "weight", amount=5, importance_scores=_tensor_like(
            lin.weight, np.arange(24.0).reshape(4, 6)[::-1].copy())),
    "global l1": lambda P, lin, conv: P.global_unstructured(
        [(lin, "weight"), (conv, "weight"), (conv, "bias")], pruning_method=P.L1Unstructured,
        amount=0.4),
    "global count": lambda P, lin, conv: P.global_unstructured(
        ((lin, "weight"), (lin, "bias")), pruning_method=P.L1Unstructured, amount=7),
}


def _tensor_like(t, values):
    lib = tg if isinstance(t, tg.Tensor) else __import__("torch")
    return lib.tensor(np.asarray(values, dtype=np.float64))


SEQUENCES = [[name] for name in STEPS] + [
    ["l1 fraction", "l2 rows", "l1 count", "l1 columns"],
    ["l2 rows", "l1 fraction", "importance"],
    ["linf filters", "l2 channels", "global l1", "l1 count"],
    ["identity", "global count", "custom mask", "l1 bias"],
    ["fro rows", "l1 zero", "l1 columns"],
    ["global l1", "global l1", "l1 columns"],
]


@pytest.mark.parametrize("steps", SEQUENCES, ids=lambda s: "+".join(s))
def test_masks_state_and_forward_match_torch(torch, steps):
    results = []
    for lib in (torch, tg):
        P = _prune(lib)
        linear, conv = _layers(lib)
        for step in steps:
            STEPS[step](P, linear, conv)
        x = lib.tensor(np.random.default_rng(1).normal(size=(2, 3, 6, 6)))
        out = linear(conv(x).sum((2, 3))[:, :5].repeat(1, 2)[:, :6])
        out.sum().backward()
        grads = {n: p.grad.numpy() for n, p in (*linear.named_parameters(),
                                               *conv.named_parameters())}
        results.append((_state(linear), _state(conv), out.detach().numpy(), grads,
                        P.is_pruned(linear), P.is_pruned(conv)))
    (l_want, c_want, out_want, g_want, *pruned_want), (l_got, c_got, out_got, g_got,
                                                       *pruned_got) = results
    for want, got in ((l_want, l_got), (c_want, c_got)):
        assert list(got) == list(want)  # the state_dict keys, in torch's order
        for key in want:
            np.testing.assert_array_equal(got[key], want[key], err_msg=key)
    np.testing.assert_allclose(out_got, out_want, rtol=1e-12)
    assert list(g_got) == list(g_want)
    for key in g_want:
        np.testing.assert_allclose(g_got[key], g_want[key], rtol=1e-12, err_msg=key)
    assert pruned_got == pruned_want


def test_the_pruned_attribute_follows_the_parameter():
    P = tg.nn.utils.prune
    linear, _ = _layers(tg)
    P.l1_unstructured(linear, "weight", amount=0.5)
    assert isinstance(linear.weight_orig, tg.nn.Parameter)
    assert not isinstance(linear.weight, tg.nn.Parameter)
    assert float((linear.weight == 0).sum()) == 12
    with tg.no_grad():
        linear.weight_orig.mul_(2.0)
    linear(tg.zeros(1, 6, dtype=tg.float64))  # the pre-hook recomputes weight
    np.testing.assert_array_equal(linear.weight.numpy(),
                                  linear.weight_orig.detach().numpy() * linear.weight_mask.numpy())


def test_remove_makes_it_permanent_and_keeps_the_parameter_object(torch):
    for lib in (torch, tg):
        P = _prune(lib)
        linear, _ = _layers(lib)
        orig = linear.weight
        P.l1_unstructured(linear, "weight", amount=0.5)
        assert linear.weight_orig is orig
        P.ln_structured(linear, "weight", amount=1, n=2, dim=0)
        P.remove(linear, "weight")
        assert linear.weight is orig and isinstance(orig, lib.nn.Parameter)
        assert [n for n, _ in linear.named_parameters()] == ["bias", "weight"]
        assert [n for n, _ in linear.named_buffers()] == []
        assert not P.is_pruned(linear)
        assert int((orig == 0).sum()) >= 12


def test_pruning_container_and_forward_pre_hooks(torch):
    for lib in (torch, tg):
        P = _prune(lib)
        linear, _ = _layers(lib)
        P.l1_unstructured(linear, "weight", amount=0.2)
        P.ln_structured(linear, "weight", amount=1, n=2, dim=0)
        P.random_unstructured(linear, "bias", amount=1)
        hooks = list(linear._forward_pre_hooks.values())
        container = next(h for h in hooks if h._tensor_name == "weight")
        assert isinstance(container, P.PruningContainer) and len(container) == 2
        assert [type(m).__name__ for m in container] == ["L1Unstructured", "LnStructured"]
        assert isinstance(container[1], P.LnStructured) and container[1].dim == 0
        with pytest.raises(ValueError, match="Can only add pruning methods acting on"):
            method = P.L1Unstructured(0.1)
            method._tensor_name = "bias"
            container.add_pruning_method(method)
        with pytest.raises(TypeError, match="is not a BasePruningMethod subclass"):
            container.add_pruning_method(3)


def test_random_methods_prune_the_right_counts(torch):
    for lib in (torch, tg):
        P = _prune(lib)
        lib.manual_seed(0)
        linear, conv = _layers(lib)
        P.random_unstructured(linear, "weight", amount=0.25)
        assert int((linear.weight_mask == 0).sum()) == 6
        P.random_unstructured(linear, "weight", amount=3)  # 3 more among the kept ones
        assert int((linear.weight_mask == 0).sum()) == 9
        P.random_structured(conv, "weight", amount=2, dim=0)
        dead = (conv.weight_mask.sum((1, 2, 3)) == 0)
        assert int(dead.sum()) == 2
        P.random_structured(conv, "weight", amount=0.4, dim=0)  # round(0.4 * 3) = 1 of the 3 kept
        assert int((conv.weight_mask.sum((1, 2, 3)) == 0).sum()) == 3


def test_a_custom_pruning_method(torch):
    # PyTorch's tutorial: a method of one's own, applied through BasePruningMethod.apply
    code = """
P = __import__(torch.__name__ + ".nn.utils.prune", fromlist=["x"])

class EveryOther(P.BasePruningMethod):
    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        mask = default_mask.clone()
        mask.view(-1)[::2] = 0
        return mask

layer = torch.nn.Linear(3, 4).double()
with torch.no_grad():
    layer.weight.copy_(torch.arange(12.0, dtype=torch.float64).reshape(4, 3) - 5)
P.l1_unstructured(layer, "weight", amount=3)
EveryOther.apply(layer, "weight")
r = (layer.weight, layer.weight_mask)
"""
    from twins import run_code

    want, got = run_code(torch, code), run_code(tg, code)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_pruned_state_dict_loads_from_torch(torch):
    theirs, _ = _layers(torch)
    torch.nn.utils.prune.l1_unstructured(theirs, "weight", amount=0.5)
    ours = tg.nn.Linear(6, 4).double()
    tg.nn.utils.prune.identity(ours, "weight")
    ours.load_state_dict({k: tg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(2).normal(size=(3, 6))
    np.testing.assert_allclose(ours(tg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)


_SETUP = ("P = __import__(torch.__name__ + '.nn.utils.prune', fromlist=['x'])\n"
          "m = torch.nn.Linear(3, 4)\n")
ERRORS = {
    "negative count": "P.l1_unstructured(m, 'weight', amount=-1)",
    "fraction above 1": "P.l1_unstructured(m, 'weight', amount=1.5)",
    "string amount": "P.l1_unstructured(m, 'weight', amount='half')",
    "count above size": "P.l1_unstructured(m, 'weight', amount=13)",
    "structured on a vector": "P.ln_structured(m, 'bias', amount=1, n=2, dim=0)",
    "structured dim out of range": "P.ln_structured(m, 'weight', amount=1, n=2, dim=2)",
    "random structured too many": "P.random_structured(m, 'weight', amount=5, dim=0)",
    "remove before pruning": "P.remove(m, 'weight')",
    "fro over 3 dims": "P.ln_structured(torch.nn.Conv2d(2, 3, 2), 'weight', amount=1, "
                       "n='fro', dim=0)",
    "unknown name": "P.l1_unstructured(m, 'kernel', amount=1)",
    "global structured": "P.global_unstructured([(m, 'weight')], "
                         "pruning_method=P.LnStructured, amount=1, n=2, dim=0)",
    "global not iterable": "P.global_unstructured(3, pruning_method=P.L1Unstructured, "
                           "amount=1)",
    "global scores not a dict": "P.global_unstructured([(m, 'weight')], "
                                "pruning_method=P.L1Unstructured, importance_scores=[1], "
                                "amount=1)",
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_as_torch(torch, case):
    raises_as_torch(torch, _SETUP + ERRORS[case])


def test_a_failed_pruning_leaves_the_parameter_in_place():
    P = tg.nn.utils.prune
    m = tg.nn.Linear(3, 4)
    with pytest.raises(ValueError, match="amount=13 should be smaller than the number of "
                                         "parameters to prune=12"):
        P.l1_unstructured(m, "weight", amount=13)
    assert [n for n, _ in m.named_parameters()] == ["bias", "weight"]
    assert not P.is_pruned(m)


# -- a program: prune a small classifier, then fine-tune it -------------------------------

def _prune_finetune_run(lib):
    P = _prune(lib)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.normal(size=(32, 8)))
    y = lib.tensor((rng.normal(size=32) > 0).astype(np.int64))
    model = lib.nn.Sequential(lib.nn.Linear(8, 16), lib.nn.ReLU(), lib.nn.Linear(16, 2))
    model = model.double()
    model.load_state_dict({k: lib.tensor(rng.normal(size=tuple(v.shape)) * 0.4)
                           for k, v in model.state_dict().items()})
    P.global_unstructured([(model[0], "weight"), (model[2], "weight")],
                          pruning_method=P.L1Unstructured, amount=0.3)
    P.ln_structured(model[0], "weight", amount=3, n=1, dim=0)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    losses = []
    for _ in range(8):
        optimizer.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    zeros = [int((model[0].weight == 0).sum()), int((model[2].weight == 0).sum())]
    P.remove(model[0], "weight")
    P.remove(model[2], "weight")
    return losses, zeros, weights(model)


def test_prune_then_finetune_as_torch(torch):
    ours, theirs = _prune_finetune_run(tg), _prune_finetune_run(torch)
    assert ours[0][-1] < ours[0][0] and min(ours[1]) > 0
    same_run(ours, theirs)
