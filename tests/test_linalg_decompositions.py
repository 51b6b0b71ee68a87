"""tg.linalg's decompositions and what is built on them, against PyTorch 2.13 in float64:
named-tuple returns, values over batches, gradients and second derivatives of losses that do
not depend on the singular vectors' / eigenvectors' signs, the refusals (error types), and
the empty outputs of lstsq per driver. The op table (tests/optable/decompositions.py) adds
finite-difference checks of every op."""

from __future__ import annotations

import numpy as np
import pytest
from twins import raises_as_torch, run_code

import tinygraph as tg

TOL = {"rtol": 1e-10, "atol": 1e-12}
# torch.qr (and so tg.qr) warns that it is deprecated: test_legacy_qr_warns_as_torch checks it
pytestmark = pytest.mark.filterwarnings("ignore:torch.qr is deprecated:UserWarning")


def _numpy(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _same(ours, theirs, what=""):
    ours, theirs = _numpy(ours), _numpy(theirs)
    assert ours.shape == theirs.shape, what
    assert ours.dtype == theirs.dtype, what
    np.testing.assert_allclose(ours, theirs, err_msg=what, **TOL)


def _derivatives(lib, loss, arrays):
    """loss's value, gradients, and the gradients of the gradients' squared norm."""
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    value = loss(lib, *xs)
    grads = lib.autograd.grad(value, xs, create_graph=True)
    second = lib.autograd.grad(sum((g * g).sum() for g in grads), xs)
    return [value, *grads, *second]


def _same_derivatives(torch, loss, *shapes, seed=0, arrays=None):
    rng = np.random.default_rng(seed)
    arrays = arrays or [rng.standard_normal(s) for s in shapes]
    for i, (ours, theirs) in enumerate(zip(_derivatives(tg, loss, arrays),
                                           _derivatives(torch, loss, arrays))):
        _same(ours, theirs, f"output {i}")


# -- named tuples --------------------------------------------------------------------------


@pytest.mark.parametrize("code, name, fields", [
    ("torch.linalg.svd(A)", "linalg_svd", ("U", "S", "Vh")),
    ("torch.svd(A)", "svd", ("U", "S", "V")),
    ("torch.linalg.qr(A)", "linalg_qr", ("Q", "R")),
    ("torch.qr(A)", "qr", ("Q", "R")),
    ("torch.linalg.eigh(A)", "linalg_eigh", ("eigenvalues", "eigenvectors")),
    ("torch.linalg.slogdet(A)", "linalg_slogdet", ("sign", "logabsdet")),
    ("torch.slogdet(A)", "slogdet", ("sign", "logabsdet")),
    ("torch.linalg.lstsq(A, A)", "linalg_lstsq", ("solution", "residuals", "rank",
                                                  "singular_values")),
])
def test_named_tuples_read_by_name_and_unpack(torch, code, name, fields):
    setup = "A = torch.tensor(np.arange(9.0).reshape(3, 3) + 4 * np.eye(3)); r = "
    ours, theirs = run_code(tg, setup + code), run_code(torch, setup + code)
    assert type(ours).__name__ == type(theirs).__name__ == name
    assert type(ours).__module__ == "tinygraph.return_types"
    assert len(ours) == len(theirs) == len(fields)
    for field, a, b in zip(fields, ours, theirs):
        assert getattr(ours, field) is a
        _same(a, b, field)
    assert repr(ours).startswith(f"tinygraph.return_types.{name}(")


# -- values ----------------------------------------------------------------------------------

SHAPES = [(3, 3), (4, 3), (3, 5), (2, 4, 3), (2, 1, 3, 4), (0, 3), (2, 0, 0)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("full_matrices", [True, False])
def test_svd_values_and_shapes(torch, shape, full_matrices, rng):
    a = rng.standard_normal(shape)
    U, S, Vh = tg.linalg.svd(tg.tensor(a), full_matrices=full_matrices)
    tU, tS, tVh = torch.linalg.svd(torch.tensor(a), full_matrices=full_matrices)
    assert U.shape == tuple(tU.shape) and Vh.shape == tuple(tVh.shape)
    _same(S, tS)
    _same(tg.linalg.svdvals(tg.tensor(a)), tS)
    k = min(shape[-2:])  # the first k columns are unique up to sign
    _same(U[..., :k].abs(), tU[..., :k].abs())
    _same(Vh[..., :k, :].abs(), tVh[..., :k, :].abs())
    back = (U[..., :k] * S[..., None, :]) @ Vh[..., :k, :]
    np.testing.assert_allclose(back.numpy(), a, atol=1e-12)
    for Q in (U, Vh.mT):  # orthonormal columns, the full matrices' completions included
        np.testing.assert_allclose((Q.mT @ Q).numpy(), np.broadcast_to(
            np.eye(Q.shape[-1]), Q.shape[:-2] + (Q.shape[-1],) * 2), atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 5), (2, 4, 3)])
