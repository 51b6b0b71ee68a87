"""Debugging gradients: check every node of a recorded graph against finite differences.

``tg.gradcheck`` says whether a whole function's gradient is right; ``check_graph`` says which
node is wrong. Each node is checked alone: a fresh copy re-runs its op's forward on float64
copies of the node's inputs, its backward gives ``v . J`` for a random upstream gradient ``v``,
and central finite differences of ``v . forward(x)`` give the same numbers independently.

Inputs: kept by every node under ``tg.detect_anomaly()`` or ``record_inputs()`` (otherwise
recording stores nothing extra); else recovered from leaves, saved values and outputs
re-computed from the inputs up. A node whose operand nothing kept is reported as skipped.

Kinks: where the one-sided differences disagree by an amount that does not shrink with the
step (relu or abs at 0, a max tie, a clip bound), a backward value between them is reported
"non-differentiable", not as a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .autograd import OUTPUT, AccumulateGrad
from .autograd.graph import ModuleInfo, known_values, param_names, toposort
from .autograd.mode import no_grad, record_inputs
from .autograd.node import new_tensor
from .backend import numpy_namespace
from .errors import GradcheckError

__all__ = ["GraphCheckError", "GraphCheckReport", "NodeCheck", "check_graph", "record_inputs"]

PASS, FAIL, NONDIFF, SKIP = "pass", "FAIL", "non-differentiable", "skipped"
_MISSING = object()
_NOT_COPIED = frozenset({"debug_inputs", "site", "anomaly", "hooks", "outputs"})


class GraphCheckError(GradcheckError):
    """A node's backward disagrees with finite differences. ``.report`` holds the rows checked
    so far, ``.row`` the failing one (``.row.node`` is the graph node)."""

    def __init__(self, message: str, report: GraphCheckReport, row: NodeCheck) -> None:
        super().__init__(message)
        self.report, self.row = report, row


@dataclass
class NodeCheck:
    """One row of the report: one node of the graph."""

    index: int  # position in the graph, inputs first
    op: str
    inputs: list  # per input: "0.weight (4, 3)", "(8, 4) from linear", "constant 2.0"
    output_shape: tuple
    status: str = PASS  # "pass", "FAIL", "non-differentiable" or "skipped"
    error: float | None = None  # worst |backward - finite differences| where differentiable
    detail: str = ""  # the worst element, the kink, or why the node was skipped
    site: str | None = None  # "file:line in fn" that created it (anomaly / record_inputs)
    params: list = field(default_factory=list)  # names of the parameters among its inputs
    module: str | None = None  # "0.block: Block", the Module whose forward recorded it
    node: object = field(default=None, repr=False)


class GraphCheckReport(list):
    """A list of :class:`NodeCheck`, one per node, inputs first; ``print`` it for a table. True
    when no node failed, so ``assert tg.check_graph(loss)`` works."""

    rows = property(lambda self: list(self))
    failures = property(lambda self: self.with_status(FAIL))
    nondifferentiable = property(lambda self: self.with_status(NONDIFF))
    skipped = property(lambda self: self.with_status(SKIP))
    ok = property(lambda self: not self.failures)

    def with_status(self, status: str) -> list:
        return [row for row in self if row.status == status]

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"<GraphCheckReport: {self.summary()}>"

    def summary(self) -> str:
        counts = [f"{len(self.with_status(s))} {s}" for s in (PASS, NONDIFF, FAIL, SKIP)
                  if self.with_status(s)]
        return f"{len(self)} nodes" + (": " + ", ".join(counts) if counts else "")

    def __str__(self) -> str:
        table = [("#", "op", "module", "inputs", "output", "worst error", "status")]
        table += [(str(r.index), r.op, r.module or "", "; ".join(r.inputs), _shape(r.output_shape),
                   "-" if r.error is None else f"{r.error:.2g}", r.status) for r in self]
        widths = [max(len(line[k]) for line in table) for k in range(len(table[0]))]
        lines = [f"check_graph: {self.summary()}"]
        lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip()
                  for line in table]
        notes = [r for r in self if r.status != PASS]
        lines += ["notes:"] if notes else []
        for r in notes:
            where = f" (created at {r.site})" if r.site else ""
            lines.append(f"  #{r.index} {r.op}{where}: {r.detail}")
        if any("not kept" in r.detail or "freed" in r.detail for r in notes):
            lines.append("hint: build the graph under tg.detect_anomaly() or "
                         "tg.debug.record_inputs() so that every node keeps its inputs.")
        return "\n".join(lines)


def _shape(shape) -> str:
    return str(tuple(int(n) for n in shape)) if shape is not None else "?"


# -- re-running one node ---------------------------------------------------------------------


class _Wrong(Exception):
    """A backward that is wrong without any finite differences (gradient count or shape)."""


class _Rerun:
    """Fresh copies of a node: its forward on given inputs, its backward for a given ``v``."""

    def __init__(self, node) -> None:
        self.node, self.cls, self.attrs = node, type(node), {}
        for klass in self.cls.__mro__:  # the op's own slots (axis, index, ...), not machinery
            if klass is object or klass.__module__.startswith("tinygraph.autograd"):
                continue
            slots = klass.__dict__.get("__slots__", ())
            for name in [slots] if isinstance(slots, str) else slots:
                if hasattr(node, name):
                    self.attrs[name] = getattr(node, name)
        for name, value in getattr(node, "__dict__", {}).items():
            if name not in _NOT_COPIED:
                self.attrs[name] = value
        for name, value in self.attrs.items():  # a cast to float32 re-runs as one to float64
            if (isinstance(value, np.dtype) and value.kind == "f") or (
                    isinstance(value, type) and issubclass(value, np.floating)):
                self.attrs[name] = np.dtype(np.float64)

    def forward(self, xs) -> tuple:
        ctx = self.cls.__new__(self.cls)
        for name, value in self.attrs.items():
            setattr(ctx, name, value)
        ctx.parents = self.node.parents
        ctx.saved, ctx.origins, ctx.xp = (), None, numpy_namespace
        if self.cls.array_io:
            out = ctx.forward(*xs)
            if not isinstance(out, np.ndarray):  # a 0-d result, as Op.apply fixes it up
                scalar, out = out, np.asarray(out)
                ctx.saved = tuple(out if s is scalar else s for s in ctx.saved)
            return ctx, out
        args = [new_tensor(x, None) if isinstance(x, np.ndarray) else x for x in xs]
        with no_grad():
            out = self.cls.forward(ctx, *args)
        return ctx, np.asarray(getattr(out, "_data", out))

    def backward(self, ctx, v, xs) -> list:
        """Per input: ``v . J`` in the input's shape, or None where no gradient flows."""
        if self.cls.array_io:
            grads = ctx.backward(v)
        else:
            with no_grad():
                grads = self.cls.backward(ctx, new_tensor(v, None))
        grads = grads if isinstance(grads, (tuple, list)) else (grads,)
        if len(grads) != len(xs):
            raise _Wrong(f"its backward returned {len(grads)} gradients for {len(xs)} inputs")
        result = []
        for i, (g, parent, x) in enumerate(zip(grads, self.node.parents, xs)):
            if parent is None:
                result.append(None)
                continue
            g = np.zeros(np.shape(x)) if g is None else np.asarray(getattr(g, "_data", g), float)
            if g.shape != np.shape(x):
                try:
                    g = numpy_namespace.unbroadcast(g, np.shape(x))
                except ValueError:
                    pass
            if g.shape != np.shape(x):
                raise _Wrong(f"its backward returned a gradient of shape {tuple(g.shape)} for "
                             f"input {i} of shape {np.shape(x)}")
            result.append(g)
        project = getattr(ctx, "elementwise_gradient", None)  # an op whose gradient is for
        return project(result) if project else result         # symmetric inputs (cholesky)


