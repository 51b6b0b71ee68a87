"""tg.testing (assert_close with torch's tolerances, containers and messages; make_tensor) and
tg.jit (script/trace run the eager model; decorators; save/load refuse with directions)."""

from __future__ import annotations

import typing

import numpy as np
import pytest
from twins import randomize

import tinygraph as tg

# (actual, expected, keyword arguments): built per library by `_case`
CASES = [
    ("t([1., 2., 3.])", "t([1., 2.5, 3.])", {}),
    ("t([[1., 2.], [3., 4.]], dtype=d)", "t([[1., 2.], [3., 5.]], dtype=d)", {}),
    ("t([1., 2., 3., 4.])", "t([1., 2., 30., -4.])", {}),
    ("t([1, 2])", "t([1, 3])", {}),
    ("t([True])", "t([False])", {}),
    ("t([1., 2.])", "t([1., 2.], dtype=d)", {}),
    ("t([1., 2.])", "t([1., 2.], dtype=d)", {"check_dtype": False}),
    ("t([1., 2.])", "t([1, 2])", {"check_dtype": False}),
    ("t([1., 2.])", "t([1., 2., 3.])", {}),
    ("t(1.)", "t([1.])", {}),
    ("t(1.)", "1.0", {}),
    ("t([1.])", "np.array([1.])", {}),
    ("t([1.])", "[1.]", {}),
    ("1.0", "1.0 + 1e-9", {}),
    ("1.0", "1.1", {}),
    ("1", "2", {}),
    ("1", "1.0", {}),
    ("True", "False", {}),
    ("1 + 1j", "1 + 1j", {}),
    ("None", "None", {}),
    ("'a'", "'a'", {}),
    ("[t(1.), t(2.)]", "[t(1.), t(2.1)]", {}),
    ("(1, 2)", "[1, 2]", {}),
    ("[1.0]", "[1.0, 2.0]", {}),
    ("{'a': t(1.)}", "{'a': t(1.5)}", {}),
    ("{'a': t(1.)}", "{'b': t(1.)}", {}),
    ("{'a': [t(1.), {'b': t([1., 2.])}]}", "{'a': [t(1.), {'b': t([1., 3.])}]}", {}),
    ("np.array([1., 2.])", "np.array([1., 2.1])", {}),
    ("t([float('nan')])", "t([float('nan')])", {}),
    ("t([float('nan')])", "t([float('nan')])", {"equal_nan": True}),
    ("t([float('inf')])", "t([float('inf')])", {}),
    ("t([0.])", "t([1.])", {}),
    ("t([0., 1.])", "t([1e-6, 1.])", {}),
    ("t([1.])", "t([1.1])", {"rtol": 0.2, "atol": 0}),
    ("t([1.])", "t([1.1])", {"rtol": 0.2}),
    ("t([1.])", "t([1.1])", {"atol": 0.2}),
    ("t([1.])", "t([1.1])", {"msg": "custom"}),
    ("t([1., 2.], dtype=torch.float16)", "t([1., 2.001], dtype=torch.float16)", {}),
    ("t([1., 2.], dtype=torch.float16)", "t([1., 2.01], dtype=torch.float16)", {}),
    ("torch.ones(2, 3)", "torch.ones(3, 2).t()", {}),
    ("torch.ones(2, 3)", "torch.ones(3, 2).t()", {"check_stride": True}),
    ("t([1.], requires_grad=True)", "t([1.])", {}),
    ("torch.zeros(0)", "torch.zeros(0)", {}),
    ("t([1., 2.], dtype=d)", "t([1. + 1e-8, 2.], dtype=d)", {}),
    ("t([1., 2.], dtype=d)", "t([1. + 1e-6, 2.], dtype=d)", {}),
]


def _outcome(lib, actual, expected, kwargs):
    env = {"torch": lib, "np": np, "t": lib.tensor, "d": lib.float64}
    try:
        lib.testing.assert_close(eval(actual, env), eval(expected, env), **kwargs)
    except Exception as error:  # noqa: BLE001 - the error is what is compared
        return type(error), str(error)
    return None, None


def _as_tinygraph(message: str) -> str:
    return (message.replace("torch.Size", "tg.Size").replace("torch.float", "tg.float")
            .replace("<class 'torch.Tensor'>", "<class 'tinygraph.tensor.Tensor'>"))


@pytest.mark.parametrize(("actual", "expected", "kwargs"), CASES)
def test_assert_close_as_torch(torch, actual, expected, kwargs):
    theirs = _outcome(torch, actual, expected, kwargs)
    ours = _outcome(tg, actual, expected, kwargs)
    assert ours[0] is theirs[0], (ours, theirs)
    if theirs[1] is not None:
        assert ours[1] == _as_tinygraph(theirs[1])