def test_legacy_svd_returns_v_and_zeros_without_uv(torch, shape, rng):
    a = rng.standard_normal(shape)
    for kwargs in ({}, {"some": False}, {"compute_uv": False}):
        ours, theirs = tg.svd(tg.tensor(a), **kwargs), torch.svd(torch.tensor(a), **kwargs)
        k = min(shape[-2:])
        _same(ours.S, theirs.S)
        for mine, want in ((ours.U, theirs.U), (ours.V, theirs.V)):
            assert mine.shape == tuple(want.shape)
            _same(mine[..., :k].abs(), want[..., :k].abs())
    U, S, V = tg.tensor(a).svd()
    np.testing.assert_allclose(((U * S[..., None, :]) @ V.mT).numpy(), a, atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 5), (2, 4, 3), (0, 3)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr_values_as_torch(torch, shape, mode, rng):
    a = rng.standard_normal(shape)
    ours, theirs = tg.linalg.qr(tg.tensor(a), mode=mode), torch.linalg.qr(torch.tensor(a), mode)
    _same(ours.Q, theirs.Q)
    _same(ours.R, theirs.R)
    some = mode != "complete"
    if mode != "r":
        _same(tg.qr(tg.tensor(a), some).Q, torch.linalg.qr(torch.tensor(a), mode).Q)
        _same(tg.tensor(a).qr(some=some).R, theirs.R)


@pytest.mark.parametrize("UPLO", ["L", "U"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1), (0, 0)])
def test_eigh_reads_only_the_uplo_triangle_as_torch(torch, UPLO, shape, rng):
    a = rng.standard_normal(shape)  # not symmetric: only one triangle is read
    w, v = tg.linalg.eigh(tg.tensor(a), UPLO=UPLO)
    tw, tv = torch.linalg.eigh(torch.tensor(a), UPLO=UPLO)
    _same(w, tw)
    _same(v.abs(), tv.abs())
    _same(tg.linalg.eigvalsh(tg.tensor(a), UPLO), tw)
    ignored = np.triu(np.ones(shape[-2:]), 1) if UPLO == "L" else np.tril(np.ones(shape[-2:]), -1)
    changed = a + 5 * ignored
    _same(tg.linalg.eigvalsh(tg.tensor(changed), UPLO), tw)  # the other triangle is ignored


def test_legacy_qr_warns_as_torch():
    """(torch warns once per process, so only tinygraph's warning is checked here.)"""
    with pytest.warns(UserWarning, match="torch.qr is deprecated in favor of torch.linalg.qr"):
        tg.qr(tg.eye(2))


def test_eig_and_eigvals_refuse_naming_the_missing_complex_dtype():
    A = tg.eye(3, dtype=tg.float64)
    for fn in (tg.linalg.eig, tg.linalg.eigvals):
        with pytest.raises(NotImplementedError, match="complex.*eigh"):
            fn(A)


def test_slogdet_logdet_and_their_signs(torch, rng):
    a = rng.standard_normal((3, 4, 4))
    a[1] = a[1][[1, 0, 2, 3]]  # some determinants negative
    for code in ("r = torch.linalg.slogdet(A)", "r = torch.slogdet(A)",
                 "r = A.slogdet()"):
        ours = run_code(tg, f"A = torch.tensor(np.array({a.tolist()})); {code}")
        theirs = run_code(torch, f"A = torch.tensor(np.array({a.tolist()})); {code}")
        _same(ours.sign, theirs.sign)
        _same(ours.logabsdet, theirs.logabsdet)
    swap = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64, requires_grad=True)
    ours = tg.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=tg.float64, requires_grad=True)
    y, ty = tg.logdet(ours), torch.logdet(swap)
    assert np.isnan(y.item()) and np.isnan(ty.item())  # negative determinant: NaN
    y.backward()
    ty.backward()
    _same(ours.grad, swap.grad)  # zero, as the NaN is a constant
    zero = tg.zeros(2, 2, dtype=tg.float64, requires_grad=True)
    assert tg.logdet(zero).item() == -np.inf
    sign, logabs = tg.linalg.slogdet(zero)
    assert sign.item() == 0 and logabs.item() == -np.inf
    assert sign.requires_grad == torch.linalg.slogdet(swap).sign.requires_grad


