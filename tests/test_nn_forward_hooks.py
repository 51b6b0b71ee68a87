"""Module forward hooks as PyTorch's: pre-hooks that see and replace the arguments (with and
without keyword arguments), hooks that see and replace the output, prepend, handles that
remove (also as a with block), always_call, and the feature-extraction idiom run on both."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg


def _net(m):
    m.manual_seed(0)
    return m.nn.Sequential(m.nn.Linear(3, 4), m.nn.ReLU(), m.nn.Linear(4, 2)).double()


def test_feature_extraction_with_a_forward_hook_as_torch(torch):
    theirs = _net(torch)
    ours = _net(tg)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3))
    seen = []
    for m, model in ((tg, ours), (torch, theirs)):
        features = {}
        handle = model[1].register_forward_hook(
            lambda module, args, output, features=features: features.update(
                relu=output.detach().numpy().copy()))
        model(m.tensor(x))
        handle.remove()
        model(m.tensor(x) * 0)  # removed: not seen
        seen.append(features["relu"])
    np.testing.assert_allclose(seen[0], seen[1], rtol=1e-12)


def test_hooks_replace_arguments_and_outputs_in_order(torch):
    for m in (tg, torch):
        layer = m.nn.Identity()
        calls = []
        layer.register_forward_pre_hook(lambda mod, args: (args[0] + 1,))
        layer.register_forward_pre_hook(
            lambda mod, args, calls=calls: calls.append(("pre", args[0].item())))
        layer.register_forward_hook(lambda mod, args, out: out * 10)
        layer.register_forward_hook(
            lambda mod, args, out, calls=calls: calls.append(("post", out.item())), prepend=True)
        assert layer(m.tensor(1.0)).item() == 20.0
        assert calls == [("pre", 2.0), ("post", 2.0)]


def test_keyword_hooks_and_with_blocks(torch):
    for m in (tg, torch):
        class Scale(m.nn.Module):
            def forward(self, x, factor=1.0):
                return x * factor

        layer = Scale()
        with layer.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}),
                                             with_kwargs=True):
            assert layer(m.tensor(2.0)).item() == 6.0
        assert layer(m.tensor(2.0)).item() == 2.0
        got = []
        layer.register_forward_hook(lambda mod, args, kwargs, out, got=got: got.append(kwargs),
                                    with_kwargs=True)
        layer(m.tensor(2.0), factor=5.0)
        assert got == [{"factor": 5.0}]


def test_always_call_hooks_run_when_forward_raises():
    class Broken(tg.nn.Module):
        def forward(self, x):
            raise ValueError("broken")

    layer = Broken()
    got = []
    layer.register_forward_hook(lambda mod, args, out: got.append(out), always_call=True)
    layer.register_forward_hook(lambda mod, args, out: got.append("never"))
    with pytest.raises(ValueError, match="broken"):
        layer(tg.ones(1))
    assert got == [None]


def test_hooks_travel_with_gradients_and_deep_copies():
    import copy

    layer = tg.nn.Linear(2, 2)
    layer.register_forward_hook(lambda mod, args, out: out * 2)
    x = tg.ones(1, 2, requires_grad=True)
    layer(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * layer.weight.numpy().sum(0, keepdims=True),
                               rtol=1e-6)
    twin = copy.deepcopy(layer)
    np.testing.assert_allclose(twin(tg.ones(1, 2)).detach().numpy(),
                               layer(tg.ones(1, 2)).detach().numpy())
    with pytest.raises(TypeError, match="callable"):
        layer.register_forward_hook("not a function")


def _cam_net(m):
    m.manual_seed(0)
    return m.nn.Sequential(m.nn.Conv2d(1, 3, 3, padding=1), m.nn.ReLU(), m.nn.Flatten(),
                           m.nn.Linear(3 * 5 * 5, 2)).double()


def test_grad_cam_reads_a_layers_gradients_with_a_full_backward_hook(torch):
    theirs = _cam_net(torch)
    ours = _cam_net(tg)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 1, 5, 5))
    results = []
    for m, model in ((tg, ours), (torch, theirs)):
        seen = {}
        model[0].register_full_backward_hook(
            lambda mod, gi, go, seen=seen: seen.update(gi=gi, go=go))
        model[0].register_full_backward_pre_hook(
            lambda mod, go, seen=seen: seen.update(pre=go))
        inputs = m.tensor(x, requires_grad=True)
        model(inputs)[:, 1].sum().backward()
        results.append((seen["go"][0].numpy(), seen["gi"][0].numpy(), seen["pre"][0].numpy(),
                        inputs.grad.numpy()))
    for ours_value, theirs_value in zip(*results):
        np.testing.assert_allclose(ours_value, theirs_value, rtol=1e-10, atol=1e-13)


def test_backward_hooks_replace_gradients_as_torch(torch):
    for m in (tg, torch):
        m.manual_seed(0)
        layer = m.nn.Linear(3, 2).double()
        layer.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
        handle = layer.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 10,))
        x = m.ones(1, 3, dtype=m.float64, requires_grad=True)
        layer(x).sum().backward()
        expected = 20 * layer.weight.detach().numpy().sum(0, keepdims=True)
        np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)
        np.testing.assert_allclose(layer.weight.grad.numpy(), 2 * np.ones((2, 3)))
        handle.remove()
        x.grad = None
        layer(x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), expected / 10, rtol=1e-12)


def test_a_full_backward_hook_fires_with_the_outputs_when_no_input_needs_a_gradient():
    layer = tg.nn.Linear(3, 2)
    seen = []
    layer.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go[0].shape)))
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        layer(tg.ones(4, 3)).sum().backward()
    assert seen == [((None,), (4, 2))]
