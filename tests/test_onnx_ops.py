"""Every op of the op table exported alone, checked by onnx and run on ONNX Runtime.

Each case of ``optable.OPS`` (shapes, keywords) becomes a one-op model: its arrays are the
graph's inputs, its keywords constants. The exported file passes ``onnx.checker`` and ONNX
Runtime's CPU provider computes tinygraph's forward (float64, rtol 1e-5).
"""

from __future__ import annotations

import numpy as np
import pytest
from onnxrun import run_onnx
from optable import OPS, cases, make_inputs

import tinygraph as tg
from tinygraph.autograd import Op, toposort
from tinygraph.onnx.table import MAPPINGS
from tinygraph.ops import shape as F
from tinygraph.ops.namespace import attach

# Op-table entries that cannot be exported, and why: the export must refuse them by name.
NOT_EXPORTABLE = {
    # x[x > 0]: the mask comes from a comparison, which tinygraph does not record, so the
    # graph holds it as a constant of this input; the export's second run (shuffled inputs)
    # sees it change and refuses rather than freeze it.
    "getitem_positive": "changed when the inputs. values changed",
    # tg.mode: which element is the mode is counted in NumPy, outside the graph, likewise
    "mode": "changed when the inputs. values changed",
    # tg.cummax/cummin: where the running extreme is, likewise (ONNX has no running max)
    "cummax": "changed when the inputs. values changed",
    "cummin": "changed when the inputs. values changed",
    # ONNX has no matrix inverse (tinygraph/onnx/linalg.py)
    "inverse": "no matrix-inverse op",
    "linalg_solve": "no matrix-inverse op",
    "linalg_solve_triangular": "no matrix-inverse op",
    "triangular_solve": "no matrix-inverse op",
    # nor a Cholesky op
    "cholesky": "no cholesky op",
    "cholesky_solve": "no cholesky op",
    "cholesky_inverse": "no cholesky op",
    # scatter_reduce amax/amin: which values tie with the result is counted in NumPy
    "scatter_reduce_extreme": "changed when the inputs. values changed",
    "index_reduce_extreme": "changed when the inputs. values changed",
    # tg.nanmedian: the median's position is found in NumPy (NaNs left out), a constant of
    # one input's values; the op refuses export by name
    "nanmedian": "the op 'nanmedian' .*position is found in NumPy",
    "nanmedian_dim": "the op 'nanmedian' .*position is found in NumPy",
    # ONNX has no gamma-family function and no inverse error function (ops/gamma.py)
    **dict.fromkeys(["lgamma", "lgamma_negative", "digamma", "digamma_negative", "polygamma",
                     "polygamma_method", "erfinv", "mvlgamma", "igamma", "igammac"],
                    "ONNX has no (lgamma|digamma|polygamma|erfinv|igamma|igammac) op"),
    # CTC's alpha recursion is a loop over time with data-dependent lengths: no ONNX op
    "ctc_loss": "ONNX has no ctc_loss op",
    # nor copysign, nextafter, frexp, a running log-sum-exp or the special functions of
    # tg.special (tinygraph/onnx/mathfns.py)
    **dict.fromkeys(["copysign", "copysign_scalar", "nextafter", "frexp", "frexp_negative",
                     "logcumsumexp", "i0", "special_i0e", "special_i1", "special_i1e",
                     "special_erfcx", "special_ndtri", "special_ndtri_tail", "special_log_ndtr",
                     "special_log_ndtr_tail", "special_entr", "special_xlog1py"],
                    r"ONNX has no \w+ op"),
    # ONNX Runtime runs GridSample in float32 only (float32 models export: test_nn_grid_sample)
    "grid_sampler": "GridSample has no float64 kernel",
    # nor SVD, QR, eigendecompositions, log|det| or pseudo-inverses (ops/decompositions.py,
    # ops/linalg_functions.py); a negative matrix_power inverts
    **dict.fromkeys(["svd", "linalg_svd", "linalg_svdvals", "linalg_cond"], "ONNX has no svd op"),
    **dict.fromkeys(["qr", "linalg_qr", "linalg_qr_complete"], "ONNX has no qr op"),
    **dict.fromkeys(["linalg_eigh", "linalg_eigvalsh"], "ONNX has no eigh op"),
    **dict.fromkeys(["slogdet", "logdet"], "ONNX has no logabsdet op"),
    **dict.fromkeys(["pinverse", "linalg_pinv_hermitian", "linalg_lstsq",
                     "linalg_lstsq_residuals"], "ONNX has no pinv op"),
    "matrix_power_negative": "no matrix-inverse op",
}


def _one_op(spec, kwargs):
    def fn(*xs):
        return spec.fn(*xs, **kwargs)

    return fn