@pytest.mark.parametrize("code", [
    "r = torch.linalg.pinv(A)", "r = torch.linalg.pinv(B)", "r = torch.linalg.pinv(A, 0.5)",
    "r = torch.linalg.pinv(A, atol=0.5)", "r = torch.linalg.pinv(A, rtol=0.3)",
    "r = torch.linalg.pinv(A, atol=0.1, rtol=0.4)", "r = torch.linalg.pinv(S, hermitian=True)",
    "r = torch.linalg.pinv(S, hermitian=True, atol=1.0)", "r = torch.pinverse(A)",
    "r = torch.linalg.pinv(S + torch.triu(torch.ones(4, 4, dtype=torch.float64), 1), "
    "hermitian=True)",  # not symmetric: the lower triangle is read
    "r = B.pinverse(rcond=0.4)", "r = torch.linalg.pinv(D)",
    "r = torch.linalg.matrix_rank(A)", "r = torch.linalg.matrix_rank(D)",
    "r = torch.linalg.matrix_rank(A, 0.5)", "r = torch.linalg.matrix_rank(A, atol=0.5)",
    "r = torch.linalg.matrix_rank(A, rtol=0.3)", "r = torch.linalg.matrix_rank(S, hermitian=True)",
    "r = torch.linalg.matrix_rank(A, atol=torch.tensor([0.1, 10.0], dtype=torch.float64))",
    "r = torch.linalg.cond(A)", "r = torch.linalg.cond(A, -2)", "r = torch.linalg.cond(B, 2)",
    "r = torch.linalg.cond(C, 'fro')", "r = torch.linalg.cond(C, 'nuc')",
    "r = torch.linalg.cond(C, 1)", "r = torch.linalg.cond(C, -np.inf)",
    "r = torch.linalg.cond(E)", "r = torch.linalg.cond(E, 'fro')", "r = torch.linalg.cond(E, 1)",
    "r = torch.linalg.cond(E, 'nuc')",
])
def test_pinv_matrix_rank_and_cond_as_torch(torch, code, rng):
    arrays = {"A": rng.standard_normal((2, 5, 3)), "B": rng.standard_normal((3, 6)),
              "C": rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)}
    s = rng.standard_normal((2, 4, 4))
    arrays["S"] = s + np.swapaxes(s, -1, -2)
    arrays["D"] = np.outer(np.arange(1.0, 5.0), np.arange(1.0, 4.0))  # rank 1
    arrays["E"] = np.stack([np.diag([1.0, 0.0, 3.0]), np.diag([1.0, 2.0, 3.0])])  # one singular
    setup = "".join(f"{k} = torch.tensor(np.array({v.tolist()})); " for k, v in arrays.items())
    _same(run_code(tg, setup + code), run_code(torch, setup + code), code)


@pytest.mark.parametrize("driver", [None, "gelsy", "gelsd", "gelss", "gels"])
@pytest.mark.parametrize("shapes", [((5, 3), (5, 2)), ((5, 3), (5,)), ((2, 5, 3), (2, 5, 2)),
                                    ((2, 5, 3), (2, 5)), ((3, 3), (3, 1)), ((3, 5), (3, 2)),
                                    ((5, 3), "rank2")])
def test_lstsq_fills_the_outputs_torch_fills_for_each_driver(torch, driver, shapes, rng):
    a = rng.standard_normal(shapes[0])
    if shapes[1] == "rank2":
        if driver == "gels":  # gels assumes full rank
            return
        a[:, 2] = a[:, 1]
        b = rng.standard_normal((5, 2))
    else:
        b = rng.standard_normal(shapes[1])
    ours = tg.linalg.lstsq(tg.tensor(a), tg.tensor(b), driver=driver)
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    for name in ("solution", "residuals", "rank", "singular_values"):
        _same(getattr(ours, name), getattr(theirs, name), name)


