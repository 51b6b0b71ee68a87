"""The spatial-transformer functions of ``torch.nn.functional``: ``affine_grid`` and
``grid_sample`` (the ops are in tinygraph/ops/grid_sample.py), and ``max_unpool1d/2d/3d``
(tinygraph/ops/unpool.py).

>>> grid = F.affine_grid(theta, x.shape, align_corners=False)   # theta: (N, 2, 3)
>>> y = F.grid_sample(x, grid, align_corners=False)              # x warped by theta
"""

from __future__ import annotations

import warnings

import numpy as np

from ..ops.args import data, shape
from ..ops.grid_sample import MODES, PADDINGS, affine_grid_generator, grid_sampler
from ..ops.unpool import max_unpool

_DEFAULT_CHANGED = ("Default grid_sample and affine_grid behavior has changed to "
                    "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                    "old behavior is desired. See the documentation of grid_sample for details.")


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of a batch of affine maps: ``theta`` (N, 2, 3) for a 4-D ``size``
    (N, C, H, W) gives (N, H, W, 2); (N, 3, 4) for a 5-D size gives (N, D, H, W, 3). Each
    output point is theta @ [x, y, (z,) 1] of the identity grid in [-1, 1]."""
    if align_corners is None:
        warnings.warn(_DEFAULT_CHANGED, stacklevel=2)
        align_corners = False
    array = np.asarray(data(theta))
    if array.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {array.dtype} "
                         "(affine_grid; convert theta with .float() or .double()).")
    size = [int(v) for v in size]
    s = tuple(shape(theta))
    if len(size) in (4, 5):
        nd = len(size) - 2
        if len(s) != 3 or s[-2:] != (nd, nd + 1):
            raise ValueError(f"Expected a batch of {nd}D affine matrices of shape "
                             f"Nx{nd}x{nd + 1} for size {size}. Got {s} (affine_grid).")
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}.")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size} (affine_grid).")
    return affine_grid_generator(theta, size, align_corners)


def grid_sample(input, grid, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners=None):
    """``input`` (N, C, H, W) read at the points of ``grid`` (N, H', W', 2), x then y in
    [-1, 1] (5-D: (N, C, D, H, W) and (N, D', H', W', 3)). ``mode``: 'bilinear', 'nearest'
    or 'bicubic' (4-D only); ``padding_mode`` for points outside: 'zeros', 'border' or
    'reflection'. Differentiable in the input and in the grid (zero for 'nearest')."""
    if mode not in MODES:
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in PADDINGS:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_DEFAULT_CHANGED, stacklevel=2)
        align_corners = False
    return grid_sampler(input, grid, MODES.index(mode), PADDINGS.index(padding_mode),
                        align_corners)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of ``max_pool1d(..., return_indices=True)``: each value written back at
    its index into zeros of length (L - 1) * stride - 2 padding + kernel (or
    ``output_size``)."""
    return max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of ``max_pool2d(..., return_indices=True)`` on (N, C, H, W) input."""
    return max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of ``max_pool3d(..., return_indices=True)`` on (N, C, D, H, W) input."""
    return max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)
