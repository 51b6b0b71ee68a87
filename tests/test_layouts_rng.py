"""Memory formats, layouts, ``tg.dtype`` and the RNG state functions, as PyTorch 2.13 has
them: the same results and refusals (tinygraph keeps its C layout: strides are not compared)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from twins import raises_as_torch, run_code

import tinygraph as tg

SAME_RESULT = [
    "r = x.contiguous(memory_format=torch.preserve_format).shape",
    "r = x.contiguous(memory_format=torch.contiguous_format).shape",
    "r = torch.ones(1, 2, 3, 3).contiguous(memory_format=torch.channels_last).sum().item()",
    "r = torch.ones(1, 2, 3, 3).to(memory_format=torch.channels_last).shape",
    "r = str(torch.ones(1, 2, 3, 3).to(torch.float64, memory_format=torch.channels_last).dtype)"
    ".split('float')[-1]",
    "r = torch.ones(1, 1, 2, 2, 2).clone(memory_format=torch.channels_last_3d).shape",
    "r = torch.randn_like(torch.ones(1, 2, 3, 3), memory_format=torch.channels_last).shape",
    "r = torch.zeros_like(torch.ones(1, 2, 3, 3), memory_format=torch.channels_last).sum().item()",
    "r = torch.empty(1, 2, 3, 3, memory_format=torch.channels_last).shape",
    "r = torch.full_like(x, 2.0, memory_format=torch.preserve_format).sum().item()",
    "r = type(torch.nn.Conv2d(2, 2, 1).to(memory_format=torch.channels_last)).__name__",
    "r = type(torch.nn.Linear(2, 2).to(memory_format=torch.channels_last)).__name__",
    "r = isinstance(torch.float32, torch.dtype) and isinstance(x.dtype, torch.dtype)",
    "r = x.layout == torch.strided and isinstance(torch.strided, torch.layout)",
    "r = isinstance(torch.channels_last, torch.memory_format)",
    "r = torch.channels_last == torch.channels_last != torch.contiguous_format",
]

# is_contiguous(memory_format=...) of tensors nobody reordered
CONTIGUITY = [
    "r = x.is_contiguous(memory_format=torch.channels_last)",
    "r = torch.ones(1, 2, 3, 3).is_contiguous(memory_format=torch.channels_last)",
    "r = torch.ones(1, 1, 3, 3).is_contiguous(memory_format=torch.channels_last)",
    "r = torch.ones(4, 3, 1, 1).is_contiguous(memory_format=torch.channels_last)",
    "r = torch.ones(1, 2, 3, 3, 3).is_contiguous(memory_format=torch.channels_last_3d)",
    "r = torch.ones(1, 2, 1, 1, 1).is_contiguous(memory_format=torch.channels_last_3d)",
    "r = torch.ones(1, 2, 3, 3).is_contiguous(memory_format=torch.contiguous_format)",
    "r = torch.ones(1, 2, 3, 3).transpose(2, 3).is_contiguous()",
]

REFUSED = [
    "x.contiguous(memory_format=torch.channels_last)",
    "x.to(memory_format=torch.channels_last)",
    "x.clone(memory_format=torch.channels_last)",
    "torch.empty_like(x, memory_format=torch.channels_last)",
    "torch.zeros_like(x, memory_format=torch.channels_last)",
    "torch.ones_like(x, memory_format=torch.channels_last_3d)",
    "torch.rand_like(x, memory_format=torch.channels_last)",
    "torch.empty(2, 3, memory_format=torch.channels_last)",
    "x.contiguous(memory_format=1)",
    "torch.nn.Linear(2, 2).to(memory_format='channels_last')",
    "torch.memory_format()",
    "torch.set_rng_state(torch.ones(3))",
    "torch.set_rng_state([1, 2])",
    "torch.Generator().set_state(torch.ones(2))",
]


def _code(snippet: str) -> str:
    return "x = torch.ones(2, 3)\n" + snippet


@pytest.mark.parametrize("snippet", SAME_RESULT + CONTIGUITY)
def test_same_result_as_torch(torch, snippet):
    assert run_code(tg, _code(snippet)) == run_code(torch, _code(snippet)), snippet


@pytest.mark.parametrize("snippet", REFUSED)
def test_refused_as_torch(torch, snippet):
    raises_as_torch(torch, _code(snippet))


def test_channels_last_rank_error_names_the_fix():
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last"):
        tg.ones(2, 3).contiguous(memory_format=tg.channels_last)
    assert repr(tg.channels_last) == "tg.channels_last" and repr(tg.strided) == "tg.strided"


def test_rng_state_round_trip():
    state = tg.get_rng_state()
    assert state.dtype == tg.uint8 and state.ndim == 1
    first = tg.rand(5).tolist()
    tg.set_rng_state(state)
    assert tg.rand(5).tolist() == first
    generator = tg.Generator().manual_seed(3)
    saved = generator.get_state()
    draws = tg.randn(4, generator=generator).tolist()
    generator.set_state(saved.clone())
    assert tg.randn(4, generator=generator).tolist() == draws


def test_rng_state_survives_save_and_load():
    state = tg.get_rng_state()
    buffer = io.BytesIO()
    tg.save({"rng": state, "epoch": 3}, buffer)
    first = tg.rand(3).tolist()
    buffer.seek(0)
    tg.set_rng_state(tg.load(buffer)["rng"])
    assert tg.rand(3).tolist() == first


def test_foreign_state_refused():
    with pytest.raises(RuntimeError, match="not a generator state"):
        tg.set_rng_state(tg.tensor([1, 2, 3], dtype=tg.uint8))
    with pytest.raises(RuntimeError, match="not a generator state"):
        tg.set_rng_state(tg.tensor(np.frombuffer(b'{"a": 1}', dtype=np.uint8).copy()))


def test_rng_state_as_torch_in_a_program(torch):
    # save the state, draw, restore, draw again: the same numbers in either library
    code = """
s = torch.get_rng_state()
a = torch.rand(4)
torch.set_rng_state(s)
r = bool((torch.rand(4) == a).all()) and s.dtype == torch.uint8
"""
    assert run_code(tg, code) is True
    assert run_code(torch, code) is True