def test_lstsq_fits_what_a_trained_linear_model_learns(torch):
    """Least squares by lstsq against gradient descent on the same data: same weights."""
    code = """
g = np.random.default_rng(3)
X = torch.tensor(g.standard_normal((40, 3)))
w = torch.tensor([[1.5], [-2.0], [0.5]], dtype=torch.float64)
Y = X @ w + 0.1 * torch.tensor(g.standard_normal((40, 1)))
fit = torch.linalg.lstsq(X, Y).solution
model = torch.nn.Linear(3, 1, bias=False).double()
with torch.no_grad():
    model.weight.zero_()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(300):
    opt.zero_grad()
    loss = ((model(X) - Y) ** 2).mean()
    loss.backward()
    opt.step()
r = torch.cat([fit.reshape(-1), model.weight.detach().reshape(-1), loss.detach().reshape(1)])
"""
    ours, theirs = run_code(tg, code), run_code(torch, code)
    _same(ours, theirs)
    np.testing.assert_allclose(ours.numpy()[:3], ours.numpy()[3:6], rtol=1e-8)


def test_products_as_torch(torch, rng):
    arrays = {"a": rng.standard_normal((2, 3)), "b": rng.standard_normal((3, 4)),
              "c": rng.standard_normal((4,)), "M": rng.standard_normal((2, 3, 3)),
              "x": rng.standard_normal((3, 2, 4)), "y": rng.standard_normal((3, 4, 5)),
              "v": rng.standard_normal((2,)), "w": rng.standard_normal((5,)),
              "i": rng.standard_normal((2, 5))}
    setup = "".join(f"{k} = torch.tensor(np.array({v.tolist()})); " for k, v in arrays.items())
    for code in [
        "r = torch.linalg.multi_dot([a, b, c])", "r = torch.linalg.multi_dot([c, b.mT, a.mT])",
        "r = torch.linalg.multi_dot([a, b])", "r = torch.linalg.vecdot(a, b[:, 0])",
        "r = torch.linalg.vecdot(a.mT, b[:, :2], dim=0)",
        "r = torch.linalg.matrix_power(M, 0)", "r = torch.linalg.matrix_power(M, 7)",
        "r = torch.matrix_power(M, -2)", "r = M.matrix_power(5)",
        "r = torch.linalg.matrix_power(torch.tensor([[1, 2], [3, 4]]), 5)",
        "r = torch.kron(a, b)", "r = torch.kron(c, M)", "r = a.kron(torch.tensor(2.0))",
        "r = torch.kron(torch.tensor([1, 2]), torch.tensor([[1], [3]]))",
        "r = torch.block_diag(a, c, torch.tensor(5.0), b)", "r = torch.block_diag(a)",
        "r = torch.block_diag(torch.tensor([1, 2]), torch.tensor([[1.5]]))",
        "r = torch.baddbmm(i, x, y, beta=0.5, alpha=-1.5)", "r = torch.addbmm(i, x, y)",
        "r = i.addbmm(x, y, alpha=2)", "r = i[None].expand(3, 2, 5).baddbmm(x, y)",
        "r = torch.addr(i, v, w, beta=2)", "r = i.addr(v, w)",
        "r = torch.addr(torch.ones(2, 3, dtype=torch.int64), torch.tensor([1, 2]), "
        "torch.tensor([1, 2, 3]), alpha=3)",
        "r = torch.baddbmm(torch.full((1, 2, 5), float('nan'), dtype=torch.float64), x, y, "
        "beta=0)",
        "i.addbmm_(x, y, beta=0.5); r = i", "i.addr_(v, w, alpha=-1); r = i",
        "i.addmm_(a, b @ torch.ones(4, 5, dtype=torch.float64)); r = i",
        "z = torch.zeros(3, 2, 5, dtype=torch.float64); z.baddbmm_(x, y); r = z",
    ]:
        _same(run_code(tg, setup + code), run_code(torch, setup + code), code)
    with pytest.warns(UserWarning, match="chain_matmul is deprecated"):
        result = tg.chain_matmul(tg.tensor(arrays["a"]), tg.tensor(arrays["b"]))
    _same(result, arrays["a"] @ arrays["b"])
    _same(tg.block_diag(), torch.block_diag())


# -- gradients and second derivatives -------------------------------------------------------

