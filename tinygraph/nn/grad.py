"""``torch.nn.grad``: the gradients of a convolution with respect to its input and to its
weight, as functions (``conv2d_input``, ``conv2d_weight``, and the 1-D and 3-D ones). Custom
``autograd.Function``\\ s that fuse a convolution with what follows it call them in their
``backward``.

A convolution is linear in its input and in its weight, so each gradient is the
vector-Jacobian product of the convolution at a zero point: the graph records a convolution
of a zero leaf and the engine differentiates it. With grad mode on, the result stays in the
graph (``create_graph``), so it is differentiable in ``grad_output`` and the other operand.
"""

from __future__ import annotations

from ..autograd import enable_grad, is_grad_enabled
from ..autograd.api import grad as _grad
from ..factories import zeros
from . import functional_conv as F


def _vjp(conv, size, grad_output, make, what: str):
    size = tuple(int(n) for n in size)
    wanted = is_grad_enabled()
    leaf = zeros(size, dtype=grad_output.dtype, requires_grad=True)
    with enable_grad():
        out = make(conv, leaf)
        if tuple(out.shape) != tuple(grad_output.shape):
            raise RuntimeError(f"{what}: grad_output has shape {tuple(grad_output.shape)}, but "
                               f"the convolution gives shape {tuple(out.shape)}; check the "
                               "sizes, stride, padding, dilation and groups.")
        (result,) = _grad(out, leaf, grad_output, create_graph=wanted)
    return result if wanted else result.detach()


def _input_fn(nd: int):
    conv = getattr(F, f"conv{nd}d")
    name = f"conv{nd}d_input"

    def fn(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
        return _vjp(conv, input_size[-nd - 2:], grad_output,
                    lambda c, x: c(x, weight, None, stride, padding, dilation, groups), name)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"The gradient of ``F.conv{nd}d(input, weight, ...)`` with respect to an "
                  "input of size ``input_size``, given ``grad_output``.")
    return fn


def _weight_fn(nd: int):
    conv = getattr(F, f"conv{nd}d")
    name = f"conv{nd}d_weight"

    def fn(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
        return _vjp(conv, weight_size, grad_output,
                    lambda c, w: c(input, w, None, stride, padding, dilation, groups), name)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"The gradient of ``F.conv{nd}d(input, weight, ...)`` with respect to a "
                  "weight of size ``weight_size``, given ``grad_output``.")
    return fn


conv1d_input, conv2d_input, conv3d_input = (_input_fn(n) for n in (1, 2, 3))
conv1d_weight, conv2d_weight, conv3d_weight = (_weight_fn(n) for n in (1, 2, 3))

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input",
           "conv3d_weight"]
