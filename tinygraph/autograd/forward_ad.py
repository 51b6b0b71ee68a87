"""``torch.autograd.forward_ad``: forward-mode derivatives with dual tensors.

    with fwAD.dual_level():
        x = fwAD.make_dual(primal, tangent)
        y = f(x)
        jvp = fwAD.unpack_dual(y).tangent       # J_f(primal) @ tangent

tinygraph has no forward-mode engine: it gets the same numbers from reverse mode ("the double
vjp trick"). A dual tensor is recorded like a tensor that requires grad; ``unpack_dual(y)``
takes u -> J^T u (a vjp with u a fresh tensor, kept in the graph) and differentiates
<J^T u, tangent> with respect to u, which is J @ tangent. So every op forward mode meets needs
its double backward (tinygraph has them), and each ``unpack_dual`` costs two backward passes.
Deliberate differences: tensors computed from a dual (and, with grad mode on, their tangents)
report ``requires_grad=True`` (they are in a reverse-mode graph, so a loss on a tangent can be
differentiated with respect to the weights, as torch's), and ``unpack_dual(y).primal`` is
``y`` detached.
"""

from __future__ import annotations

from typing import NamedTuple

from .api import grad
from .mode import enable_grad, is_grad_enabled

_levels: list[list] = []  # per open level: the (dual tensor, tangent) pairs made at it


class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the primal value and its tangent (None when the tensor
    does not depend on a dual tensor of the level)."""

    primal: object
    tangent: object


def enter_dual_level() -> int:
    """Open a new level (``dual_level()`` does this on entry); returns its index."""
    _levels.append([])
    return len(_levels) - 1


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the innermost level: its dual tensors lose their tangents."""
    if not _levels or (level is not None and level != len(_levels) - 1):
        raise RuntimeError("exit_dual_level: that level is not the innermost open one.")
    _levels.pop()


class dual_level:  # noqa: N801 - torch's name
    """``with fwAD.dual_level():``: dual tensors made inside live until the block ends."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc) -> bool:
        exit_dual_level()
        return False


def _level(level, what: str) -> list:
    if not _levels:
        raise RuntimeError(f"{what}: trying to create a dual Tensor for forward AD but no "
                           "level exists, make sure to enter_dual_level() first.")
    return _levels[-1 if level is None else level]


def make_dual(tensor, tangent, *, level: int | None = None):
    """A tensor with ``tensor``'s values that carries ``tangent`` (same shape) as its
    forward derivative."""
    pairs = _level(level, "make_dual")
    if tensor.dtype.kind != "f":
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than "
                           f"that of the original Tensor, this is not supported. Tensor is of "
                           f"size {list(tensor.shape)} while the given forward gradient is of "
                           f"size {list(tangent.shape)}.")
    with enable_grad():
        dual = tensor.view_as(tensor) if tensor.requires_grad else (
            tensor.detach().requires_grad_(True))
    pairs.append((dual, tangent.detach()))
    return dual


def unpack_dual(tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of ``tensor``: its values and J @ tangent through every dual
    tensor of the level it depends on (None if none)."""
    pairs = _levels[-1 if level is None else level] if _levels else []
    primal = tensor.detach()
    keep = is_grad_enabled()  # the tangent stays in the graph (reverse over forward)
    live = [(d, t) for d, t in pairs if d is tensor]
    if live:
        return UnpackedDualTensor(primal, live[0][1])
    if not pairs or not tensor.requires_grad or tensor.dtype.kind != "f":
        return UnpackedDualTensor(primal, None)
    with enable_grad():
        probe = tensor.new_zeros(tuple(tensor.shape)).requires_grad_(True)
        vjps = grad(tensor, [d for d, _ in pairs], probe, create_graph=True,
                    allow_unused=True)
        terms = [(g * t).sum() for g, (_, t) in zip(vjps, pairs) if g is not None]
        if not terms:
            return UnpackedDualTensor(primal, None)
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        (tangent,) = grad(total, probe, create_graph=keep, allow_unused=True,
                          materialize_grads=True)
    return UnpackedDualTensor(primal, tangent if keep else tangent.detach())


__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level",
           "make_dual", "unpack_dual"]