GAUGE_FREE = {
    "svdvals": lambda lib, A: (lib.linalg.svdvals(A) ** 3).sum(),
    "svd |U| |Vh|": lambda lib, A: sum((f.abs() ** 3).sum() for f in
                                       lib.linalg.svd(A, full_matrices=False)[::2]),
    "svd full |U|, S": lambda lib, A: (lambda r: (r.U.abs() ** 3).sum() * r.S.sum())(
        lib.linalg.svd(A)),
    "svd U S Vh": lambda lib, A: (lambda r: (((r.U * r.S[..., None, :]) @ r.Vh) ** 3).sum())(
        lib.linalg.svd(A, full_matrices=False)),
    "svd low rank": lambda lib, A: (lambda r: (r.U[..., :1] * r.S[..., None, :1]
                                               @ r.Vh[..., :1, :]).pow(2).sum())(
        lib.linalg.svd(A, full_matrices=False)),
    "legacy svd": lambda lib, A: (lambda r: (r.U.abs() ** 3).sum() + (r.V.abs() ** 3).sum()
                                  + r.S.sum())(lib.svd(A)),
    "svd S only, compute_uv=False": lambda lib, A: (lib.svd(A, compute_uv=False).S ** 2).sum(),
    "qr": lambda lib, A: (lambda r: (r.Q ** 3).sum() + (r.R ** 2).sum())(lib.linalg.qr(A)),
    "legacy qr R": lambda lib, A: (lib.qr(A).R.exp()).sum(),
    "pinv": lambda lib, A: (lib.linalg.pinv(A) ** 3).sum(),
    "cond": lambda lib, A: lib.linalg.cond(A).sum() + lib.linalg.cond(A, -2).sum(),
}


@pytest.mark.parametrize("name", GAUGE_FREE)
@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 5), (2, 4, 3)])
def test_rectangular_gradients_and_second_derivatives_match_torch(torch, name, shape):
    _same_derivatives(torch, GAUGE_FREE[name], shape)


SQUARE = {
    "eigh": lambda lib, A: (lambda r: (r.eigenvectors.abs() ** 3).sum()
                            + (r.eigenvalues ** 3).sum())(lib.linalg.eigh(A)),
    "eigh U": lambda lib, A: (lambda r: (r.eigenvectors.abs() ** 3).sum()
                              + (r.eigenvalues ** 3).sum())(lib.linalg.eigh(A, UPLO="U")),
    "eigh V diag(L) V^T": lambda lib, A: (lambda r: ((r.eigenvectors * r.eigenvalues[..., None, :]
                                                      @ r.eigenvectors.mT) ** 3).sum())(
        lib.linalg.eigh(A + A.mT)),
    "eigvalsh": lambda lib, A: (lib.linalg.eigvalsh(A) ** 3).sum(),
    "slogdet": lambda lib, A: (lib.linalg.slogdet(A).logabsdet ** 2).sum(),
    "logdet": lambda lib, A: (lib.logdet(A @ A.mT + lib.eye(A.shape[-1], dtype=A.dtype)) ** 2)
    .sum(),
    "pinv hermitian": lambda lib, A: (lib.linalg.pinv(A + A.mT, hermitian=True) ** 3).sum(),
    "matrix_power": lambda lib, A: (lib.linalg.matrix_power(A, 5).sum()
                                    + lib.matrix_power(A + 3 * lib.eye(A.shape[-1],
                                                                       dtype=A.dtype), -2).sum()),
    "qr complete": lambda lib, A: (lambda r: (r.Q ** 3).sum() + (r.R ** 2).sum())(
        lib.linalg.qr(A, mode="complete")),
}


@pytest.mark.parametrize("name", SQUARE)
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_square_gradients_and_second_derivatives_match_torch(torch, name, shape):
    _same_derivatives(torch, SQUARE[name], shape)


SEVERAL = {
    "lstsq": (lambda lib, A, B: (lib.linalg.lstsq(A, B).solution ** 3).sum(), (5, 3), (5, 2)),
    "lstsq vector": (lambda lib, A, B: (lib.linalg.lstsq(A, B).solution ** 3).sum(),
                     (2, 5, 3), (2, 5)),
    "lstsq residuals": (lambda lib, A, B: (lib.linalg.lstsq(A, B, driver="gelsd").residuals
                                           ** 2).sum(), (5, 3), (5, 2)),
    "multi_dot": (lambda lib, A, B: (lib.linalg.multi_dot([A, B, A.mT]) ** 3).sum(),
                  (2, 3), (3, 3)),
    "kron": (lambda lib, A, B: (lib.kron(A, B) ** 3).sum(), (2, 3), (3,)),
    "block_diag": (lambda lib, A, B: (lib.block_diag(A, B, A[0]) ** 3).sum(), (2, 3), (3,)),
    "addr": (lambda lib, A, B: (lib.addr(A, A[:, 0], B, beta=0.5) ** 3).sum(), (3, 2), (2,)),
}


