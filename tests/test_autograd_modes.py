"""Grad modes as PyTorch's: set_grad_enabled as a plain call, a context manager and a decorator;
inference_mode; decorated generators; anomaly mode's switches; all per thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinygraph as tg


def leaf():
    return tg.tensor(np.array([1.0, 2.0]), requires_grad=True)


def test_the_names_are_top_level_and_in_autograd():
    for name in ["set_grad_enabled", "inference_mode", "is_inference_mode_enabled", "no_grad",
                 "enable_grad", "is_grad_enabled", "grad", "backward", "gradcheck",
                 "gradgradcheck", "detect_anomaly", "set_detect_anomaly"]:
        assert getattr(tg, name) is getattr(tg.autograd, name), name


def test_set_grad_enabled_every_form_as_torch(torch):
    for lib in (tg, torch):
        x = lib.tensor(np.array([1.0]), requires_grad=True)
        lib.set_grad_enabled(False)  # a plain call switches at once
        try:
            assert not lib.is_grad_enabled() and not (x * 2).requires_grad
            with lib.set_grad_enabled(True):
                assert (x * 2).requires_grad
            assert not lib.is_grad_enabled()  # the mode before the with is back
        finally:
            lib.set_grad_enabled(True)
        with lib.set_grad_enabled(False):
            assert not (x * 2).requires_grad
        assert lib.is_grad_enabled()

        @lib.set_grad_enabled(False)
        def evaluate(t):
            return (t * 2).requires_grad

        assert lib.is_grad_enabled()  # decorating does not switch the mode
        assert evaluate(x) is False and lib.is_grad_enabled()
        with pytest.raises(TypeError, match="bool"):
            lib.set_grad_enabled(1)
        assert lib.is_grad_enabled()


def check_inference_mode(lib):
    x = lib.tensor(np.array([1.0]), requires_grad=True)
    with lib.inference_mode():
        assert lib.is_inference_mode_enabled() and not lib.is_grad_enabled()
        assert not (x * 2).requires_grad
        with lib.inference_mode(False):  # grad back on, inference off
            assert lib.is_grad_enabled() and not lib.is_inference_mode_enabled()
    with lib.no_grad(), lib.inference_mode(mode=False):
        assert lib.is_grad_enabled()
    assert lib.is_grad_enabled() and not lib.is_inference_mode_enabled()

    @lib.inference_mode
    def bare(t):
        return (t * 2).requires_grad, lib.is_inference_mode_enabled()

    @lib.inference_mode()
    def called(t):
        return (t * 2).requires_grad

    assert bare(x) == (False, True) and called(x) is False
    assert lib.is_grad_enabled()


def test_inference_mode_as_torch(torch):
    check_inference_mode(tg)
    check_inference_mode(torch)


def check_generators(lib):
    @lib.no_grad()
    def steps():
        for _ in range(2):
            yield lib.is_grad_enabled()

    generator = steps()
    assert next(generator) is False
    assert lib.is_grad_enabled()  # the caller's mode between steps
    assert list(generator) == [False]

    @lib.set_grad_enabled(False)
    def values():
        received = yield lib.is_grad_enabled()
        yield received

    generator = values()
    assert next(generator) is False
    assert generator.send("sent") == "sent"


def test_decorated_generators_run_each_step_in_the_mode_as_torch(torch):
    check_generators(tg)
    check_generators(torch)


def test_generator_close_and_throw_run_inside_the_mode():
    seen = []

    @tg.no_grad()
    def watcher():
        try:
            yield 1
        except ValueError:
            seen.append(("throw", tg.is_grad_enabled()))
            yield 2
        finally:
            seen.append(("close", tg.is_grad_enabled()))

    generator = watcher()
    next(generator)
    assert generator.throw(ValueError("x")) == 2
    generator.close()
    assert seen == [("throw", False), ("close", False)] and tg.is_grad_enabled()


def test_a_decorator_given_something_else_than_a_function_says_so():
    with pytest.raises(TypeError, match="no_grad: a decorator takes a function"):
        tg.no_grad()(3)


def test_set_grad_enabled_is_per_thread():
    results = {}

    def worker():
        tg.set_grad_enabled(False)
        results["worker"] = tg.is_grad_enabled()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert results["worker"] is False and tg.is_grad_enabled()


def test_anomaly_switches_as_torch(torch):
    for lib in (tg, torch):
        assert not lib.is_anomaly_enabled()
        with lib.autograd.detect_anomaly(check_nan=False):
            assert lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
        with lib.autograd.set_detect_anomaly(True):
            assert lib.is_anomaly_enabled() and lib.is_anomaly_check_nan_enabled()
            with lib.autograd.set_detect_anomaly(False):
                assert not lib.is_anomaly_enabled()
            assert lib.is_anomaly_enabled()
        assert not lib.is_anomaly_enabled()
        lib.autograd.set_detect_anomaly(True)  # a plain call
        assert lib.is_anomaly_enabled()
        lib.autograd.set_detect_anomaly(False)
        assert not lib.is_anomaly_enabled()


def test_detect_anomaly_without_check_nan_keeps_lines_but_lets_nan_through():
    x = tg.tensor(np.array([0.0]), requires_grad=True)
    with tg.autograd.detect_anomaly(check_nan=False):
        y = x.sqrt()
        assert y.grad_fn.site is not None  # the creation line is kept
        (y * 0).sum().backward()  # 0 * inf: NaN, not raised
    assert np.isnan(x.grad.numpy()).all()
    with tg.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="NaN or Inf"):
            (x.sqrt() * 0).sum().backward()


def test_turning_anomaly_mode_off_stops_keeping_lines_unless_record_inputs_asked():
    tg.autograd.set_detect_anomaly(True)
    tg.autograd.set_detect_anomaly(False)
    assert (leaf() * 2).grad_fn.site is None
    with tg.debug.record_inputs():
        with tg.autograd.set_detect_anomaly(False):
            assert (leaf() * 2).grad_fn.site is not None
    assert (leaf() * 2).grad_fn.site is None
