"""One application of a gradient transform (``grad``, ``vjp``, ``jvp``, ``jacrev``): PyTorch's
functorch "level", rebuilt on tinygraph's one reverse-mode graph.

On entry each differentiated input gets an inner stand-in: a fresh leaf (a detached copy
that requires grad) when nothing outside needs gradients through it, else a ``clone`` (an
identity op recorded on the outer graph, so the inner gradient is taken with respect to this
use only, and the outer graph still reaches the original). The function runs under
``enable_grad`` (a transform computes gradients even under ``no_grad``, as torch's).

On exit, what the transform returns keeps its graph only where that graph reaches a tensor
requiring grad from outside this level (an input that required grad, a closed-over parameter,
a fresh leaf of an enclosing transform): those are the results torch's outer autograd can
differentiate. Everything else is detached, so ``grad(f)(x)`` with a plain ``x`` returns a
plain tensor. Gradients are built with ``create_graph`` exactly when the output reaches such an
outside tensor, which is what makes ``grad(grad(f))`` and ``jacrev(jacrev(f))`` work.
"""

from __future__ import annotations

from ..autograd import AccumulateGrad, is_grad_enabled, toposort
from ..tensor import Tensor


def check_tensor(value, what: str = "") -> Tensor:
    """A Tensor argument of a transform (torch: ``ValueError`` for anything else)."""
    if not isinstance(value, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(value)}"
                         + (f" ({what})" if what else "")
                         + ". Wrap numbers in tg.tensor(..., dtype=tg.float64) first.")
    return value


class Level:
    """The inner inputs of one transform call, and what may leave it with a graph."""

    def __init__(self) -> None:
        self.outer_enabled = is_grad_enabled()
        self.fresh: dict[int, Tensor] = {}  # id -> the fresh leaves made here (kept alive)

    def enter(self, value: Tensor, fn: str) -> Tensor:
        """The inner stand-in for one differentiated input."""
        check_tensor(value)
        if value.dtype.kind not in "fc":
            raise RuntimeError(
                f"{fn}: only Tensors of floating point dtype can require gradients, got an "
                f"input of dtype {value.dtype}; convert it first (x.double() or x.float()).")
        if value.requires_grad and self.outer_enabled:
            return value.clone()
        inner = value.detach().requires_grad_(True)
        self.fresh[id(inner)] = inner
        return inner

    def fresh_leaf(self, value: Tensor) -> Tensor:
        """A new leaf of this level (jvp's dummy cotangents)."""
        self.fresh[id(value)] = value
        return value

    def reaches_outside(self, tensors) -> bool:
        """Whether the graph of any of ``tensors`` reaches a tensor requiring grad from
        outside this level (so results must stay differentiable for the outer graph)."""
        if not self.outer_enabled:
            return False
        roots = [t for t in tensors if isinstance(t, Tensor) and t.requires_grad]
        if not roots:
            return False
        for node in toposort(roots):
            if isinstance(node, AccumulateGrad) and id(node.leaf) not in self.fresh:
                return True
        return False

    def export(self, value):
        """``value`` (a Tensor or anything else) as the transform hands it out."""
        if not isinstance(value, Tensor) or not value.requires_grad:
            return value
        return value if self.reaches_outside([value]) else value.detach()