@pytest.mark.parametrize("name", SEVERAL)
def test_gradients_of_several_inputs_match_torch(torch, name):
    loss, *shapes = SEVERAL[name]
    _same_derivatives(torch, loss, *shapes)


@pytest.mark.parametrize("fn, shape", [
    (lambda A: tg.linalg.svd(A, full_matrices=False).U.abs().sum(-1), (4, 3)),
    (lambda A: tg.linalg.svd(A).Vh[..., :2, :].abs(), (2, 3)),
    (lambda A: tg.linalg.svdvals(A), (2, 3, 4)),
    (lambda A: tg.linalg.qr(A).Q, (3, 5)),
    (lambda A: tg.linalg.qr(A).R, (5, 3)),
    (lambda A: tg.linalg.eigh(A + A.mT).eigenvectors.abs(), (3, 3)),
    (lambda A: tg.linalg.pinv(A), (3, 4)),
])
def test_finite_differences(fn, shape, rng):
    A = tg.tensor(rng.standard_normal(shape), requires_grad=True)
    assert tg.gradcheck(fn, (A,))
    assert tg.gradgradcheck(fn, (A,))


def test_svdvals_gradient_is_finite_for_repeated_and_zero_singular_values(torch):
    """Only S used: U diag(g) Vh, with no division by S_i^2 - S_j^2 or by S."""
    for a in (np.eye(3), np.diag([2.0, 2.0, 0.0]), np.zeros((3, 2))):
        A, tA = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        tg.linalg.svdvals(A).sum().backward()
        torch.linalg.svdvals(tA).sum().backward()
        assert np.isfinite(A.grad.numpy()).all()
        _same(A.grad, tA.grad)
        B = tg.tensor(a + a.T if a.shape[0] == a.shape[1] else a @ a.T, requires_grad=True)
        tg.linalg.eigvalsh(B).sum().backward()
        assert np.isfinite(B.grad.numpy()).all()