def test_assert_close_message_callable_and_paths():
    with pytest.raises(AssertionError) as error:
        tg.testing.assert_close(tg.tensor([1.0]), tg.tensor([1.5]), msg=lambda m: "X: " + m)
    assert str(error.value).startswith("X: Tensor-likes are not close!")
    with pytest.raises(AssertionError, match=r"The failure occurred for item \[1\]\['w'\]"):
        tg.testing.assert_close([1, {"w": tg.ones(2)}], [1, {"w": tg.zeros(2)}])
    tg.testing.assert_close({"w": tg.ones(2, dtype=tg.float64)},
                            {"w": tg.ones(2, dtype=tg.float64) + 5e-8})


def test_make_tensor(torch):
    for lib in (tg, torch):
        make = lib.testing.make_tensor
        assert tuple(make((2, 3), dtype=lib.float32, device="cpu").shape) == (2, 3)
        assert tuple(make(2, 3, dtype=lib.float32, device="cpu").shape) == (2, 3)
        ints = make(200, dtype=lib.int64, device="cpu")
        assert ints.dtype == lib.int64
        assert bool((ints >= -9).all()) and bool((ints < 10).all())
        floats = make(200, dtype=lib.float64, device="cpu", low=-1, high=1)
        assert floats.dtype == lib.float64
        assert bool((floats >= -1).all()) and bool((floats < 1).all())
        assert make(3, dtype=lib.bool, device="cpu").dtype == lib.bool
        assert make(2, dtype=lib.float32, device="cpu", requires_grad=True).requires_grad
        assert bool((make(100, dtype=lib.int64, device="cpu", exclude_zero=True) != 0).all())
        with pytest.raises(ValueError, match="`low` must be less than `high`"):
            make(2, dtype=lib.float32, device="cpu", low=2, high=1)
        with pytest.raises(TypeError):
            make(2, dtype=lib.float32)


# -- tg.jit ---------------------------------------------------------------------------------

def _jit_program(lib):
    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(3, 2)
            self.scale = 2.0

        def forward(self, x):
            if lib.jit.is_scripting() or lib.jit.is_tracing():
                pass
            y = lib.jit.annotate(lib.Tensor, self.fc(x))
            return self.helper(y) * self.scale

        @lib.jit.export
        def helper(self, y):
            return lib.relu(y)

        @lib.jit.ignore
        def debug(self, y):
            return y.tolist()

        @lib.jit.unused
        def never(self, y):
            return y

    model = Block().double()
    randomize(lib, model, seed=1)
    x = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3))
    scripted = lib.jit.script(model)
    traced = lib.jit.trace(model, example_inputs=(x,))
    traced_fn = lib.jit.trace(lambda a: a.exp() + 1, (x,))
    out = scripted(x) + traced(x)
    out.sum().backward()
    return [out.detach().numpy(), traced_fn(x).numpy(), model.fc.weight.grad.numpy(),
            lib.jit.is_scripting(), lib.jit.is_tracing()]


def test_jit_runs_the_eager_model(torch):
    ours, theirs = _jit_program(tg), _jit_program(torch)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert ours[3:] == theirs[3:] == [False, False]


def test_jit_returns_what_it_is_given():
    model = tg.nn.Linear(2, 2)
    assert tg.jit.script(model) is model
    assert tg.jit.trace(model, tg.ones(1, 2)) is model
    assert tg.jit.freeze(model) is model and tg.jit.optimize_for_inference(model) is model

    def fn(x):
        return x

    assert tg.jit.script(fn) is fn and tg.jit.ignore(fn) is fn
    assert tg.jit.ignore(drop=True)(fn) is fn and tg.jit.unused(fn) is fn
    assert tg.jit.annotate(list, [1]) == [1]
    assert tg.jit.Attribute(3, int) == 3
    assert tg.jit.Final is typing.Final


def test_jit_save_and_load_refuse_with_directions(tmp_path):
    for call in (lambda: tg.jit.save(tg.nn.Linear(2, 2), tmp_path / "m.pt"),
                 lambda: tg.jit.load(tmp_path / "m.pt")):
        with pytest.raises(RuntimeError, match=r"tg\.save\(model\.state_dict\(\)"):
            call()
    with pytest.raises(NotImplementedError, match="torch.jit.fork is not implemented"):
        tg.jit.fork  # noqa: B018 - the attribute access is the test


def test_assert_allclose_is_deprecated_as_torch(torch):
    for lib in (tg, torch):
        with pytest.warns(FutureWarning, match="assert_close"):
            lib.testing.assert_allclose(lib.tensor([1.0, float("nan")]),
                                        [1.0, float("nan")])
        with pytest.warns(FutureWarning), pytest.raises(AssertionError, match="not close"):
            lib.testing.assert_allclose([1.0, 2.0], [1.0, 3.0])


def test_jit_knobs_are_accepted():
    with tg.jit.optimized_execution(False), tg.jit.fuser("fuser1"):
        assert tg.jit.onednn_fusion_enabled() is False
    tg.jit.enable_onednn_fusion(True)
    assert tg.jit.set_fusion_strategy([("STATIC", 2)]) == [("STATIC", 2)]