def _probe(f, flat, j, u, t: float) -> float:
    """``f()`` with ``flat[j]`` (or all of ``flat``, along ``u``) moved by ``t``, then restored."""
    original = flat[j] if u is None else flat.copy()
    if u is None:
        flat[j] = original + t
    else:
        flat += t * u
    try:
        return f()
    finally:
        flat[... if u is not None else j] = original


def _check(rerun: _Rerun, xs, eps, atol, rtol, rng, max_elements) -> tuple:
    """(status, worst error, detail, output) of one node at float64 inputs ``xs``."""
    ctx, out = rerun.forward(xs)
    if out.dtype != np.float64:
        return SKIP, None, (f"its forward returns {out.dtype} on float64 inputs (a cast?); "
                            "finite differences need float64"), out
    v = rng.standard_normal(out.shape)
    try:
        analytic = rerun.backward(ctx, v, xs)
    except _Wrong as exc:
        return FAIL, None, str(exc), out
    except Exception as exc:  # noqa: BLE001 - a backward that raises is a failing backward
        return FAIL, None, f"its backward raised {exc!r}", out

    def f() -> float:
        return float(np.vdot(v, rerun.forward(xs)[1]))

    f0 = float(np.vdot(v, out))
    worst, fail, kink, failures = 0.0, None, None, 0
    for i, g in enumerate(analytic):
        if g is None:
            continue
        flat, g = xs[i].reshape(-1), g.reshape(-1)  # xs[i] is our own contiguous copy
        n = flat.size
        moves = [(j, None) for j in (range(n) if n <= max_elements else
                                     np.sort(rng.choice(n, max_elements, replace=False)))]
        if n > max_elements:  # the sample may miss a bad element; one direction sees them all
            moves.append((None, rng.standard_normal(n)))
        for j, u in moves:
            a = 0.0 + (float(g[j]) if u is None else float(g @ u))
            where = (f"input {i} element {_element(j, xs[i].shape)}" if u is None
                     else f"input {i} along a random direction")
            fp, fm = _probe(f, flat, j, u, eps), _probe(f, flat, j, u, -eps)
            if not np.isfinite([f0, fp, fm]).all():
                kink = kink or (f"{where}: the op is not finite within eps={eps:g} of this "
                                "point (log, sqrt or a division at or near 0?)")
                continue
            central, right, left = (fp - fm) / (2 * eps), (fp - f0) / eps, (f0 - fm) / eps
            lo, hi = min(left, right), max(left, right)
            tol = atol + rtol * max(abs(lo), abs(hi))
            if hi - lo > tol:  # a kink, or curvature? A kink's jump does not grow with the step
                jump2 = (_probe(f, flat, j, u, 2 * eps) + _probe(f, flat, j, u, -2 * eps)
                         - 2 * f0) / (2 * eps)
                if abs(jump2 - (right - left)) < 0.5 * (hi - lo) and lo - tol <= a <= hi + tol:
                    kink = kink or (
                        f"{where}: the one-sided derivatives of v.output differ ({left:.4g} "
                        f"from the left, {right:.4g} from the right), a kink such as relu or "
                        f"abs at 0, a tie in max or a clip bound; the backward's {a:.4g} lies "
                        "between them")
                    continue
            error = abs(a - central)
            worst = max(worst, error)
            allowed = atol + rtol * abs(central)
            if error > allowed:
                failures += 1
                if fail is None or error > fail[0]:
                    fail = (error, f"{where}: backward gives {a:.6g}, finite differences "
                            f"{central:.6g} (abs error {error:.3g}, allowed {allowed:.3g})")
    if fail is not None:
        more = f"; {failures} checked elements differ" if failures > 1 else ""
        return FAIL, worst, fail[1] + more, out
    return (NONDIFF, worst, kink, out) if kink else (PASS, worst, "", out)


