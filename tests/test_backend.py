"""The NumPy namespace's own kernels (tinygraph.backend) against the NumPy code they replace."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygraph.backend import numpy_namespace as xp

FLOATS = [np.float16, np.float32, np.float64]


@settings(max_examples=60, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(FLOATS))
def test_keep_where_is_where_with_zero_bit_for_bit(data, dtype):
    # up to 2,048 elements: both sides of the size below which keep_where calls where itself
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=6)
                      | st.sampled_from([(1024,), (32, 40), (2, 16, 64)]))
    # every float, NaN, infinities and -0.0 included: kept values must pass unchanged
    x = data.draw(hnp.arrays(dtype, shape, elements=st.floats(width=np.dtype(dtype).itemsize * 8)))
    cond = data.draw(hnp.arrays(np.bool_, shape))
    got = xp.keep_where(cond, x)
    want = np.where(cond, x, 0)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()  # same bits: NaN payloads, signs of zero


def test_keep_where_on_a_strided_view_does_not_touch_its_input():
    base = np.arange(4096, dtype=np.float32).reshape(32, 128) - 2000
    x = base[:, ::2].T  # non-contiguous, 2,048 elements
    before = base.copy()
    got = xp.keep_where(x > 0, x)
    np.testing.assert_array_equal(got, np.where(x > 0, x, 0))
    np.testing.assert_array_equal(base, before)


@pytest.mark.parametrize("cond, x", [
    (np.array([True, False]), np.array([1, 2])),  # integers: no float bits to mask
    (np.array([1, 0]), np.array([1.0, 2.0])),  # a non-boolean condition
    (np.array([True]), np.array([1.0, 2.0])),  # a condition that broadcasts
    (np.array([True, False]), np.array([1 + 2j, 3j])),  # complex
    (np.bool_(True), np.float64(-2.5)),  # NumPy scalars (0-d results of reductions)
    (np.bool_(False), np.float32(3.0)),
    (np.array([True, False]), 2.5),  # a Python number
])
def test_keep_where_falls_back_to_where_outside_the_bitwise_case(cond, x):
    got = xp.keep_where(cond, x)
    want = np.where(cond, x, 0)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_unbroadcast_sums_exactly_the_axes_broadcasting_added(data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    # a shape that shape broadcasts to: leading axes added, some length-1 axes stretched
    leading = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    stretched = tuple(data.draw(st.integers(1, 3)) if n == 1 else n for n in shape)
    grad = data.draw(hnp.arrays(np.float64, leading + stretched,
                                elements=st.floats(-10, 10, allow_nan=False)))
    # the adjoint of broadcasting, by definition: <broadcast(x), grad> = <x, unbroadcast(grad)>
    want = np.zeros(shape)
    for index in np.ndindex(*shape):
        one = np.zeros(shape)
        one[index] = 1.0
        want[index] = np.sum(np.broadcast_to(one, grad.shape) * grad)
    got = xp.unbroadcast(grad, shape)
    assert got.shape == shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert xp.unbroadcast(grad, grad.shape) is grad  # nothing to sum: the same array
