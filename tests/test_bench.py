"""The benchmark suite's own checks: every framework computes the same numbers, and every
workload runs at tiny sizes. Timings are never asserted."""

from __future__ import annotations

import pytest

from bench import chain, cnn, digits, instructions, memory, mlp, overhead, report, transformer

SMALL_MLP = (12, 8, 6, 5)


def test_overhead_frameworks_agree_on_loss_and_gradients(torch):
    losses = overhead.check(blocks=2, torch=torch)
    assert set(losses) == {"tinygraph", "numpy", "pytorch"}


def test_mlp_first_steps_agree_across_contenders(torch):
    losses = mlp.check(batch=4, torch=torch, sizes=SMALL_MLP)
    assert "pytorch" in losses and "tinygraph (ops)" in losses
    assert len({round(v, 4) for v in losses.values()}) == 1


def test_chain_gradients_agree(torch):
    grads = chain.check(links=50, torch=torch)
    assert set(grads) == {"tinygraph", "numpy", "pytorch"}


def test_transformer_steps_agree_across_contenders(torch):
    """The hand-written NumPy backward, tinygraph and PyTorch give the same first losses."""
    first = transformer.run(steps=3, repeats=1, torch=torch)["first_loss"]
    assert set(first) == {"numpy", "tinygraph", "pytorch"}
    for losses in first.values():
        assert losses == pytest.approx(first["pytorch"], abs=2e-4)
    assert first["numpy"][2] < first["numpy"][0]


def test_check_catches_a_contender_that_disagrees(monkeypatch):
    original = mlp.NumpyMLP.step
    monkeypatch.setattr(mlp.NumpyMLP, "step", lambda self, *b: original(self, *b) + 1.0)
    with pytest.raises(AssertionError, match="numpy losses"):
        mlp.check(batch=4, sizes=SMALL_MLP)


@pytest.fixture(scope="module")
def tiny_results():
    """Every workload at tiny sizes, without PyTorch, shaped as ``python -m bench`` collects."""
    def ok(value):
        return {"threads": 1, "value": value}

    results = {
        "meta": report.machine_info(quick=True),
        "overhead": ok(overhead.run(blocks=1, iterations=2, repeats=2)),
        "mlp-1": ok([mlp.run(batch, steps=2, repeats=1) for batch in (32, 256)]),
        "chain": ok([chain.run(links=20, repeats=2)]),
        "digits": ok(digits.run(epochs=1, repeats=1, example=False)),
        "transformer": ok(transformer.run(steps=2, repeats=1)),
        "cnn": ok(cnn.run(steps=1, repeats=1)),
    }
    for name in ("numpy", "tinygraph (ops)"):
        results[f"memory:{name}"] = ok(memory.measure(name, batch=16, flat_steps=3))
    return results


def test_every_workload_reports_its_phases(tiny_results):
    assert set(tiny_results["overhead"]["value"]["results"]["tinygraph"]) == {
        "fwd", "bwd", "total"}
    (run,) = tiny_results["chain"]["value"]
    assert set(run["results"]["tinygraph"]) == {"fwd", "bwd", "free", "total"}
    for run in tiny_results["mlp-1"]["value"]:
        assert run["results"]["tinygraph (ops)"]["samples_per_s"]["median"] > 0
    mem = tiny_results["memory:tinygraph (ops)"]["value"]
    assert mem["tracemalloc_mib"] > 0 and mem["flat"]["steps"] == 3


def test_report_renders_tables_and_a_verdict_per_target(tiny_results):
    text = report.render(tiny_results)
    for heading in ("## Targets", "## 1.", "## 2.", "## 3.", "## 4.", "## 5.", "## 6."):
        assert heading in text
    assert "per-op forward+backward" in text and "MLP step time at batch 256" in text
    assert "tg/NumPy" in text


def test_report_shows_a_failed_task_instead_of_crashing(tiny_results):
    broken = dict(tiny_results, chain={"threads": 1, "error": "RecursionError: boom"})
    assert "RecursionError: boom" in report.render(broken)


@pytest.mark.parametrize("program", instructions.PROGRAMS)
def test_instruction_count_programs_run_in_every_framework(program, torch):
    for framework in instructions.FRAMEWORKS:
        step, ops = instructions._program(program, framework)
        step()  # what the callgrind runs repeat; counting itself needs valgrind
        assert ops >= 1


def test_cnn_step_agrees_across_contenders(torch):
    """The hand-written NumPy CNN, tinygraph and PyTorch: the same losses and weights over a
    few SGD steps from the same start."""
    weights = cnn.init_weights()
    models = cnn.contenders(weights, torch)
    batches = cnn.make_batches(3)
    losses = {name: [m.step(*b) for b in batches] for name, m in models.items()}
    for name in ("tinygraph", "pytorch"):
        assert losses[name] == pytest.approx(losses["numpy"], rel=1e-4)
    ours = models["tinygraph"].model.state_dict()
    theirs = models["pytorch"].model.state_dict()
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value.numpy(), abs=1e-5)
    mine = models["numpy"].p
    assert ours["0.weight"] == pytest.approx(mine["c1.w"], abs=1e-5)
    assert ours["3.weight"] == pytest.approx(mine["c2.w"], abs=1e-5)
