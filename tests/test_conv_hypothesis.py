"""Property tests for the convolution family: hypothesis draws the geometry (batch, channels,
image size, kernel, stride, padding, dilation, groups) and every draw must give PyTorch's
values and gradients (float64), for conv1d/conv2d, conv_transpose2d, max and average pooling."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinygraph as tg

small = st.integers(1, 3)


def _compare(torch, ours, theirs, arrays):
    xs = [tg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, yt = ours(*xs), theirs(*ts)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-10)
    g = np.random.default_rng(0).standard_normal(tuple(yt.shape))
    (y * tg.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(n=small, groups=st.integers(1, 2), c_in=small, c_out=small, h=st.integers(1, 7),
       w=st.integers(1, 7), kh=small, kw=small, stride=st.tuples(small, small),
       padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
       dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)), bias=st.booleans(),
       seed=st.integers(0, 2**16))
def test_conv2d_matches_torch_for_any_geometry(torch, n, groups, c_in, c_out, h, w, kh, kw,
                                               stride, padding, dilation, bias, seed):
    assume(h + 2 * padding[0] >= dilation[0] * (kh - 1) + 1)
    assume(w + 2 * padding[1] >= dilation[1] * (kw - 1) + 1)
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n, c_in * groups, h, w)),
              rng.standard_normal((c_out * groups, c_in, kh, kw))]
    if bias:
        arrays.append(rng.standard_normal(c_out * groups))
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    _compare(torch, lambda *a: tg.conv2d(*a, **kwargs),
             lambda *a: torch.nn.functional.conv2d(*a, **kwargs), arrays)


@settings(max_examples=30, deadline=None)
@given(n=small, groups=st.integers(1, 2), c_in=small, c_out=small, h=st.integers(1, 5),
       w=st.integers(1, 5), k=small, stride=small, padding=st.integers(0, 2),
       out_pad=st.integers(0, 2), dilation=st.integers(1, 2), seed=st.integers(0, 2**16))
def test_conv_transpose2d_matches_torch_for_any_geometry(torch, n, groups, c_in, c_out, h, w,
                                                         k, stride, padding, out_pad,
                                                         dilation, seed):
    assume(out_pad < stride)
    assume((min(h, w) - 1) * stride - 2 * padding + dilation * (k - 1) + out_pad + 1 > 0)
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n, c_in * groups, h, w)),
              rng.standard_normal((c_in * groups, c_out, k, k))]
    kwargs = {"stride": stride, "padding": padding, "output_padding": out_pad,
              "dilation": dilation, "groups": groups}
    _compare(torch, lambda *a: tg.conv_transpose2d(*a, **kwargs),
             lambda *a: torch.nn.functional.conv_transpose2d(*a, **kwargs), arrays)


@settings(max_examples=40, deadline=None)
@given(n=small, c=small, h=st.integers(1, 8), w=st.integers(1, 8), k=st.tuples(small, small),
       stride=st.tuples(small, small), padding=st.tuples(st.integers(0, 1), st.integers(0, 1)),
       ceil_mode=st.booleans(), average=st.booleans(), include_pad=st.booleans(),
       dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)), seed=st.integers(0, 2**16))
def test_pooling_matches_torch_for_any_geometry(torch, n, c, h, w, k, stride, padding,
                                                ceil_mode, average, include_pad, dilation,
                                                seed):
    if average:
        dilation = (1, 1)
    span = [d * (kk - 1) + 1 for d, kk in zip(dilation, k)]
    assume(all(2 * p <= s for p, s in zip(padding, span)))
    assume(h + 2 * padding[0] >= span[0] and w + 2 * padding[1] >= span[1])
    x = np.random.default_rng(seed).standard_normal((n, c, h, w))
    if average:
        kwargs = {"kernel_size": k, "stride": stride, "padding": padding,
                  "ceil_mode": ceil_mode, "count_include_pad": include_pad}
        ours, theirs = tg.avg_pool2d, torch.nn.functional.avg_pool2d
    else:
        kwargs = {"kernel_size": k, "stride": stride, "padding": padding,
                  "ceil_mode": ceil_mode, "dilation": dilation}
        ours, theirs = tg.max_pool2d, torch.nn.functional.max_pool2d
    _compare(torch, lambda a: ours(a, **kwargs), lambda a: theirs(a, **kwargs), [x])
