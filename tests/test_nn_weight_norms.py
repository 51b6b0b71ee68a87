"""nn.utils.weight_norm and spectral_norm (and their removal) against torch: the same
state_dict keys, and from torch's weights and power-iteration vectors the same outputs,
parameter gradients and updated buffers over training steps, in eval mode and after removal."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygraph as tg

CASES = [
    ("weight_norm", lambda nn: nn.Linear(3, 2), (4, 3), {}),
    ("weight_norm", lambda nn: nn.Conv2d(2, 3, 2), (1, 2, 4, 4), {"dim": None}),
    ("spectral_norm", lambda nn: nn.Linear(3, 2), (4, 3), {}),
    ("spectral_norm", lambda nn: nn.Conv2d(2, 3, 2), (1, 2, 4, 4), {"n_power_iterations": 3}),
    ("spectral_norm", lambda nn: nn.ConvTranspose2d(2, 3, 2), (1, 2, 3, 3), {}),
]


@pytest.mark.parametrize("kind, make, shape, kwargs", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_reparametrized_layers_follow_torch(torch, kind, make, shape, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch prefers parametrizations
        theirs = getattr(torch.nn.utils, kind)(make(torch.nn).double(), **kwargs)
    ours = getattr(tg.nn.utils, kind)(make(tg.nn).double(), **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    for _ in range(3):  # training steps: the power iteration moves the buffers
        x = rng.standard_normal(shape)
        ya, yb = ours(tg.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
        (ya ** 2).sum().backward()
        (yb ** 2).sum().backward()
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(),
                                   rtol=1e-9, atol=1e-12, err_msg=name)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-10,
                                   atol=1e-13, err_msg=key)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(tg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    getattr(tg.nn.utils, "remove_" + kind)(ours)
    getattr(torch.nn.utils, "remove_" + kind)(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours(tg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_errors_as_torch():
    layer = tg.nn.utils.weight_norm(tg.nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="two weight_norm"):
        tg.nn.utils.weight_norm(layer)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        tg.nn.utils.remove_spectral_norm(layer)
    with pytest.raises(ValueError, match="n_power_iterations"):
        tg.nn.utils.spectral_norm(tg.nn.Linear(3, 2), n_power_iterations=0)