@pytest.mark.parametrize("spec, shapes, kwargs", cases(OPS))
def test_op_exports_and_runs_on_onnxruntime(spec, shapes, kwargs, rng, tmp_path, onnx,
                                            onnxruntime):
    arrays = make_inputs(spec, shapes, rng)
    fn = _one_op(spec, kwargs)
    path = tmp_path / f"{spec.name}.onnx"
    if spec.name in NOT_EXPORTABLE:
        with pytest.raises(tg.onnx.ExportError, match=NOT_EXPORTABLE[spec.name]):
            tg.onnx.export(fn, tuple(tg.tensor(a) for a in arrays), path)
        return
    expected = fn(*[tg.tensor(a) for a in arrays]).numpy()
    tg.onnx.export(fn, tuple(tg.tensor(a) for a in arrays), path)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    (got,) = run_onnx(onnxruntime, path, *arrays)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=0)


@pytest.mark.parametrize("spec", OPS, ids=lambda s: s.name)
def test_every_op_table_op_has_a_mapping_or_is_listed_as_not_exportable(spec, rng):
    shapes, kwargs = next((s, k) for s in spec.shapes for k in spec.kwargs_for(s))
    inputs = [tg.tensor(a, requires_grad=True) for a in make_inputs(spec, shapes, rng)]
    ops = {type(n) for n in toposort(spec.fn(*inputs, **kwargs)) if isinstance(n, Op)}
    assert ops, f"{spec.name} recorded no op"
    unmapped = sorted(op.__name__ for op in ops if op not in MAPPINGS)
    assert not unmapped or spec.name in NOT_EXPORTABLE, (
        f"{spec.name}: {unmapped} have no ONNX mapping in tinygraph/onnx/table.py; add one, "
        "or list the op in NOT_EXPORTABLE with the reason")


# Ops outside the op table (the engine's create_graph helpers) and index cases it lacks:
# (function, input shapes).
EXTRA = {
    "scatter_add": (lambda x: F.scatter_into(x, (np.array([0, 2, 0]), slice(1, 3)), (4, 3)),
                    [(3, 2)]),
    "attach": (lambda x, y: attach(x * 2, y), [(2, 3), (4,)]),
    "setitem_repeated_rows": (lambda x, v: F.setitem(x, np.array([0, 2, 0]), v),
                              [(4, 5), (3, 5)]),
    "setitem_slice": (lambda x, v: F.setitem(x, (slice(None), slice(1, None, 2)), v),
                      [(4, 5), (2,)]),
    "getitem_negative_array": (lambda x: x[np.array([-1, 0])], [(4, 5)]),
    "clip_array_bounds": (lambda x: tg.clip(x, np.array([-0.5, 0.0, 0.2]), 0.7), [(2, 3)]),
    "floor_divide": (lambda a, b: a // b, [(2, 3), (3,)]),
    "floor_divide_scalar": (lambda a: 3.5 // a + a // -0.75, [(2, 3)]),
    "inplace_through_views": (lambda x: _inplace_through_views(x), [(2, 3)]),
}


def _inplace_through_views(x):
    """In-place ops through views: copy_slices for the base, as_strided for a view."""
    b = x * 2
    row = b[1]
    b[0:1] += x[1:2]
    b.t()[0].mul_(3)
    return row + b.sum(0)


@pytest.mark.parametrize("fn, shapes", EXTRA.values(), ids=EXTRA.keys())
def test_ops_outside_the_table_run_on_onnxruntime(fn, shapes, rng, tmp_path, onnxruntime):
    arrays = [rng.standard_normal(shape) for shape in shapes]
    path = tmp_path / "fn.onnx"
    tg.onnx.export(fn, tuple(tg.tensor(a) for a in arrays), path)
    (got,) = run_onnx(onnxruntime, path, *arrays)
    np.testing.assert_allclose(got, fn(*[tg.tensor(a) for a in arrays]).numpy(), rtol=1e-5,
                               atol=0)


def test_scatter_add_needs_opset_16(tmp_path, onnx):
    fn, shapes = EXTRA["scatter_add"]
    with pytest.raises(tg.onnx.UnsupportedOpError, match="'scatter_add'.*opset_version=16"):
        tg.onnx.export(fn, tg.randn(*shapes[0]), tmp_path / "fn.onnx", opset_version=15)


def _op_classes(cls=Op):
    for sub in cls.__subclasses__():
        if sub.label is not None:
            yield sub
        yield from _op_classes(sub)


def test_every_built_in_op_class_has_a_mapping():
    unmapped = sorted(c.__name__ for c in _op_classes() if c not in MAPPINGS
                      and c.__module__.startswith("tinygraph."))
    assert not unmapped, f"no ONNX mapping in tinygraph/onnx/table.py for {unmapped}"
