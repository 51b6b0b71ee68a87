"""The activations composed of graph ops (nn/composed_activations.py) against PyTorch:
function and Module forms, values, gradients and second derivatives in float64 (points away
from the kinks), in-place forms, reprs, PReLU's learned weight and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

FUNCTIONS = [
    ("relu6", {}), ("hardsigmoid", {}), ("hardswish", {}), ("selu", {}), ("celu", {}),
    ("celu", {"alpha": 0.5}), ("mish", {}), ("logsigmoid", {}), ("softsign", {}),
    ("tanhshrink", {}), ("softshrink", {}), ("softshrink", {"lambd": 1.2}), ("hardshrink", {}),
    ("threshold", {"threshold": 0.3, "value": -2.0}), ("glu", {}), ("glu", {"dim": 0}),
    ("softmin", {"dim": 1}),
]
MODULES = [
    ("ReLU6", {}), ("Hardsigmoid", {}), ("Hardswish", {}), ("SELU", {}), ("CELU", {"alpha": 2.0}),
    ("Mish", {}), ("LogSigmoid", {}), ("Softsign", {}), ("Tanhshrink", {}), ("Softshrink", {}),
    ("Hardshrink", {"lambd": 0.25}), ("Threshold", {"threshold": 0.1, "value": 20.0}),
    ("GLU", {"dim": 1}), ("Softmin", {"dim": 0}), ("Softmax2d", {}), ("ReLU6", {"inplace": True}),
    ("Threshold", {"threshold": 0.1, "value": 20.0, "inplace": True}), ("PReLU", {}),
    ("PReLU", {"num_parameters": 4, "init": 0.1}),
]


def _values(shape=(2, 4, 6)):
    """Points away from every kink (0, +-0.5, +-3, 6, the thresholds): a grid shifted off them."""
    x = np.linspace(-7.3, 7.1, int(np.prod(shape))).reshape(shape)
    return x + 0.0137


# PyTorch has no second derivative of these ("derivative for aten::hardsigmoid_backward is
# not implemented"): their first derivatives are compared, ours is checked by gradgradcheck.
FIRST_ONLY = {"hardsigmoid", "Hardsigmoid"}


def _compare(ours, theirs, x, second: bool = True):
    xs = (tg.tensor(x, requires_grad=True), _torch_tensor(theirs, x))
    results = [f(v) for f, v in zip((ours, theirs[0]), xs)]
    np.testing.assert_allclose(results[0].detach().numpy(), results[1].detach().numpy(),
                               rtol=1e-9, atol=1e-12)
    grads = []
    for m, v, y in zip((tg, theirs[1]), xs, results):
        (g,) = m.autograd.grad((y * y * y).sum(), v, create_graph=second)
        gg = m.autograd.grad((g * g).sum(), v)[0].numpy() if second else None
        grads.append((g.detach().numpy(), gg))
    rtol = 1e-8
    if not second:
        assert tg.gradgradcheck(ours, (tg.tensor(x.reshape(-1)[16:28], requires_grad=True),))
        grads = [pair[:1] for pair in grads]
        rtol = 1e-7  # torch's hardsigmoid backward multiplies by 1/6 rounded to float32
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-10)


def _torch_tensor(theirs, x):
    return theirs[1].tensor(x, requires_grad=True)


@pytest.mark.parametrize("name, kwargs", FUNCTIONS, ids=[f"{n}-{k}" for n, k in FUNCTIONS])
def test_functions_match_torch_to_second_derivatives(torch, name, kwargs):
    ours = getattr(tg.nn.functional, name)
    theirs = getattr(torch.nn.functional, name)
    _compare(lambda x: ours(x, **kwargs), (lambda x: theirs(x, **kwargs), torch), _values(),
             name not in FIRST_ONLY)


@pytest.mark.parametrize("name, kwargs", MODULES, ids=[f"{n}-{k}" for n, k in MODULES])
def test_modules_match_torch(torch, name, kwargs):
    ours = getattr(tg.nn, name)(**kwargs).double()
    theirs = getattr(torch.nn, name)(**kwargs).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key], value.numpy())
    x = _values()
    if kwargs.get("inplace"):  # on a non-leaf, as torch requires
        a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yb = ours(a * 1.0), theirs(b * 1.0)
        np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-12)
        ya.sum().backward()
        yb.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)
        return
    _compare(ours, (theirs, torch), x, name not in FIRST_ONLY)


def test_prelu_learns_its_weight_as_torch(torch):
    ours, theirs = tg.nn.PReLU(4).double(), torch.nn.PReLU(4).double()
    x = _values()
    ya, yb = ours(tg.tensor(x)), theirs(torch.tensor(x))
    (ya * ya).sum().backward()
    (yb * yb).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("call", [
    lambda m: m.nn.functional.glu(m.ones(3, 5)),
    lambda m: m.nn.functional.prelu(m.ones(2, 3), m.ones(4)),
    lambda m: m.nn.functional.softshrink(m.ones(3), -1.0),
])
def test_errors_are_torchs(torch, call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(theirs.type):
        call(tg)