def test_qr_refuses_to_differentiate_where_torch_does(torch, rng):
    a = rng.standard_normal((4, 3))
    for mode in ("r", "complete"):
        code = (f"A = torch.tensor(np.array({a.tolist()}), requires_grad=True); "
                f"torch.linalg.qr(A, mode='{mode}').R.sum().backward()")
        raises_as_torch(torch, code)
    with pytest.raises(RuntimeError, match="mode='reduced'"):
        tg.linalg.qr(tg.tensor(a, requires_grad=True), mode="r").R.sum().backward()


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [
    "torch.linalg.svd(torch.ones(3, dtype=torch.float64))",
    "torch.linalg.svd(torch.ones(3, 3, dtype=torch.int64))",
    "torch.svd(torch.ones(3, 3, dtype=torch.int64))",
    "torch.linalg.svdvals(torch.ones(3))",
    "torch.linalg.qr(torch.ones(3))", "torch.linalg.qr(torch.ones(3, 3), mode='x')",
    "torch.linalg.qr(torch.ones(3, 3, dtype=torch.int64))",
    "torch.linalg.eigh(torch.ones(3, 4))", "torch.linalg.eigh(torch.ones(3))",
    "torch.linalg.eigh(torch.ones(3, 3), UPLO='X')",
    "torch.linalg.eigh(torch.ones(3, 3, dtype=torch.int64))",
    "torch.linalg.eigvalsh(torch.ones(3, 3, dtype=torch.int64))",
    "torch.linalg.slogdet(torch.ones(3, 4))", "torch.logdet(torch.ones(3))",
    "torch.linalg.svd(torch.eye(3, dtype=torch.float16))",
    "torch.linalg.qr(torch.eye(3, dtype=torch.float16))",
    "torch.linalg.eigh(torch.eye(3, dtype=torch.float16))",
    "torch.linalg.slogdet(torch.eye(3, dtype=torch.float16))",
    "torch.linalg.pinv(torch.eye(3, dtype=torch.float16))",
    "torch.logdet(torch.ones(3, 3, dtype=torch.int64))",
    "torch.linalg.pinv(torch.ones(3))", "torch.linalg.pinv(torch.ones(3, 3, dtype=torch.int64))",
    "torch.linalg.pinv(torch.ones(3, 4), hermitian=True)",
    "torch.linalg.pinv(torch.ones(3, 3), rcond=0.1, rtol=0.1)",
    "torch.linalg.matrix_rank(torch.ones(3))", "torch.linalg.cond(torch.ones(3))",
    "torch.linalg.cond(torch.ones(3, 4), 'fro')", "torch.linalg.cond(torch.eye(3), 'foo')",
    "torch.linalg.matrix_power(torch.ones(3, 4), 2)", "torch.matrix_power(torch.ones(3), 2)",
    "torch.linalg.matrix_power(torch.zeros(2, 2), -1)",
    "torch.linalg.matrix_power(torch.ones(2, 2, dtype=torch.int64), -1)",
    "torch.linalg.lstsq(torch.ones(5, 3), torch.ones(4, 2))",
    "torch.linalg.lstsq(torch.ones(5, 3), torch.ones(5, 2), driver='foo')",
    "torch.linalg.lstsq(torch.ones(5, 3), torch.ones(5, 2, dtype=torch.float64))",
    "torch.linalg.multi_dot([torch.ones(2, 3)])",
    "torch.linalg.multi_dot([torch.ones(2, 3), torch.ones(2, 3)])",
    "torch.linalg.multi_dot([torch.ones(2, 2, 2), torch.ones(2, 3)])",
    "torch.linalg.multi_dot([torch.ones(2, 3), torch.ones(3), torch.ones(3, 2)])",
    "torch.linalg.vecdot(torch.ones(3), torch.ones(3, dtype=torch.float64))",
    "torch.linalg.vecdot(torch.ones(2, 3), torch.ones(2, 4))",
    "torch.block_diag(torch.ones(2, 2, 2))",
    "torch.baddbmm(torch.ones(3, 2, 5), torch.ones(3, 2, 4), torch.ones(2, 4, 5))",
    "torch.baddbmm(torch.ones(3, 2, 5), torch.ones(2, 4), torch.ones(3, 4, 5))",
    "torch.baddbmm(torch.ones(3, 2, 5), torch.ones(3, 2, 4), torch.ones(3, 4, 5, "
    "dtype=torch.float64))",
    "torch.baddbmm(torch.ones(3, 3, 5), torch.ones(3, 2, 4), torch.ones(3, 4, 5))",
    "torch.addbmm(torch.ones(2, 5), torch.ones(3, 2, 4), torch.ones(3, 5, 5))",
    "torch.addr(torch.ones(2, 3), torch.ones(2, 2), torch.ones(3))",
    "torch.addr(torch.ones(2, 3, dtype=torch.int64), torch.ones(2, dtype=torch.int64), "
    "torch.ones(3, dtype=torch.int64), beta=0.5)",
    "torch.ones(1, 5).addmm_(torch.ones(2, 3), torch.ones(3, 5))",
    "torch.ones(2, 5, requires_grad=True).addr_(torch.ones(2), torch.ones(5))",
])
def test_refusals_raise_torchs_error_types(torch, code):
    raises_as_torch(torch, code)


def test_errors_name_the_op_and_the_shapes():
    with pytest.raises(RuntimeError, match=r"linalg.eigh: A must be batches of square.*3 by 4"):
        tg.linalg.eigh(tg.ones(3, 4))
    with pytest.raises(RuntimeError, match=r"linalg.svd.*at least 2 dimensions.*\(3,\)"):
        tg.linalg.svd(tg.ones(3))
    with pytest.raises(tg.linalg.LinAlgError, match="singular"):
        tg.linalg.matrix_power(tg.zeros(2, 2), -1)
    with pytest.raises(RuntimeError, match=r"multi_dot\(\): tensors 0 and 1 with shapes"):
        tg.linalg.multi_dot([tg.ones(2, 3), tg.ones(2, 3)])


def test_decompositions_refuse_onnx_export_by_name(tmp_path, onnx):
    for fn, label in ((lambda x: tg.linalg.svdvals(x), "svd"),
                      (lambda x: tg.linalg.qr(x).R, "qr"),
                      (lambda x: tg.linalg.eigvalsh(x), "eigh"),
                      (lambda x: tg.logdet(x), "logabsdet"),
                      (lambda x: tg.linalg.pinv(x), "pinv")):
        with pytest.raises(tg.onnx.ExportError, match=f"ONNX has no {label} op"):
            tg.onnx.export(fn, (tg.eye(3) * 2,), tmp_path / "m.onnx")


