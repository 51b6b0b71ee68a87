"""float16 reductions accumulate in float32 and round once, as PyTorch does (issue 15: a float16
var of [1000, 1001, 1002] gave 1.375 where PyTorch gives 1.0)."""

from __future__ import annotations

import numpy as np

import tinygraph as tg


def test_float16_reductions_accumulate_in_float32_as_torch(torch):
    data = [1000, 1001, 1002]
    x, t = tg.tensor(data, dtype=np.float16), torch.tensor(data, dtype=torch.float16)
    assert x.var().item() == t.var().item() == 1.0
    assert x.mean().item() == t.mean().item() == 1001.0
    assert x.var().dtype == x.mean().dtype == np.float16
    # values near 1000 whose float16 sums overflow and lose their units: bit for bit as torch
    rows = np.random.default_rng(0).uniform(1000, 1010, (4, 300)).astype(np.float16)
    for dim in (0, 1):
        for reduction in ("mean", "var"):
            ours = getattr(tg.tensor(rows), reduction)(dim)
            theirs = getattr(torch.tensor(rows), reduction)(dim)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
