"""Reductions, elementwise and shape ops against PyTorch: argument forms (torch's keyword
names, tuple and negative dims, dim=()), integer and bool dtypes, 0-d and empty tensors and
the error types PyTorch raises. Each case is one expression run on both libraries, on the same
float64 data; the op table (tests/optable/) covers values and gradients on regular inputs."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

_rng = np.random.default_rng(7)
ARRAYS = {
    "x": _rng.standard_normal((2, 3, 4)),
    "y": _rng.standard_normal((2, 3, 4)),
    "m": _rng.standard_normal((3, 4)),
    "v": _rng.standard_normal(4),
    "s": np.array(1.5),
    "e": np.zeros((0, 3)),
    "i": np.array([[1, -2, 3], [4, 5, -6]]),
    "i32": np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32),
    "u8": np.array([200, 100, 7], dtype=np.uint8),
    "b": np.array([[True, False, True], [False, False, True]]),
}


def _names(module, requires_grad: bool = False) -> dict:
    names = {"t": module}
    for key, array in ARRAYS.items():
        grad = requires_grad and array.dtype.kind == "f"
        names[key] = module.tensor(array.copy(), requires_grad=grad)
    return names


def _as_numpy(value):
    return value.detach().numpy() if hasattr(value, "detach") else value


def _assert_same(theirs, ours, torch):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tg.Tensor), type(ours)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        expected, got = theirs.detach().numpy(), ours.detach().numpy()
        assert got.shape == expected.shape
        if expected.dtype.kind == "f":
            np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-12)
        else:
            np.testing.assert_array_equal(got, expected)
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs)
        for a, b in zip(theirs, ours):
            _assert_same(a, b, torch)
    else:
        assert ours == theirs


def _same_as_torch(torch, expression: str, requires_grad: bool = False):
    """``expression`` on torch and on tinygraph: equal values, dtypes and shapes; with
    ``requires_grad``, equal gradients of a weighted sum of the result(s)."""
    theirs_names, ours_names = _names(torch, requires_grad), _names(tg, requires_grad)
    theirs, ours = eval(expression, theirs_names), eval(expression, ours_names)
    _assert_same(theirs, ours, torch)
    if not requires_grad:
        return
    theirs_out = theirs if isinstance(theirs, (tuple, list)) else (theirs,)
    ours_out = ours if isinstance(ours, (tuple, list)) else (ours,)
    theirs_loss = ours_loss = 0
    for k, (a, b) in enumerate(zip(theirs_out, ours_out)):
        if a.requires_grad:
            weights = np.cos(np.arange(a.numel()) + k + 1.0).reshape(tuple(a.shape))
            theirs_loss = theirs_loss + (a * torch.tensor(weights)).sum()
            ours_loss = ours_loss + (b * tg.tensor(weights)).sum()
    theirs_loss.backward()
    ours_loss.backward()
    for key in ARRAYS:
        a, b = theirs_names[key].grad, ours_names[key].grad
        assert (a is None) == (b is None), key
        if a is not None:
            np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-6, atol=1e-12)


def _raises_like_torch(torch, expression: str):
    """``expression`` raises on both libraries, tinygraph's error an instance of torch's type
    (IndexError, RuntimeError, TypeError, ...)."""
    with pytest.raises(Exception) as theirs:
        eval(expression, _names(torch))
    with pytest.raises(type(theirs.value)):
        eval(expression, _names(tg))


REDUCTION_FORMS = [
    "x.sum(dim=(0, 1))", "x.sum(dim=[0, -1], keepdim=True)", "t.sum(x, -2, True)",
    "x.sum(dim=())", "x.mean(dim=())", "x.amax(dim=())", "x.var(dim=())",
    "x.all(dim=())", "x.any(())", "x.unsqueeze(0).squeeze(())",
    "s.sum(0)", "s.sum(-1)", "s.sum(dim=(0,))", "s.mean(-1, keepdim=True)", "s.amax(0)",
    "s.logsumexp(0)", "s.max(-1)", "s.argmax(-1)", "s.squeeze(-1)", "s.var(0, correction=0)",
    "s.all(0)", "s.cumsum(-1)", "s.prod(0)",
    "u8.sum()", "u8.prod()", "u8.cumsum(0)", "u8.cumprod(0)", "b.sum(1)", "b.cumsum(1)",
    "i32.sum(1)", "i32.prod(1)", "i32.cumsum(0)",
    "i32.sum(dtype=t.int32)", "i.sum(dtype=t.int16)", "i.cumsum(1, dtype=t.int32)",
    "i.prod(1, dtype=t.int32)", "i.sum(1, dtype=t.float32)",
    "i.mean(dtype=t.float64)", "i.mean(0, dtype=t.float32)",
    "i.logsumexp(1)", "b.logsumexp(0)", "i.argmax()", "i.argmin(1)", "i.amax(1)",
    "x.max(1)", "x.max(-1, keepdim=True)", "t.max(x, y)", "x.min(dim=0)",
    "x.var(1, unbiased=False)", "x.var(False)", "x.std(dim=(0, 2), correction=2)",
    "t.std(x, 1, False, True)", "m.norm(p=1, dim=0, keepdim=True)", "m.norm(float('inf'), 1)",
    "x.norm(dim=(1, 2))", "x.all(1)", "t.any(x, dim=-1, keepdim=True)", "e.sum(0)",
    "e.mean(1)", "e.prod(0)", "e.amax(1)", "e.argmax(1)", "e.logsumexp(0)", "e.all()",
]


@pytest.mark.parametrize("expression", REDUCTION_FORMS)
def test_reduction_argument_forms_and_dtypes_match_torch(torch, expression):
    _same_as_torch(torch, expression)


DIM_OUT_OF_RANGE = [
    "x.sum(3)", "x.sum(-4)", "x.mean(dim=(0, 3))", "x.var(3)", "x.std(-4)", "x.amax(3)",
    "x.argmax(3)", "x.max(3)", "x.logsumexp(3)", "x.all(3)", "x.cumsum(3)", "x.cumprod(-4)",
    "m.norm(dim=2)", "s.sum(1)", "s.argmax(1)", "x.softmax(3)", "x.squeeze(3)",
    "x.unsqueeze(4)", "x.unsqueeze(-5)", "x.transpose(0, 3)", "x.permute(0, 1, 3)",
    "x.flip(3)", "x.roll(1, 3)", "x.narrow(3, 0, 1)", "x.flatten(3)", "x.diagonal(0, 0, 3)",
    "v.diagonal()", "x.split(2, 3)", "x.chunk(2, 3)", "x.unbind(3)", "t.cat([x, y], 3)",
    "t.stack([x, y], 4)", "x.unflatten(3, (2, 2))", "x.gather(3, i.unsqueeze(0))",
    "x.index_select(3, t.tensor([0]))",
]


@pytest.mark.parametrize("expression", DIM_OUT_OF_RANGE)
def test_a_dim_out_of_range_raises_index_error_as_torch(torch, expression):
    with pytest.raises(IndexError):
        eval(expression, _names(torch))
    with pytest.raises(IndexError):
        eval(expression, _names(tg))


ERRORS = [
    "i.mean()", "b.mean(0)", "i.var()", "i.std(1)", "i.norm()", "b.argmax()",
    "e.amax()", "e.amax(0)", "e.max()", "e.max(0)", "e.argmax()", "e.argmin(0)",
    "x.clamp()", "t.where(i, 1.0, 0.0)", "i.pow(-1)", "t.div(x, y, rounding_mode='round')",
    "x.reshape(5, -1)", "x.reshape(-1, -1)", "x.view(5, -1)", "x.transpose(1, 2).view(-1)",
    "x.flatten(2, 1)", "t.cat([x, m])", "t.cat([s, s])", "t.stack([x, m])", "t.stack([])",
    "t.cat([])", "t.cat([x, y[:, :, :2]], 1)", "t.cat(x)", "t.stack(x)", "t.cat([x, y], 1.0)",
    "t.stack([x, y], 1.0)", "x.flatten(0.5)", "s.chunk(1)", "m.repeat(-1, 1)",
    "x.reshape(-2, 12)", "t.zeros(-1)", "b.floor()", "t.trunc(b)", "b.round()", "b.ceil()",
    "i.round(decimals=1)", "i.add(i, alpha=0.5)", "t.sub(i32, i, alpha=1.5)",
]


@pytest.mark.parametrize("expression", ERRORS)
def test_mistakes_raise_torchs_error_type(torch, expression):
    _raises_like_torch(torch, expression)


ELEMENTWISE_FORMS = [
    "t.exp(input=m)", "t.sigmoid(input=x)", "t.abs(input=x)", "t.mul(input=x, other=y)",
    "t.maximum(input=x, other=y)", "t.atan2(input=x, other=y)", "x.matmul(other=y.mT)",
    "t.pow(x, exponent=2)", "t.pow(input=x.abs(), exponent=y)",
    "t.where(x > 0, 1.0, 0.0)", "t.where(x > 0, 1, 0)", "t.where(b, 1.0, i)",
    "t.where(x > 0, x, 0.0)", "x.where(x > 0, y)", "x.where(x > 0, 0.0)", "t.where(b)",
    "t.where(condition=x > 0, input=x, other=y)",
    "t.div(x, y, rounding_mode='trunc')", "t.div(x, y, rounding_mode='floor')",
    "i.div(4, rounding_mode='trunc')", "i.div(-4, rounding_mode='floor')",
    "t.div(i32, i32 - 7, rounding_mode='trunc')", "x.div(0.1, rounding_mode='floor')",
    "i.pow(t.tensor([[-1, -2, 2], [0, -1, 1]]))", "t.pow(2, t.tensor([-1, 0, 3]))",
    "i32.pow(t.tensor([[-1, -2, 2], [0, -1, 1]], dtype=t.int32))",
    "x.clamp(min=y)", "x.clamp(max=v)", "x.clamp(v, y.abs())", "i.clamp(min=t.tensor(0.5))",
    "b.square()", "t.square(i32)",
]


@pytest.mark.parametrize("expression", ELEMENTWISE_FORMS)
def test_elementwise_argument_forms_and_dtypes_match_torch(torch, expression):
    _same_as_torch(torch, expression)


GRADIENTS = [
    "x.clamp(min=y)", "x.clamp(max=y)", "x.clamp(v, v + 0.5)", "x.clamp(y, v)",
    "t.tensor([-2.0, 0.0, 1.0, 3.0], requires_grad=True)"
    ".clamp(t.tensor([-1.0, 0.0, 2.0, 0.0], requires_grad=True),"
    " t.tensor([1.0, 1.0, 0.0, 0.0], requires_grad=True))",
    "t.div(x, y, rounding_mode='floor')", "x.div(y, rounding_mode='trunc')",
    "x.sum(dim=())", "s.sum(0)", "s.amax(-1)", "s.max(0)", "x.mean(dim=[])",
    "t.where(x > 0, x, y)", "x.where(x > 0, 0.0)", "t.cat([t.zeros(0, dtype=t.float64), m])",
    "t.cat([x, y], -1)", "t.stack([x, y], -1)", "x.reshape(shape=(4, -1))",
    "x.permute(dims=(2, 0, 1))", "x.flip(dims=(0, -1))", "x.transpose(dim0=0, dim1=2)",
    "v.expand(size=(3, 4))", "m.repeat(repeats=(2, 1))", "x.split(split_size=3, dim=-1)",
    "x.view(size=(6, 4))", "t.broadcast_to(v, size=(2, 4))",
    "s.masked_fill(s > 0, 2.0)", "s.masked_fill(~(s < 0), t.tensor(0.5))",
]


@pytest.mark.parametrize("expression", GRADIENTS)
def test_gradients_of_argument_forms_match_torch(torch, expression):
    _same_as_torch(torch, expression, requires_grad=True)


SHAPE_FORMS = [
    "x.reshape(shape=(4, 6))", "t.reshape(x, shape=(-1,))", "x.view(size=(3, 8))",
    "x.permute(dims=(2, 0, 1))", "t.permute(x, dims=(1, 2, 0))", "x.flip(dims=[0])",
    "t.flip(x, dims=(1, 2))", "x.transpose(dim0=0, dim1=2)",
    "t.transpose(x, dim0=-1, dim1=0)", "v.expand(size=(2, 4))", "m.repeat(repeats=(2, 1))",
    "x.split(split_size=2, dim=2)", "t.split(x, split_size_or_sections=[1, 3], dim=2)",
    "t.broadcast_to(v, size=(3, 4))", "x.flatten(-2)", "s.flatten()", "x.flatten(1, 1)",
    "t.cat([i32, m.float()[:2, :3]])", "t.stack([i, i32])", "t.cat([i, b])",
    "t.cat([t.zeros(0), m.float()])", "t.cat([t.tensor([]), t.tensor([1.0, 2.0])])",
    "t.cat([x, y], -2)", "t.stack([v, v], -1)", "t.stack([s, s])",
]


@pytest.mark.parametrize("expression", SHAPE_FORMS)
def test_shape_op_argument_forms_match_torch(torch, expression):
    _same_as_torch(torch, expression)


def test_a_reshape_to_the_wrong_size_is_both_runtime_and_value_error():
    x = tg.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"reshape: shape \(4, 2\) is invalid"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match="reshape"):  # NumPy's type too
        x.reshape(4, 2)


def test_a_dim_out_of_range_error_names_the_op_and_the_valid_range():
    with pytest.raises(IndexError, match=r"sum: dim 3 .* range of \[-3, 2\]"):
        tg.zeros(2, 3, 4).sum(3)
    with pytest.raises(ValueError):  # still a ShapeError, as tinygraph's shape mistakes
        tg.zeros(2, 3, 4).sum(3)


def test_cat_of_an_empty_1d_tensor_and_a_matrix_gives_the_empty_one_an_empty_gradient(torch):
    for module in (torch, tg):
        empty = module.zeros(0, dtype=module.float64, requires_grad=True)
        matrix = module.ones(2, 3, dtype=module.float64, requires_grad=True)
        out = module.cat([empty, matrix, empty], 0)
        assert tuple(out.shape) == (2, 3)
        (out * 2).sum().backward()
        assert tuple(empty.grad.shape) == (0,)
        np.testing.assert_array_equal(_as_numpy(matrix.grad), np.full((2, 3), 2.0))


def test_keyword_and_positional_sizes_together_are_refused():
    with pytest.raises(TypeError, match="shape both positionally and as shape="):
        tg.zeros(2, 3).reshape(6, shape=(6,))


MULTI_OUTPUT_VIEWS = [
    "p, q = a.split(1); q.mul_(2)",
    "p, = a.split(2); p.mul_(2)",
    "p, q = a.chunk(2); p.add_(1)",
    "p, q = a.unbind(0); p.mul_(2)",
    "p, q = a.split(1); p.view(-1).mul_(2)",
    "p, q = a.split(1); p[0, 0] = 5.0",
    "p, q = a.split(1); a.mul_(2); p.sum().backward()",
]


@pytest.mark.parametrize("code", MULTI_OUTPUT_VIEWS)
def test_changing_a_piece_of_split_chunk_or_unbind_in_place_raises_as_torch(torch, code):
    for module in (torch, tg):
        leaf = module.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        with pytest.raises(RuntimeError):
            exec(code, {"a": leaf * 1})


def test_pieces_change_in_place_without_autograd_and_unused_pieces_do_not_block(torch):
    results = []
    for module in (torch, tg):
        leaf = module.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        a = leaf * 1
        p, q = a.split(1)
        with module.no_grad():
            p.mul_(2)  # allowed: not recorded
        b = leaf * 1
        b.unbind(1)
        b.mul_(3)  # the base of unused pieces may change
        (a * a + b).sum().backward()
        plain = module.tensor([[1.0, 2.0], [3.0, 4.0]])
        plain.split(1)[0].mul_(2)  # nothing requires grad: an ordinary view
        results.append((_as_numpy(leaf.grad), _as_numpy(plain)))
    for theirs, ours in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize("expression", [
    "a.norm(p=0.5)", "a.norm(p=3)", "a.norm(p=1.5)", "a.norm(p=-1)",
    "a.reshape(2, 2).norm(p=3, dim=1)", "a.reshape(2, 2).norm(p=0.5, dim=0, keepdim=True)",
    "t.atan2(a, a.flip(0))", "t.atan2(a, t.zeros(4, dtype=t.float64))",
])
@pytest.mark.parametrize("values", [[0.0, 0.0, 0.0, 0.0], [2.0, 2.0, 1.0, 0.0],
                                    [-1.0, 0.0, 1.0, 1.0]])
def test_gradients_at_zeros_match_torch_not_nan(torch, expression, values):
    grads = []
    for module in (torch, tg):
        a = module.tensor(values, dtype=module.float64, requires_grad=True)
        eval(expression, {"a": a, "t": module}).sum().backward()
        grads.append(_as_numpy(a.grad))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6, atol=1e-12)
