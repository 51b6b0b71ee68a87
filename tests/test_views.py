"""Views share memory with their base, and in-place ops through them (SPEC "Views",
"In-place"; issue 15): the same program run on tinygraph and on PyTorch gives the same values
and gradients, recorded or under no_grad, or both refuse."""

from __future__ import annotations

import numpy as np
import pytest

import tinygraph as tg

VALUES = [[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]]


def run(lib, program, grad_mode=True):
    """``program(lib, a)`` on a float64 leaf ``a`` (2x3); returns its output's values and,
    when it requires grad, a.grad after ``(out * weights).sum().backward()``."""
    a = lib.tensor(VALUES, dtype=lib.float64, requires_grad=True)
    if grad_mode:
        out = program(lib, a)
    else:
        with lib.no_grad():
            out = program(lib, a)
    values = out.detach().numpy().copy()
    if not out.requires_grad:
        return values, None
    weights = lib.tensor(np.arange(1.0, out.numel() + 1).reshape(tuple(out.shape)),
                         dtype=lib.float64)
    (out * weights).sum().backward()
    return values, a.grad.numpy().copy()


def same(torch, program, grad_mode=True):
    ours, theirs = run(tg, program, grad_mode), run(torch, program, grad_mode)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert (ours[1] is None) == (theirs[1] is None)
    if ours[1] is not None:
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)
    return ours


# -- views share memory --------------------------------------------------------------------

VIEWS = {
    "getitem": lambda x: x[0:1, 1:],
    "view": lambda x: x.view(3, 2),
    "view_infer": lambda x: x.view(-1),
    "t": lambda x: x.t(),
    "permute": lambda x: x.permute(1, 0),
    "transpose": lambda x: x.transpose(0, 1),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "diagonal": lambda x: x.diagonal(),
    "diagonal_offset": lambda x: x.diagonal(1),
    "unflatten": lambda x: x.unflatten(1, (3, 1)),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "squeeze": lambda x: x[0:1].squeeze(0),
    "reshape": lambda x: x.reshape(6),
    "view_of_view": lambda x: x.t()[1:].diagonal(),
}


@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize("grad_mode", [True, False])
def test_views_share_memory_both_ways(torch, name, grad_mode):
    make = VIEWS[name]
    for lib in (tg, torch):
        with lib.set_grad_enabled(grad_mode):
            base = lib.tensor(VALUES, dtype=lib.float64)
            view = make(base)
            base.mul_(10)               # a change of the base shows in the view
            view.add_(1)                # and a change through the view in the base
        if lib is tg:
            ours = base.numpy().copy(), view.numpy().copy()
        else:
            np.testing.assert_allclose(base.numpy(), ours[0])
            np.testing.assert_allclose(view.numpy(), ours[1])


def test_a_change_through_a_view_counts_as_a_change_of_its_base(torch):
    for lib in (tg, torch):
        for grad_mode in (True, False):
            with lib.set_grad_enabled(grad_mode):
                a = lib.tensor(VALUES, dtype=lib.float64, requires_grad=grad_mode)
                b = a * 1
                v = b[0]
                v.add_(1)
                v[1] = 5.0
            assert (b._version, v._version) == (2, 2)


def test_expand_is_a_read_only_view(torch):
    x = tg.zeros(3, 1)
    e = x.expand(3, 2)
    x += 1
    np.testing.assert_allclose(e.numpy(), np.ones((3, 2)))
    with pytest.raises(RuntimeError, match="add_.*clone"):
        e.add_(1)
    with pytest.raises(RuntimeError, match="single memory location"):
        torch.zeros(3, 1).expand(3, 2).add_(1)


# -- in-place ops through views under autograd (issue 15) ----------------------------------

