"""``torch.nn.utils.fusion`` (and the same names in ``torch.nn.utils``): fold an eval-mode
BatchNorm into the convolution or linear layer before it, so inference runs one layer.

    fused = nn.utils.fuse_conv_bn_eval(conv.eval(), bn.eval())   # fused(x) == bn(conv(x))

With running statistics m, v, the BatchNorm's weight g, bias b and eps:
w' = w * g / sqrt(v + eps) (per output channel), b' = (bias - m) * g / sqrt(v + eps) + b.
"""

from __future__ import annotations

import copy

from ...autograd import no_grad
from ...factories import ones_like, zeros_like
from ...ops import functions as ops
from ..parameter import Parameter


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b,
                         transpose: bool = False):
    """The fused convolution's ``(weight, bias)`` as Parameters (``transpose``: a
    transposed convolution, whose output channels are weight dim 1)."""
    with no_grad():
        bias_dtype = conv_b.dtype if conv_b is not None else conv_w.dtype
        conv_b = zeros_like(bn_rm) if conv_b is None else conv_b
        bn_w = ones_like(bn_rm) if bn_w is None else bn_w
        bn_b = zeros_like(bn_rm) if bn_b is None else bn_b
        rsqrt = ops.rsqrt(bn_rv + bn_eps)
        shape = ([1, -1] if transpose else [-1, 1]) + [1] * (conv_w.ndim - 2)
        weight = (conv_w * (bn_w * rsqrt).reshape(shape)).to(conv_w.dtype)
        bias = ((conv_b - bn_rm) * rsqrt * bn_w + bn_b).to(bias_dtype)
    return Parameter(weight, conv_w.requires_grad), Parameter(bias, conv_b.requires_grad)


def fuse_conv_bn_eval(conv, bn, transpose: bool = False):
    """A copy of ``conv`` (in eval mode, as ``bn``) computing ``bn(conv(x))``."""
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("fuse_conv_bn_eval: the BatchNorm has no running statistics.")
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """The fused linear layer's ``(weight, bias)`` as Parameters."""
    with no_grad():
        bias_dtype = linear_b.dtype if linear_b is not None else linear_w.dtype
        linear_b = zeros_like(bn_rm) if linear_b is None else linear_b
        bn_w = ones_like(bn_rm) if bn_w is None else bn_w
        bn_b = zeros_like(bn_rm) if bn_b is None else bn_b
        scale = bn_w * ops.rsqrt(bn_rv + bn_eps)
        weight = linear_w * scale.unsqueeze(-1).to(linear_w.dtype)
        bias = ((linear_b - bn_rm) * scale + bn_b).to(bias_dtype)
    return Parameter(weight, linear_w.requires_grad), Parameter(bias, linear_b.requires_grad)


def fuse_linear_bn_eval(linear, bn):
    """A copy of ``linear`` (in eval mode, as ``bn``) computing ``bn(linear(x))``."""
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if not (linear.out_features == bn.num_features or bn.num_features == 1):
        raise AssertionError("To fuse, linear.out_features must equal bn.num_features or "
                             "bn.num_features must equal 1.")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("fuse_linear_bn_eval: the BatchNorm has no running statistics.")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused


__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights"]