def _element(j: int, shape) -> tuple:
    return tuple(int(k) for k in np.unravel_index(j, shape)) if shape else ()


# -- the walk ----------------------------------------------------------------------------


def _gather(node, values) -> tuple:
    """(the node's inputs, _MISSING where unknown): recorded, saved, a leaf, or recomputed."""
    n = len(node.parents)
    if node.debug_inputs is not None and len(node.debug_inputs) == n:
        return list(node.debug_inputs)
    xs = [_MISSING] * n
    for value, origin in zip(node.saved or (), getattr(node, "origins", None) or ()):
        if origin is not None and origin != OUTPUT and origin < n:
            xs[origin] = value
    for i, parent in enumerate(node.parents):
        if xs[i] is _MISSING and type(parent) is AccumulateGrad:
            xs[i] = parent.leaf._data
        elif xs[i] is _MISSING and parent is not None:
            xs[i] = values.get(id(parent), _MISSING)
    return xs


def _describe(parent, x, labels) -> str:
    shape = _shape(x.shape) if isinstance(x, np.ndarray) else None
    if parent is None:
        return "constant (not kept)" if x is _MISSING else f"constant {shape or repr(x)}"
    shape = shape or "(value not kept)"
    if type(parent) is AccumulateGrad:
        return f"{labels[id(parent)]} {shape}"
    return f"{shape} from {parent.op_name()}"