PROGRAMS = {
    # the issue's example: b changes, and b's gradient stays right
    "view_iadd": lambda lib, a: _then(a * 2, lambda b: b[0:1].__iadd__(10)),
    "view_imul_then_square": lambda lib, a: _then(a * 2, lambda b: b[:, 1:].mul_(a[:, :2]),
                                                  lambda b: b * b),
    "diagonal_add_": lambda lib, a: _then(a * 3, lambda b: b.diagonal().add_(a[0, :2]),
                                          lambda b: b.sum(0)),
    "t_setitem": lambda lib, a: _then(a * 3, lambda b: b.t().__setitem__(0, a[:, 1])),
    "view_of_view": lambda lib, a: _then(a + 1, lambda b: b.view(3, 2)[1:].mul_(a[0, 1])),
    "base_changed_view_used": lambda lib, a: _view_after_base_change(a),
    "sibling_views": lambda lib, a: _siblings(a),
    "view_fill_": lambda lib, a: _then(a * a, lambda b: b[1].fill_(7.0)),
    "view_zero_": lambda lib, a: _then(a * a, lambda b: b[:, 0].zero_()),
    "view_copy_": lambda lib, a: _then(a * 1, lambda b: b[0].copy_(a[1] * 5)),
    "view_clamp_": lambda lib, a: _then(a * 2, lambda b: b[1].clamp_(-1.0, 2.0)),
    "view_exp_": lambda lib, a: _then(a * 0.5, lambda b: b.narrow(1, 0, 2).exp_()),
    "view_masked_fill_": lambda lib, a: _then(a * 1, lambda b: b[0].masked_fill_(
        lib.tensor([True, False, True]), 0.25)),
    "base_sub_with_views": lambda lib, a: _then(a * 2, lambda b: (b.t(), b.sub_(a, alpha=3))[0],
                                                None),
    "nothing_requires_grad_but_other": lambda lib, a: _then(
        lib.zeros(2, 3, dtype=lib.float64), lambda b: b[1].add_(a[0])),
}


def _then(b, change, after=lambda b: b):
    """b; ``change`` applied (its return value kept when ``after`` is None)."""
    result = change(b)
    return result if after is None else after(b)


def _view_after_base_change(a):
    b = a * 2
    v = b[1]
    b.mul_(a)      # recorded on the base: the view's values and graph follow
    return v


def _siblings(a):
    b = a * 2
    v1, v2 = b[:, 0:2], b[:, 1:3]
    v1.mul_(3)     # changes b[:, 1], which v2 also shows
    return v2 * v1[:, 1:]


@pytest.mark.parametrize("name", PROGRAMS)
def test_inplace_through_views_matches_torch(torch, name):
    same(torch, PROGRAMS[name])


@pytest.mark.parametrize("name", PROGRAMS)
def test_same_values_under_no_grad(torch, name):
    recorded = run(tg, PROGRAMS[name])[0]
    values, grad = same(torch, PROGRAMS[name], grad_mode=False)
    assert grad is None
    np.testing.assert_allclose(values, recorded, rtol=1e-12)


def test_issue_15_example_changes_b_while_recording():
    a = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 2
    v = b[0:2]
    v += 10
    np.testing.assert_allclose(b.numpy(), [12.0, 14.0, 6.0])
    (b * b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [48.0, 56.0, 24.0])
    assert b._version == v._version == 1


def test_second_derivatives_through_an_inplace_on_a_view(torch):
    def program(lib, a):
        b = a * a
        b[0].mul_(a[1])
        (g,) = lib.autograd.grad(b.sum(), a, create_graph=True)
        return g * g

    same(torch, program)


# -- errors, where PyTorch raises too ------------------------------------------------------