# -- a PyTorch program: PCA by SVD, then a low-rank autoencoder fitted with Adam --------------

PCA_PROGRAM = """
g = np.random.default_rng(7)
latent = g.standard_normal((60, 2))
data = torch.tensor(latent @ g.standard_normal((2, 5)) + 0.05 * g.standard_normal((60, 5)))
centered = data - data.mean(0, keepdim=True)
U, S, Vh = torch.linalg.svd(centered, full_matrices=False)
explained = S ** 2 / (S ** 2).sum()
components = Vh[:2]
sign = torch.sign(components[:, :1])      # fix the sign gauge, as sklearn does
components = components * sign
projected = centered @ components.T
pca_error = ((projected @ components - centered) ** 2).mean()

encoder = torch.nn.Linear(5, 2, bias=False).double()
decoder = torch.nn.Linear(2, 5, bias=False).double()
with torch.no_grad():
    encoder.weight.copy_(torch.tensor(g.standard_normal((2, 5)) * 0.3))
    decoder.weight.copy_(torch.tensor(g.standard_normal((5, 2)) * 0.3))
opt = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=0.02)
losses = []
for step in range(150):
    opt.zero_grad()
    reconstruction = decoder(encoder(centered))
    # keep the decoder's columns orthonormal-ish through its singular values
    penalty = ((torch.linalg.svdvals(decoder.weight) - 1) ** 2).sum()
    loss = ((reconstruction - centered) ** 2).mean() + 0.01 * penalty
    loss.backward()
    opt.step()
    losses.append(loss.item())
Q, R = torch.linalg.qr(decoder.weight.detach())
subspace = torch.linalg.svdvals(components @ Q)    # cosines of the principal angles
r = torch.cat([explained, pca_error.reshape(1), torch.tensor(losses[-5:]),
               subspace, decoder.weight.detach().reshape(-1)])
"""


def test_pca_and_a_low_rank_autoencoder_as_in_torch(torch):
    ours, theirs = run_code(tg, PCA_PROGRAM), run_code(torch, PCA_PROGRAM)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-9, atol=1e-12)
    explained = ours.numpy()[:5]
    assert explained[:2].sum() > 0.99  # two components carry the data
    assert ours.numpy()[11:13].min() > 0.99  # the autoencoder found the PCA subspace


def test_empty_and_constant_outputs_require_grad_as_torch(torch, rng):
    a = rng.standard_normal((3, 3))
    for lib in (tg, torch):
        A = lib.tensor(a, requires_grad=True)
        got = [lib.linalg.matrix_power(A, 0).requires_grad,
               lib.linalg.qr(A, mode="r").Q.requires_grad,
               lib.linalg.lstsq(A, A).residuals.requires_grad,
               lib.linalg.lstsq(A, A).singular_values.requires_grad,
               lib.svd(A, compute_uv=False).U.requires_grad,
               lib.linalg.slogdet(A).sign.requires_grad]
        assert got == [True, True, True, False, False, True], lib.__name__
    A = tg.tensor(a, requires_grad=True)
    (tg.linalg.matrix_power(A, 0).sum() + tg.linalg.matrix_power(A, 1).sum()).backward()
    np.testing.assert_array_equal(A.grad.numpy(), np.ones((3, 3)))


def test_check_graph_passes_every_decomposition_node(rng):
    """tg.check_graph moves one element of A at a time: eigh reads one triangle, and its
    elementwise gradient says so."""
    with tg.debug.record_inputs():
        A = tg.tensor(rng.standard_normal((3, 3)), requires_grad=True)
        w, v = tg.linalg.eigh(A, UPLO="U")
        U, S, Vh = tg.linalg.svd(A, full_matrices=False)
        Q, R = tg.linalg.qr(A)
        y = ((w ** 3).sum() + v.abs().sum() + (U.abs() ** 3).sum() + S.sum() + R.sum()
             + Q.sum() + tg.linalg.pinv(A).sum() + tg.linalg.slogdet(A).logabsdet)
    report = tg.check_graph(y)
    assert report.ok
    checked = {row.op for row in report if row.status == "pass"}
    assert {"eigh", "svd", "qr", "pinv", "logabsdet"} <= checked