def _message(row: NodeCheck, node, labels) -> str:
    upstream = [labels[id(p)] for p in toposort(node) if type(p) is AccumulateGrad]
    module = f", in module {row.module}" if row.module else ""
    flows = f"; its gradient flows into {', '.join(upstream)}" if upstream else ""
    site = row.site or "an unknown line (build the graph under tg.detect_anomaly() to record it)"
    return "\n".join([
        f"check_graph: the backward of '{row.op}' (node #{row.index}{module}) disagrees with "
        "finite differences.", f"  {row.detail}", "  inputs: " + "; ".join(row.inputs),
        "  parameters: " + (", ".join(row.params) or "none directly") + flows,
        f"  created at {site}"])


def check_graph(root, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                raise_exception: bool = True, params=None, max_elements: int = 100,
                seed: int = 0) -> GraphCheckReport:
    """Check every node of the graph that produced ``root`` against finite differences.

    ``root``: a Tensor (or a list of them) whose graph still holds its values (not yet
    backpropagated, kept with ``retain_graph=True``, or built under ``tg.detect_anomaly()`` /
    ``tg.debug.record_inputs()``, which also keep each node's inputs and line of code).
    ``params``: a Module or a dict name -> Tensor naming the parameters in messages. Inputs
    larger than ``max_elements`` are checked at that many sampled elements plus one random
    direction.

    Returns a :class:`GraphCheckReport`, one row per node (``print`` it). At the first node
    whose backward disagrees it raises :class:`GraphCheckError` (a ``tg.GradcheckError``)
    naming the op, its inputs, the parameters involved and the line that created it; with
    ``raise_exception=False`` every node is checked and the report returned.
    """
    rng = np.random.default_rng(seed)
    names, modules = param_names(params), ModuleInfo(params)
    nodes = toposort(list(root) if isinstance(root, (list, tuple)) else [root])
    labels = {id(n): (names.get(id(n.leaf)) or n.leaf.name or "leaf") if n.leaf is not None
              else "a freed leaf" for n in nodes if type(n) is AccumulateGrad}
    values = known_values(nodes)  # id(node) -> its output (re-computed in float64 below)
    report = GraphCheckReport()
    for node in nodes:
        if type(node) is AccumulateGrad:
            continue
        xs = _gather(node, values)
        row = NodeCheck(len(report), node.op_name(),
                        [_describe(p, x, labels) for p, x in zip(node.parents, xs)],
                        node.shape, site=node.site, node=node,
                        params=[labels[id(p)] for p in node.parents
                                if type(p) is AccumulateGrad],
                        module=None if node.module is None else modules.label(node.module))
        report.append(row)
        missing = [i for i, x in enumerate(xs) if x is _MISSING]
        if missing:
            what = "freed by backward()" if node.saved is None else "not kept by the graph"
            row.status, row.detail = SKIP, f"input {missing[0]} was {what}"
            continue
        xs = [np.array(x, dtype=np.float64, order="C")
              if isinstance(x, np.ndarray) and x.dtype.kind == "f" else x for x in xs]
        try:
            with np.errstate(all="ignore"):
                row.status, row.error, row.detail, values[id(node)] = _check(
                    _Rerun(node), xs, eps, atol, rtol, rng, max_elements)
        except Exception as exc:  # noqa: BLE001 - a node that cannot re-run is reported
            row.status, row.detail = SKIP, f"re-running its forward raised {exc!r}"
        if row.status == FAIL and raise_exception:
            raise GraphCheckError(_message(row, node, labels), report, row)
    return report