ERRORS = {
    "view_of_leaf": (lambda lib, a: a[0].add_(1), "view .* leaf|view of a leaf"),
    "leaf": (lambda lib, a: a.mul_(2), "leaf"),
    "t_of_leaf": (lambda lib, a: a.t().__setitem__(0, 1.0), "view .* leaf|view of a leaf"),
    "no_grad_view_changed_with_grad": (lambda lib, a: _no_grad_view(lib, a * 2).add_(1),
                                       "no_grad"),
    "saved_output_changed": (lambda lib, a: _backward(_changed_exp(a)), "modified|version"),
    "view_not_contiguous": (lambda lib, a: a.t().view(6), "view"),
    "int_add_float": (lambda lib, a: lib.tensor([1, 2]).add_(1.5), "cast|Cannot cast"),
    "t_3d": (lambda lib, a: a.unsqueeze(0).t(), "t"),
    "expand_leading_minus_one": (lambda lib, a: a.expand(-1, 2, 3), "-1"),
    "repeat_too_few": (lambda lib, a: a.repeat(2), "dim"),
    "masked_fill_int_mask": (lambda lib, a: (a * 1).masked_fill_(lib.tensor([1, 0, 1]), 0.0),
                             "bool|Bool"),
    "copy_bad_shape": (lambda lib, a: lib.zeros(3).copy_(a), "broadcast|expand"),
    "diagonal_same_dims": (lambda lib, a: a.diagonal(0, 1, 1), "dim"),
    "narrow_too_long": (lambda lib, a: a.narrow(1, 2, 2), "exceeds|length"),
    "permute_repeated_dim": (lambda lib, a: a.permute(0, 0), "dim|repeated"),
    "unflatten_bad_sizes": (lambda lib, a: a.unflatten(1, (2, 2)), "unflatten|match"),
    "view_two_minus_ones": (lambda lib, a: a.view(-1, -1), "one|-1"),
    "shape_changing_inplace": (lambda lib, a: lib.zeros(3, dtype=lib.float64).add_(a),
                               "shape|broadcast"),
}


def _no_grad_view(lib, b):
    with lib.no_grad():
        return b[0]


def _changed_exp(a):
    b = a.exp()          # exp saves its output
    b[0].add_(1)
    return b


def _backward(b):
    b.sum().backward()


@pytest.mark.parametrize("name", ERRORS)
def test_refuses_where_torch_refuses(torch, name):
    program, pattern = ERRORS[name]
    for lib in (tg, torch):
        a = lib.tensor(VALUES, dtype=lib.float64, requires_grad=True)
        with pytest.raises((RuntimeError, IndexError), match=pattern):
            program(lib, a)


# -- the in-place methods ------------------------------------------------------------------

METHODS = {
    "add_": lambda x: x.add_(x.detach() * 0 + 2, alpha=0.5),
    "sub_": lambda x: x.sub_(3.0, alpha=2),
    "mul_": lambda x: x.mul_(-1.5),
    "div_": lambda x: x.div_(4.0),
    "div_floor": lambda x: x.div_(0.7, rounding_mode="floor"),
    "div_trunc": lambda x: x.div_(-0.7, rounding_mode="trunc"),
    "clamp_": lambda x: x.clamp_(min=-1.0, max=1.0),
    "clamp_min": lambda x: x.clamp_(0.0),
    "exp_": lambda x: x.exp_(),
    "fill_": lambda x: x.fill_(3.0),
    "zero_": lambda x: x.zero_(),
    "copy_": lambda x: x.copy_(x.detach()[0:1] * 2),
    "masked_fill_": lambda x: x.masked_fill_(x.detach() > 0, -7.0),
    "iadd": lambda x: x.__iadd__(1.0),
    "isub": lambda x: x.__isub__(1.0),
    "imul": lambda x: x.__imul__(2.0),
    "itruediv": lambda x: x.__itruediv__(2.0),
}


@pytest.mark.parametrize("name", METHODS)
def test_inplace_method_values_gradients_and_version_match_torch(torch, name):
    method = METHODS[name]

    def program(lib, a):
        b = a * 1
        version = b._version
        assert method(b) is b
        assert b._version == version + 1
        return b

    same(torch, program)
    same(torch, program, grad_mode=False)


@pytest.mark.parametrize("name", METHODS)
def test_inplace_method_on_a_leaf_requiring_grad_refuses_outside_no_grad(torch, name):
    for lib in (tg, torch):
        a = lib.tensor(VALUES, dtype=lib.float64, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            METHODS[name](a)
        with lib.no_grad():
            assert METHODS[name](a) is a
        assert a.is_leaf and a.requires_grad


def test_copy_sends_the_gradient_to_the_source_broadcast_and_cast(torch):
    def program(lib, a):
        x = lib.zeros(4, 3, dtype=lib.float32)
        x.copy_(a[1])
        return x.to(lib.float64)

    values, grad = same(torch, program)
    assert grad[0].tolist() == [0.0, 0.0, 0.0]


def test_uniform_and_normal_draw_in_place_with_zero_gradient():
    a = tg.tensor(VALUES, dtype=tg.float64, requires_grad=True)
    b = a * 1
    data = b.numpy()
    tg.manual_seed(0)
    b[0].uniform_(2.0, 3.0)
    assert b.numpy() is data
    assert ((data[0] >= 2.0) & (data[0] < 3.0)).all()
    b[1].normal_(mean=100.0, std=0.1)
    assert (np.abs(data[1] - 100.0) < 1.0).all()
    b.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.zeros((2, 3)))
    tg.manual_seed(0)
    again = tg.zeros(3, dtype=tg.float64).uniform_(**{"from": 2.0, "to": 3.0})
    np.testing.assert_allclose(again.numpy(), data[0])


def test_view_of_a_base_that_needs_no_gradient_becomes_recorded():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    base = tg.zeros(2, 2)
    row = base[0]
    row.add_(w)
    assert base.requires_grad and not base.is_leaf
    (base * base).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [2.0, 4.0])


def test_gradcheck_and_gradgradcheck_through_inplace_views():
    def f(a, w):
        b = a * a
        b.t()[1:].mul_(w)            # a view of a view, through a transpose
        b.diagonal().add_(w[:2].exp())
        row = b[1]
        b.sub_(a, alpha=0.5)         # on the base: row's graph follows
        return row * b[0]

    rng = np.random.default_rng(0)
    a = tg.tensor(rng.uniform(-1, 1, (2, 3)), requires_grad=True)
    w = tg.tensor(rng.uniform(-1, 1, (2,)), requires_grad=True)
    assert tg.gradcheck(f, (a, w))
    assert tg.gradgradcheck(f, (a, w))


def test_a_function_that_marks_a_view_dirty_fixes_the_base_graph(torch):
    def program(lib, a):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2

        b = a * a
        Double.apply(b[:, 1:])
        return b

    same(torch, program)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_integer_div_with_rounding_matches_torch(torch, mode):
    ours = tg.tensor([7, -7, 6, -6, 0]).div_(tg.tensor([2, 2, -4, -4, 3]), rounding_mode=mode)
    theirs = torch.tensor([7, -7, 6, -6, 0]).div_(torch.tensor([2, 2, -4, -4, 3]),
                                                  rounding_mode=mode)
    assert ours.numpy().tolist() == theirs.tolist()


def test_a_no_grad_view_of_a_base_changed_with_grad_refuses_its_gradient(torch):
    a = tg.ones(3, requires_grad=True)
    b = a * 2
    with tg.no_grad():
        v = b[0:2]
    b.add_(1)
    np.testing.assert_allclose(v.numpy(), [3.0, 3.0])   # the values follow the base
    with pytest.raises(RuntimeError, match="no_grad"):
        (v * 2).sum().backward()
    ta = torch.ones(3, requires_grad=True)
    tb = ta * 2
    with torch.no_grad():
        tv = tb[0:2]
    tb.add_(1)
    with pytest.raises(RuntimeError, match="no_grad"):
        (tv * 2).sum().backward()
